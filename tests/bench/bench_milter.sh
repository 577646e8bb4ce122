#!/bin/sh
# bench_milter.sh [N...]: the daemon under load from tests/bench/mtload,
# against a private slapd holding N generated senders (default: 1000
# 100000 1000000) and a private Redis, in query and mirror mode (and
# "known": mirror with quota_precheck = known; "nodedupe": mirror with
# dedupe_window = 0, so no body is asked for; "metrics": mirror with
# metrics_address on and GET /metrics scraped every 0.2 s during the run;
# "nowarn": mirror with quota_warn empty, no warning marks in the
# script; "mirror" itself runs with metrics_address off), at 1, 8 and 64
# concurrent milter connections; and, as mode "null",
# tests/bench/nullmilter, a libmilter milter that decides nothing: the
# floor libmilter and the kernel put under any milter on this machine.
#
# One line per run on stdout (and, with a header, appended to $OUT,
# default ${TMPDIR:-/tmp}/bench-milter-results.txt):
#
#   milter n=N mode=M conns=C rate=MSG/S p50_us= p99_us= p999_us=
#       redis_rtt=PER_MSG ldap_ops=PER_MSG cpu_us=PER_MSG
#
# conns=8R is 8 connections opening a new milter connection for every
# transaction (Postfix does so for every SMTP session), the others keep
# theirs (SMFIC_QUIT_NC between transactions).
# redis_rtt: requests Redis received (INFO commandstats, less the
# commands run inside the Lua script) per transaction; ldap_ops: operations slapd completed (its
# monitor backend, cn=Operations,cn=Monitor) per transaction; cpu_us:
# user + system CPU time of the sendergate process (/proc/PID/stat) per
# transaction. These three count warm-up transactions too, and so divide
# by every transaction mtload ran. Each run starts from an empty Redis and
# draws its own senders (mtload -S), so no run finds the query-mode cache
# warmed by the one before.
#
# Knobs: MODES (default "query mirror known null"), CONNS (default "1 8 64 8R"), SECS
# (measured seconds per run, default 5), WARM (warm-up seconds, 1),
# REPEAT (runs of each combination, default 1; their medians are printed
# as "milter median ..." lines when above 1).
# Not part of make check: the 1000000 case takes minutes to load.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/stats.sh"

MODES=${MODES:-"query mirror known null"}
CONNS=${CONNS:-"1 8 64 8R"}
SECS=${SECS:-5}
WARM=${WARM:-1}
REPEAT=${REPEAT:-1}
OUT=${OUT:-${TMPDIR:-/tmp}/bench-milter-results.txt}
SG_BIN=${SG_BIN:-$SG_ROOT/milter/sendergate}
LOAD=$SG_ROOT/tests/bench/mtload
NULLMILTER=$SG_ROOT/tests/bench/nullmilter
[ $# -gt 0 ] || set -- 1000 100000 1000000
for b in "$SG_BIN" "$LOAD" "$NULLMILTER"; do
	[ -x "$b" ] || { echo "build it first: make bench" >&2; exit 1; }
done

sg_setup
SLAPD_DEBUG=0
SLAPD_NO_EXAMPLE=1
SLAPD_MAXSIZE=${SLAPD_MAXSIZE:-8589934592}
SLAPD_EXTRA_DB_CONF="database monitor
access to * by * read"
export SLAPD_DEBUG SLAPD_NO_EXAMPLE SLAPD_MAXSIZE SLAPD_EXTRA_DB_CONF
redis_start || exit 1
TICK_US=$((1000000 / $(getconf CLK_TCK)))
seed=1000
echo "# bench_milter.sh $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -srm)," \
    "$(nproc) cores, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)," \
    "SECS=$SECS WARM=$WARM" >>"$OUT"
: >"$SG_TMP/all"
for n in "$@"; do
	sh "$SG_ROOT/tests/bench/gen_ldif.sh" "$n" >"$SG_TMP/bench.ldif"
	t0=$(date +%s)
	slapd_start "$SG_TMP/bench.ldif" || exit 1
	echo "# n=$n slapadd+start $(($(date +%s) - t0)) s" >>"$OUT"
	for mode in $MODES; do
		MPORT=$(sg_free_port)
		cat >"$SG_TMP/bench.conf" <<-EOF
		socket = unix:$SG_TMP/milter.sock
		ldap_uri = $SLAPD_URI
		ldap_base = $SLAPD_BASE
		pid_file =
		ldap_bind_dn = $SLAPD_BIND_DN
		ldap_bind_password_file = $SLAPD_BIND_PW_FILE
		ldap_mode = $(case $mode in query) echo query ;; *) echo mirror ;; esac)
		$(case $mode in known) echo "quota_precheck = known" ;; esac)
		$(case $mode in nodedupe) echo "dedupe_window = 0" ;; esac)
		$(case $mode in metrics) echo "metrics_address = 127.0.0.1:$MPORT" ;; esac)
		$(case $mode in nowarn) echo "quota_warn =" ;; esac)
		ldap_timeout = 2s
		redis_address = $REDIS_ADDRESS
		EOF
		if [ "$mode" = null ]; then
			"$NULLMILTER" -s "unix:$SG_TMP/milter.sock" \
			    >"$SG_TMP/milter.log" 2>&1 &
		else
			"$SG_BIN" -f -c "$SG_TMP/bench.conf" \
			    >"$SG_TMP/milter.log" 2>&1 &
		fi
		mpid=$!
		sg_atexit "kill $mpid 2>/dev/null"
		if [ "$mode" = metrics ]; then
			# a scraper far keener than Prometheus's 15 s default
			( while kill -0 $mpid 2>/dev/null; do
				curl -sf -o /dev/null "http://127.0.0.1:$MPORT/metrics"
				sleep 0.2
			done ) &
		fi
		# ready: the socket answers and, in mirror mode, the load is done
		i=0
		until "$LOAD" -s "unix:$SG_TMP/milter.sock" -c 1 -w 0 -d 1 \
		    -n "$n" >"$SG_TMP/probe" 2>/dev/null &&
		    [ "$(field accepted <"$SG_TMP/probe")" -gt 0 ]; do
			i=$((i + 1))
			if [ $i -gt 600 ] || ! kill -0 $mpid 2>/dev/null; then
				echo "sendergate did not become ready:" >&2
				cat "$SG_TMP/milter.log" "$SG_TMP/probe" >&2
				exit 1
			fi
			sleep 0.5
		done
		for c in $CONNS; do
			r=0
			while [ $r -lt "$REPEAT" ]; do
				r=$((r + 1))
				rcli FLUSHALL >/dev/null
				rc0=$(redis_requests)
				cpu0=$(cpu_ticks $mpid)
				lo_=$(ldap_ops)	# what reading costs
				lo0=$(ldap_ops)
				case $c in
				*R) copt="-R -c ${c%R}" ;;
				*) copt="-c $c" ;;
				esac
				seed=$((seed + 1))	# new senders each run
				"$LOAD" -s "unix:$SG_TMP/milter.sock" $copt \
				    -w "$WARM" -d "$SECS" -n "$n" -S $seed \
				    >"$SG_TMP/run" 2>"$SG_TMP/run.err" || {
					cat "$SG_TMP/run" "$SG_TMP/run.err" >&2
					exit 1
				}
				cpu1=$(cpu_ticks $mpid)
				lo1=$(ldap_ops)
				rc1=$(redis_requests)
				line=$(cat "$SG_TMP/run")
				all=$(echo "$line" | field all)
				acc=$(echo "$line" | field accepted)
				if [ "$acc" != "$(echo "$line" | field msgs)" ] ||
				    { [ "$mode" != null ] &&
				    [ "$(echo "$line" | field copies)" != "$acc" ]; }; then
					echo "not every message was accepted" \
					    "with its copy:" \
					    "$line" >&2
					tail -5 "$SG_TMP/milter.log" >&2
					exit 1
				fi
				# the reads of cn=Monitor are operations too
				res="milter n=$n mode=$mode conns=$c"
				res="$res rate=$(echo "$line" | field rate)"
				for k in p50_us p99_us p999_us; do
					res="$res $k=$(echo "$line" | field $k)"
				done
				res="$res $(awk -v a="$all" -v r0="$rc0" \
				    -v r1="$rc1" -v l0="$lo0" -v l1="$lo1" -v lr=$((lo0 - lo_)) \
				    -v c0="$cpu0" -v c1="$cpu1" -v t="$TICK_US" \
				    'BEGIN { printf "redis_rtt=%.3f ldap_ops=%.3f cpu_us=%.1f",
					(r1 - r0) / a, (l1 - l0 - lr) / a,
					(c1 - c0) * t / a }')"
				echo "$res"
				echo "$res" >>"$OUT"
				echo "$res" >>"$SG_TMP/all"
			done
		done
		kill $mpid
		wait $mpid 2>/dev/null
	done
	slapd_stop
	rm -rf "$SG_TMP/slapd/data" "$SG_TMP/bench.ldif"
	SLAPD_PID=
done
if [ "$REPEAT" -gt 1 ]; then
	awk '{ print $2, $3, $4 }' "$SG_TMP/all" | sort -u |
	while read -r nn mm cc; do
		out="milter median $nn $mm $cc"
		for k in rate p50_us p99_us p999_us redis_rtt ldap_ops cpu_us; do
			out="$out $k=$(grep " $nn $mm $cc " "$SG_TMP/all" |
			    field $k | median)"
		done
		echo "$out" | tee -a "$OUT"
	done
fi
