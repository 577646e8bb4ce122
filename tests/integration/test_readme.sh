#!/bin/sh
# test_readme.sh - README.md's set-up run as it is written. The blocks
# marked "<!-- readme-test: NAME -->" are taken out of README.md (never
# retyped) and run in order on a slapd configured from Debian's own
# slapd.init.ldif (tests/lib/debian_slapd.sh) with a private Redis:
#   ldap   the schema, debian-slapd.ldif, the secret file, sendergate-base.ldif
#   file   the configuration, written where the block says
#   check  sendergate -n and -n -t
#   token  the ownership record of acmecorp.com, which the test then
#          publishes on a private NSD (tests/lib/dns.sh) as the customer
#          would
#   ctl    the sendergatectl examples
# Only the site is changed, never a command: ldapi:/// and the LDAP
# clients' default server point at the private slapd (wrappers, LDAPURI),
# ldap_uri and redis_address at the private servers, /root/ into the
# temporary directory, dns_resolver (a site setting) at the NSD. Run by
# make check on the tree (/usr/share/sendergate/
# and /etc/sendergate/ mapped into the tree and the temporary directory;
# without a sendergate account, user and group nobody / nogroup), and by
# tests/package.sh with SG_README_INSTALLED=1 on the installed package,
# its paths as they are. Then: the milter runs on the result and knows
# john.smith; domain add under a missing ldap_base says so.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_readme.sh: ldapi EXTERNAL as root is Debian's config admin"
	exit 0
fi
if [ ! -r /usr/share/slapd/slapd.init.ldif ]; then
	echo "not ok - no /usr/share/slapd/slapd.init.ldif (the slapd package)"
	exit 1
fi
README=${SG_README:-$SG_TOP/README.md}
INSTALLED=${SG_README_INSTALLED:-}

sg_setup
. "$(dirname "$0")/../lib/debian_slapd.sh"
. "$(dirname "$0")/../lib/dns.sh"
debian_slapd_start || exit 1
redis_start || { echo "not ok - redis did not start"; exit 1; }
R=$SG_TMP/readme
mkdir -p "$R/bin" "$R/root" "$R/etc"
chmod 0711 "$SG_TMP" "$R"
printf '%s' "$SLAPD_ADMIN_PW" >"$R/root/ldap-admin.secret"
chmod 0600 "$R/root/ldap-admin.secret"

# block NAME: the fenced block after "<!-- readme-test: NAME -->"
block() {
	awk -v want="$1" '
	    $0 ~ "^<!-- readme-test: " want " -->$" { found = 1; next }
	    found == 1 && /^```/ { found = 2; next }
	    found == 2 && /^```/ { exit }
	    found == 2 { print }' "$README"
}
# the site: paths and accounts (a command is never changed)
if [ -n "$INSTALLED" ]; then
	ETC=/etc/sendergate
	SGBIN=/usr/sbin/sendergate CTLBIN=/usr/sbin/sendergatectl
	SG_BIN=$SGBIN	# the milter below: the installed one
	site() { sed -e "s|/root/|$R/root/|g"; }
	sg_atexit "rm -f /etc/sendergate/ldap.secret /etc/sendergate/domain-token.secret"
else
	ETC=$R/etc
	SGBIN=$SG_TOP/milter/sendergate CTLBIN=$SG_TOP/milter/sendergatectl
	grp=sendergate usr=sendergate
	id sendergate >/dev/null 2>&1 || { grp=nogroup usr=nobody; }
	site() {
		sed -e "s|/root/|$R/root/|g" -e "s|/etc/sendergate/|$ETC/|g" \
		    -e "s|/usr/share/sendergate/|$SG_ROOT/|g" \
		    -e "s|-g sendergate |-g $grp |" -e "s|^user = sendergate$|user = $usr|"
	}
	# the tree's binaries, with the configuration the README wrote
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$SG_TOP/milter/sendergate" \
	    >"$R/bin/sendergate"
	printf '#!/bin/sh\nexec "%s" -c "%s" "$@"\n' \
	    "$SG_TOP/milter/sendergatectl" "$ETC/sendergate.conf" \
	    >"$R/bin/sendergatectl"
fi
# ldapi:/// is the private slapd's socket; other LDAP clients' default
# server (no -H) is the private slapd too
for t in ldapadd ldapmodify; do
	cat >"$R/bin/$t" <<EOT
#!/bin/sh
n=\$#
for a; do
	[ "\$a" = ldapi:/// ] && a=$SLAPD_LDAPI_URI
	set -- "\$@" "\$a"
done
shift \$n
exec /usr/bin/$t "\$@"
EOT
done
chmod 755 "$R/bin"/*
PATH=$R/bin:$PATH:/usr/sbin
LDAPURI=$SLAPD_URI
export PATH LDAPURI

for b in ldap check token ctl; do
	block "$b" | site >"$R/$b.sh"
	check "README.md has a readme-test block \"$b\"" test -s "$R/$b.sh"
done
target=$(sed -n 's/^<!-- readme-test: file \(.*\) -->$/\1/p' "$README")
check "README.md has a configuration block (file $target)" \
    test "$target" = /etc/sendergate/sendergate.conf
block "file $target" | site |
    sed -e "s|^ldap_uri = .*|ldap_uri = $SLAPD_URI|" \
    -e "s|^redis_address = .*|redis_address = 127.0.0.1:$REDIS_PORT|" \
    >"$R/conf"
DNS_PORT=$(sg_free_port) || exit 1
echo "dns_resolver = 127.0.0.1:$DNS_PORT" >>"$R/conf"

# ldap_has_verified: acmecorp.com's domain entry says its ownership
# record was found
ldap_has_verified() {
	ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_ADMIN_DN" \
	    -w "$SLAPD_ADMIN_PW" -b "ou=sendergate,$SLAPD_SUFFIX" \
	    '(sgPrimaryDomain=acmecorp.com)' sgPrimaryDomainVerified |
	    grep -q '^sgPrimaryDomainVerified: TRUE'
}
# run NAME: the block in a shell that stops at the first failure
run() {
	(cd "$R" && sh -e -x "$R/$1.sh") >"$R/$1.out" 2>&1
	_rc=$?
	[ "$_rc" -eq 0 ] || sed 's/^/	# /' "$R/$1.out"
	return "$_rc"
}
check "README's LDAP set-up runs on Debian's slapd" run ldap
check "the secret file: group $( [ -n "$INSTALLED" ] && echo sendergate || echo "$grp"), 0640" \
    test "$(stat -c %G:%a "$ETC/ldap.secret")" = \
    "$( [ -n "$INSTALLED" ] && echo sendergate || echo "$grp"):640"
cp "$R/conf" "$ETC/sendergate.conf"
check "README's sendergate -n and -n -t pass on its configuration" run check
check "-n -t bound and found ldap_base" \
    grep -q 'bound as "cn=sendergate,ou=services,dc=example,dc=com", ldap_base found' \
    "$R/check.out"
check "README's domain token prints the ownership record" run token
# the customer publishes it: acmecorp.com's zone on the private NSD
rec=$(grep '^_sendergate\.acmecorp\.com\. IN TXT ' "$R/token.out")
check "... as a zone file line for _sendergate.acmecorp.com" test -n "$rec"
mkdir -p "$SG_TMP/dns"
cat >"$SG_TMP/dns/acmecorp.com.zone" <<EOT
\$ORIGIN acmecorp.com.
\$TTL 60
@ IN SOA ns.acmecorp.com. hostmaster.acmecorp.com. 1 3600 600 86400 60
@ IN NS ns.acmecorp.com.
ns IN A 127.0.0.1
$rec
EOT
dns_start acmecorp.com || { echo "not ok - nsd did not start"; exit 1; }
check "README's sendergatectl examples run" run ctl
check "domain add found the record: acmecorp.com verified" \
    ldap_has_verified
check "the password was generated and printed once" \
    grep -q '^password: ' "$R/ctl.out"

# the milter on what the README made
SG_LDAP_MODE=mirror
milter_conf main
sed -i -e "s|^ldap_bind_dn = .*|ldap_bind_dn = cn=sendergate,ou=services,dc=example,dc=com|" \
    -e "s|^ldap_bind_password_file = .*|ldap_bind_password_file = $ETC/ldap.secret|" \
    "$SG_TMP/main.conf"
milter_start main || { echo "not ok - sendergate did not start"; exit 1; }
says() { { tx_head Q1 "$2" 198.51.100.9; echo "expect $3"; } | mt main "$1"; }
check "the milter, bound as the README's DN, knows john.smith (rule 9c)" \
    eventually 5 says r-john john.smith@acmecorp.com "530 5.7.0 Authentication required"

# a missing ldap_base: domain add says so
sed "s|^ldap_base = .*|ldap_base = ou=missing,dc=example,dc=com|" "$R/conf" \
    >"$R/missing.conf"
"$CTLBIN" -c "$R/missing.conf" --bind-dn "$SLAPD_ADMIN_DN" \
    --bind-password-file "$R/root/ldap-admin.secret" domain add x.relay.example \
    --primary x.example --skip-dns-check --reason "no DNS here" \
    >"$R/missing.out" 2>&1
check "domain add under a missing ldap_base: says it does not exist" \
    grep -q 'ldap_base ou=missing,dc=example,dc=com does not exist' "$R/missing.out"

# -n -t finds a wrong bind password before a start; -n alone cannot
printf 'wrong' >"$R/wrong.secret"
chmod 0644 "$R/wrong.secret"
chgrp "$(stat -c %G "$ETC/ldap.secret")" "$R/wrong.secret"
chmod 0640 "$R/wrong.secret"
sed "s|^ldap_bind_password_file = .*|ldap_bind_password_file = $R/wrong.secret|" \
    "$R/conf" >"$R/wrong.conf"
"$SGBIN" -n -c "$R/wrong.conf" >/dev/null 2>&1
check "a wrong bind password: -n passes (the file is valid)" test $? -eq 0
"$SGBIN" -n -t -c "$R/wrong.conf" >"$R/wrong.out" 2>&1
check "a wrong bind password: -n -t exits 1, naming Invalid credentials" \
    sh -c "[ $? -eq 1 ] && grep -q 'Invalid credentials' '$R/wrong.out'"
