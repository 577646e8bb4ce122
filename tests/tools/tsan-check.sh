#!/bin/sh
# tsan-check.sh [OUT] - the concurrency tests under ThreadSanitizer.
#
# The working tree is copied to OUT/src (default tmp/tsan; objects,
# binaries and .git left out) so its own objects are not touched, built
# there with SANITIZE=thread, and then run:
#   - tests/unit/test_mirror (its concurrent readers/writer test), if
#     present;
#   - tests/integration/test_milter.sh (the daemon; among its cases 16
#     messages racing for the last units of a limit),
#     test_dedupe.sh (8 copies of one message racing), test_reload.sh
#     (configurations replaced under load), test_signals.sh (stops
#     under load) and test_observe.sh (the metrics server's and the
#     notice thread's threads beside the milter's).
# TSan writes its reports to OUT/report.PID (log_path) instead of the
# daemon's log. libmilter is not instrumented: tests/tools/tsan.supp suppresses
# what TSan reports inside its named functions (see the comments there).
# Of the reports left, one with a frame in our sources (milter/*/*.c,
# tests/) fails the check; one with none (libmilter's unnamed internal
# functions only, e.g. its thread pool tearing down at exit) is listed
# and counted, not failed: it cannot be ours, and a suppression for it
# could only name the module and so would hide our races too (our
# callbacks run on libmilter's threads).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-tmp/tsan}
case $out in /*) ;; *) out=$top/$out ;; esac
src=$out/src
rm -rf "$src" "$out"/report.* "$out"/split.* "$out/theirs"
mkdir -p "$src" || exit 1
(cd "$top" && tar cf - --exclude=./.git --exclude=./tmp --exclude='*.o' \
    --exclude=./milter/sendergate --exclude=./milter/sendergatectl \
    --exclude=./tests/tools/mtclient --exclude=./tests/bench/mtload \
    --exclude=./milter/lib/paths.h --exclude='./tests/unit/test_*[!c]' \
    --exclude=./tests/bench/bench_mirror .) | (cd "$src" && tar xf -) ||
	exit 1
echo "== building with SANITIZE=thread in $src"
units=
[ -f "$src/tests/unit/test_mirror.c" ] && units=tests/unit/test_mirror
if ! make -C "$src" -s SANITIZE=thread all tests/tools/mtclient tests/bench/mtload \
    $units \
    >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log"
	echo "not ok - tsan build failed"
	exit 1
fi

TSAN_OPTIONS="suppressions=$top/tests/tools/tsan.supp log_path=$out/report"
TSAN_OPTIONS="$TSAN_OPTIONS second_deadlock_stack=1 history_size=4"
# the verdict is the reports' (below), not exit statuses: a report inside
# libmilter alone (its shutdown, when sessions are cut at a stop) must
# not turn a daemon's exit status 0 into TSan's 66
TSAN_OPTIONS="$TSAN_OPTIONS exitcode=0"
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
for t in test_milter.sh test_dedupe.sh test_reload.sh test_signals.sh \
    test_observe.sh; do
	if sh "$src/tests/run-integration.sh" "tests/integration/$t" \
	    >"$out/$t.log" 2>&1; then
		echo "ok - tsan: $t ($(sed -n 's/^integration: //p' "$out/$t.log"))"
	else
		grep '^not ok' "$out/$t.log"
		echo "not ok - tsan: $t"
		rc=1
	fi
done
# Split the report files into single reports; ours have a frame in our
# sources.
ours=0
theirs=0
for r in "$out"/report.*; do
	[ -f "$r" ] || continue
	awk -v dir="$out" -v base="$(basename "$r")" '
	    /^==================$/ { if (in_r) close(f); in_r = 0; next }
	    /^WARNING: ThreadSanitizer/ {
		n++; in_r = 1; f = dir "/split." base "." n
	    }
	    in_r { print > f }
	' "$r"
done
for r in "$out"/split.*; do
	[ -f "$r" ] || continue
	if grep -qE '(milter|tests)/[A-Za-z0-9_/]+\.c:[0-9]+' "$r"; then
		ours=$((ours + 1))
		echo "# ours: $r"
		grep -E '^WARNING|^ +#[0-4] ' "$r" | head -n 16 | sed 's/^/#   /'
	else
		theirs=$((theirs + 1))
		sed -n 's/^SUMMARY: ThreadSanitizer: //p' "$r" >>"$out/theirs"
	fi
done
if [ "$theirs" -gt 0 ]; then
	echo "# $theirs report(s) inside libmilter only (no frame of ours):"
	sort "$out/theirs" | uniq -c | sed 's/^/#   /'
fi
if [ "$ours" -gt 0 ]; then
	echo "not ok - tsan: $ours ThreadSanitizer report(s) in our code"
	rc=1
else
	echo "ok - tsan: no ThreadSanitizer report in our code"
fi
exit $rc
