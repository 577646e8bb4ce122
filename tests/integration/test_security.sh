#!/bin/sh
# test_security.sh - the unix socket's mode and group (socket_mode,
# socket_group) and no secret in any log line.
#
# Socket: started as root with user = nobody, the socket gets the
# default 0660 and nobody's group, or the configured mode and group; an
# unknown group stops the daemon at start. (Privilege dropping itself,
# password-file modes, LDAP TLS verification with a wrong CA and Redis AUTH
# from a password file are tested in test_config.sh and test_tls.sh.)
#
# Secrets: daemons at log_level = debug (query and mirror mode) with a
# bind password and a Redis password go through accepted and refused
# messages, SMTP AUTH logins right and wrong, a wrong bind password and a
# wrong Redis password, and restarts of Redis and slapd (so reconnects,
# which AUTH and bind again, are logged too); then no log of any daemon
# holds any of the passwords, right or wrong.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

REDIS_PASSWORD=Rp-s3cret-R3dis-91
export REDIS_PASSWORD
WRONG_REDIS=Wr0ng-R3dis-pw-77
WRONG_BIND=Wr0ng-B1nd-pw-55

sg_backends
BIND_PW=$(cat "$SLAPD_BIND_PW_FILE")

DAEMONS=
# start NAME ["key = value"...]: a daemon with the Redis password and the
# keys given, stopped at exit; 1 (and a "not ok") if it does not start.
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

# usock NAME ["key = value"...]: start NAME on unix socket
# $SG_TMP/run/NAME.sock with the keys given.
usock() {
	us_name=$1
	shift
	eval "MILTER_SOCK_$us_name=unix:$SG_TMP/run/$us_name.sock"
	milter_conf "$us_name"
	milter_set "$us_name" "redis_password_file = $REDIS_PW_FILE" \
	    "socket = unix:$SG_TMP/run/$us_name.sock" "$@"
	# milter_conf set the inet socket: milter_start must probe this one
	eval "MILTER_SOCK_$us_name=unix:$SG_TMP/run/$us_name.sock"
	sg_atexit milter_stop "$us_name"
	DAEMONS="$DAEMONS $us_name"
	if ! milter_start "$us_name"; then
		echo "not ok - sendergate $us_name did not start"
		return 1
	fi
}

# passes MILTER CASE: bob@ sends one message through MILTER, accepted.
passes() {
	mtt 3 "$1" "$2" <<-EOT
	$(tx_head "$2" bob@acme.test 192.0.2.7)
	expect continue
	$(tx_body bob@acme.test)
	expect continue
	EOT
}

# ============================ the unix socket =============================
if [ "$(id -u)" -ne 0 ] || ! NOBODY=$(id -u nobody 2>/dev/null); then
	echo "ok - # SKIP not root or no account nobody: socket owner not tested"
else
	NOGROUP=$(id -g nobody)
	# nobody must reach the socket's directory
	case $(stat -c %a "$SG_TMP") in
	*[1357]) ;;
	*) chmod 0711 "$SG_TMP" ;;
	esac
	mkdir -p "$SG_TMP/run"
	chmod 0755 "$SG_TMP/run"
	# nobody reads the bind password: sendergate -n and the start check it,
	# since a reload reads it again after privileges are dropped
	for f in "$SLAPD_BIND_PW_FILE" ${REDIS_PW_FILE:-}; do
		chmod o+x "$(dirname "$f")"
		chgrp "$(id -g nobody)" "$f"
		chmod 640 "$f"
	done

	usock sdef "user = nobody"
	S=$SG_TMP/run/sdef.sock
	check "default: socket mode 660 (got $(stat -c %a "$S"))" \
	    test "$(stat -c %a "$S")" = 660
	check "default: socket owner nobody" \
	    test "$(stat -c %u "$S")" = "$NOBODY"
	check "default: socket group is nobody's group ($(stat -c %g "$S"))" \
	    test "$(stat -c %g "$S")" = "$NOGROUP"
	check "default: a message through the socket" passes sdef S1

	GROUP=mail
	getent group postfix >/dev/null && GROUP=postfix
	GID=$(getent group "$GROUP" | cut -d: -f3)
	usock sset "user = nobody" "socket_mode = 0600" "socket_group = $GROUP"
	S=$SG_TMP/run/sset.sock
	check "socket_mode = 0600: mode 600 (got $(stat -c %a "$S"))" \
	    test "$(stat -c %a "$S")" = 600
	check "socket_group = $GROUP: group $GID (got $(stat -c %g "$S"))" \
	    test "$(stat -c %g "$S")" = "$GID"
	check "socket_group: owner still nobody" \
	    test "$(stat -c %u "$S")" = "$NOBODY"
	check "socket 0600: a message through the socket" passes sset S2

	usock s770 "socket_mode = 770" "socket_group = $GROUP"
	S=$SG_TMP/run/s770.sock
	check "no user, socket_mode = 770: mode 770 (got $(stat -c %a "$S"))" \
	    test "$(stat -c %a "$S")" = 770
	check "no user: owner stays root, group $GROUP ($(stat -c %u:%g "$S"))" \
	    test "$(stat -c %u:%g "$S")" = "0:$GID"

	milter_conf sbad
	milter_set sbad "socket = unix:$SG_TMP/run/sbad.sock" \
	    "socket_group = no-such-group-sg"
	"$SG_BIN" -f -c "$SG_TMP/sbad.conf" >"$SG_TMP/sbad.log" 2>&1
	rc=$?
	check "socket_group = unknown group: exit 1 (got $rc)" test "$rc" -eq 1
	check "socket_group = unknown group: says so" \
	    grep -q 'socket_group = no-such-group-sg: no such group' \
	    "$SG_TMP/sbad.log"
fi

# =========================== no secret in logs ============================
printf '%s' "$WRONG_BIND" >"$SG_TMP/wrong-bind.pw"
printf '%s' "$WRONG_REDIS" >"$SG_TMP/wrong-redis.pw"
chmod 600 "$SG_TMP/wrong-bind.pw" "$SG_TMP/wrong-redis.pw"
DIRFAIL="451 4.3.0 Sender directory unavailable, try again later"
CTRFAIL="451 4.3.0 Sender counters unavailable, try again later"

start q "ldap_mode = query"
start mir "ldap_mode = mirror"
start badbind "ldap_mode = query" \
    "ldap_bind_password_file = $SG_TMP/wrong-bind.pw"
start badredis "redis_password_file = $SG_TMP/wrong-redis.pw"

# scenario MILTER TAG: accepted, refused, and SMTP AUTH right and wrong,
# each on its own connection
scenario() {
	passes "$1" "$2A" || return 1
	mtt 3 "$1" "$2B" <<-EOT || return 1
	$(tx_head "$2B" nobody@acme.test 192.0.2.7)
	expect 550 5.7.1 Sender <nobody@acme.test> is not registered
	EOT
	mtt 3 "$1" "$2C" <<-EOT || return 1
	$(tx_head "$2C" alice@acme.test 192.0.2.7 alice@acme-test.relay.example)
	expect continue
	$(tx_body alice@acme.test)
	expect continue
	EOT
	mtt 3 "$1" "$2D" <<-EOT
	$(tx_head "$2D" alice@acme.test 192.0.2.7 mallory@acme-test.relay.example)
	expect 553 5.7.1 Sender address rejected: not owned by user mallory@acme-test.relay.example
	EOT
}
# refused MILTER CASE REPLY: MAIL FROM of bob@ answered REPLY
refused() {
	mtt 3 "$1" "$2" <<-EOT
	$(tx_head "$2" bob@acme.test 192.0.2.7)
	expect $3
	EOT
}
check "query: scenario" scenario q q1
check "mirror: scenario" scenario mir m1
check "wrong bind password: $DIRFAIL" refused badbind WB "$DIRFAIL"
check "wrong Redis password: $CTRFAIL" refused badredis WR "$CTRFAIL"
# reconnects: Redis and slapd restarted, the daemons AUTH and bind again
redis_start_again || echo "not ok - redis did not start again"
slapd_stop
slapd_start_again || echo "not ok - slapd did not start again"
# back within 10 s (a probe first: the scenario counts messages)
check "query: back after restarts" eventually 10 passes q q2probe
check "mirror: back after restarts" eventually 10 passes mir m2probe
check "query after restarts: scenario" scenario q q2
check "mirror after restarts: scenario" scenario mir m2
check "wrong Redis password after restart: $CTRFAIL" \
    refused badredis WR2 "$CTRFAIL"
milter_stop_all $DAEMONS
check "the logs were written at debug level" \
    test "$(grep -c . "$SG_TMP/q.log")" -gt 10
for secret in "$REDIS_PASSWORD" "$WRONG_REDIS" "$BIND_PW" "$WRONG_BIND" \
    "$SLAPD_ADMIN_PW"; do
	found=
	for d in $DAEMONS sbad; do
		[ -f "$SG_TMP/$d.log" ] || continue
		grep -qF "$secret" "$SG_TMP/$d.log" && found="$found $d"
	done
	check "no log holds the secret ${secret%????}....:${found:- none}" \
	    test -z "$found"
done
check "wrong bind password: the failure is logged" \
    grep -qi 'bind' "$SG_TMP/badbind.log"
check "wrong Redis password: the failure is logged" \
    grep -qiE 'AUTH|WRONGPASS' "$SG_TMP/badredis.log"
for d in $DAEMONS; do
	check "$d: no sanitizer report or crash" no_crash "$d"
done
