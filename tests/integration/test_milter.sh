#!/bin/sh
# test_milter.sh - every rule of the SPEC decision table, through the
# milter protocol, against the real daemon with a real slapd (the
# project's schema, tests/integration/data.ldif) and a real Redis.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_backends
milter_conf main
milter_start main || { echo "not ok - sendergate did not start"; exit 1; }

A=alice@acme.test
AL=alice@acme-test.relay.example

# --- rule 1, 2: the envelope -----------------------------------------
ok_mt main rule1-null-sender <<EOF
$(tx_head Q1 "" 192.0.2.7)
expect 550 5.7.1 Null sender not accepted
EOF
for bad in 'john' 'a@@acme.test' 'a b@acme.test' '"open@acme.test' \
    'x@acme..test' "$(printf 'a\001b@acme.test')"; do
	ok_mt main "rule2-syntax $bad" <<EOF
$(tx_head Q2 "$bad" 192.0.2.7)
expect 553 5.1.7 Bad sender address syntax
EOF
done
long=$(printf '%0250d' 0)@acme.test
ok_mt main rule2-over-254-octets <<EOF
$(tx_head Q2 "$long" 192.0.2.7)
expect 553 5.1.7 Bad sender address syntax
EOF

# --- rule 4, 5: registration ------------------------------------------
ok_mt main rule4-domain-unregistered <<EOF
$(tx_head Q4 nobody@unknown.test 192.0.2.7)
expect 550 5.7.1 Sender domain <unknown.test> is not registered
EOF
ok_mt main rule5-sender-unregistered <<EOF
$(tx_head Q5 nobody@acme.test 192.0.2.7)
expect 550 5.7.1 Sender <nobody@acme.test> is not registered
EOF
ok_mt main "rule5-plus-tag-is-another-sender" <<EOF
$(tx_head Q5 plus+tag@acme.test 192.0.2.7)
expect 550 5.7.1 Sender <plus+tag@acme.test> is not registered
EOF
ok_mt main "registered-plus-and-case-insensitive" <<EOF
$(tx_head Q5 PLUS@Acme.TEST 192.0.2.7)
expect continue
EOF
ok_mt main "esmtp-parameters-ignored" <<EOF
macro C {daemon_name} submission
connect client.test 192.0.2.7
mail <plus@acme.test> SIZE=1000 BODY=8BITMIME
expect continue
EOF
ok_mt main "filter-metacharacters-escaped" <<EOF
$(tx_head Q5 'star*x@acme.test' 192.0.2.7)
expect continue
EOF
ok_mt main "filter-metacharacters-no-wildcard" <<EOF
$(tx_head Q5 'star*@acme.test' 192.0.2.7)
expect 550 5.7.1 Sender <star*@acme.test> is not registered
EOF
ok_mt main "filter-parentheses-escaped" <<EOF
$(tx_head Q5 '"a(b)*"@acme.test' 192.0.2.7)
expect 550 5.7.1 Sender <"a(b)*"@acme.test> is not registered
EOF

# --- rule 6, 7: status -------------------------------------------------
ok_mt main rule6-sender-disabled <<EOF
$(tx_head Q6 dis@acme.test 192.0.2.7)
expect 550 5.7.1 Sender <dis@acme.test> is disabled
EOF
check "rule6-logs-reason" logged main \
    'Q6: reject rule=disabled from=<dis@acme.test> auth=- client=192.0.2.7 method=smtp reason="left the company": 550 5.7.1 Sender <dis@acme.test> is disabled'
ok_mt main rule6-domain-disabled <<EOF
$(tx_head Q6 y@gone.test 192.0.2.7)
expect 550 5.7.1 Sender <y@gone.test> is disabled
EOF
ok_mt main rule7-sender-suspended <<EOF
$(tx_head Q7 susp@acme.test 192.0.2.7)
expect 451 4.7.1 Sender <susp@acme.test> is suspended
EOF
ok_mt main rule7-domain-suspended <<EOF
$(tx_head Q7 x@hold.test 192.0.2.7)
expect 451 4.7.1 Sender <x@hold.test> is suspended
EOF

# --- rule 8: access method ---------------------------------------------
ok_mt main rule8-campaign-sender-on-smtp <<EOF
$(tx_head Q8 carol@acme.test 192.0.2.7 carol@acme-test.relay.example)
expect 550 5.7.1 Sender <carol@acme.test> may not send via smtp
EOF
ok_mt main rule8-smtp-sender-on-campaign <<EOF
$(tx_head Q8 $A 192.0.2.7 $AL campaign)
expect 550 5.7.1 Sender <alice@acme.test> may not send via campaign
EOF
ok_mt main rule8-unmapped-listener-is-smtp <<EOF
$(tx_head Q8 $A 192.0.2.7 $AL smtpd-25)
expect continue
EOF

# --- rule 9: login binding and IP control ------------------------------
ok_mt main rule9a-not-owned <<EOF
$(tx_head Q9 $A 192.0.2.7 mallory@acme-test.relay.example)
expect 553 5.7.1 Sender address rejected: not owned by user mallory@acme-test.relay.example
EOF
check "rule9a-log-line" logged main \
    'Q9: reject rule=not_owned from=<alice@acme.test> auth=mallory@acme-test.relay.example client=192.0.2.7 method=smtp: 553 5.7.1 Sender address rejected: not owned by user mallory@acme-test.relay.example'
ok_mt main rule9a-ip-sender-authenticated <<EOF
$(tx_head Q9 bob@acme.test 198.51.100.10 $AL)
expect 553 5.7.1 Sender address rejected: not owned by user $AL
EOF
ok_mt main rule9a-login-case-insensitive <<EOF
$(tx_head Q9 $A 192.0.2.7 Alice@ACME-test.relay.example)
expect continue
EOF
ok_mt main rule9b-sender-network <<EOF
$(tx_head Q9 bob@acme.test 198.51.100.10)
expect continue
EOF
ok_mt main rule9b-domain-network <<EOF
$(tx_head Q9 bob@acme.test 192.0.2.200)
expect continue
EOF
ok_mt main rule9b-ipv4-mapped-ipv6 <<EOF
$(tx_head Q9 bob@acme.test ::ffff:198.51.100.10)
expect continue
EOF
ok_mt main rule9b-ipv6 <<EOF
$(tx_head Q9 v6@acme.test 2001:db8:7::25)
expect continue
EOF
ok_mt main rule9c-auth-required <<EOF
$(tx_head Q9 $A 192.0.2.7)
expect 530 5.7.0 Authentication required
EOF
ok_mt main rule9c-user-and-ip-outside <<EOF
$(tx_head Q9 dave@acme.test 198.51.100.99)
expect 530 5.7.0 Authentication required
EOF
ok_mt main rule9d-client-not-authorized <<EOF
$(tx_head Q9 bob@acme.test 203.0.113.5)
expect 550 5.7.1 Client address 203.0.113.5 not authorized for sender <bob@acme.test>
EOF
ok_mt main rule9d-ipv6-outside <<EOF
$(tx_head Q9 v6@acme.test 2001:db8:8::1)
expect 550 5.7.1 Client address 2001:db8:8::1 not authorized for sender <v6@acme.test>
EOF
ok_mt main rule9d-unknown-client-family <<EOF
macro C {daemon_name} submission
connect client.test -
mail <bob@acme.test>
expect 550 5.7.1 Client address unknown not authorized for sender <bob@acme.test>
EOF

# --- accepted: copies, Reply-To, counters ------------------------------
ok_mt main accept-with-copies <<EOF
$(tx_head QA1 $A 192.0.2.7 $AL)
expect continue
$(tx_body "Alice <alice@acme.test>")
expect continue
EOF
check "copies: bcc1 NOTIFY=NEVER" in_out accept-with-copies \
    "eom: addrcpt <bcc1@acme.test> NOTIFY=NEVER"
check "copies: bcc2 lower-cased" in_out accept-with-copies \
    "eom: addrcpt <bcc2@acme.test> NOTIFY=NEVER"
check "copies: domain archive" in_out accept-with-copies \
    "eom: addrcpt <archive@vault.test> NOTIFY=NEVER"
check "Reply-To added" in_out accept-with-copies \
    "eom: addheader Reply-To: replies@acme.test"
check "accept log line with counts" logged main \
    "QA1: accept rule=ok from=<alice@acme.test> auth=$AL client=192.0.2.7 method=smtp count=1/100 domain=1/1000 rcpts=1 copies=3"
ok_mt main accept-no-duplicate-copy <<EOF
$(tx_head QA2 $A 192.0.2.7 $AL)
rcpt <BCC1@acme.test>
$(tx_body "alice@acme.test" "Reply-To: me@acme.test")
expect continue
EOF
check "copy not added when already a recipient" not_in_out \
    accept-no-duplicate-copy "addrcpt <bcc1@acme.test>"
check "archive still added" in_out accept-no-duplicate-copy \
    "eom: addrcpt <archive@vault.test> NOTIFY=NEVER"
check "Reply-To kept when present" not_in_out accept-no-duplicate-copy \
    "addheader Reply-To"
check "sender counter by key" \
    test "$(rcli GET "sg:{acme.test}:s:alice@acme.test:$MONTH")" = 2
check "domain counter by key" \
    test "$(rcli GET "sg:{acme.test}:d:$MONTH")" = 2
ttl=$(rcli TTL "sg:{acme.test}:s:alice@acme.test:$MONTH")
check "counter outlives its month by 31 days (ttl $ttl)" \
    test "$ttl" -gt $((31 * 86400))
ok_mt main "two transactions on one connection" <<EOF
$(tx_head QB1 bob@acme.test 192.0.2.9)
expect continue
$(tx_body "bob@acme.test")
expect continue
macro M i QB2
mail <nobody@acme.test>
expect 550 5.7.1 Sender <nobody@acme.test> is not registered
mail <bob@acme.test>
expect continue
abort
mail <bob@acme.test>
expect continue
$(tx_body "bob@acme.test")
expect continue
EOF
check "bob counted twice, the aborted one not" \
    test "$(rcli GET "sg:{acme.test}:s:bob@acme.test:$MONTH")" = 2

# --- rule 10: monthly limits ---------------------------------------------
ok_mt main rule10-limit-zero <<EOF
$(tx_head Q10 zero@acme.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <zero@acme.test>
EOF
for s in s1 s2; do
	ok_mt main "domain-limit $s counted" <<EOF
$(tx_head "Q10$s" "$s@small.test" 192.0.2.7)
expect continue
$(tx_body "$s@small.test")
expect continue
EOF
done
ok_mt main rule10-domain-limit-reached <<EOF
$(tx_head Q10 s1@small.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <s1@small.test>
EOF

# --- rule 12: header From ------------------------------------------------
ok_mt main rule12-unregistered-from <<EOF
$(tx_head Q12 $A 192.0.2.7 $AL)
$(tx_body "Someone <someone@acme.test>")
expect 550 5.7.1 Header From <someone@acme.test> not permitted for sender <alice@acme.test>
EOF
ok_mt main rule12-registered-colleague <<EOF
$(tx_head Q12 $A 192.0.2.7 $AL)
$(tx_body "\"Bob, B.\" <bob@acme.test>, alice@acme.test (me)")
expect continue
EOF
ok_mt main rule12-suspended-colleague <<EOF
$(tx_head Q12 $A 192.0.2.7 $AL)
$(tx_body "bob@acme.test, susp@acme.test")
expect 550 5.7.1 Header From <susp@acme.test> not permitted for sender <alice@acme.test>
EOF
ok_mt main rule12-no-from <<EOF
$(tx_head Q12 $A 192.0.2.7 $AL)
$(tx_body "")
expect 550 5.7.1 Header From <> not permitted for sender <alice@acme.test>
EOF
ok_mt main rule12-two-from <<EOF
$(tx_head Q12 $A 192.0.2.7 $AL)
$(tx_body "alice@acme.test" "From: alice@acme.test")
expect 550 5.7.1 Header From <alice@acme.test> not permitted for sender <alice@acme.test>
EOF

# --- rule 13: campaign listener needs RFC 8058 headers --------------------
C=carol@acme.test
CL=carol@acme-test.relay.example
ok_mt main rule13-no-unsubscribe <<EOF
$(tx_head Q13 $C 192.0.2.7 $CL campaign)
expect continue
$(tx_body $C)
expect 550 5.7.1 Bulk mail must carry one-click List-Unsubscribe
EOF
ok_mt main rule13-no-post <<EOF
$(tx_head Q13 $C 192.0.2.7 $CL campaign)
$(tx_body $C "List-Unsubscribe: <https://acme.test/u/1>")
expect 550 5.7.1 Bulk mail must carry one-click List-Unsubscribe
EOF
ok_mt main rule13-one-click <<EOF
$(tx_head Q13 $C 192.0.2.7 $CL campaign)
$(tx_body $C "List-Unsubscribe: <https://acme.test/u/1>" "List-Unsubscribe-Post: List-Unsubscribe=One-Click")
expect continue
EOF

# --- rule 3: directory errors ---------------------------------------------
ok_mt main rule3-malformed-entry <<EOF
$(tx_head Q3 broken@acme.test 192.0.2.7)
expect 451 4.3.0 Sender directory unavailable, try again later
EOF
ok_mt main rule3-malformed-entry-again <<EOF
$(tx_head Q3 broken@acme.test 192.0.2.7)
expect 451 4.3.0 Sender directory unavailable, try again later
EOF
check "malformed entry: one warning while cached" \
    test "$(grep -c 'bad network "300.1.2.3/8"' "$SG_TMP/main.log")" -eq 1
ok_mt main rule3-conflicting-domains <<EOF
$(tx_head Q3 z@dup.test 192.0.2.7)
expect 451 4.3.0 Sender directory unavailable, try again later
EOF
check "domain conflict logged" logged main \
    "directory conflict: primary domain dup.test is claimed by"

# --- rule 14: the race for the last 5 units ----------------------------------
rcli SET "sg:{acme.test}:s:race@acme.test:$MONTH" 15 >/dev/null
i=0
pids=
while [ $i -lt 16 ]; do
	# -e: one refused at MAIL FROM (the memo saw the limit) ends there,
	# as the MTA ends it, rather than waiting out the reply timeout
	{ tx_head "QR$i" race@acme.test 192.0.2.7; echo 'expect continue'
	    tx_body race@acme.test; } | MT_FLAGS=-e mt main "race$i" &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids	# not a bare wait: the servers run in the background too
passed=$(cat "$SG_TMP"/race*.out | grep -c '^eom: continue$')
refused=$(cat "$SG_TMP"/race*.out |
    grep -c '^[a-z]*: 451 4.7.1 Monthly sending limit reached for <race@acme.test>')
check "rule14: 16 racing for 5 units: $passed passed" test "$passed" -eq 5
check "rule14: the other 11 refused ($refused)" test "$refused" -eq 11
check "rule14: counter stops at the limit" \
    test "$(rcli GET "sg:{acme.test}:s:race@acme.test:$MONTH")" = 20

# --- rule 11: Redis stopped mid-run, then back -------------------------------
redis_stop
ok_mt main rule11-redis-down <<EOF
$(tx_head Q11 bob@acme.test 192.0.2.7)
expect 451 4.3.0 Sender counters unavailable, try again later
EOF
redis_start_again
redis_back() {
	{ tx_head Q11 bob@acme.test 192.0.2.7; echo "expect continue";
	  tx_body bob@acme.test; echo "expect continue"; } |
	    mt main rule11-recovered
}
check "rule11: recovers within 5s after Redis returns" eventually 5 redis_back
check "rule11: counted after recovery (script loaded again)" \
    test "$(rcli GET "sg:{acme.test}:s:bob@acme.test:$MONTH")" = 1

# --- rule 3: slapd stopped mid-run, then back ---------------------------------
# bob was looked up just now: his answer is served from the cache;
# three@ was never looked up.
slapd_stop
ok_mt main rule3-slapd-down-uncached <<EOF
$(tx_head Q3 three@acme.test 192.0.2.7)
expect 451 4.3.0 Sender directory unavailable, try again later
EOF
sleep 2.1	# past cache_ttl: only the stale copy is left
ok_mt main rule3-slapd-down-cached-sender-served <<EOF
$(tx_head Q3 bob@acme.test 192.0.2.7)
expect continue
EOF
check "stale answer logged" logged main \
    "directory unavailable: serving a cached answer for <bob@acme.test>"
slapd_start_again
dir_back() {
	{ tx_head Q3 three@acme.test 192.0.2.7; echo "expect continue"; } |
	    mt main rule3-recovered
}
check "rule3: recovers within 5s after slapd returns" eventually 5 dir_back

milter_stop main
check "no sanitizer report or crash in the log" no_crash main
