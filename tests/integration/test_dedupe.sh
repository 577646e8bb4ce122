#!/bin/sh
# test_dedupe.sh - no double counting: a message retried after its
# end-of-message answer was lost carries the same Message-ID and is
# counted once per sender within dedupe_window (SPEC "Counting", issue 7).
#
# Against the real daemon, slapd (data.ldif) and Redis, through mtclient:
# the same Message-ID twice (also folded or with other blanks) counts
# once and the retry is still accepted with its copies; another sender
# with the same Message-ID is counted; no Message-ID: no dedupe; eight
# copies racing count once; after a 2 s window the same Message-ID counts
# again; dedupe_window = 0 turns it off.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_setup
SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TOP/tests/integration/data.ldif" ||
	{ echo "not ok - slapd did not start"; exit 1; }
redis_start || { echo "not ok - redis did not start"; exit 1; }

DN_ACME=sgDomainName=acme-test.relay.example,$SLAPD_BASE
# one sender per case, IP-controlled (the domain's 192.0.2.0/24)
{
	for s in d1 d2 d3 d4 d5 d6; do
		printf 'dn: mail=%s@acme.test,%s\nobjectClass: sgSender\n' \
		    "$s" "$DN_ACME"
		printf 'mail: %s@acme.test\nsgAuthMethod: ip\n' "$s"
		[ "$s" = d1 ] && printf 'sgBccAddress: copy@acme.test\n'
		echo
	done
} | ldap_admin ldapadd >/dev/null ||
	{ echo "not ok - cannot add the test's senders"; exit 1; }

milter_conf dd
milter_conf win
milter_set win "dedupe_window = 2s"
milter_conf off
milter_set off "dedupe_window = 0"
for m in dd win off; do
	sg_atexit milter_stop $m
	milter_start $m || { echo "not ok - sendergate $m did not start"; exit 1; }
done

# skey SENDER: the sender's counter key this month.
skey() {
	echo "sg:{acme.test}:s:$1:$MONTH"
}

# count SENDER: the sender's count (0 when absent).
count() {
	_c=$(rcli GET "$(skey "$1")")
	echo "${_c:-0}"
}

# send MILTER CASE SENDER [HEADER...]: one whole message, accepted.
send() {
	_m=$1
	_case=$2
	_s=$3
	shift 3
	{
		tx_head "$_case" "$_s" 192.0.2.7
		echo "expect continue"
		tx_body "$_s" "$@"
		echo "expect continue"
	} | mt "$_m" "$_case"
}

# mkey SENDER MESSAGE-ID: the dedupe key the SPEC's man page names.
mkey() {
	echo "sg:{acme.test}:m:$1:$(printf '%s' "$2" | sha256sum | cut -d' ' -f1)"
}

# --- the same Message-ID twice: counted once, the retry still accepted -----
send dd DUP1 d1@acme.test "Message-ID: <retry-1@client.example>"
check "first copy accepted" test $? -eq 0
send dd DUP2 d1@acme.test "Message-ID: <retry-1@client.example>"
check "retry accepted" test $? -eq 0
check "retry: counted once" test "$(count d1@acme.test)" = 1
check "retry: copies added again (the MTA delivers the retry)" \
    in_out DUP2 "eom: addrcpt <copy@acme.test> NOTIFY=NEVER"
check "retry: logged as accepted" logged dd "DUP2: accept rule=ok from=<d1@acme.test>"
check "retry: log line says dup=1" sh -c \
    "grep 'DUP2: accept' '$SG_TMP/dd.log' | grep -q 'count=1/- .* dup=1'"
check "first copy: no dup=1" sh -c \
    "! grep 'DUP1: accept' '$SG_TMP/dd.log' | grep -q 'dup='"
k=$(mkey d1@acme.test "<retry-1@client.example>")
check "dedupe key $k exists" test "$(rcli EXISTS "$k")" = 1
ttl=$(rcli PTTL "$k")
check "dedupe key expires within 24h (pttl $ttl)" \
    test "$ttl" -gt 86000000 -a "$ttl" -le 86400000

# blanks around the value, folded: the same Message-ID
send dd DUP3 d1@acme.test "Message-ID:   <retry-1@client.example>  "
send dd DUP4 d1@acme.test 'Message-ID:\r\n\t<retry-1@client.example>\r\n' 
check "same Message-ID with blanks / folded: still counted once" \
    test "$(count d1@acme.test)" = 1
# the header name is case-insensitive
send dd DUP5 d1@acme.test "message-id: <retry-1@client.example>"
check "message-id in lower case: still counted once" \
    test "$(count d1@acme.test)" = 1
# another Message-ID is another message
send dd DUP6 d1@acme.test "Message-ID: <retry-2@client.example>"
check "another Message-ID: counted" test "$(count d1@acme.test)" = 2

# --- another sender, the same Message-ID: each counted -----------------------
send dd OTHER d2@acme.test "Message-ID: <retry-1@client.example>"
check "another sender, same Message-ID: counted" \
    test "$(count d2@acme.test)" = 1
check "domain counter: every counted message once" \
    test "$(rcli GET "sg:{acme.test}:d:$MONTH")" = 3

# --- no Message-ID: no dedupe ---------------------------------------------------
send dd NOID1 d3@acme.test
send dd NOID2 d3@acme.test
check "no Message-ID: each message counted" test "$(count d3@acme.test)" = 2
send dd EMPTY1 d3@acme.test "Message-ID:  "
send dd EMPTY2 d3@acme.test "Message-ID:  "
check "empty Message-ID: each message counted" \
    test "$(count d3@acme.test)" = 4

# --- eight copies racing: counted once -------------------------------------------
pids=
for i in 1 2 3 4 5 6 7 8; do
	send dd "RACE$i" d4@acme.test "Message-ID: <race@client.example>" &
	pids="$pids $!"
done
wait $pids	# not a bare wait: the servers run in the background too
passed=$(cat "$SG_TMP"/RACE*.out | grep -c '^eom: continue$')
check "eight racing copies all accepted ($passed)" test "$passed" = 8
check "eight racing copies counted once" test "$(count d4@acme.test)" = 1
check "seven of them logged dup=1" test \
    "$(grep 'RACE.: accept' "$SG_TMP/dd.log" | grep -c 'dup=1')" = 7

# --- a 2 s window: counted again after it ---------------------------------------
send win W1 d5@acme.test "Message-ID: <window@client.example>"
send win W2 d5@acme.test "Message-ID: <window@client.example>"
check "2s window: the retry inside it counted once" \
    test "$(count d5@acme.test)" = 1
k=$(mkey d5@acme.test "<window@client.example>")
# gone KEY: the key no longer exists
gone() {
	test "$(rcli EXISTS "$1")" = 0
}
# the key expires with the window (Redis expires keys to the millisecond)
check "2s window: the dedupe key goes" eventually 6 gone "$k"
send win W3 d5@acme.test "Message-ID: <window@client.example>"
check "2s window: after it the same Message-ID counted again" \
    test "$(count d5@acme.test)" = 2

# --- dedupe_window = 0: off ------------------------------------------------------
send off OFF1 d6@acme.test "Message-ID: <off@client.example>"
send off OFF2 d6@acme.test "Message-ID: <off@client.example>"
check "dedupe_window = 0: counted twice" test "$(count d6@acme.test)" = 2
check "dedupe_window = 0: no dedupe key" \
    test "$(rcli EXISTS "$(mkey d6@acme.test "<off@client.example>")")" = 0

check "no sanitizer report or crash" sh -c \
    "! grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' \
    '$SG_TMP/dd.log' '$SG_TMP/win.log' '$SG_TMP/off.log'"
