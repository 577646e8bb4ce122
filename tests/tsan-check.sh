#!/bin/sh
# tsan-check.sh [OUT] - the concurrency tests under ThreadSanitizer.
#
# The working tree is copied to OUT/src (default tmp/tsan; objects,
# binaries and .git left out) so its own objects are not touched, built
# there with SANITIZE=thread, and then run:
#   - tests/unit/test_mirror (its concurrent readers/writer test), if
#     present;
#   - tests/integration/test_milter.sh (the daemon; among its cases 16
#     messages racing for the last units of a limit), and
#     test_dedupe.sh (8 copies of one message racing).
# TSan writes its reports to OUT/report.PID (log_path) instead of the
# daemon's log; any report is a failure. libmilter is not instrumented:
# tests/tsan.supp suppresses what TSan reports inside it (see the
# comments there); never our own code.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-tmp/tsan}
case $out in /*) ;; *) out=$top/$out ;; esac
src=$out/src
rm -rf "$src" "$out"/report.*
mkdir -p "$src" || exit 1
(cd "$top" && tar cf - --exclude=./.git --exclude=./tmp --exclude='*.o' \
    --exclude=./milter/sendergate --exclude=./milter/sendergatectl \
    --exclude=./tests/mtclient --exclude='./tests/unit/test_*[!c]' \
    --exclude=./tests/bench/bench_mirror .) | (cd "$src" && tar xf -) ||
	exit 1
echo "== building with SANITIZE=thread in $src"
units=
[ -f "$src/tests/unit/test_mirror.c" ] && units=tests/unit/test_mirror
if ! make -C "$src" -s SANITIZE=thread all tests/mtclient $units \
    >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log"
	echo "not ok - tsan build failed"
	exit 1
fi

TSAN_OPTIONS="suppressions=$top/tests/tsan.supp log_path=$out/report"
TSAN_OPTIONS="$TSAN_OPTIONS second_deadlock_stack=1 history_size=4"
export TSAN_OPTIONS
rc=0
if [ -n "$units" ]; then
	if "$src/tests/unit/test_mirror" >"$out/test_mirror.log" 2>&1; then
		echo "ok - tsan: test_mirror"
	else
		tail -n 20 "$out/test_mirror.log"
		echo "not ok - tsan: test_mirror"
		rc=1
	fi
else
	echo "ok - # SKIP tsan: no tests/unit/test_mirror.c"
fi
for t in test_milter.sh test_dedupe.sh; do
	if sh "$src/tests/run-integration.sh" "tests/integration/$t" \
	    >"$out/$t.log" 2>&1; then
		echo "ok - tsan: $t ($(sed -n 's/^integration: //p' "$out/$t.log"))"
	else
		grep '^not ok' "$out/$t.log"
		echo "not ok - tsan: $t"
		rc=1
	fi
done
reports=$(ls "$out"/report.* 2>/dev/null)
if [ -n "$reports" ]; then
	for r in $reports; do
		echo "# $r:"
		grep -E '^WARNING|^ +#[0-3] ' "$r" | head -n 20
	done
	echo "not ok - tsan: ThreadSanitizer reports ($(echo "$reports" | wc -l))"
	rc=1
else
	echo "ok - tsan: no ThreadSanitizer report"
fi
exit $rc
