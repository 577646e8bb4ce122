#!/bin/sh
# test_metrics_slow.sh - the metrics endpoint cannot be held shut
# (issue 19, item 6; sendergate(8), METRICS).
#
# Slow clients (slowloris: a connection, then a byte of a request every
# 0.5 s, never finished; each reconnects as soon as it is cut) from
# five loopback addresses, 127.0.0.2 to 127.0.0.6, eight each: 40
# connections wanted, more than the old limit of 16 for all clients.
# Meanwhile curl scrapes /metrics from 127.0.0.1 and must get its answer
# within 3 s, each of five times; the slow connections must be cut
# after about 3 s however steadily they trickle (a deadline for the
# whole connection, not an idle timeout), and each address holds at
# most 4 connections at once (the per-address limit). Only loopback
# addresses are used.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

for t in curl python3; do
	command -v $t >/dev/null 2>&1 ||
		{ echo "not ok - $t missing (make deps)"; exit 1; }
done
sg_backends
MPORT=$(sg_free_port)
milter_conf met "metrics_address = 127.0.0.1:$MPORT"
milter_start met || { echo "not ok - milter did not start"; exit 1; }
eventually 5 curl -sf -o /dev/null "http://127.0.0.1:$MPORT/metrics"

# The slow clients, one python3 process per source address; each line
# of its output: "open", or "cut SECONDS" when the server closed one.
cat >"$SG_TMP/slow.py" <<'EOF'
import socket, sys, threading, time
src, port, n, run_for = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
end = time.monotonic() + run_for
lock = threading.Lock()
def say(s):
    with lock:
        print(s, flush=True)
def one():
    while time.monotonic() < end:
        s = socket.socket()
        s.settimeout(1)
        try:
            s.bind((src, 0))
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            time.sleep(0.2)
            continue
        t0 = time.monotonic()
        say("open")
        req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
        i = 0
        try:
            while time.monotonic() < end:
                s.send(req[i:i + 1])
                i += 1
                time.sleep(0.5)
                s.settimeout(0.01)
                try:
                    if s.recv(1) == b"":
                        raise OSError
                except socket.timeout:
                    pass
        except OSError:
            say("cut %.1f" % (time.monotonic() - t0))
        s.close()
ts = [threading.Thread(target=one) for _ in range(n)]
for t in ts: t.start()
for t in ts: t.join()
EOF
RUN=14
PIDS=
for a in 2 3 4 5 6; do
	python3 "$SG_TMP/slow.py" 127.0.0.$a "$MPORT" 8 $RUN \
	    >"$SG_TMP/slow.$a.out" 2>&1 &
	PIDS="$PIDS $!"
done
sg_atexit "kill $PIDS 2>/dev/null"
sleep 2	# the slow clients hold what they can
ok=0
worst=0
for i in 1 2 3 4 5; do
	t0=$(now_ms)
	if curl -sf -m 3 -o "$SG_TMP/scrape.$i" \
	    "http://127.0.0.1:$MPORT/metrics" &&
	    grep -q '^sendergate_sessions_open' "$SG_TMP/scrape.$i"; then
		ok=$((ok + 1))
	fi
	t=$(($(now_ms) - t0))
	[ $t -gt $worst ] && worst=$t
	sleep 1.5
done
check "5 scrapes under 40 slow connections: all answered within 3 s (slowest $worst ms)" \
    test $ok -eq 5
wait $PIDS
cat "$SG_TMP"/slow.*.out >"$SG_TMP/slow.all"
held=$(awk '$1 == "cut" && $2 >= 2.5 && $2 <= 4.5' "$SG_TMP/slow.all" | wc -l)
late=$(awk '$1 == "cut" && $2 > 4.5' "$SG_TMP/slow.all" | wc -l)
early=$(awk '$1 == "cut" && $2 < 1' "$SG_TMP/slow.all" | wc -l)
check "trickling connections cut by the deadline ($held at 2.5-4.5 s), none living longer ($late did)" \
    sh -c "[ $held -ge 20 ] && [ $late -eq 0 ]"
check "connections past 4 per address closed at once ($early)" \
    test "$early" -gt 0
check "no crash" no_crash met
