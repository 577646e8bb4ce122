#!/bin/sh
# test_drain.sh - SIGTERM under Postfix load cuts no open transaction:
# libmilter aborts the sessions still in a transaction when it is
# stopped, so sendergate first refuses new transactions (451 4.3.2) and
# lets the open ones end (up to 5 s). DRAIN_HELD clients (default 4,
# tests/tools/slowsmtp.py) hold a transaction open past MAIL FROM and
# RCPT; the milter gets SIGTERM; then they send their DATA: each must
# be accepted (250, the milter's acceptance logged, counted in Redis,
# at the sink). Meanwhile 2 swaks loops keep sending: every reply 2xx
# or 4xx, every 2xx checked by the milter. A new transaction after the
# signal gets 4xx.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_drain.sh needs root (a private Postfix queue)"
	exit 0
fi
for p in postfix smtp-sink swaks dovecot python3; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "not ok - $p is not installed (sh tests/lib/deps.sh)"; exit 1; }
done

HELD=${DRAIN_HELD:-4}
S=drain@pf.test
SLOW=$(cd "$(dirname "$0")/../tools" && pwd)/slowsmtp.py

pf_netns_enter "$0" "$@"
sg_setup
pf_ldif "$SG_TMP/pf.ldif" || { echo "not ok - pf_ldif"; exit 1; }
cat >>"$SG_TMP/pf.ldif" <<EOT

dn: mail=$S,sgDomainName=$PF_REALM,ou=sendergate,dc=example,dc=com
objectClass: sgSender
mail: $S
cn: stopped under load
sgAuthMethod: ip
sgAllowedNetwork: 127.0.0.1/32
EOT
SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TMP/pf.ldif" ||
	{ echo "not ok - slapd did not start"; exit 1; }
redis_start || { echo "not ok - redis did not start"; exit 1; }
SG_MILTER_PORT=8891	# the shipped main.cf's (our own network namespace)
milter_conf main
SG_MILTER_PORT=
milter_set main "log_level = info"
milter_start main || { echo "not ok - sendergate did not start"; exit 1; }
sg_atexit milter_stop main
sink_start || { echo "not ok - smtp-sink did not start"; exit 1; }
pf_start "$MILTER_SOCK_main" ||
	{ echo "not ok - postfix or dovecot did not start"; exit 1; }

H=$SG_TMP/held
mkdir -p "$H"
# the load: swaks loops until the stop is over
loop() {
	_l_i=1
	while [ ! -f "$SG_TMP/stopped" ] && [ "$_l_i" -le 200 ]; do
		pf_send "l-$1-$_l_i" "$PF_PORT_SMTP" --from "$S" --to "l$1@far.test"
		_l_i=$((_l_i + 1))
	done
}
lpids=
for i in 1 2; do
	loop "$i" &
	lpids="$lpids $!"
done
hpids=
i=1
while [ "$i" -le "$HELD" ]; do
	python3 "$SLOW" 127.0.0.1 "$PF_PORT_SMTP" "$S" "h$i@far.test" "h-$i" "$H" &
	hpids="$hpids $!"
	i=$((i + 1))
done
all_open() {
	test "$(ls "$H"/*.open 2>/dev/null | wc -l)" -eq "$HELD"
}
check "$HELD transactions held open past RCPT" eventually 20 all_open

pid=$(milter_pid main)
t0=$(date +%s%N)
kill -TERM "$pid"
sleep 0.5
# a new transaction while the milter drains
python3 "$SLOW" 127.0.0.1 "$PF_PORT_SMTP" "$S" "late@far.test" late "$H" &
late=$!
sleep 0.5
touch "$H/go"
wait $hpids
i=0
while sg_alive "$pid" && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
touch "$SG_TMP/stopped"
wait $lpids "$late"
check "the milter stopped after SIGTERM (${ms} ms)" eval '! sg_alive "$pid"'
check "it logged the drain" \
    grep -q 'stopping: [0-9]* transaction(s) open, new ones refused' \
    "$SG_TMP/main.log"
check "no transaction left open at the stop" \
    eval '! grep -q "transaction(s) still open" "$SG_TMP/main.log"'

i=1
while [ "$i" -le "$HELD" ]; do
	r=$(cat "$H/h-$i.reply" 2>/dev/null)
	echo "# h-$i: $r"
	check "held transaction h-$i, open at the signal, accepted" \
	    eval 'case "$r" in 250\ *queued\ as*) true ;; *) false ;; esac'
	i=$((i + 1))
done
r=$(cat "$H/late.reply" 2>/dev/null)
echo "# late: $r"
check "a transaction begun after the signal: 4xx" \
    eval 'case "$r" in 4??\ *) true ;; *) false ;; esac'

ok=0 other=0
for f in "$SG_TMP"/l-*.swaks; do
	[ -f "$f" ] || continue
	r=$(pf_reply "$(basename "$f" .swaks)")
	case $r in
	2??" "*queued\ as\ *) ok=$((ok + 1)) ;;
	4??" "*) ;;
	*) other=$((other + 1)); echo "# $(basename "$f"): $r" ;;
	esac
done
check "the load: every reply 2xx or 4xx ($ok accepted, $other other)" \
    test "$other" -eq 0
drained() { test "$(pf_queue_count)" -eq 0; }
check "Postfix's queue drains" eventually 60 drained
held=$(grep -l -E '^X-Case: h-' "$SINK_DIR"/msg.* 2>/dev/null | wc -l)
check "the $HELD held messages at the sink ($held)" test "$held" -eq "$HELD"
accepted=$(grep -c "accept rule=ok from=<$S>" "$SG_TMP/main.log")
loaded=$(grep -l -E '^X-Case: l-' "$SINK_DIR"/msg.* 2>/dev/null | wc -l)
check "every message at the sink was accepted by the milter ($accepted logged, $((held + loaded)) at the sink)" \
    test "$accepted" -eq $((held + loaded))
n=$(rcli GET "sg:{pf.test}:s:$S:$MONTH")
check "counted in Redis (${n:-0}) = accepted ($accepted)" test "${n:-0}" -eq "$accepted"
check "no sanitizer report or crash in the milter's log" no_crash main
