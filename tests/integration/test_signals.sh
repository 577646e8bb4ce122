#!/bin/sh
# test_signals.sh - stopping, signals and the pid file, in both
# ldap_modes, on a unix socket, under load from tests/bench/mtload:
#   - every thread but the main one blocks SIGHUP, SIGTERM and SIGINT
#     (libmilter's signal thread aside, which waits for them): the mirror's
#     sync thread no longer takes them;
#   - the pid file holds the pid; a second instance with the same file
#     refuses to start, naming that pid, and one with another pid file
#     refuses the socket the first listens on: neither takes it over;
#   - SIGUSR1 and a burst of SIGHUPs leave the daemon serving;
#   - SIGTERM (SIGINT in query mode) under load, every message on a new
#     milter connection as Postfix makes them: exit 0 within a second or
#     two, "stopped" logged and no session left open, the socket and the
#     pid file removed, and every message logged as accepted counted in
#     Redis, no more and no less;
#   - SIGTERM under load on connections that stay open: sessions still
#     open get their 5 s (sendergate(8)), not more; exit 0, "stopped",
#     files removed.
# The stop times are printed as "# ..." lines.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

LOAD=$SG_TOP/tests/bench/mtload
N=200

sg_setup
if [ ! -x "$LOAD" ]; then
	echo "not ok - $LOAD is not built (make tests/bench/mtload)"
	exit 1
fi
sh "$SG_TOP/tests/bench/gen_ldif.sh" $N >"$SG_TMP/bench.ldif"
SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TMP/bench.ldif" || exit 1
redis_start || exit 1
mkdir -p "$SG_TMP/run"

# not COMMAND...: COMMAND fails.
not() {
	! "$@"
}

# start NAME MODE: a milter on unix socket $SG_TMP/run/NAME.sock
start() {
	milter_conf "$1"
	milter_set "$1" "socket = unix:$SG_TMP/run/$1.sock" \
	    "ldap_mode = $2" "log_level = info" "cache_ttl = 60s"
	eval "MILTER_SOCK_$1=unix:$SG_TMP/run/$1.sock"
	milter_start "$1" || { echo "not ok - $1 did not start"; exit 1; }
}

# answers NAME: a transaction through NAME's socket is accepted
answers() {
	eval "_s=\$MILTER_SOCK_$1"
	"$LOAD" -s "$_s" -c 1 -m 1 -n $N -t 2 >"$SG_TMP/answers" \
	    2>&1 && ! grep -q 'accepted=0 ' "$SG_TMP/answers"
}

# unblocked PID: the threads of PID that do not block SIGHUP (bit 0 of
# SigBlk), as "TID ..."
unblocked() {
	for t in /proc/"$1"/task/*; do
		blk=$(awk '/^SigBlk:/ { print $2 }' "$t/status")
		[ $((0x$blk & 1)) -eq 0 ] && printf '%s ' "${t##*/}"
	done
}

# accepts NAME: decisions logged as accepted
accepts() {
	grep -c ': accept rule=ok ' "$SG_TMP/$1.log"
}

# counted: the sum of every sender counter in Redis
counted() {
	rcli --scan --pattern "sg:*:s:*" | while read -r k; do
		rcli GET "$k"
	done | awk '{ n += $1 } END { print n + 0 }'
}

# stopped_in NAME SIGNAL: send it, wait for the exit; $ms, $rc
stopped_in() {
	_pid=$(milter_pid "$1")
	_t0=$(now_ms)
	kill -"$2" "$_pid"
	# a stop that hangs fails here (killed: 137), not the whole run
	( sleep 30; kill -KILL "$_pid" 2>/dev/null ) &
	_wd=$!
	wait "$_pid"
	rc=$?
	kill "$_wd" 2>/dev/null
	ms=$(($(now_ms) - _t0))
	rm -f "$SG_TMP/$1.pid"
}

for mode in mirror query; do
	name=$mode
	start "$name" "$mode"
	pid=$(milter_pid "$name")
	sock=$SG_TMP/run/$name.sock
	pidf=$SG_TMP/$name.run.pid
	eventually 10 answers "$name"
	check "$mode: answers" answers "$name"

	# --- threads and signals ---------------------------------------
	u=$(unblocked "$pid")
	check "$mode: SIGHUP unblocked only in the main thread and libmilter's signal thread (got: $u)" \
	    test "$(echo "$u" | wc -w)" -eq 2
	check "$mode: the main thread is one of them" \
	    sh -c "echo ' $u' | grep -q ' $pid '"
	check "$mode: the main thread catches SIGHUP, SIGTERM, SIGINT" \
	    test $((0x$(awk '/^SigCgt:/ { print $2 }' "/proc/$pid/status") \
	    & 0x4003)) -eq $((0x4003))
	kill -USR1 "$pid"
	sleep 0.3
	check "$mode: SIGUSR1 ignored: still running" milter_alive "$name"
	for i in 1 2 3 4 5; do
		kill -HUP "$pid"
		sleep 0.05
	done
	eventually 10 logged "$name" "reloaded "
	sleep 0.5
	check "$mode: five SIGHUPs in a row: still running" milter_alive "$name"
	check "$mode: ... and answering" answers "$name"
	check "$mode: ... no stop logged" not logged "$name" "stopping"

	# --- the pid file and a second instance --------------------------
	check "$mode: pid file holds the pid" test "$(cat "$pidf")" = "$pid"
	ino=$(stat -c %i "$sock")
	"$SG_BIN" -f -c "$SG_TMP/$name.conf" >"$SG_TMP/second.log" 2>&1
	rc=$?
	check "$mode: a second instance exits 1 (got $rc)" test "$rc" -eq 1
	check "$mode: ... saying the first runs as pid $pid" \
	    grep -q "already running as pid $pid " "$SG_TMP/second.log"
	cp "$SG_TMP/$name.conf" "$SG_TMP/other.conf"
	sed -i "s|^pid_file = .*|pid_file = $SG_TMP/other.pid|" \
	    "$SG_TMP/other.conf"
	"$SG_BIN" -f -c "$SG_TMP/other.conf" >"$SG_TMP/other.log" 2>&1
	rc=$?
	check "$mode: another pid file on the same socket: exit 1 (got $rc)" \
	    test "$rc" -eq 1
	check "$mode: ... saying the socket is in use" \
	    grep -q "another process listens on it" "$SG_TMP/other.log"
	check "$mode: the socket is still the first's" \
	    test "$(stat -c %i "$sock")" = "$ino"
	check "$mode: the pid file still names it" \
	    test "$(cat "$pidf")" = "$pid"
	check "$mode: and it still answers" answers "$name"

	# --- stop under load, a connection per message -------------------
	sleep 0.5	# the probes' last messages (mtload leaves them) done
	rcli FLUSHALL >/dev/null
	base=$(accepts "$name")
	"$LOAD" -s "unix:$sock" -c 8 -R -w 0 -d 20 -n $N -t 2 \
	    >"$SG_TMP/load.out" 2>&1 &
	lpid=$!
	eventually 20 sh -c "[ \$(grep -c ': accept rule=ok ' \
	    '$SG_TMP/$name.log') -ge $((base + 200)) ]"
	sig=TERM
	[ "$mode" = query ] && sig=INT
	stopped_in "$name" $sig
	kill "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
	echo "# $mode: SIG$sig under load (-R, 8 connections): exit $rc after $ms ms"
	check "$mode: SIG$sig under load: exit 0 (got $rc)" test "$rc" -eq 0
	check "$mode: SIG$sig under load: gone within 3 s (${ms} ms)" \
	    test "$ms" -lt 3000
	check "$mode: \"stopped\" logged" logged "$name" "info: stopped"
	check "$mode: no session left open" \
	    not logged "$name" "session(s) still open"
	check "$mode: unix socket removed" test ! -e "$sock"
	check "$mode: pid file removed" test ! -e "$pidf"
	a=$(($(accepts "$name") - base))
	c=$(counted)
	check "$mode: every accepted message counted ($a accepted, $c counted)" \
	    test "$a" -eq "$c" -a "$a" -gt 0
	check "$mode: no sanitizer report or crash" no_crash "$name"

	# --- stop under load, connections that stay open -----------------
	name=${mode}2
	start "$name" "$mode"
	sock=$SG_TMP/run/$name.sock
	eventually 10 answers "$name"
	"$LOAD" -s "unix:$sock" -c 4 -w 0 -d 30 -n $N -t 2 \
	    >"$SG_TMP/load.out" 2>&1 &
	lpid=$!
	eventually 20 sh -c "[ \$(grep -c ': accept rule=ok ' \
	    '$SG_TMP/$name.log') -ge 100 ]"
	stopped_in "$name" TERM
	kill "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
	echo "# $mode: SIGTERM under load (4 open connections): exit $rc after $ms ms"
	check "$mode: open sessions: exit 0 (got $rc)" test "$rc" -eq 0
	check "$mode: open sessions: gone within their 5 s and a little (${ms} ms)" \
	    test "$ms" -lt 8000
	# libmilter serves no command after the stop: sessions it had
	# handed back to its pool stay open until the 5 s are over
	if logged "$name" "session(s) still open"; then
		check "$mode: sessions cut only after their 5 s (${ms} ms)" \
		    test "$ms" -ge 4500
	fi
	check "$mode: open sessions: \"stopped\" logged" \
	    logged "$name" "info: stopped"
	check "$mode: open sessions: socket and pid file removed" \
	    test ! -e "$sock" -a ! -e "$SG_TMP/$name.run.pid"
	check "$mode: open sessions: no sanitizer report or crash" \
	    no_crash "$name"
done
