#!/bin/sh
# test_reload.sh - SIGHUP reloads the configuration, in both ldap_modes:
#   - a changed key takes effect for new messages: a message whose MAIL
#     FROM came before the reload ends under the old configuration, the
#     next one in the same session (not dropped) under the new;
#   - a file with an error, or one that fails the -n checks (an unknown
#     user), is logged and the running configuration kept;
#   - a key that needs a restart (socket) is logged as such, and the
#     daemon keeps its socket;
#   - redis_db changed: the Redis connections are made anew, the next
#     count lands in the new database;
#   - a directory key changed: the directory is opened anew (a new bind
#     in slapd's log) and put in force; with a wrong bind password it
#     never answers, and the running configuration is kept;
#   - reloads that open the directory anew, under load on connections
#     that stay open: no wire error, every message accepted;
#   - what a reload replaced is let go: the directory's sync thread and
#     LDAP connection, the counters' Redis connections.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

LOAD=$SG_TOP/tests/bench/mtload
N=100

sg_setup
if [ ! -x "$LOAD" ]; then
	echo "not ok - $LOAD is not built (make tests/bench/mtload)"
	exit 1
fi
sh "$SG_TOP/tests/bench/gen_ldif.sh" $N >"$SG_TMP/bench.ldif"
SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TOP/tests/integration/data.ldif" \
    "$SG_TMP/bench.ldif" || exit 1
redis_start || exit 1
printf 'wrongpw' >"$SG_TMP/wrong.pw"
chmod 600 "$SG_TMP/wrong.pw"
BKEY="sg:{acme.test}:s:bob@acme.test:$MONTH"

# not COMMAND...: COMMAND fails.
not() {
	! "$@"
}

# hup NAME TEXT: SIGHUP, then wait for the n-th "reload" outcome (a
# "reloaded" or a "keeping" line) and check that TEXT was logged.
hup() {
	_n=$(grep -c 'reloaded \|keeping the running' "$SG_TMP/$1.log")
	kill -HUP "$(milter_pid "$1")"
	eventually 15 sh -c "[ \$(grep -c 'reloaded \|keeping the running' \
	    '$SG_TMP/$1.log') -gt $_n ]"
	logged "$1" "$2"
}

# conns PID PORT: established TCP connections of process PID to PORT.
conns() {
	ss -Htnp state established "( dport = :$2 )" | grep -c "pid=$1,"
}

# nofrom QID: a message from bob without a From header, to its end.
nofrom() {
	tx_head "$1" bob@acme.test 192.0.2.7
	printf 'expect continue\n'
	printf 'rcpt <rcpt@elsewhere.example>\nexpect continue\n'
	printf 'header Subject: no From\neoh\nbody hello\neom\n'
}

for mode in mirror query; do
	m=$mode
	milter_conf $m
	milter_set $m "ldap_mode = $mode" "log_level = info"
	milter_start $m || { echo "not ok - $m did not start"; exit 1; }
	pid=$(milter_pid $m)

	# --- a key for new messages; a session across the reload ---------
	ok_mt $m "$mode-before" <<-EOF
	$(nofrom B1)
	expect 550 5.7.1 Header From <> not permitted for sender <bob@acme.test>
	EOF
	{
		nofrom S1 | sed '/^rcpt/i sleep 2000'
		printf 'expect 550 5.7.1 Header From <> not permitted for sender <bob@acme.test>\n'
		printf 'macro M i S2\nmail <bob@acme.test>\nexpect continue\n'
		printf 'rcpt <rcpt@elsewhere.example>\nexpect continue\n'
		printf 'header Subject: no From\neoh\nbody hello\neom\n'
		printf 'expect continue\n'
	} >"$SG_TMP/session.mt"
	mt $m "$mode-session" <"$SG_TMP/session.mt" &
	spid=$!
	sleep 0.5
	milter_set $m "header_from_policy = off"
	check "$mode: reload logs the changed key" \
	    hup $m "changed header_from_policy"
	wait $spid
	check "$mode: the open session went on: its message under the old configuration, the next under the new" \
	    test $? -eq 0
	ok_mt $m "$mode-after" <<-EOF
	$(nofrom A1)
	expect continue
	EOF

	# --- refused files -------------------------------------------------
	echo "bogus_key = 1" >>"$SG_TMP/$m.conf"
	check "$mode: a bad file: its error logged, running configuration kept" \
	    hup $m 'unknown parameter "bogus_key": keeping the running configuration'
	sed -i '/^bogus_key/d' "$SG_TMP/$m.conf"
	milter_set $m "user = no-such-user-sg"
	check "$mode: an unknown user: refused like -n, configuration kept" \
	    hup $m "user = no-such-user-sg: no such account: keeping the running configuration"
	sed -i '/^user =/d' "$SG_TMP/$m.conf"
	ok_mt $m "$mode-kept" <<-EOF
	$(nofrom K1)
	expect continue
	EOF
	check "$mode: still running as pid $pid" test "$(milter_pid $m)" = "$pid" -a -d "/proc/$pid"

	# --- a key that needs a restart ----------------------------------
	eval "sock=\$MILTER_SOCK_$m"
	milter_set $m "socket = inet:$(sg_free_port)@127.0.0.1"
	check "$mode: socket changed: logged as taking effect at restart" \
	    hup $m "reload: socket changed: it takes effect at the next restart"
	ok_mt $m "$mode-same-socket" <<-EOF
	$(nofrom R1)
	expect continue
	EOF
	# compared with what runs, not with the file read last: the socket
	# set back to the running one is no change at all
	sc=$(grep -c "reload: socket changed" "$SG_TMP/$m.log")
	milter_set $m "socket = $sock"
	hup $m "reloaded " >/dev/null
	check "$mode: socket set back to the running one: nothing changed" \
	    test "$(grep 'reloaded ' "$SG_TMP/$m.log" | tail -n 1 |
	    sed 's/.*: //')" = "nothing changed" -a \
	    "$(grep -c "reload: socket changed" "$SG_TMP/$m.log")" = "$sc"

	# --- Redis: connections made anew --------------------------------
	rcli FLUSHALL >/dev/null
	milter_set $m "redis_db = 1"
	check "$mode: redis_db changed: connections made anew" \
	    hup $m "Redis connections made anew"
	ok_mt $m "$mode-db1" <<-EOF
	$(nofrom D1)
	expect continue
	EOF
	check "$mode: the next count is in database 1" \
	    test "$(rcli -n 1 GET "$BKEY")" = 1 -a -z "$(rcli -n 0 GET "$BKEY")"

	# --- the directory: opened anew, or kept -------------------------
	binds=$(grep -c 'BIND dn="cn=sendergate' "$SLAPD_LOG")
	milter_set $m "ldap_timeout = 1500ms"
	check "$mode: ldap_timeout changed: directory opened anew" \
	    hup $m "changed ldap_timeout; directory opened anew"
	check "$mode: ... with a new bind to slapd" \
	    test "$(grep -c 'BIND dn="cn=sendergate' "$SLAPD_LOG")" -gt "$binds"
	ok_mt $m "$mode-new-dir" <<-EOF
	$(nofrom N1)
	expect continue
	EOF
	milter_set $m "ldap_bind_password_file = $SG_TMP/wrong.pw" \
	    "ldap_timeout = 200ms"
	check "$mode: a wrong bind password: the new directory never answers, configuration kept" \
	    hup $m "the directory with the new settings does not answer: keeping the running configuration"
	ok_mt $m "$mode-old-dir" <<-EOF
	$(nofrom O1)
	expect continue
	EOF
	milter_set $m "ldap_bind_password_file = $SLAPD_BIND_PW_FILE" \
	    "ldap_timeout = 1s"

	# --- reloads under load --------------------------------------------
	eval "sock=\$MILTER_SOCK_$m"
	"$LOAD" -s "$sock" -c 4 -w 0 -d 4 -n $N -t 5 >"$SG_TMP/load.out" \
	    2>&1 &
	lpid=$!
	for t in 1s 1500ms 1s 1500ms; do
		sleep 0.7
		milter_set $m "ldap_timeout = $t"
		hup $m "reloaded " >/dev/null
	done
	wait $lpid
	lrc=$?
	line=$(cat "$SG_TMP/load.out")
	echo "# $mode: 4 reloads (directory anew each) under load: $line"
	check "$mode: under load: no wire error (status $lrc)" test "$lrc" -eq 0
	msgs=$(echo "$line" | sed -n 's/.* msgs=\([0-9]*\) .*/\1/p')
	acc=$(echo "$line" | sed -n 's/.* accepted=\([0-9]*\) .*/\1/p')
	check "$mode: under load: every message accepted ($acc of $msgs)" \
	    test "${msgs:-0}" -gt 0 -a "$acc" = "$msgs"
	check "$mode: under load: four reloads done" \
	    test "$(grep -c 'directory opened anew' "$SG_TMP/$m.log")" -ge 5

	# --- what a reload replaced is let go ------------------------------
	# A reload that changes directory keys alone replaces the directory,
	# one that changes Redis keys alone the counters; the one replaced
	# is closed once no message holds it (a snapshot holds the two
	# objects, not the snapshot before it, which held the other one).
	if [ $mode = mirror ]; then
		check "$mode: after the reloads, one sync thread: the replaced ones stopped" \
		    test "$(cat /proc/$pid/task/*/comm | grep -cx sg-mirror)" = 1
		check "$mode: ... one connection to slapd" \
		    test "$(conns $pid $SLAPD_PORT)" = 1
		check "$mode: ... and the replaced copies freed" \
		    logged $m "closed, its copy of the directory freed"
	fi
	check "$mode: Redis connections of the load kept for reuse" \
	    test "$(conns $pid $REDIS_PORT)" -ge 1
	milter_set $m "redis_timeout = 600ms"
	hup $m "Redis connections made anew" >/dev/null
	ok_mt $m "$mode-new-ctrs" <<-EOF
	$(nofrom C1)
	expect continue
	EOF
	check "$mode: redis_timeout changed: the replaced counters closed their connections (one left, the new one's)" \
	    test "$(conns $pid $REDIS_PORT)" = 1
	[ $mode = mirror ] &&
	    check "$mode: ... and the directory shared with the reload still runs" \
	    test "$(cat /proc/$pid/task/*/comm | grep -cx sg-mirror)" = 1
	milter_stop $m
	check "$mode: stopped cleanly afterwards" logged $m "info: stopped"
	check "$mode: no sanitizer report or crash" no_crash $m
done
