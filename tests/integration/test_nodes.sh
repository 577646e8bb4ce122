#!/bin/sh
# test_nodes.sh - two relay nodes, one Redis (issue 15, item 4): two
# sendergate daemons, each behind a Postfix of its own, share the Redis
# and the LDAP tree. The last units of a sender's limit, and of a
# domain's, are raced from both nodes at once: exactly the limit passes,
# the rest get rule 10 or 14, and every accepted message reached the sink.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_nodes.sh needs root (private Postfix queues)"
	exit 0
fi
for p in postfix smtp-sink swaks dovecot; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "not ok - $p is not installed (sh tests/lib/deps.sh)"; exit 1; }
done

sg_setup
pf_backends || exit 1
milter_conf second
milter_start second || { echo "not ok - the second sendergate did not start"; exit 1; }
pf_start "$MILTER_SOCK_main" ||
	{ echo "not ok - the first postfix did not start"; exit 1; }
PORT1=$PF_PORT_SMTP

# The second node: the same library with a directory of its own (its
# Postfix, queue, Dovecot and certificates under $SG_TMP/node2), relaying
# to the same sink; stopped at exit from here.
mkdir -p "$SG_TMP/node2" && chmod 711 "$SG_TMP/node2"
(
	SG_TMP=$SG_TMP/node2
	export SG_TMP
	pf_start "$MILTER_SOCK_second" >"$SG_TMP/start.out" 2>&1 ||
	    { cat "$SG_TMP/start.out" >&2; exit 1; }
	echo "$PF_PORT_SMTP" >"$SG_TMP/port"
) || { echo "not ok - the second postfix did not start"; exit 1; }
sg_atexit "postfix -c '$SG_TMP/node2/postfix/etc' stop >/dev/null 2>&1;
    pkill -f '$SG_TMP/node2/dovecot' 2>/dev/null"
PORT2=$(cat "$SG_TMP/node2/port")
check "two Postfix nodes, each with its own sendergate ($PORT1, $PORT2)" \
    test -n "$PORT1" -a -n "$PORT2" -a "$PORT1" != "$PORT2"

# A sender of limit 10 and a domain of limit 12, both IP-controlled from
# loopback.
B=ou=sendergate,dc=example,dc=com
{
	printf 'dn: sgDomainName=race-test.relay.example,%s\n' "$B"
	printf 'objectClass: sgDomain\nsgDomainName: race-test.relay.example\n'
	printf 'sgPrimaryDomain: race.test\nsgMonthlyLimit: 12\n'
	printf 'sgAllowedNetwork: 127.0.0.1/32\n\n'
	for s in one two; do
		printf 'dn: mail=%s@race.test,sgDomainName=race-test.relay.example,%s\n' \
		    "$s" "$B"
		printf 'objectClass: sgSender\nmail: %s@race.test\n' "$s"
		printf 'sgAuthMethod: ip\nsgMonthlyLimit: 10\n\n'
	done
} | ldap_admin ldapadd >/dev/null ||
	{ echo "not ok - cannot add the race senders"; exit 1; }

SKEY="sg:{race.test}:s:one@race.test:$MONTH"
DKEY="sg:{race.test}:d:$MONTH"

# race TAG SENDER N: N messages at once, alternating between the nodes;
# prints how many were accepted (250 at end of data).
race() {
	_pids=
	_i=0
	while [ $_i -lt "$3" ]; do
		_i=$((_i + 1))
		if [ $((_i % 2)) = 0 ]; then _p=$PORT1; else _p=$PORT2; fi
		pf_send "$1$_i" "$_p" --from "$2" --to "rcpt$_i@far.test" &
		_pids="$_pids $!"
	done
	wait $_pids
	_i=0
	_ok=0
	while [ $_i -lt "$3" ]; do
		_i=$((_i + 1))
		case $(pf_reply "$1$_i") in
		250*) _ok=$((_ok + 1)) ;;
		esac
	done
	echo "$_ok"
}

# --- the sender's last three units, ten messages from both nodes ---------
rcli SET "$SKEY" 7 >/dev/null
rcli SET "$DKEY" 7 >/dev/null
ok=$(race S one@race.test 10)
check "sender limit: 10 raced from both nodes for 3 units: 3 accepted ($ok)" \
    test "$ok" = 3
check "sender limit: the counter is the limit ($(rcli GET "$SKEY"))" \
    test "$(rcli GET "$SKEY")" = 10
refused=$(for i in 1 2 3 4 5 6 7 8 9 10; do pf_reply "S$i"; done |
    grep -c "Monthly sending limit reached for <one@race.test>")
check "sender limit: the 7 others refused with rule 10 or 14's reply ($refused)" \
    test "$refused" = 7

# --- the domain's last two units, from another sender ------------------------
ok=$(race D two@race.test 8)
check "domain limit: 8 raced from both nodes for 2 units: 2 accepted ($ok)" \
    test "$ok" = 2
check "domain limit: the domain counter is the limit ($(rcli GET "$DKEY"))" \
    test "$(rcli GET "$DKEY")" = 12

# --- the accepted messages reached the sink, from both nodes ---------------
delivered=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	case $(pf_reply "S$i") in
	250*) pf_delivered "S$i" 20 >/dev/null && delivered=$((delivered + 1)) ;;
	esac
done
check "the 3 accepted messages were delivered ($delivered)" test "$delivered" = 3
check "both sendergate daemons decided some of them" \
    sh -c "grep -q 'race.test' '$SG_TMP/main.log' &&
    grep -q 'race.test' '$SG_TMP/second.log'"
for m in main second; do
	check "$m: no sanitizer report or crash" no_crash "$m"
done
