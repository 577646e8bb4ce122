#!/bin/sh
# test_kill.sh - the milter killed (SIGKILL) and restarted under Postfix
# load: every message is either accepted after the milter's checks (2xx,
# and the milter logged its acceptance under Postfix's queue id) or
# answered 4xx (milter_default_action = tempfail); none is accepted
# unchecked and none is lost: the messages at the sink (smtp-sink) equal
# the client's 2xx replies, one for one, and each delivered message's
# sender is registered and counted in Redis.
#
# Load: KILL_CLIENTS swaks loops (default 3) sending to port 25 from an
# IP-controlled sender; the milter is killed twice, once 10 messages
# have been accepted and again once 10 more have been accepted after the
# restart (progress, not wall-clock time, so a slow machine only makes it
# slower), and started again right away. The clients go on until each
# has had 3 messages accepted after the second restart (at most
# KILL_MAX, default 80, messages each).
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_kill.sh needs root (a private Postfix queue)"
	exit 0
fi
for p in postfix smtp-sink swaks dovecot; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "not ok - $p is not installed (sh tests/lib/deps.sh)"; exit 1; }
done

CLIENTS=${KILL_CLIENTS:-3}
MAX=${KILL_MAX:-80}
S=killme@pf.test

pf_netns_enter "$0" "$@"
sg_setup
pf_ldif "$SG_TMP/pf.ldif" || { echo "not ok - pf_ldif"; exit 1; }
cat >>"$SG_TMP/pf.ldif" <<EOT

dn: mail=$S,sgDomainName=$PF_REALM,ou=sendergate,dc=example,dc=com
objectClass: sgSender
mail: $S
cn: killed under load
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

# accepted: how many transcripts end in "queued as" so far.
accepted() {
	grep -l -E '^<[-~] +250 .*queued as' "$SG_TMP"/k-*.swaks 2>/dev/null |
	    wc -l
}

# client N: messages one after the other, until 3 were accepted after
# the killer finished (or MAX were sent).
client() {
	_c_i=1
	_c_after=0
	while [ "$_c_i" -le "$MAX" ] && [ "$_c_after" -lt 3 ]; do
		_c_done=0
		[ -f "$SG_TMP/killer-done" ] && _c_done=1
		pf_send "k-$1-$_c_i" "$PF_PORT_SMTP" --from "$S" \
		    --to "r$1@far.test"
		if [ "$_c_done" -eq 1 ] &&
		    grep -q -E '^<[-~] +250 .*queued as' \
		    "$SG_TMP/k-$1-$_c_i.swaks"; then
			_c_after=$((_c_after + 1))
		fi
		_c_i=$((_c_i + 1))
	done
}

# killer: SIGKILL the milter after 10 and after 20 accepted messages,
# restart it each time.
killer() {
	for _k_at in 10 20; do
		_k_i=0
		while [ "$(accepted)" -lt "$_k_at" ] && [ "$_k_i" -lt 1200 ]; do
			sleep 0.1
			_k_i=$((_k_i + 1))
		done
		kill -KILL "$(milter_pid main)" 2>/dev/null
		echo "killed at $(accepted) accepted" >>"$SG_TMP/kills"
		sleep 0.5
		milter_start main >>"$SG_TMP/kills" 2>&1 ||
			echo "restart failed" >>"$SG_TMP/kills"
	done
	touch "$SG_TMP/killer-done"
}

killer &
kpid=$!
pids=
i=1
while [ "$i" -le "$CLIENTS" ]; do
	client "$i" &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids	# not a bare wait: the servers run in the background too
wait "$kpid"
sed 's/^/# /' "$SG_TMP/kills"
check "the milter was killed twice and restarted" \
    test "$(grep -c '^killed at' "$SG_TMP/kills")" = 2 -a \
    "$(grep -c 'restart failed' "$SG_TMP/kills")" = 0
check "the restarted milter runs" milter_alive main

ok=0 temp=0 other=0
: >"$SG_TMP/accepted-qids"
for f in "$SG_TMP"/k-*.swaks; do
	c=$(basename "$f" .swaks)
	r=$(pf_reply "$c")
	case $r in
	2??" "*queued\ as\ *)
		ok=$((ok + 1))
		echo "${r##*queued as }" | tr -d '\r ' >>"$SG_TMP/accepted-qids"
		;;
	4??" "*) temp=$((temp + 1)) ;;
	*) other=$((other + 1)); echo "# $c: $r" ;;
	esac
done
echo "# $((ok + temp + other)) messages: $ok accepted (2xx), $temp temporary failures (4xx), $other other"
check "every message answered 2xx or 4xx ($other other)" test "$other" -eq 0
check "some messages accepted ($ok) and some refused 4xx while the milter was down ($temp)" \
    test "$ok" -ge 20 -a "$temp" -gt 0
check "every client had mail accepted after the second restart" \
    test "$(ls "$SG_TMP"/k-*.swaks | wc -l)" -lt $((CLIENTS * MAX))

# drain: Postfix delivers what it accepted to the sink
drained() {
	test "$(pf_queue_count)" -eq 0
}
check "Postfix's queue drains" eventually 60 drained
delivered=$(grep -l -E '^X-Case: k-' "$SINK_DIR"/msg.* 2>/dev/null | wc -l)
check "messages at the sink ($delivered) = the client's 2xx replies ($ok)" \
    test "$delivered" -eq "$ok"
dups=$(grep -h -E '^X-Case: k-' "$SINK_DIR"/msg.* 2>/dev/null | sort |
    uniq -d | wc -l)
check "no message delivered twice" test "$dups" -eq 0

# none accepted unchecked: the milter logged the acceptance of each
unchecked=0
while read -r q; do
	grep -qF "$q: accept rule=ok from=<$S>" "$SG_TMP/main.log" || {
		unchecked=$((unchecked + 1))
		echo "# $q: accepted by Postfix, no acceptance logged by the milter"
	}
done <"$SG_TMP/accepted-qids"
check "every accepted message was checked and accepted by the milter" \
    test "$unchecked" -eq 0
n=$(rcli GET "sg:{pf.test}:s:$S:$MONTH")
n=${n:-0}
# a message counted at end of message whose answer the kill cut off is
# counted but tempfailed: so count >= accepted, and at most 2 more (one
# per kill and in-flight message per client)
check "counted in Redis ($n) >= accepted ($ok)" test "$n" -ge "$ok"
check "counted in Redis ($n) <= accepted + in flight at the kills ($((ok + 2 * CLIENTS)))" \
    test "$n" -le $((ok + 2 * CLIENTS))
check "no sanitizer report or crash in the milter's log" no_crash main
