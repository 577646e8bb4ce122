#!/bin/sh
# Run the tests/integration/test_*.sh scripts (or the ones named as
# arguments), several at once, and sum them up.
#
# A test prints "ok - ..." / "not ok - ..." lines. Each script's output
# goes to a log of its own; when a script ends, one line says its wall
# time and counts, and at the end every log is printed whole, in the
# order the scripts were started, then "integration: N passed, N failed".
# Exit non-zero if anything failed.
#
# The scripts already keep to themselves (a temporary directory, random
# loopback ports that the servers' start retries on a collision, network
# namespaces of their own for the MTAs), so they run SG_JOBS at a time
# (default: twice the processors, as most of a test's time is spent
# waiting on servers), the longest first so that the tail is short.
# The timing-sensitive ones (SERIAL below) run alone at the end.
#
# SG_SKIP_TESTS="test_a.sh test_b.sh": leave those out (said on stdout).
# SG_JOBS=1: one at a time, as before.
cd "$(dirname "$0")/.." || exit 1

# Wall times as measured four at a time on 2 cores (39 s down to 9 s),
# longest first: the order scripts start in. A script not named here
# starts after these.
LONGEST="test_sentinel.sh test_sheet.sh test_dedupe.sh test_bench.sh
test_reload.sh test_postfix.sh test_nodes.sh test_faults.sh test_ctl.sh
test_observe.sh test_bounce.sh test_settings.sh test_mirror.sh
test_service.sh test_milter.sh test_metrics_slow.sh test_seeds.sh
test_tls.sh test_domain_check.sh test_identity.sh test_reputation.sh
test_rate.sh test_kill.sh test_sendmail.sh test_harness.sh
test_security.sh test_ldap_failover.sh"
# They time the daemon's stop under load: alone, at the end (test_bench
# and test_kill count what the load did, not how long it took: they run
# with the others). test_signals in the pool once saw libmilter's worker
# pool deadlock at the stop under the sanitizers (TASKMGR_LOCK errors,
# every worker waiting on its lock): alone it has not.
SERIAL="test_signals.sh test_drain.sh"

# one space between names, for the case patterns below
LONGEST=$(echo $LONGEST)
jobs=${SG_JOBS:-$(($(nproc 2>/dev/null || echo 1) * 2))}
case $jobs in
''|*[!0-9]*|0) echo "SG_JOBS: want a number above 0, got '$jobs'" >&2; exit 2 ;;
esac

[ $# -gt 0 ] || set -- tests/integration/test_*.sh
# Sort: the LONGEST in their order, then the rest, then the SERIAL.
want=
for t in "$@"; do
	case " ${SG_SKIP_TESTS:-} " in
	*" ${t##*/} "*)
		echo "== $t: left out (SG_SKIP_TESTS)"
		continue
		;;
	esac
	want="$want $t"
done
first=
rest=
last=
for n in $LONGEST; do
	for t in $want; do
		[ "${t##*/}" = "$n" ] && first="$first $t"
	done
done
for t in $want; do
	case " $LONGEST $SERIAL " in
	*" ${t##*/} "*) ;;
	*) rest="$rest $t" ;;
	esac
	case " $SERIAL " in
	*" ${t##*/} "*) last="$last $t" ;;
	esac
done

logs=$(mktemp -d) || exit 1
trap 'rm -rf "$logs"' EXIT
# run-one TEST: its log, exit status and wall time into $logs; one line.
export logs
run_one='
	t=$1
	log=$logs/$(echo "$t" | tr / _)
	start=$(date +%s)
	sh "$t" >"$log.out" 2>&1
	echo $? >"$log.rc"
	secs=$(($(date +%s) - start))
	echo "$secs" >"$log.secs"
	echo "== $t: ${secs}s, $(grep -c "^ok " "$log.out") ok, $(grep -c "^not ok " "$log.out") not ok"
'
start=$(date +%s)
if [ -n "$first$rest" ]; then
	printf '%s\n' $first $rest |
	    xargs -P "$jobs" -I{} sh -c "$run_one" run-one {}
fi
for t in $last; do
	sh -c "$run_one" run-one "$t"
done

passed=0
failed=0
for t in $first $rest $last; do
	log=$logs/$(echo "$t" | tr / _)
	echo "== $t ($(cat "$log.secs")s)"
	cat "$log.out"
	p=$(grep -c '^ok ' "$log.out")
	f=$(grep -c '^not ok ' "$log.out")
	rc=$(cat "$log.rc")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "# integration: $(($(date +%s) - start))s of wall time, $jobs at a time"
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
