#!/bin/sh
# test_harness.sh - checks tests/lib/servers.sh itself: a private slapd
# (plain, StartTLS, ldaps, ldapi; anonymous, bind DN, admin; restart,
# freeze) and redis-server (with a password; restart).
#
# Prints "ok - ..." / "not ok - ..." lines; exits non-zero on any failure.

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/servers.sh"

failed=0
n=0

# Report check $1 (a description) from the status of the last command.
check() {
	sg_st=$?
	n=$((n + 1))
	if [ "$sg_st" -eq 0 ]; then
		echo "ok - $1"
	else
		echo "not ok - $1"
		failed=$((failed + 1))
	fi
}

# Count the entries an ldapsearch (arguments) returns; prints the number.
count_dn() {
	timeout 30 ldapsearch -LLL -o nettimeout=5 "$@" dn 2>/dev/null |
	    grep -c '^dn:'
}

# Senders in ldap-schema/example.ldif.
want=$(grep -c '^objectClass: sgSender' "$top/ldap-schema/example.ldif")

REDIS_PASSWORD=redispw
export REDIS_PASSWORD

sg_setup
check "sg_setup makes a directory"

slapd_start
check "slapd starts"
redis_start
check "redis-server starts"

[ "$SLAPD_BASE" = ou=sendergate,dc=example,dc=com ] &&
    [ "$SLAPD_BIND_DN" = cn=sendergate,dc=example,dc=com ] &&
    [ "$SLAPD_ADMIN_DN" = cn=admin,dc=example,dc=com ] &&
    [ "$SLAPD_ADMIN_PW" = adminpw ] &&
    [ "$SLAPD_URI" = "ldap://127.0.0.1:$SLAPD_PORT" ] &&
    [ -n "$SLAPD_LDAPS_URI" ] && [ -s "$SLAPD_CA" ] &&
    [ "$REDIS_ADDRESS" = "127.0.0.1:$REDIS_PORT" ]
check "variables exported"

[ "$(cat "$SLAPD_BIND_PW_FILE")" = milterpw ] &&
    [ "$(wc -c <"$SLAPD_BIND_PW_FILE")" -eq 8 ] &&
    [ "$(stat -c %a "$SLAPD_BIND_PW_FILE")" = 600 ]
check "bind password file: milterpw, no newline, mode 0600"

[ "$(stat -c %a "$REDIS_PW_FILE")" = 600 ] &&
    [ "$(cat "$REDIS_PW_FILE")" = redispw ]
check "redis password file: mode 0600"

got=$(count_dn -x -H "$SLAPD_URI" -b "$SLAPD_BASE" '(objectClass=sgSender)')
[ "$got" -eq "$want" ] && [ "$want" -gt 5 ]
check "anonymous search finds the $want example senders (got $got)"

got=$(count_dn -x -H "$SLAPD_URI" -D "$SLAPD_BIND_DN" -y "$SLAPD_BIND_PW_FILE" \
    -b "$SLAPD_BASE" '(&(objectClass=sgDomain)(sgPrimaryDomain=ACMECORP.COM))')
[ "$got" -eq 1 ]
check "bind DN search finds the domain by sgPrimaryDomain (got $got)"

got=$(count_dn -x -H "$SLAPD_URI" -D "$SLAPD_BIND_DN" -y "$SLAPD_BIND_PW_FILE" \
    -b "$SLAPD_BASE" '(sgAuthId=John.Smith@acmecorp-com.relay.example)')
[ "$got" -eq 2 ]
check "sgAuthId matches case-insensitively (got $got)"

! timeout 30 ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_BIND_DN" \
    -y "$SLAPD_BIND_PW_FILE" -b "$SLAPD_BASE" '(mail=john.smith@acmecorp.com)' \
    userPassword 2>/dev/null | grep -q '^userPassword'
check "bind DN cannot read userPassword"

timeout 30 ldapwhoami -x -H "$SLAPD_URI" -o nettimeout=5 \
    -D "mail=john.smith@acmecorp.com,sgDomainName=acmecorp-com.relay.example,$SLAPD_BASE" \
    -w JohnS-2026 >/dev/null 2>&1
check "a sender binds with its example password"

got=$(LDAPTLS_CACERT=$SLAPD_CA count_dn -x -H "$SLAPD_LDAPS_URI" \
    -b "$SLAPD_BASE" '(mail=billing@acmecorp.com)')
[ "$got" -eq 1 ]
check "ldaps search with LDAPTLS_CACERT (got $got)"

got=$(LDAPTLS_CACERT=$SLAPD_CA count_dn -x -ZZ -H "$SLAPD_URI" \
    -D "$SLAPD_BIND_DN" -y "$SLAPD_BIND_PW_FILE" \
    -b "$SLAPD_BASE" '(mail=billing@acmecorp.com)')
[ "$got" -eq 1 ]
check "StartTLS (-ZZ) search with the bind DN (got $got)"

# (libldap checks "localhost" against the machine's own name, so the
# DNS:localhost name is looked at with openssl instead of ldapsearch.)
san=$(openssl x509 -noout -text -in "$SG_TMP/tls/server.pem" 2>/dev/null |
    grep -A1 'Subject Alternative Name' | tail -n 1)
case $san in *DNS:localhost*) : ;; *) false ;; esac &&
    case $san in *"IP Address:127.0.0.1"*) : ;; *) false ;; esac &&
    openssl verify -CAfile "$SLAPD_CA" "$SG_TMP/tls/server.pem" >/dev/null 2>&1
check "server certificate: SAN localhost and 127.0.0.1, signed by SLAPD_CA"

! LDAPTLS_REQCERT=demand timeout 30 ldapsearch -x -H "$SLAPD_LDAPS_URI" \
    -o nettimeout=5 -b "$SLAPD_BASE" -s base >/dev/null 2>&1 </dev/null
check "ldaps without the CA is refused"

got=$(count_dn -x -H "$SLAPD_LDAPI_URI" -b "$SLAPD_BASE" '(mail=*)')
[ "$got" -eq "$want" ]
check "ldapi search (got $got)"

[ "$(id -u)" -ne 0 ] ||
    [ "$(timeout 30 ldapwhoami -Q -Y EXTERNAL -H "$SLAPD_LDAPI_URI" \
    2>/dev/null)" = "dn:$SLAPD_ADMIN_DN" ]
check "root over ldapi with -Y EXTERNAL is the admin"

ldap_admin ldapadd >/dev/null <<EOF
dn: mail=new@acmecorp.com,sgDomainName=acmecorp-com.relay.example,$SLAPD_BASE
objectClass: sgSender
mail: new@acmecorp.com
sgAuthId: new@acmecorp-com.relay.example
EOF
check "ldap_admin ldapadd adds a sender"

ldap_admin ldapmodify >/dev/null <<EOF
dn: mail=new@acmecorp.com,sgDomainName=acmecorp-com.relay.example,$SLAPD_BASE
changetype: modify
replace: sgStatus
sgStatus: suspended
EOF
check "ldap_admin ldapmodify changes it"

! ldap_admin ldapadd >/dev/null 2>&1 <<EOF
dn: mail=bad@acmecorp.com,sgDomainName=acmecorp-com.relay.example,$SLAPD_BASE
objectClass: sgSender
mail: bad@acmecorp.com
sgMonthlyLimit: lots
EOF
check "the schema refuses a non-integer sgMonthlyLimit"

# ldap_mode = mirror needs RFC 4533 content sync.
timeout 30 ldapsearch -LLL -x -H "$SLAPD_URI" -o nettimeout=5 \
    -D "$SLAPD_BIND_DN" -y "$SLAPD_BIND_PW_FILE" -E '!sync=ro' \
    -b "$SLAPD_BASE" '(objectClass=sgSender)' dn 2>/dev/null |
    grep -c '^dn:' | grep -qx "$((want + 1))"
check "content sync (refreshOnly) returns every sender"

slapd_stop
! timeout 10 ldapsearch -x -H "$SLAPD_URI" -o nettimeout=2 -b "" -s base \
    >/dev/null 2>&1
check "slapd_stop stops it"

old_port=$SLAPD_PORT
slapd_start_again
check "slapd_start_again"
got=$(count_dn -x -H "$SLAPD_URI" -b "$SLAPD_BASE" '(mail=new@acmecorp.com)')
[ "$SLAPD_PORT" = "$old_port" ] && [ "$got" -eq 1 ]
check "same port and data after restart (got $got)"

slapd_freeze
timeout 3 ldapsearch -x -H "$SLAPD_URI" -o nettimeout=1 -b "" -s base \
    >/dev/null 2>&1
[ $? -eq 124 ]
check "a frozen slapd does not answer"
slapd_thaw
timeout 10 ldapsearch -x -H "$SLAPD_URI" -o nettimeout=2 -b "" -s base \
    >/dev/null 2>&1
check "a thawed slapd answers"

[ "$(rcli set sg:test hello)" = OK ] && [ "$(rcli get sg:test)" = hello ]
check "redis set/get with password"

! timeout 10 redis-cli -p "$REDIS_PORT" get sg:test 2>/dev/null |
    grep -q hello
check "redis refuses clients without the password"

timeout 10 redis-cli -s "$REDIS_SOCKET" -a redispw --no-auth-warning \
    ping 2>/dev/null | grep -qx PONG
check "redis answers on its unix socket"

old_port=$REDIS_PORT
redis_start_again
check "redis_start_again"
[ "$REDIS_PORT" = "$old_port" ] && [ "$(rcli ping)" = PONG ] &&
    [ -z "$(rcli get sg:test)" ]
check "same port, empty after restart"

[ "$(rcli config get save | sed -n 2p)" = "" ] &&
    [ "$(rcli config get appendonly | sed -n 2p)" = no ]
check "redis has no persistence"

sg_free_port | grep -Eqx '[0-9]+'
check "sg_free_port prints a port"

tmp=$SG_TMP
(
	# A child test: its EXIT trap must run the sg_atexit commands, stop
	# its servers and remove its directory.
	unset SG_TMP SLAPD_PID REDIS_PID
	export SG_KEEP=0 SLAPD_NO_EXAMPLE=1 SLAPD_NO_ANONYMOUS=1
	sg_setup && slapd_start && redis_start &&
	    sg_atexit "echo ran >'$tmp/atexit'" &&
	    echo "$SG_TMP $SLAPD_PID $REDIS_PID" >"$tmp/child" || exit 1
	count_dn -x -H "$SLAPD_URI" -b "$SLAPD_SUFFIX" >"$tmp/anon"
	count_dn -x -H "$SLAPD_URI" -D "$SLAPD_BIND_DN" \
	    -y "$SLAPD_BIND_PW_FILE" -b "$SLAPD_SUFFIX" >"$tmp/bound"
)
[ "$(cat "$tmp/anon")" -eq 0 ] && [ "$(cat "$tmp/bound")" -eq 3 ]
check "SLAPD_NO_EXAMPLE=1 SLAPD_NO_ANONYMOUS=1: 3 entries, bind DN only"
read -r ctmp cslapd credis <"$tmp/child"
[ -n "$credis" ] && [ ! -d "$ctmp" ] && ! sg_alive "$cslapd" &&
    ! sg_alive "$credis" && [ "$(cat "$tmp/atexit")" = ran ]
check "EXIT trap runs sg_atexit, stops servers, removes SG_TMP"

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	echo "# $failed of $n checks failed; logs in $SG_TMP (SG_KEEP=1 keeps it)"
	exit 1
fi
exit 0
