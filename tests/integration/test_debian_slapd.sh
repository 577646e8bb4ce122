#!/bin/sh
# test_debian_slapd.sh - the shipped LDAP set-up on a slapd configured as
# Debian's package configures it: cn=config made from Debian's own
# /usr/share/slapd/slapd.init.ldif (its @SUFFIX@ and @PASSWORD@ filled
# in, its paths moved into a private directory), slapd on a loopback
# port. Then, as README and ldap-schema/debian-slapd.ldif say, the schema
# (ldapadd -Y EXTERNAL) and debian-slapd.ldif (ldapmodify -Y EXTERNAL)
# must apply cleanly, and afterwards: the milter's DN reads the tree but
# neither writes it nor reads userPassword, the admin DN writes it
# (sendergatectl), a sender binds with the password sendergatectl set,
# anonymous reads nothing of it, and the milter runs in mirror mode on it.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

if [ ! -r /usr/share/slapd/slapd.init.ldif ]; then
	echo "not ok - no /usr/share/slapd/slapd.init.ldif (the slapd package)"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_debian_slapd.sh: ldapi EXTERNAL as root is Debian's config admin"
	exit 0
fi

sg_setup
. "$(dirname "$0")/../lib/debian_slapd.sh"
D=$SG_TMP/deb
SLAPD_BIND_DN=cn=sendergate,ou=services,dc=example,dc=com
SLAPD_BIND_PW_FILE=$D/bind.pw
export SLAPD_BIND_DN SLAPD_BIND_PW_FILE
check() {
	_case=$1
	shift
	if "$@"; then echo "ok - $_case"; else echo "not ok - $_case"; fi
}
debian_slapd_start || exit 1
echo "ok - Debian's slapd.init.ldif loads, slapd runs on it"
sg_secret_file "$SLAPD_BIND_PW_FILE" milterpw

# the set-up as shipped
ext() { "$@" -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" >>"$SG_TMP/ext.log" 2>&1; }
check "ldapadd -Y EXTERNAL of ldap-schema/sendergate.ldif" \
    ext ldapadd -f "$SG_ROOT/ldap-schema/sendergate.ldif"
sed -e "s/@BASE@/$SLAPD_BASE/" \
    -e "s/@MILTER_DN@/$SLAPD_BIND_DN/" -e "s/@ADMIN_DN@/$SLAPD_ADMIN_DN/" \
    "$SG_ROOT/ldap-schema/debian-slapd.ldif" >"$D/setup.ldif"
check "ldap-schema/debian-slapd.ldif applies cleanly (ldapmodify -Y EXTERNAL)" \
    ext ldapmodify -f "$D/setup.ldif"
grep -i 'ldap_\|error\|already' "$SG_TMP/ext.log" | sed 's/^/	# /'

# the entries: the milter's account and the base (sendergate-base.ldif),
# the sample tree (its ou=sendergate entry exists already: -c)
sed -e "s/@SUFFIX@/$SLAPD_SUFFIX/" -e "s|@PASSWORD@|$(slappasswd -s milterpw)|" \
    "$SG_ROOT/ldap-schema/sendergate-base.ldif" >"$D/base.ldif"
check "ldap-schema/sendergate-base.ldif adds as the admin DN" \
    eval 'ldap_admin ldapadd -f "$D/base.ldif" >/dev/null 2>&1'
ldap_admin ldapadd -c -f "$SG_ROOT/ldap-schema/example.ldif" >/dev/null 2>&1
check "the admin DN writes the tree (the sample entries added)" \
    test "$(ldap_admin ldapsearch -LLL -b "$SLAPD_BASE" '(objectClass=sgSender)' dn |
    grep -c '^dn:')" -ge 3

J="mail=john.smith@acmecorp.com,sgDomainName=acmecorp-com.relay.example,$SLAPD_BASE"
as_milter() {
	ldapsearch -x -LLL -H "$SLAPD_URI" -D "$SLAPD_BIND_DN" -w milterpw "$@"
}
check "the milter's DN reads the senders" \
    test "$(as_milter -b "$SLAPD_BASE" '(objectClass=sgSender)' dn |
    grep -c '^dn:')" -ge 3
check "the milter's DN does not read userPassword" \
    test -z "$(as_milter -b "$J" -s base '(objectClass=*)' userPassword |
    grep -i '^userPassword')"
check "the admin DN does (there is one to hide)" \
    test -n "$(ldap_admin ldapsearch -LLL -b "$J" -s base userPassword |
    grep -i '^userPassword')"
printf 'dn: %s\nchangetype: modify\nreplace: sgMonthlyLimit\nsgMonthlyLimit: 7\n' \
    "$J" | ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_BIND_DN" -w milterpw \
    >/dev/null 2>&1
check "the milter's DN cannot write (insufficient access, 50)" test $? -eq 50
check "anonymous reads nothing of the tree" \
    test "$(ldapsearch -x -LLL -H "$SLAPD_URI" -b "$SLAPD_BASE" \
    '(objectClass=*)' dn 2>/dev/null | grep -c '^dn:')" -eq 0
check "indexes as shipped (mail, sgPrimaryDomain, sgAuthId, entryCSN)" \
    sh -c "ldapsearch -Q -LLL -Y EXTERNAL -H '$SLAPD_LDAPI_URI' \
    -b 'olcDatabase={1}mdb,cn=config' -s base olcDbIndex 2>/dev/null |
    grep -q 'mail,sgPrimaryDomain,sgAuthId eq' &&
    ! grep -q 'not indexed' '$SLAPD_LOG'"
check "content sync answers the milter's DN (syncprov)" \
    sh -c "ldapsearch -x -LLL -H '$SLAPD_URI' -D '$SLAPD_BIND_DN' -w milterpw \
    -E '!sync=ro' -b '$SLAPD_BASE' '(objectClass=sgSender)' dn >/dev/null 2>&1"

# sendergatectl as the admin, and the milter in mirror mode
redis_start || { echo "not ok - redis did not start"; exit 1; }
SG_LDAP_MODE=mirror
milter_conf main
milter_start main || { echo "not ok - sendergate (mirror) did not start"; exit 1; }
sg_secret_file "$D/admin.pw" "$SLAPD_ADMIN_PW"
CTL=$SG_TOP/milter/sendergatectl
"$CTL" -c "$SG_TMP/main.conf" --bind-dn "$SLAPD_ADMIN_DN" \
    --bind-password-file "$D/admin.pw" passwd john.smith@acmecorp.com \
    --generate >"$D/pw.out" 2>"$D/pw.err"
check "sendergatectl passwd as the admin DN" test $? -eq 0
check "a sender binds with the password sendergatectl set (anonymous auth)" \
    eval 'ldapwhoami -x -H "$SLAPD_URI" -D "$J" -w "$(sed -n "s/^password: //p" "$D/pw.out")" >/dev/null'
"$CTL" -c "$SG_TMP/main.conf" --bind-dn "$SLAPD_ADMIN_DN" \
    --bind-password-file "$D/admin.pw" sender update \
    billing@acmecorp.com --limit 5 >/dev/null 2>"$D/upd.err"
check "sendergatectl sender update as the admin DN" test $? -eq 0
# mirror_says CASE FROM REPLY: the milter's answer at MAIL FROM
mirror_says() {
	{ tx_head Q1 "$2" 198.51.100.9; echo "expect $3"; } | mt main "$1"
}
check "the milter (mirror mode) knows the domain from the synced tree (rule 5)" \
    eventually 5 mirror_says m-nobody nobody@acmecorp.com \
    "550 5.7.1 Sender <nobody@acmecorp.com> is not registered"
check "the milter logged no directory error" \
    eval '! grep -q "rule=directory_error" "$SG_TMP/main.log"'
check "no crash in the milter" no_crash main
