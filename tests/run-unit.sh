#!/bin/sh
# Run the cmocka unit tests given as arguments; print a summary line
# "N passed, N failed" and exit non-zero if any test failed.
passed=0
failed=0
for t in "$@"; do
	out=$("./$t" 2>&1)
	rc=$?
	echo "$out" | grep -E '^\[ +(PASSED|FAILED) +\]|FAILED|got .*want' | sed "s|^|$t: |"
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	[ "$rc" -eq 0 ] || [ -n "$f" ] || failed=$((failed + 1))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
