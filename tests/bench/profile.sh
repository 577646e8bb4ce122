#!/bin/sh
# profile.sh [MESSAGES]: instructions the daemon executes per message,
# counted by valgrind's callgrind, which counts instructions rather than
# time: the figure repeats from run to run and machine to machine (same
# binary, same libraries), so a change to the per-message path can be
# judged by it on a noisy machine.
#
# sendergate (mirror mode, 1000 generated senders: PROFILE_SENDERS sets
# another number) runs under callgrind
# while tests/bench/mtload sends it MESSAGES transactions (default 2000)
# on one connection: the same work on every run, however busy the
# machine. Only the instructions run between the daemon's start (the
# mirror loaded, "started" logged) and the load's end count: both ends
# are dumps asked of callgrind (callgrind_control), so the start-up is
# not spread over the messages; the figure is the messages' own. Then
# the daemon is stopped and this prints
#
#   profile msgs=N instr_per_msg=I start_instr=S sha256_instr_per_msg=H
#
# (S: the start-up's instructions, the mirror's load of 1000 senders
# included; H: the part of I in OpenSSL's SHA-256, which valgrind runs
# without the CPU's SHA extensions, see below) and the 15 functions with the most instructions of their own.
# PROFILE_CACHE=1 adds callgrind's cache simulation (first-level and
# last-level data misses a message, "d1_miss_per_msg=... ll_miss_per_msg=...";
# this machine's VM has no hardware counters for perf stat): how the
# number of senders weighs on memory, in figures that repeat.
# The callgrind files stay in $OUT.1 (the start-up), $OUT.2 (the
# messages) and $OUT (the stop), default ${TMPDIR:-/tmp}/sendergate.callgrind,
# for callgrind_annotate. Before 2026-12-07 evening the start-up was
# spread over the messages (81,056 then is 71,700 counted this way).
. "$(dirname "$0")/../lib/servers.sh"
. "$SG_ROOT/tests/bench/common.sh"

MSGS=${1:-2000}
SENDERS=${PROFILE_SENDERS:-1000}
case $MSGS$SENDERS in
''|*[!0-9]*) echo "MESSAGES and PROFILE_SENDERS: numbers" >&2; exit 1 ;;
esac
CACHE=
[ "${PROFILE_CACHE:-0}" = 1 ] && CACHE=--cache-sim=yes
OUT=${OUT:-${TMPDIR:-/tmp}/sendergate.callgrind}
SG_BIN=${SG_BIN:-$SG_ROOT/milter/sendergate}
LOAD=$SG_ROOT/tests/bench/mtload
bench_need "$SG_BIN" "$LOAD"
command -v valgrind >/dev/null || { echo "needs valgrind (make deps)" >&2; exit 1; }

sg_setup
SLAPD_DEBUG=0
SLAPD_NO_EXAMPLE=1
export SLAPD_DEBUG SLAPD_NO_EXAMPLE
redis_start || exit 1
sh "$SG_ROOT/tests/bench/gen_ldif.sh" "$SENDERS" >"$SG_TMP/bench.ldif"
slapd_start "$SG_TMP/bench.ldif" || exit 1
bench_conf "$SG_TMP/profile.conf" "unix:$SG_TMP/milter.sock"
rm -f "$OUT" "$OUT".[0-9]*
valgrind --tool=callgrind --compress-strings=no $CACHE \
    --callgrind-out-file="$OUT" \
    "$SG_BIN" -f -c "$SG_TMP/profile.conf" >"$SG_TMP/milter.log" 2>&1 &
mpid=$!
sg_atexit "kill $mpid 2>/dev/null"
i=0
until grep -q "mirror: full load" "$SG_TMP/milter.log" &&
    grep -q "info: started: " "$SG_TMP/milter.log"; do
	i=$((i + 1))
	if [ $i -gt $((300 + SENDERS / 50)) ] || ! kill -0 $mpid 2>/dev/null; then
		echo "sendergate did not start under valgrind:" >&2
		cat "$SG_TMP/milter.log" >&2
		exit 1
	fi
	sleep 0.2
done
# The counters so far (start-up, the mirror's load) go to a dump of
# their own, $OUT.1; the messages' to $OUT.2, taken as soon as the load
# ends, so neither the start nor the stop is spread over the messages.
callgrind_control --dump=start $mpid >/dev/null 2>&1 ||
	{ echo "callgrind_control --dump failed" >&2; exit 1; }
"$LOAD" -s "unix:$SG_TMP/milter.sock" -c 1 -m "$MSGS" -n "$SENDERS" >&2 ||
	exit 1
callgrind_control --dump=messages $mpid >/dev/null 2>&1 ||
	{ echo "callgrind_control --dump failed" >&2; exit 1; }
kill $mpid
i=0
while kill -0 $mpid 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
msgs=$(grep -c ': accept rule=ok ' "$SG_TMP/milter.log")
callgrind_annotate --inclusive=yes "$OUT.2" >"$SG_TMP/incl" 2>/dev/null
callgrind_annotate --threshold=100 "$OUT.2" >"$SG_TMP/self" 2>/dev/null
start=$(callgrind_annotate "$OUT.1" 2>/dev/null |
    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
# OpenSSL's SHA-256 (the fingerprint, the Message-ID's key): valgrind
# hides the CPU's SHA extensions (its CPUID says none), so OpenSSL runs
# its vector code there, several times the instructions the CPU's own
# SHA-256 takes; printed apart, sha256_instr_per_msg
sha=$(awk '/:SHA256_(Update|Final) / { gsub(",", "", $1); t += $1 }
	END { printf "%.0f", t }' "$SG_TMP/incl")
# the messages' dump: its events line names the columns of its summary
awk -v m="$msgs" -v s="$start" -v sha="$sha" '
	/^events:/ { for (i = 2; i <= NF; i++) ev[i] = $i }
	/^summary:/ { for (i = 2; i <= NF; i++) v[ev[i]] = $i }
	END {
		m = m ? m : 1
		printf "profile msgs=%d instr_per_msg=%.0f start_instr=%.0f",
		    m, v["Ir"] / m, s
		printf " sha256_instr_per_msg=%.0f", sha / m
		if ("D1mr" in v)
			printf " d1_miss_per_msg=%.1f ll_miss_per_msg=%.2f",
			    (v["D1mr"] + v["D1mw"]) / m,
			    (v["DLmr"] + v["DLmw"]) / m
		printf "\n"
	}' "$OUT.2"
echo "# most instructions of their own (the messages' dump):"
# (a dump taken mid-run puts the threads' open calls under clone and
# start_thread: left out)
awk '/^-+$/ { n++; next } n >= 4 && NF > 1 && $1 ~ /^[0-9,]+$/' \
    "$SG_TMP/self" | grep -v "PROGRAM TOTALS\|:clone \|:start_thread " |
    head -15
