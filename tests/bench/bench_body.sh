#!/bin/sh
# bench_body.sh [ROUNDS]: what a large body costs the daemon, without
# the MTA: the daemon's CPU a message for 1 KB and for 1 MB bodies, and
# the difference per MB, beside tests/bench/nullmilter's (which, like
# any milter that declines the body, is sent none of it).
#
# sendergate (mirror mode, 100 generated senders, its defaults: dedupe
# on, so it asks for the body and hashes it into the message's
# fingerprint) and the null milter listen on loopback TCP, as Postfix
# reaches them in e2e.sh (BODY_FAMILY=unix: on unix sockets); tests/bench/mtload
# sends each of them BODY_MSGS (default 500) messages of 1 KB, then as
# many of 1 MB (in 65535-octet chunks, as Postfix sends a body), on one
# connection. Per message, from /proc/PID/stat (clock ticks of 10 ms:
# hence a few hundred messages a run), each run ROUNDS times (default 3)
# and the median printed:
#
#   body milter=sendergate size=1024 cpu_us_per_msg=...
#   body milter=sendergate size=1048576 cpu_us_per_msg=...
#   body milter=sendergate ms_per_mb=...      (1 MB less 1 KB)
#
# and the same for nullmilter, then "body over_null_ms_per_mb=..." (issue
# 24's goal: at most 0.4).
. "$(dirname "$0")/../lib/servers.sh"
. "$SG_ROOT/tests/lib/stats.sh"
. "$SG_ROOT/tests/bench/common.sh"

ROUNDS=${1:-3}
MSGS=${BODY_MSGS:-500}
LOAD=$SG_ROOT/tests/bench/mtload
NULLMILTER=$SG_ROOT/tests/bench/nullmilter
SG_BIN=${SG_BIN:-$SG_ROOT/milter/sendergate}
case $ROUNDS$MSGS in
''|*[!0-9]*) echo "ROUNDS and BODY_MSGS: numbers" >&2; exit 1 ;;
esac
bench_need "$SG_BIN" "$LOAD" "$NULLMILTER"

sg_setup
SLAPD_DEBUG=0
SLAPD_NO_EXAMPLE=1
export SLAPD_DEBUG SLAPD_NO_EXAMPLE
redis_start || exit 1
sh "$SG_ROOT/tests/bench/gen_ldif.sh" 100 >"$SG_TMP/bench.ldif"
slapd_start "$SG_TMP/bench.ldif" || exit 1
case ${BODY_FAMILY:-inet} in
inet)
	SGS=inet:$(sg_free_port)@127.0.0.1
	NULLS=inet:$(sg_free_port)@127.0.0.1
	;;
unix)
	SGS=unix:$SG_TMP/sg.sock
	NULLS=unix:$SG_TMP/null.sock
	;;
*) echo "BODY_FAMILY: inet or unix" >&2; exit 1 ;;
esac
bench_conf "$SG_TMP/body.conf" "$SGS" "log_level = warning"
"$SG_BIN" -f -c "$SG_TMP/body.conf" >"$SG_TMP/sg.log" 2>&1 &
sgpid=$!
sg_atexit "kill $sgpid 2>/dev/null"
"$NULLMILTER" -s "$NULLS" >"$SG_TMP/null.log" 2>&1 &
nullpid=$!
sg_atexit "kill $nullpid 2>/dev/null"
# both answer a message
i=0
until "$LOAD" -s "$SGS" -c 1 -m 1 -n 100 >/dev/null 2>&1 &&
    "$LOAD" -s "$NULLS" -c 1 -m 1 -n 100 >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "the milters did not start:" >&2
		cat "$SG_TMP/sg.log" "$SG_TMP/null.log" >&2
		exit 1
	fi
	sleep 0.1
done

HZ=$(getconf CLK_TCK)
# cpu_per_msg PID SOCKET SIZE: the CPU microseconds PID spent a message
# while mtload sent MSGS messages of SIZE octets through SOCKET
cpu_per_msg() {
	_c0=$(cpu_ticks "$1")
	"$LOAD" -s "$2" -c 1 -m "$MSGS" -n 100 -b "$3" \
	    >"$SG_TMP/load.out" 2>&1 ||
		{ cat "$SG_TMP/load.out" >&2; exit 1; }
	grep -q "rejected=0 tempfailed=0 .*errors=0 all=$MSGS\$" \
	    "$SG_TMP/load.out" ||
		{ echo "not every message accepted:" >&2
		  cat "$SG_TMP/load.out" >&2; exit 1; }
	echo $((($(cpu_ticks "$1") - _c0) * 1000000 / HZ / MSGS))
}
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# warm both up: the mirror loaded, the connections made
cpu_per_msg $sgpid "$SGS" 1024 >/dev/null
cpu_per_msg $nullpid "$NULLS" 1024 >/dev/null
for m in sendergate nullmilter; do
	[ $m = sendergate ] && pid=$sgpid sock=$SGS
	[ $m = nullmilter ] && pid=$nullpid sock=$NULLS
	: >"$SG_TMP/$m.small"
	: >"$SG_TMP/$m.large"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		cpu_per_msg $pid "$sock" 1024 >>"$SG_TMP/$m.small"
		cpu_per_msg $pid "$sock" 1048576 >>"$SG_TMP/$m.large"
	done
	small=$(median <"$SG_TMP/$m.small")
	large=$(median <"$SG_TMP/$m.large")
	echo "body milter=$m size=1024 cpu_us_per_msg=$small"
	echo "body milter=$m size=1048576 cpu_us_per_msg=$large"
	# 1 MB less 1 KB: 1047552 octets, near enough a MB
	echo "body milter=$m ms_per_mb=$(awk -v l="$large" -v s="$small" \
	    'BEGIN { printf "%.3f", (l - s) / 1000 }')"
	eval "per_$m=\$(awk -v l=\"\$large\" -v s=\"\$small\" \
	    'BEGIN { printf \"%.3f\", (l - s) / 1000 }')"
done
echo "body over_null_ms_per_mb=$(awk -v a="$per_sendergate" \
    -v b="$per_nullmilter" 'BEGIN { printf "%.3f", a - b }')"
