#!/bin/sh
# test_replica.sh - Redis answering errors: the milter's redis_address is
# a read-only replica. Reading the counters works there (MAIL FROM), the
# counting script's writes are refused (READONLY): rule 11 at end of
# message with the configured on_counter_error (tempfail: 451 4.3.0;
# accept: accepted, count=unknown), nothing counted. Then the replica is
# promoted (REPLICAOF NO ONE) and, without a restart, the milter counts
# again within 5 s. (Redis out of memory, maxmemory with noeviction, is
# in test_faults.sh.)
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_backends
redis_replica_start || { echo "not ok - redis replica did not start"; exit 1; }

CTRFAIL="451 4.3.0 Sender counters unavailable, try again later"
BKEY="sg:{acme.test}:s:bob@acme.test:$MONTH"
PKEY="sg:{acme.test}:s:plus@acme.test:$MONTH"

milter_conf rt
milter_set rt "redis_address = $REPLICA_ADDRESS" "redis_timeout = 300ms"
milter_conf ra
milter_set ra "redis_address = $REPLICA_ADDRESS" "redis_timeout = 300ms" \
    "on_counter_error = accept"
for m in rt ra; do
	sg_atexit milter_stop $m
	milter_start $m || { echo "not ok - sendergate $m did not start"; exit 1; }
done

# a count the replica got from its master: MAIL FROM reads it there
rcli SET "$BKEY" 5 >/dev/null
rcli SET "$PKEY" 7 >/dev/null
sync_ok() {
	test "$(rcli_replica GET "$BKEY")" = 5 -a \
	    "$(rcli_replica GET "$PKEY")" = 7
}
check "the replica has the master's counts" eventually 5 sync_ok
ro=$(rcli_replica SET probe 1 2>&1)
case $ro in
*READONLY*) echo "ok - the replica refuses writes: $ro" ;;
*) echo "not ok - the replica accepts writes: $ro" ;;
esac

ok_mt rt readonly-tempfail <<EOT
$(tx_head RO1 bob@acme.test 192.0.2.7)
expect continue
$(tx_body bob@acme.test)
expect $CTRFAIL
EOT
check "tempfail: the READONLY error is logged" logged rt READONLY
check "tempfail: logged as rule counter" \
    logged rt "RO1: tempfail rule=counter from=<bob@acme.test>"
ok_mt ra readonly-accept <<EOT
$(tx_head RO2 plus@acme.test 192.0.2.7)
expect continue
$(tx_body plus@acme.test)
expect continue
EOT
check "accept: logged accepted with count=unknown" sh -c \
    "grep 'RO2: accept' '$SG_TMP/ra.log' | grep -q 'count=unknown'"
check "nothing counted on the replica" \
    test "$(rcli_replica GET "$BKEY"):$(rcli_replica GET "$PKEY")" = 5:7
check "nothing counted on the master" \
    test "$(rcli GET "$BKEY"):$(rcli GET "$PKEY")" = 5:7
check "both daemons still run" sh -c \
    "kill -0 $(milter_pid rt) && kill -0 $(milter_pid ra)"

# --- promoted: recovery within 5 s, no restart --------------------------------
promoted=$(now_ms)
rcli_replica REPLICAOF NO ONE >/dev/null
counted_rt() {
	mtt 2 rt readonly-back <<-EOT
	$(tx_head RB bob@acme.test 192.0.2.7)
	expect continue
	$(tx_body bob@acme.test)
	expect continue
	EOT
}
check "promoted: counting again within 5 s" eventually 5 counted_rt
took=$(($(now_ms) - promoted))
check "promoted: back after ${took} ms (< 5000)" test "$took" -lt 5000
check "promoted: counted once on the promoted server" \
    test "$(rcli_replica GET "$BKEY")" = 6
ok_mt ra readonly-back-accept <<EOT
$(tx_head RB2 plus@acme.test 192.0.2.7)
expect continue
$(tx_body plus@acme.test)
expect continue
EOT
check "accept daemon: counted again, with a count" sh -c \
    "grep 'RB2: accept' '$SG_TMP/ra.log' | grep -q 'count=8/'"
for m in rt ra; do
	check "$m: no sanitizer report or crash" no_crash $m
done
