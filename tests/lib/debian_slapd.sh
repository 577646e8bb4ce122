# debian_slapd.sh - a slapd configured as Debian's package configures it,
# in $SG_TMP/deb: cn=config made from Debian's own
# /usr/share/slapd/slapd.init.ldif (its @SUFFIX@ and @PASSWORD@ filled in,
# its paths moved into the private directory), and, as the package's
# postinst does, the suffix entry dc=example,dc=com; slapd on a loopback
# port and a private ldapi socket. Used by test_debian_slapd.sh and
# test_readme.sh; needs root (ldapi EXTERNAL as root is Debian's config
# admin). Sets and exports SLAPD_SUFFIX, SLAPD_BASE, SLAPD_ADMIN_DN,
# SLAPD_ADMIN_PW, SLAPD_URI, SLAPD_PORT, SLAPD_PID, SLAPD_LDAPI_URI,
# SLAPD_LOG. Requires servers.sh (sg_setup done).

DEBIAN_SLAPD_INIT=/usr/share/slapd/slapd.init.ldif

# debian_slapd_start: 0, or 1 with a "not ok" line printed.
debian_slapd_start() {
	_D=$SG_TMP/deb
	mkdir -p "$_D/config" "$_D/data" "$_D/run" || return 1
	SLAPD_SUFFIX=dc=example,dc=com
	SLAPD_BASE=ou=sendergate,$SLAPD_SUFFIX
	SLAPD_ADMIN_DN=cn=admin,$SLAPD_SUFFIX
	SLAPD_ADMIN_PW=adminpw
	SLAPD_LOG=$SG_TMP/slapd.log
	SLAPD_LDAPI_URI=ldapi://$(printf '%s' "$_D/ldapi" | sed 's,/,%2F,g')
	export SLAPD_SUFFIX SLAPD_BASE SLAPD_ADMIN_DN SLAPD_ADMIN_PW SLAPD_LOG \
	    SLAPD_LDAPI_URI
	_pw=$(slappasswd -s "$SLAPD_ADMIN_PW")
	sed -e "s|@SUFFIX@|$SLAPD_SUFFIX|g" -e "s|@PASSWORD@|$_pw|g" \
	    -e "s|/var/lib/ldap|$_D/data|" -e "s|/var/run/slapd|$_D/run|" \
	    "$DEBIAN_SLAPD_INIT" >"$_D/init.ldif"
	if ! slapadd -F "$_D/config" -n 0 -l "$_D/init.ldif" \
	    >"$_D/slapadd.log" 2>&1; then
		echo "not ok - Debian's slapd.init.ldif does not load (slapadd -n 0)"
		sed 's/^/	# /' "$_D/slapadd.log"
		return 1
	fi
	# the suffix entry, as the package's postinst makes it
	printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n' \
	    "$SLAPD_SUFFIX" >"$_D/suffix.ldif"
	slapadd -F "$_D/config" -b "$SLAPD_SUFFIX" -l "$_D/suffix.ldif" \
	    >>"$_D/slapadd.log" 2>&1 || {
		echo "not ok - the suffix entry does not load"; return 1; }
	SLAPD_PORT=$(sg_free_port)
	SLAPD_URI=ldap://127.0.0.1:$SLAPD_PORT
	export SLAPD_PORT SLAPD_URI
	slapd -d stats -F "$_D/config" -h "$SLAPD_URI/ $SLAPD_LDAPI_URI" \
	    >>"$SLAPD_LOG" 2>&1 &
	SLAPD_PID=$!
	export SLAPD_PID
	sg_atexit "kill $SLAPD_PID 2>/dev/null"
	_i=0
	until ldapsearch -x -H "$SLAPD_URI" -b "" -s base >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ "$_i" -ge 100 ] || ! sg_alive "$SLAPD_PID"; then
			echo "not ok - slapd from Debian's configuration did not start"
			tail -n 20 "$SLAPD_LOG" | sed 's/^/	# /'
			return 1
		fi
		sleep 0.1
	done
}
