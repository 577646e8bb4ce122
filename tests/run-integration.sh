#!/bin/sh
# Run each tests/integration/test_*.sh (or the ones named as arguments).
# A test prints "ok - ..." / "not ok - ..." lines; this sums them up and
# prints "N passed, N failed". Exit non-zero if anything failed.
# SG_SKIP_TESTS="test_a.sh test_b.sh": leave those out (said on stdout).
cd "$(dirname "$0")/.." || exit 1
[ $# -gt 0 ] || set -- tests/integration/test_*.sh
passed=0
failed=0
for t in "$@"; do
	case " ${SG_SKIP_TESTS:-} " in
	*" ${t##*/} "*)
		echo "== $t: left out (SG_SKIP_TESTS)"
		continue
		;;
	esac
	echo "== $t"
	log=$(mktemp)
	sh "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	rm -f "$log"
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
