#!/bin/sh
# test_sentinel.sh - counting through a Redis Sentinel failover, exactly
# (issue 15, item 3; sendergate.conf(5): redis_sentinels, redis_wait_*).
#
# One master, two replicas and three sentinels on loopback
# (tests/lib/redis_ha.sh: min-replicas-to-write 1, down-after 1000 ms);
# the real daemon with redis_sentinels and redis_wait_replicas = 1; load
# from four senders' loops of mtclient, each message retried with the
# same content until it is accepted, as a client MTA does after a 4xx.
# Checked:
# - the master killed (SIGKILL) under load: every message accepted once,
#   the counter on the new master equals the messages; how long counting
#   was unavailable is printed;
# - the old master restarted: never written by the milter (no EVALSHA);
# - the new master frozen (SIGSTOP) under load, a failover, then thawed:
#   no accepted count lost;
# - a Message-ID retry across a failover is not counted twice;
# - all sentinels down: a fresh daemon answers rule 11 and logs "no
#   sentinel reachable" until one is back; a master name the sentinels do
#   not know is logged as such.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/redis_ha.sh"

sg_setup
SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TOP/tests/integration/data.ldif" ||
	{ echo "not ok - slapd did not start"; exit 1; }
ha_start || { echo "not ok - the Redis set with sentinels did not start"; exit 1; }
echo "ok - a master, two replicas and three sentinels ($HA_SENTINELS)"

# The milters read Redis through the sentinels only: redis_address points
# nowhere (a port nobody listens on).
NOWHERE=127.0.0.1:$(sg_free_port)
REDIS_ADDRESS=$NOWHERE
sentinel_conf() {
	milter_conf "$1" "redis_sentinels = $HA_SENTINELS" \
	    "redis_master_name = ${2:-$HA_NAME}" \
	    "redis_wait_replicas = 1" "redis_wait_timeout = 500ms" \
	    "dedupe_max_retries = 5"
	milter_set "$1" "redis_timeout = 300ms"
}
sentinel_conf ha
milter_start ha || { echo "not ok - sendergate ha did not start"; exit 1; }

MKEY="sg:{acme.test}:s:bob@acme.test:$MONTH"
CTRFAIL="451 4.3.0 Sender counters unavailable, try again later"

# mcli ARGS...: redis-cli to the master of the moment.
mcli() {
	timeout 10 redis-cli -h 127.0.0.1 -p "$(ha_master)" "$@"
}

# now_ms: the time in milliseconds.
now_ms() {
	date +%s%3N
}

# send_until_accepted CASE ID: one message with Message-ID <ID@t>, sent
# again (the same bytes) after any other answer, at most 150 times; one
# line "MS STATUS" per try appended to $SG_TMP/tries.
send_until_accepted() {
	_n=0
	while [ $_n -lt 150 ]; do
		_n=$((_n + 1))
		_t0=$(now_ms)
		{
			tx_head "$1" bob@acme.test 192.0.2.7
			tx_body bob@acme.test "Message-ID: <$2@t>"
		} | mtt 0.5 ha "$1" >/dev/null 2>&1
		if grep -qx 'eom: continue' "$SG_TMP/$1.out"; then
			echo "$(now_ms) ok $(($(now_ms) - _t0))" >>"$SG_TMP/tries"
			return 0
		fi
		echo "$(now_ms) fail $(($(now_ms) - _t0))" >>"$SG_TMP/tries"
		sleep 0.05
	done
	return 1
}

# load TAG N: four loops of N messages each, in the background; their
# pids in $LOADPIDS.
load() {
	LOADPIDS=
	for _w in 1 2 3 4; do
		(
			_i=0
			while [ $_i -lt "$2" ]; do
				_i=$((_i + 1))
				send_until_accepted "$1w$_w" "$1-$_w-$_i" ||
				    echo "gave up $1-$_w-$_i" >>"$SG_TMP/gaveup"
			done
		) &
		LOADPIDS="$LOADPIDS $!"
	done
}

# window T0: ms from T0 to the first try accepted after it that was
# started after T0 (a try ends at $1 and took $3 ms).
window() {
	sort -n "$SG_TMP/tries" | awk -v t0="$1" '
	    $2 == "ok" && $1 - $3 > t0 { print $1 - t0; exit }'
}

# --- the master killed under load -----------------------------------------
: >"$SG_TMP/tries"
: >"$SG_TMP/gaveup"
old=$(ha_master)
oldi=$(ha_index "$old")
load kill 40
sleep 0.7
t0=$(now_ms)
ha_kill "$oldi" KILL
new=$(ha_wait_master "$old" 20)
check "SIGKILL: the sentinels promoted a replica ($old -> $new) in $(($(now_ms) - t0)) ms" \
    test -n "$new"
wait $LOADPIDS
check "SIGKILL: every message accepted in the end" test ! -s "$SG_TMP/gaveup"
check "SIGKILL: the counter on the new master is the 160 messages ($(mcli GET "$MKEY"))" \
    test "$(mcli GET "$MKEY")" = 160
echo "ok - # counting unavailable for $(window "$t0") ms after the SIGKILL ($(grep -c fail "$SG_TMP/tries") tries tempfailed)"
check "SIGKILL: the milter logged finding the master again or rule 11" \
    grep -qE "not the master|finding the master again|$CTRFAIL|reconnecting" \
    "$SG_TMP/ha.log"

# --- the old master restarted: never written ---------------------------------
ha_restart "$oldi"
: >"$SG_TMP/tries"
load back 10
wait $LOADPIDS
check "restart: 40 more messages accepted and counted (200)" \
    test "$(mcli GET "$MKEY")" = 200
evals=$(ha_cli "$oldi" INFO commandstats 2>/dev/null |
    grep -c '^cmdstat_evalsha:')
check "restart: the restarted old master ran no EVALSHA of the milter" \
    test "$evals" = 0

# --- the master frozen, a failover, thawed -----------------------------------
: >"$SG_TMP/tries"
cur=$(ha_master)
curi=$(ha_index "$cur")
load freeze 40
sleep 0.7
t0=$(now_ms)
ha_kill "$curi" STOP
new2=$(ha_wait_master "$cur" 20)
check "SIGSTOP: a replica promoted while the master is frozen ($cur -> $new2)" \
    test -n "$new2"
ha_kill "$curi" CONT
wait $LOADPIDS
check "SIGSTOP: every message accepted in the end" test ! -s "$SG_TMP/gaveup"
check "SIGSTOP: no accepted count lost: 360 ($(mcli GET "$MKEY"))" \
    test "$(mcli GET "$MKEY")" = 360
echo "ok - # counting unavailable for $(window "$t0") ms after the SIGSTOP ($(grep -c fail "$SG_TMP/tries") tries tempfailed)"

# --- a Message-ID retry across a failover ------------------------------------
send_until_accepted R1 retry-across
before=$(mcli GET "$MKEY")
cur=$(ha_master)
ha_kill "$(ha_index "$cur")" KILL
new3=$(ha_wait_master "$cur" 20)
check "retry: another failover ($cur -> $new3)" test -n "$new3"
send_until_accepted R2 retry-across
check "retry: the same message after the failover accepted, not counted again" \
    test "$(mcli GET "$MKEY")" = "$before"
check "retry: logged as a retry (dup=1)" \
    sh -c "grep 'R2: accept' '$SG_TMP/ha.log' | grep -q 'dup=1'"

# --- the sentinels down ------------------------------------------------------
ha_sentinels_stop
sentinel_conf cold
milter_start cold || { echo "not ok - sendergate cold did not start"; exit 1; }
{
	tx_head C1 bob@acme.test 192.0.2.7
	echo "expect $CTRFAIL"
} | mt cold C1 >/dev/null
check "sentinels down: a new daemon answers rule 11 at MAIL FROM" \
    in_out C1 "mail: $CTRFAIL"
check "sentinels down: logged \"no sentinel reachable\"" \
    logged cold "no sentinel reachable"
ha_sentinels_start
# ok_cold: MAIL FROM passes on the fresh daemon
ok_cold() {
	{
		tx_head C2 bob@acme.test 192.0.2.7
	} | mt cold C2 >/dev/null 2>&1
	in_out C2 "mail: continue"
}
check "a sentinel back: counting again within 10 s" eventually 10 ok_cold
sentinel_conf unknown nosuchmaster
milter_start unknown || { echo "not ok - sendergate unknown did not start"; exit 1; }
{
	tx_head U1 bob@acme.test 192.0.2.7
	echo "expect $CTRFAIL"
} | mt unknown U1 >/dev/null
check "unknown master name: rule 11" in_out U1 "mail: $CTRFAIL"
check "unknown master name: logged as such, not as unreachable" \
    logged unknown "master name unknown to the sentinels"
for m in ha cold unknown; do
	check "$m: no sanitizer report or crash" no_crash "$m"
done
