#!/bin/sh
# bench_mirror.sh [N...]: ldap_mode = mirror against slapd loaded with N
# generated senders (default: 10000 100000): full load time, RSS per
# sender, lookup cost, change-to-decision latency. Each size runs RUNS
# times (default 3) in a fresh process; the raw lines go to
# $OUT (default ${TMPDIR:-/tmp}/bench-mirror-results.txt), medians to
# stdout.
# Not part of make check: the 1000000 case takes minutes.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/stats.sh"

RUNS=${RUNS:-3}
OUT=${OUT:-${TMPDIR:-/tmp}/bench-mirror-results.txt}
BIN=$SG_ROOT/tests/bench/bench_mirror
[ $# -gt 0 ] || set -- 10000 100000
[ -x "$BIN" ] || { echo "build it first: make bench-mirror" >&2; exit 1; }

sg_setup
SLAPD_DEBUG=0
SLAPD_NO_EXAMPLE=1
SLAPD_MAXSIZE=${SLAPD_MAXSIZE:-8589934592}
export SLAPD_DEBUG SLAPD_NO_EXAMPLE SLAPD_MAXSIZE
{
	echo "# bench_mirror.sh $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -srm)," \
	    "$(nproc) cores, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"
} >>"$OUT"
for n in "$@"; do
	sh "$SG_ROOT/tests/bench/gen_ldif.sh" "$n" >"$SG_TMP/bench.ldif"
	t0=$(date +%s)
	slapd_start "$SG_TMP/bench.ldif" || exit 1
	echo "# n=$n slapadd+start $(($(date +%s) - t0)) s" >>"$OUT"
	cat >"$SG_TMP/bench.conf" <<-EOF
	ldap_uri = $SLAPD_URI
	ldap_base = $SLAPD_BASE
	ldap_bind_dn = $SLAPD_BIND_DN
	ldap_bind_password_file = $SLAPD_BIND_PW_FILE
	ldap_mode = mirror
	ldap_timeout = 2s
	EOF
	: >"$SG_TMP/runs"
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		r=$((r + 1))
		"$BIN" -c "$SG_TMP/bench.conf" -n "$n" -D "$SLAPD_ADMIN_DN" \
		    -w "$SLAPD_ADMIN_PW" >"$SG_TMP/run" 2>&1 ||
			{ cat "$SG_TMP/run" >&2; exit 1; }
		sed "s/^/n=$n run=$r /" "$SG_TMP/run" >>"$OUT"
		cat "$SG_TMP/run" >>"$SG_TMP/runs"
	done
	load=$(awk '$1 == "load" { print $2 }' "$SG_TMP/runs" | median)
	rss=$(awk '$1 == "rss_per_sender" { print $2 }' "$SG_TMP/runs" | median)
	l1=$(awk '$1 == "lookup_threads_1" { print $2 }' "$SG_TMP/runs" | median)
	l2=$(awk '$1 == "lookup_threads_2" { print $2 }' "$SG_TMP/runs" | median)
	chg=$(awk '$1 == "change_visible" { print $2 }' "$SG_TMP/runs" | median)
	chgmax=$(awk '$1 == "change_visible" { print $2 }' "$SG_TMP/runs" |
	    sort -n | tail -1)
	echo "n=$n load=${load}s rss_per_sender=${rss}B lookup_1t=${l1}ns" \
	    "lookup_2t=${l2}ns change_median=${chg}ms change_max=${chgmax}ms" |
	    tee -a "$OUT"
	slapd_stop
	rm -rf "$SG_TMP/slapd/data" "$SG_TMP/bench.ldif"
	SLAPD_PID=
done
