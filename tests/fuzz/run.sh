#!/bin/sh
# run.sh OUT SECONDS NAME... - run each libFuzzer target OUT/fuzz_NAME for
# SECONDS on a work corpus (OUT/corpus-NAME, new inputs land there) seeded
# from tests/fuzz/corpus/NAME; crashes go to OUT/crash-NAME-*. Prints one
# summary line per target; exits non-zero if any target failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
out=$1
secs=$2
shift 2
rc=0
for name in "$@"; do
	work=$out/corpus-$name
	mkdir -p "$work"
	log=$out/fuzz-$name.log
	"$out/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	    -max_len=8192 -print_final_stats=1 \
	    -artifact_prefix="$out/crash-$name-" \
	    "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$st" -eq 0 ]; then
		echo "ok - fuzz $name: ${runs:-?} runs in ${secs}s, $cov"
	else
		echo "not ok - fuzz $name: status $st, see $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY)|runtime error' "$log" | head -5
		rc=1
	fi
done
exit $rc
