#!/bin/sh
# redis_script.sh: how many counting scripts one Redis runs a second, the
# ceiling of one Redis (or one Cluster shard) for sendergate. A private
# redis-server on loopback (tests/lib/servers.sh), sendergate's script as
# the daemon has it (read out of milter/redis/counter_script.c's ctr_count_script and loaded
# with SCRIPT LOAD; its SHA-1 must match the text's), then redis-benchmark
# sending EVALSHA the way ctr_commit does at the end of a message, with
# the daemon's key layout and the defaults of sendergate.conf(5):
#
#   EVALSHA sha 8 sg:{dR.bench}:s:uR@dR.bench:YYYY-MM sg:{dR.bench}:d:YYYY-MM
#       sg:{dR.bench}:m:uR@dR.bench:R sg:{dR.bench}:r:uR@dR.bench:R
#       sg:{dR.bench}:rs:s:u@d.bench sg:{dR.bench}:rs:d
#       sg:{dR.bench}:rp:s:u@d.bench sg:{dR.bench}:rp:d
#       1 -1 -1 EXPIRY 86400000 FP 1 0 1 DAY 1296000000 14 1 0
#       518400000 QID rcpt@far.bench
#
# (the suspension keys and the reputation hashes of reputation_action =
# suspend, the default; no sending rate)
#
# (R: redis-benchmark's __rand_int__, a new number in each place, up to
# KEYS; no limit, so every call reads, counts, sets the expiry and writes
# the Message-ID key and the record of the message for its bounces,
# bounce_window 6d: the longest path a counted message takes). For
# scale, a GET of one key at the same concurrency: one round trip with
# next to no work in Redis.
#
# For each of CLIENTS (default "1 8 64") concurrent connections, REPEAT
# (default 3) runs of N (default 100000) calls, the order of the client
# counts rotated run by run; prints one line a run and the medians in
# operations a second. redis-benchmark runs on the same cores as Redis.
#
# Needs redis-server, redis-tools (tests/lib/deps.sh), sha1sum.
. "$(dirname "$0")/../lib/servers.sh"
. "$SG_ROOT/tests/lib/stats.sh"

N=${N:-100000}
REPEAT=${REPEAT:-3}
CLIENTS=${CLIENTS:-1 8 64}
KEYS=${KEYS:-100000}

die() {
	echo "redis_script.sh: $*" >&2
	exit 1
}

sg_setup || exit 1
redis_start || die "redis did not start"

# The script: the C string literal, unquoted, its \n made newlines (the
# script has no other escapes and no quote inside a line).
awk '/^const char ctr_count_script\[\] =/ { on = 1; next }
    on { line = $0; sub(/^[ \t]*"/, "", line); end = line ~ /;$/
	sub(/";?$/, "", line); sub(/\\n$/, "", line); print line
	if (end) exit }' "$SG_ROOT/milter/redis/counter_script.c" >"$SG_TMP/script.lua"
# the file is the C string byte for byte: its SHA-1 is ctr_sha
want=$(sha1sum <"$SG_TMP/script.lua" | cut -d' ' -f1)
sha=$(rcli -x SCRIPT LOAD <"$SG_TMP/script.lua") || die "SCRIPT LOAD failed"
[ "$sha" = "$want" ] || die "SCRIPT LOAD answered $sha, want $want"

month=$(date -u +%Y-%m)
expiry=$(($(date -u +%s) + 40 * 86400))
fp=$(printf 'redis_script.sh' | sha256sum | cut -d' ' -f1)
# a call that counts, as ctr_commit sends it
day=$(($(date -u +%s) / 86400))
[ "$(rcli EVALSHA "$sha" 8 "sg:{d1.bench}:s:u1@d1.bench:$month" \
    "sg:{d1.bench}:d:$month" "sg:{d1.bench}:m:u1@d1.bench:x" \
    "sg:{d1.bench}:r:u1@d1.bench:x" "sg:{d1.bench}:rs:s:u1@d1.bench" \
    "sg:{d1.bench}:rs:d" "sg:{d1.bench}:rp:s:u1@d1.bench" \
    "sg:{d1.bench}:rp:d" \
    1 -1 -1 "$expiry" 86400000 "$fp" 1 0 1 "$day" 1296000000 14 1 0 \
    518400000 QID rcpt@far.bench | cut -d' ' -f1)" = 1 ] ||
	die "the script does not count"
[ "$(rcli LLEN "sg:{d1.bench}:r:u1@d1.bench:x")" = 1 ] ||
	die "the script does not record the message"

echo "# redis_script.sh $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -srm)," \
    "$(nproc) cores, $(redis-server --version | cut -d' ' -f3)," \
    "N=$N REPEAT=$REPEAT KEYS=$KEYS"
: >"$SG_TMP/raw"
r=0
while [ "$r" -lt "$REPEAT" ]; do
	r=$((r + 1))
	order=$(echo $CLIENTS | awk -v r="$r" '{
	    for (i = 0; i < NF; i++)
		printf "%s%s", i ? " " : "", $((r - 1 + i) % NF + 1) }')
	for c in $order; do
		for what in script get; do
			if [ "$what" = script ]; then
				set -- EVALSHA "$sha" 8 \
				    "sg:{d__rand_int__.bench}:s:u__rand_int__@d.bench:$month" \
				    "sg:{d__rand_int__.bench}:d:$month" \
				    "sg:{d__rand_int__.bench}:m:u@d.bench:__rand_int__" \
				    "sg:{d__rand_int__.bench}:r:u@d.bench:__rand_int__" \
				    "sg:{d__rand_int__.bench}:rs:s:u@d.bench" \
				    "sg:{d__rand_int__.bench}:rs:d" \
				    "sg:{d__rand_int__.bench}:rp:s:u@d.bench" \
				    "sg:{d__rand_int__.bench}:rp:d" \
				    1 -1 -1 "$expiry" 86400000 "$fp" 1 0 1 "$day" \
				    1296000000 14 1 0 518400000 QID rcpt@far.bench
			else
				set -- GET "sg:{d1.bench}:d:$month"
			fi
			ops=$(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" \
			    -c "$c" -n "$N" -r "$KEYS" --csv "$@" 2>&1 |
			    awk -F'"' 'NR == 2 { print $4 }')
			case $ops in
			''|*[!0-9.]*) die "redis-benchmark: no rate ($ops)" ;;
			esac
			echo "redis_script run=$r what=$what clients=$c ops=$ops" |
			    tee -a "$SG_TMP/raw"
		done
	done
done
# the script's answers were all "1 ...": nothing refused, nothing failed
[ "$(rcli INFO errorstats | grep -c '^errorstat_')" -eq 0 ] ||
	die "Redis answered errors: $(rcli INFO errorstats | tr -d '\r' | tail -n +2)"

echo
printf '%-8s %12s %12s\n' clients "script op/s" "GET op/s"
for c in $CLIENTS; do
	s=$(grep " what=script clients=$c " "$SG_TMP/raw" | field ops | median)
	g=$(grep " what=get clients=$c " "$SG_TMP/raw" | field ops | median)
	printf '%-8s %12s %12s\n' "$c" "$s" "$g"
	echo "redis_script summary clients=$c script_ops_median=$s" \
	    "get_ops_median=$g" >>"$SG_TMP/summary"
done
echo
cat "$SG_TMP/summary"
