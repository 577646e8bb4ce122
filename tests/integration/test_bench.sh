#!/bin/sh
# test_bench.sh - what the benchmarks rely on, and the per-message costs
# users are promised, under load from tests/bench/mtload (8 connections
# that offer every no-reply flag, as Postfix does): every transaction
# accepted with its archive copy; exactly one MGET and one EVALSHA per
# message and the counters equal to the messages; in mirror mode no LDAP
# operation at all while mail flows; in query mode at most one per
# distinct sender (the cache). Counts, not timings, with one exception
# whose bound no machine comes near: no 40 ms Nagle stall per message on
# the TCP socket (TCP_NODELAY).
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/stats.sh"

LOAD=$SG_TOP/tests/bench/mtload
N=300

sg_setup
if [ ! -x "$LOAD" ]; then
	echo "not ok - $LOAD is not built (make tests/bench/mtload)"
	exit 1
fi
sh "$SG_TOP/tests/bench/gen_ldif.sh" $N >"$SG_TMP/bench.ldif"
SLAPD_NO_EXAMPLE=1
SLAPD_EXTRA_DB_CONF="database monitor
access to * by * read"
export SLAPD_NO_EXAMPLE SLAPD_EXTRA_DB_CONF
slapd_start "$SG_TMP/bench.ldif" || exit 1
redis_start || exit 1

# load MODE: run mtload for 1 s against a fresh milter in MODE; sets
# $line (mtload's output), $all, $ldap (operations during the load, the
# cost of reading the monitor taken out), $evalsha and $mget
load() {
	milter_conf "$1"
	# as operators run it: info logging, a cache that outlives the run
	sed -i '/^ldap_mode\|^log_level\|^cache_ttl/d' "$SG_TMP/$1.conf"
	printf '%s\n' "ldap_mode = $1" "log_level = info" "cache_ttl = 60s" \
	    >>"$SG_TMP/$1.conf"
	milter_start "$1" || exit 1
	eval "sock=\$MILTER_SOCK_$1"
	# ready: the first transaction is accepted (the mirror has loaded)
	i=0
	until "$LOAD" -s "$sock" -w 0 -d 1 -n $N >"$SG_TMP/probe" 2>&1 &&
	    [ "$(field accepted <"$SG_TMP/probe")" -gt 0 ]; do
		i=$((i + 1))
		[ $i -lt 20 ] || break
		sleep 0.5
	done
	rcli FLUSHALL >/dev/null
	e0=$(redis_calls evalsha)
	g0=$(redis_calls mget)
	l0=$(ldap_ops)
	l1=$(ldap_ops)
	line=$("$LOAD" -s "$sock" -c 8 -w 0 -d 1 -n $N 2>"$SG_TMP/load.err")
	status=$?
	l2=$(ldap_ops)
	ldap=$((l2 - l1 - (l1 - l0)))
	evalsha=$(($(redis_calls evalsha) - e0))
	mget=$(($(redis_calls mget) - g0))
	all=$(echo "$line" | field all)
	echo "# $1: $line ldap_ops=$ldap evalsha=$evalsha mget=$mget"
	milter_stop "$1"
}

# sum of the values of the Redis keys matching a pattern
key_sum() {
	rcli --scan --pattern "$1" | while read -r k; do
		rcli GET "$k"
	done | awk '{ n += $1 } END { print n + 0 }'
}

for mode in mirror query; do
	load $mode
	msgs=$(echo "$line" | field msgs)
	check "$mode: mtload ran without a wire error" \
	    test "$status" -eq 0 -a "$(echo "$line" | field errors)" = 0
	check "$mode: transactions ran ($msgs)" [ "${msgs:-0}" -gt 50 ]
	check "$mode: every transaction accepted" \
	    [ "$(echo "$line" | field accepted)" = "$msgs" ]
	check "$mode: every transaction got its archive copy" \
	    [ "$(echo "$line" | field copies)" = "$msgs" ]
	# On this TCP socket, without TCP_NODELAY the reply after an added
	# recipient waits for the MTA's delayed ACK: 40 ms or more a
	# message. The bound is far above any loaded machine's median.
	check "$mode: no Nagle stall at end of message (median $(echo "$line" |
	    field p50_us) us)" [ "$(echo "$line" | field p50_us)" -lt 20000 ]
	check "$mode: one EVALSHA per message ($evalsha for $all)" \
	    [ "$evalsha" = "$all" ]
	check "$mode: one MGET per message ($mget for $all)" \
	    [ "$mget" = "$all" ]
	check "$mode: sender counters add up to the messages" \
	    [ "$(key_sum 'sg:*:s:*')" = "$all" ]
	check "$mode: domain counters add up to the messages" \
	    [ "$(key_sum 'sg:*:d:*')" = "$all" ]
	if [ $mode = mirror ]; then
		check "mirror: no LDAP operation while mail flows ($ldap)" \
		    [ "$ldap" -eq 0 ]
	else
		# the probe warmed the cache with some senders already
		check "query: at most one LDAP search per sender ($ldap)" \
		    [ "$ldap" -le $N ]
	fi
done

# A new milter connection for every transaction (as Postfix opens one per
# SMTP session): libmilter runs each on a new thread, and the Redis
# connections are still reused, not made anew per session.
SG_LDAP_MODE=mirror milter_conf churn
milter_start churn || exit 1
eventually 10 grep -q "mirror: full load" "$SG_TMP/churn.log"
c0=$(redis_connections)
line=$("$LOAD" -s "$MILTER_SOCK_churn" -R -c 8 -w 0 -d 1 -n $N 2>&1)
c1=$(redis_connections)
echo "# churn: $line redis_connections=$((c1 - c0))"
check "new session each message: all accepted" \
    [ "$(echo "$line" | field accepted)" = "$(echo "$line" | field msgs)" ]
check "new session each message: Redis connections reused ($((c1 - c0)) for $(echo "$line" | field all) sessions)" \
    [ $((c1 - c0)) -le 16 ]
milter_stop churn

# A client that offers no reply to headers or connect (mtload, above)
# and one that does not (mtclient's default offer) get the same answers.
SG_LDAP_MODE=mirror milter_conf nr
milter_start nr || exit 1
eventually 10 grep -q "mirror: full load" "$SG_TMP/nr.log"
ok_mt nr nr-default-offer <<EOF
$(tx_head NR1 u1@d0.bench 198.51.100.7 u1@d0-bench.relay.example smtp)
expect continue
rcpt <x@example.net>
expect continue
header From: <u1@d0.bench>
expect continue
header Message-ID: <nr-1@load.bench>
expect continue
eom
expect continue
EOF
check "default offer: the archive copy" in_out nr-default-offer \
    "eom: addrcpt <archive@vault.bench> NOTIFY=NEVER"

# One milter connection, two SMTP sessions (SMFIC_QUIT_NC between them, as
# an MTA that reuses milter connections sends): the second session's copy
# still gets NOTIFY=NEVER, granted once for the whole milter connection.
ok_mt nr quitnc-two-sessions <<EOF2
$(tx_head NR2 u2@d0.bench 198.51.100.7 u2@d0-bench.relay.example smtp)
expect continue
$(tx_body "<u2@d0.bench>")
expect continue
quitnc
$(tx_head NR3 u3@d0.bench 198.51.100.7 u3@d0-bench.relay.example smtp)
expect continue
$(tx_body "<u3@d0.bench>")
expect continue
EOF2
check "quitnc: two copies, both NOTIFY=NEVER" test "$(grep -c \
    '^eom: addrcpt <archive@vault.bench> NOTIFY=NEVER$' \
    "$SG_TMP/quitnc-two-sessions.out")" = 2
