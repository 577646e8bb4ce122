#!/bin/sh
# test_tls.sh - how the daemon reaches its servers: LDAP over ldaps://,
# StartTLS and ldapi://, the CA it trusts (ldap_ca_file), several ldap_uri
# tried in turn, a bind DN with a wrong password; Redis with a password
# (redis_password_file), a wrong or missing password, and over its unix
# socket (redis_address = unix:/path).
#
# Redis runs with requirepass for the whole test, so every daemon here
# names the password file unless the case is about a wrong one.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

REDIS_PASSWORD=sg-redis-secret
export REDIS_PASSWORD

sg_backends

DAEMONS=
# start NAME ["key = value"...]: a daemon with the Redis password and
# the keys given; 1 (and a "not ok") if it does not start.
start() {
	st_name=$1
	shift
	milter_conf "$st_name"
	milter_set "$st_name" "redis_password_file = $REDIS_PW_FILE" "$@"
	sg_atexit milter_stop "$st_name"
	DAEMONS="$DAEMONS $st_name"
	if ! milter_start "$st_name"; then
		echo "not ok - sendergate $st_name did not start"
		return 1
	fi
}

BKEY="sg:{acme.test}:s:bob@acme.test:$MONTH"
# counted MILTER CASE: bob@ sends one message through MILTER, accepted
# and counted once.
counted() {
	cnt_before=$(rcli GET "$BKEY")
	ok_mt "$1" "$2" <<EOF
$(tx_head "$2" bob@acme.test 192.0.2.7)
expect continue
$(tx_body bob@acme.test)
expect continue
EOF
	check "$2: counted" \
	    test "$(rcli GET "$BKEY")" = $((${cnt_before:-0} + 1))
}

# refused MILTER CASE REPLY: bob@'s MAIL FROM gets REPLY.
refused() {
	ok_mt "$1" "$2" <<EOF
$(tx_head "$2" bob@acme.test 192.0.2.7)
expect $3
EOF
}

DIRFAIL="451 4.3.0 Sender directory unavailable, try again later"
CTRFAIL="451 4.3.0 Sender counters unavailable, try again later"

# A second CA that did not sign slapd's certificate.
mkdir -p "$SG_TMP/otherca"
openssl req -x509 -new -nodes -days 2 \
    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$SG_TMP/otherca/ca.key" -out "$SG_TMP/otherca/ca.pem" \
    -subj "/O=somebody else/CN=another test CA" \
    >"$SG_TMP/otherca/log" 2>&1
check "a second CA made with openssl" test -s "$SG_TMP/otherca/ca.pem"
OTHERCA=$SG_TMP/otherca/ca.pem

# A loopback port nothing listens on.
CLOSED=$(sg_free_port)

# --- LDAP: TLS ----------------------------------------------------------
start ldaps "ldap_uri = $SLAPD_LDAPS_URI" "ldap_ca_file = $SLAPD_CA" &&
	counted ldaps ldaps-right-ca
start starttls "ldap_starttls = yes" "ldap_ca_file = $SLAPD_CA" &&
	counted starttls starttls-right-ca
check "starttls: slapd saw StartTLS" grep -q 'EXT oid=1.3.6.1.4.1.1466.20037' \
    "$SLAPD_LOG"
start ldapi "ldap_uri = $SLAPD_LDAPI_URI" && counted ldapi ldapi-socket

start ldaps_badca "ldap_uri = $SLAPD_LDAPS_URI" "ldap_ca_file = $OTHERCA" &&
	refused ldaps_badca ldaps-wrong-ca "$DIRFAIL"
# (an operator must tell a CA problem from a server that is down)
check "ldaps-wrong-ca: the log line names TLS or the certificate" \
    grep -Eqi 'tls|ssl|certif' "$SG_TMP/ldaps_badca.log"
start starttls_badca "ldap_starttls = yes" "ldap_ca_file = $OTHERCA" &&
	refused starttls_badca starttls-wrong-ca "$DIRFAIL"
check "starttls-wrong-ca: the log line names TLS or the certificate" \
    grep -Eqi 'tls|ssl|certif' "$SG_TMP/starttls_badca.log"
# no ldap_ca_file: the system's CAs do not know the test CA
start ldaps_noca "ldap_uri = $SLAPD_LDAPS_URI" &&
	refused ldaps_noca ldaps-system-cas "$DIRFAIL"
# ldaps:// on the port that speaks plain LDAP: no fallback to plain
start ldaps_plainport \
    "ldap_uri = ldaps://127.0.0.1:$SLAPD_PORT" "ldap_ca_file = $SLAPD_CA" &&
	refused ldaps_plainport ldaps-on-plain-port "$DIRFAIL"

# --- LDAP: several URIs, credentials ---------------------------------------
start multi "ldap_uri = ldap://127.0.0.1:$CLOSED $SLAPD_URI" &&
	counted multi multi-uri-first-closed
check "multi-uri: the closed one is logged" \
    grep -q "ldap ldap://127.0.0.1:$CLOSED" "$SG_TMP/multi.log"
start multi_tls \
    "ldap_uri = ldaps://127.0.0.1:$CLOSED $SLAPD_LDAPS_URI" \
    "ldap_ca_file = $SLAPD_CA" &&
	counted multi_tls multi-uri-ldaps-first-closed
start multi_dead \
    "ldap_uri = ldap://127.0.0.1:$CLOSED ldaps://127.0.0.1:$CLOSED" &&
	refused multi_dead multi-uri-all-closed "$DIRFAIL"

printf 'wrong-password' >"$SG_TMP/bad-bind.pw"
chmod 600 "$SG_TMP/bad-bind.pw"
start badbind "ldap_bind_password_file = $SG_TMP/bad-bind.pw" &&
	refused badbind bind-wrong-password "$DIRFAIL"
check "bind-wrong-password: logged" \
    grep -q 'bind as "cn=sendergate,dc=example,dc=com": Invalid credentials' \
    "$SG_TMP/badbind.log"

# --- Redis ------------------------------------------------------------------------
start redis_pw && counted redis_pw redis-password
start redis_unix "redis_address = unix:$REDIS_SOCKET" &&
	counted redis_unix redis-unix-socket

printf 'not-the-password' >"$SG_TMP/bad-redis.pw"
chmod 600 "$SG_TMP/bad-redis.pw"
start redis_badpw "redis_password_file = $SG_TMP/bad-redis.pw" &&
	refused redis_badpw redis-wrong-password "$CTRFAIL"
check "redis-wrong-password: AUTH failure logged" \
    grep -q 'redis .* AUTH: WRONGPASS' "$SG_TMP/redis_badpw.log"
start redis_nopw "redis_password_file =" &&
	refused redis_nopw redis-no-password "$CTRFAIL"
check "redis-no-password: NOAUTH logged" \
    grep -q 'NOAUTH' "$SG_TMP/redis_nopw.log"
start redis_unix_badpw "redis_address = unix:$REDIS_SOCKET" \
    "redis_password_file = $SG_TMP/bad-redis.pw" &&
	refused redis_unix_badpw redis-unix-wrong-password "$CTRFAIL"
start redis_nosock "redis_address = unix:$SG_TMP/redis/nothing.sock" &&
	refused redis_nosock redis-unix-no-socket "$CTRFAIL"

for m in $DAEMONS; do
	check "$m: still running" milter_alive "$m"
done
# shellcheck disable=SC2086
milter_stop_all $DAEMONS
for m in $DAEMONS; do
	check "$m: no sanitizer report or crash in the log" no_crash "$m"
done
