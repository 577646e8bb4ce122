#!/bin/sh
# test_seeds.sh - issue 16 against real slapd, Redis and the daemon:
# Reply-To only once verified (reply_to_require_verified), the
# verification round (sendergatectl sender verify-reply-to through an
# smtp-sink relay, confirm-reply-to with the mailed code, a change of
# sgReplyTo clearing it), the suppression lists (suppress add, list,
# show, remove, learn from a Postfix DSN; 550 5.1.1 at RCPT on the
# campaign listener, the others going on and only they counted), and
# senders without an SMTP password (show, list, explain, add).
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_setup
SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TOP/tests/integration/data.ldif" ||
	{ echo "not ok - slapd did not start"; exit 1; }
redis_start || { echo "not ok - redis did not start"; exit 1; }
VPORT=$(sg_free_port)
milter_conf main "notify_relay = 127.0.0.1:$VPORT" \
    "notify_from = relay-notices@relay.test"
milter_start main || { echo "not ok - sendergate did not start"; exit 1; }

CTLBIN=${SG_CTL:-$SG_TOP/milter/sendergatectl}
ADMIN_PW_FILE=$SG_TMP/admin.pw
sg_secret_file "$ADMIN_PW_FILE" "$SLAPD_ADMIN_PW"
ctl() {
	"$CTLBIN" -c "$SG_TMP/main.conf" --bind-dn "$SLAPD_ADMIN_DN" \
	    --bind-password-file "$ADMIN_PW_FILE" "$@" \
	    >"$SG_TMP/ctl.out" 2>"$SG_TMP/ctl.err"
	rc=$?
	cat "$SG_TMP/ctl.err" >>"$SG_TMP/ctl.all"
	return 0
}
ro() {
	"$CTLBIN" -c "$SG_TMP/main.conf" "$@" >"$SG_TMP/ctl.out" \
	    2>"$SG_TMP/ctl.err"
	rc=$?
	cat "$SG_TMP/ctl.err" >>"$SG_TMP/ctl.all"
	return 0
}
rc_is() { test "$rc" -eq "$1"; }
out_has() { grep -qF -- "$1" "$SG_TMP/ctl.out"; }
err_has() { grep -qF -- "$1" "$SG_TMP/ctl.err"; }
no_leaks() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' \
    "$SG_TMP/ctl.all"; }
A=alice@acme.test
AL=alice@acme-test.relay.example
C=carol@acme.test
CL=carol@acme-test.relay.example

# --- Reply-To: added only when verified --------------------------------
ok_mt main replyto-verified <<EOF
$(tx_head R1 $A 192.0.2.7 $AL)
expect continue
$(tx_body $A)
EOF
check "Reply-To added: sgReplyToVerified TRUE" in_out replyto-verified \
    "eom: addheader Reply-To: replies@acme.test"
SDN="mail=$A,sgDomainName=acme-test.relay.example,$SLAPD_BASE"
verified() {
	ldap_admin ldapsearch -LLL -b "$SDN" -s base '(objectClass=*)' \
	    sgReplyToVerified 2>/dev/null | grep -q 'sgReplyToVerified: TRUE'
}
ctl sender update $A --reply-to other-replies@acme.test
check "sender update --reply-to: a new address is not verified" \
    sh -c "[ $rc -eq 0 ]" && ! verified
sleep 2.2	# the milter's cache_ttl
ok_mt main replyto-unverified <<EOF
$(tx_head R2 $A 192.0.2.7 $AL)
expect continue
$(tx_body $A)
EOF
check "Reply-To not added while unverified (reply_to_require_verified = yes)" \
    not_in_out replyto-unverified "addheader Reply-To"
ro explain --from $A --auth $AL --client 192.0.2.7
check "explain: Reply-To not added, and why" \
    out_has "reply-to: <other-replies@acme.test> not added: sgReplyTo is not verified"
ro sender show $A
check "sender show: the same reason" \
    out_has "# reply-to: not added: sgReplyTo is not verified"

# the verification round through an smtp-sink relay
mkdir -p "$SG_TMP/vsink" && chmod 777 "$SG_TMP/vsink"
smtp-sink -u "$(id -un)" -d "$SG_TMP/vsink/msg." "127.0.0.1:$VPORT" 8 \
    >>"$SG_TMP/vsink.log" 2>&1 &
VSINK=$!
sg_atexit "kill $VSINK"
sleep 0.5
ctl sender verify-reply-to $A
check "verify-reply-to: sent (exit 0)" rc_is 0
vfile() { grep -l 'Verification code' "$SG_TMP"/vsink/msg.* 2>/dev/null | tail -n 1; }
_i=0
while [ -z "$(vfile)" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
F=$(vfile)
check "verification mail: to the reply-to address, from notify_from" \
    sh -c "grep -q '^To: <other-replies@acme.test>' '$F' && grep -q '^From: relay-notices@relay.test' '$F'"
CODE=$(sed -n 's/^Verification code: \([A-Z0-9]*\).*/\1/p' "$F" | tr -d '\r')
check "verification mail holds a code" test -n "$CODE"
V=$(rcli GET "sg:{acme.test}:v:$A")
T=$(rcli TTL "sg:{acme.test}:v:$A")
check "the code is kept hashed, with a 10-minute life" \
    sh -c "case '$V' in *'$CODE'*|'') exit 1 ;; esac; [ '$T' -gt 590 ] && [ '$T' -le 600 ]"
ctl sender verify-reply-to $A
check "asked again within 10 minutes: refused with the time left" \
    sh -c "[ $rc -eq 3 ] && grep -q 'ask again in [0-9]* min' '$SG_TMP/ctl.err'"
ctl sender confirm-reply-to $A WRONGCOD
check "confirm-reply-to: a wrong code is refused" rc_is 3
ctl sender confirm-reply-to $A "$CODE"
check "confirm-reply-to: the code sets sgReplyToVerified: TRUE" verified
ctl sender confirm-reply-to $A "$CODE"
check "the code works once" rc_is 1
# issue 19, item 3: wrong codes raced are counted one by one, atomically;
# the fifth burns the code, which keeps its expiry
rm -f "$SG_TMP"/vsink/msg.*
ctl sender verify-reply-to $A
check "verify-reply-to again once confirmed: sent" rc_is 0
_i=0
while [ -z "$(vfile)" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
CODE2=$(sed -n 's/^Verification code: \([A-Z0-9]*\).*/\1/p' "$(vfile)" | tr -d '\r')
_i=0
_pids=
while [ $_i -lt 20 ]; do	# '0' is never in a code
	"$CTLBIN" -c "$SG_TMP/main.conf" --bind-dn "$SLAPD_ADMIN_DN" \
	    --bind-password-file "$ADMIN_PW_FILE" sender confirm-reply-to $A \
	    "00000$_i" >/dev/null 2>"$SG_TMP/race.$_i.err" &
	_pids="$_pids $!"
	_i=$((_i + 1))
done
wait $_pids
cat "$SG_TMP"/race.*.err >"$SG_TMP/race.err"
cat "$SG_TMP/race.err" >>"$SG_TMP/ctl.all"
check "20 wrong codes at once: 5 compared (4 wrong, the 5th burns the code)" \
    sh -c "[ \$(grep -c 'wrong code\$' '$SG_TMP/race.err') -eq 4 ] &&
    [ \$(grep -c 'wrong code, 5 times: the code is void' '$SG_TMP/race.err') -eq 1 ]"
check "20 wrong codes at once: 15 refused uncompared, the code void" \
    test "$(grep -c 'the code is void after 5 wrong codes' "$SG_TMP/race.err")" -eq 15
check "tries counted: 5, not 20" \
    test "$(rcli GET "sg:{acme.test}:vt:$A")" = 5
T=$(rcli TTL "sg:{acme.test}:v:$A")
check "the burnt code keeps its expiry ($T s)" \
    sh -c "[ '$T' -gt 0 ] && [ '$T' -le 600 ]"
T=$(rcli TTL "sg:{acme.test}:vt:$A")
check "the tries expire with it ($T s)" sh -c "[ '$T' -gt 0 ] && [ '$T' -le 600 ]"
ctl sender confirm-reply-to $A "$CODE2"
check "then the right code: refused" \
    sh -c "[ $rc -eq 3 ] && grep -q 'the code is void' '$SG_TMP/ctl.err'"
ctl sender verify-reply-to $A
check "a new code: refused for what is left of the 10 minutes, not forever" \
    sh -c "[ $rc -eq 3 ] && grep -q 'ask again in [0-9] min' '$SG_TMP/ctl.err'"
# a code burnt by an older sendergatectl (SET without expiry) gets one
rcli SET "sg:{acme.test}:v:$A" burnt >/dev/null
ctl sender verify-reply-to $A
check "a burnt code left without expiry gets 10 minutes back" \
    sh -c "[ $rc -eq 3 ] && [ $(rcli TTL "sg:{acme.test}:v:$A") -gt 0 ]"
rcli DEL "sg:{acme.test}:v:$A" "sg:{acme.test}:vt:$A" >/dev/null
sleep 2.2
ok_mt main replyto-verified-again <<EOF
$(tx_head R3 $A 192.0.2.7 $AL)
expect continue
$(tx_body $A)
EOF
check "verified: Reply-To added again" in_out replyto-verified-again \
    "eom: addheader Reply-To: other-replies@acme.test"
ctl sender update $A --reply-to replies@acme.test
milter_conf off "reply_to_require_verified = no"
milter_start off || echo "not ok - milter off did not start"
ok_mt off replyto-not-required <<EOF
$(tx_head R4 $A 192.0.2.7 $AL)
expect continue
$(tx_body $A)
EOF
check "reply_to_require_verified = no: unverified Reply-To added" \
    in_out replyto-not-required "eom: addheader Reply-To: replies@acme.test"
milter_stop off
# leave alice as data.ldif has her
ldap_admin ldapmodify >/dev/null 2>&1 <<EOF
dn: $SDN
changetype: modify
replace: sgReplyToVerified
sgReplyToVerified: TRUE
EOF

# --- suppression lists ----------------------------------------------------
ctl suppress add gone@far.test --domain acme.test --reason "user unknown"
check "suppress add (customer's list)" sh -c "[ $rc -eq 0 ]" &&
    check "suppress add: the reason kept" \
    test "$(rcli HGET 'sg:{acme.test}:x:gone@far.test' reason)" = "user unknown"
T=$(rcli TTL 'sg:{acme.test}:x:gone@far.test')
check "suppress add: expires after suppression_ttl (90 days)" \
    sh -c "[ '$T' -gt 7775000 ] && [ '$T' -le 7776000 ]"
ctl suppress add Spam-Trap@Far.test --reason "relay-wide trap"
check "suppress add (relay-wide), address normalised" \
    test "$(rcli EXISTS 'sg:x:spam-trap@far.test')" = 1
ro suppress list
check "suppress list: both lists" sh -c "grep -q 'acme.test  *gone@far.test' '$SG_TMP/ctl.out' && grep -q 'relay-wide)  *spam-trap@far.test' '$SG_TMP/ctl.out'"
ro suppress show gone@far.test --json
check "suppress show --json: reason, source, time added" \
    sh -c "grep -q '\"reason\": \"user unknown\"' '$SG_TMP/ctl.out' && grep -q '\"source\": \"manual\"' '$SG_TMP/ctl.out' && grep -q '\"added\": \"20' '$SG_TMP/ctl.out'"
ro suppress show nobody@far.test
check "suppress show: on no list, exit 1" rc_is 1

ok_mt main suppressed-campaign <<EOF
$(tx_head S1 $C 192.0.2.7 $CL campaign)
expect continue
rcpt <ok1@far.test>
expect continue
rcpt <gone@far.test>
expect 550 5.1.1 Recipient <gone@far.test> is on the suppression list
rcpt <SPAM-TRAP@far.test>
expect 550 5.1.1 Recipient <spam-trap@far.test> is on the suppression list
rcpt <ok2@far.test>
expect continue
EOF
check "the log names the rule" logged main "rule=suppressed from=<$C>"
ok_mt main suppressed-not-on-smtp <<EOF
$(tx_head S2 $A 192.0.2.7 $AL)
expect continue
rcpt <gone@far.test>
expect continue
EOF
milter_conf rcpt "quota_unit = recipient" "suppression = all"
milter_start rcpt || echo "not ok - milter rcpt did not start"
R0=$(rcli GET "sg:{acme.test}:s:$A:$MONTH")
ok_mt rcpt suppressed-all <<EOF
$(tx_head S3 $A 192.0.2.7 $AL)
expect continue
rcpt <gone@far.test>
expect 550 5.1.1 Recipient <gone@far.test> is on the suppression list
rcpt <ok@far.test>
expect continue
$(printf 'header From: %s\neoh\nbody hi\neom\nexpect continue\n' $A)
EOF
check "suppression = all, quota_unit = recipient: refused ones not counted" \
    test "$(rcli GET "sg:{acme.test}:s:$A:$MONTH")" -eq $((${R0:-0} + 1))
# issue 19, item 2: every spelling the MTA delivers to a listed address
# is refused, and what does not parse is never waved through
ctl suppress add victim@far.test --domain acme.test --reason "bounced"
# spelling | the reply at RCPT (libmilter doubles a '%' on the wire)
cat >"$SG_TMP/spellings" <<'EOF'
<victim@far.test>|550 5.1.1 Recipient <victim@far.test> is on the suppression list
<victim@far.test.>|550 5.1.1 Recipient <victim@far.test> is on the suppression list
<Victim@FAR.Test.>|550 5.1.1 Recipient <victim@far.test> is on the suppression list
<"victim"@far.test.>|550 5.1.1 Recipient <victim@far.test> is on the suppression list
<@relay.test:victim@far.test.>|550 5.1.1 Recipient <victim@far.test> is on the suppression list
<victim@far.test.> NOTIFY=NEVER|550 5.1.1 Recipient <victim@far.test> is on the suppression list
<victim%far.test@relay.test>|550 5.1.1 Recipient <victim%%far.test@relay.test> is on the suppression list
<far.test!victim@relay.test.>|550 5.1.1 Recipient <far.test!victim@relay.test> is on the suppression list
<victim@far.test..>|550 5.1.3 Bad recipient address syntax
<victim.@far.test>|550 5.1.3 Bad recipient address syntax
<victim>|550 5.1.3 Bad recipient address syntax
<victim@far.test|550 5.1.3 Bad recipient address syntax
EOF
R0=$(rcli GET "sg:{acme.test}:s:$A:$MONTH")
{
	tx_head S5 $A 192.0.2.7 $AL
	echo "expect continue"
	while IFS='|' read -r sp reply; do
		printf 'rcpt %s\nexpect %s\n' "$sp" "$reply"
	done <"$SG_TMP/spellings"
	printf 'rcpt <ok@far.test.>\nexpect continue\n'
	printf 'header From: %s\neoh\nbody hi\neom\nexpect continue\n' $A
} >"$SG_TMP/spellings.mt"
ok_mt rcpt suppressed-spellings <"$SG_TMP/spellings.mt"
check "spellings: only the one recipient left counted" \
    test "$(rcli GET "sg:{acme.test}:s:$A:$MONTH")" -eq $((${R0:-0} + 1))
check "the log names the rule rcpt_syntax" logged rcpt "rule=rcpt_syntax"
ok_mt main unparsable-lists-off <<EOF
$(tx_head S6 $A 192.0.2.7 $AL)
expect continue
rcpt <victim@far.test..>
expect continue
EOF
ctl suppress remove victim@far.test --domain acme.test
milter_stop rcpt
milter_conf offs "suppression = off"
milter_start offs || echo "not ok - milter offs did not start"
ok_mt offs suppression-off <<EOF
$(tx_head S4 $C 192.0.2.7 $CL campaign)
expect continue
rcpt <gone@far.test>
expect continue
EOF
milter_stop offs
ctl suppress remove gone@far.test --domain acme-test.relay.example
check "suppress remove (by the domain's name)" \
    test "$rc:$(rcli EXISTS 'sg:{acme.test}:x:gone@far.test')" = 0:0
ctl suppress remove gone@far.test --domain acme.test
check "suppress remove: not there, exit 1" rc_is 1

# learn from a Postfix DSN (the notify_classes = bounce copy) of a
# message the relay accepted: learn takes a bounce only when the record
# of accepted messages holds that queue id from that sender to that
# recipient (test_bounce.sh has the forgeries)
ok_mt main learn-accepted <<EOF
$(tx_head ABC123 $C 192.0.2.7 $CL campaign)
expect continue
rcpt <nouser@far.test>
expect continue
rcpt <full@far.test>
expect continue
rcpt <policy@far.test>
expect continue
rcpt <later@far.test>
expect continue
header From: <$C>
header Subject: offer
header List-Unsubscribe: <https://acme.test/u>
header List-Unsubscribe-Post: List-Unsubscribe=One-Click
eoh
body hello
eom
expect continue
EOF
cat >"$SG_TMP/dsn.eml" <<EOF
From: MAILER-DAEMON@relay.test (Mail Delivery System)
Subject: Postmaster Copy: Undelivered Mail
To: postmaster@relay.test
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="ABC123.1700000000/relay.test"

--ABC123.1700000000/relay.test
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

Undelivered.

--ABC123.1700000000/relay.test
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.test
X-Postfix-Queue-ID: ABC123
X-Postfix-Sender: rfc822; $C
Arrival-Date: Tue, 14 Nov 2023 10:00:00 +0000 (UTC)

Final-Recipient: rfc822; nouser@far.test
Original-Recipient: rfc822;NoUser@far.test
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.far.test
Diagnostic-Code: smtp; 550 5.1.1 <nouser@far.test>: Recipient unknown

Final-Recipient: rfc822; full@far.test
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

Final-Recipient: rfc822; policy@far.test
Action: failed
Status: 5.7.1
Diagnostic-Code: smtp; 550 5.7.1 Blocked

Final-Recipient: rfc822; later@far.test
Action: delayed
Status: 4.4.1

--ABC123.1700000000/relay.test
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: $C
Subject: offer

--ABC123.1700000000/relay.test--
EOF
"$CTLBIN" -c "$SG_TMP/main.conf" suppress learn <"$SG_TMP/dsn.eml" \
    >"$SG_TMP/learn.out" 2>&1
rc=$?
check "suppress learn: exit 0" rc_is 0
check "learn: the 5.1.1 recipient on the sender's customer list" \
    test "$(rcli HGET 'sg:{acme.test}:x:nouser@far.test' source)" = dsn
check "learn: mailbox full (5.2.2), policy (5.7.1) and delayed not learned" \
    test "$(rcli EXISTS 'sg:{acme.test}:x:full@far.test' 'sg:{acme.test}:x:policy@far.test' 'sg:{acme.test}:x:later@far.test')" = 0
check "learn: says why in the log" grep -q "full@far.test.*not suppressed" "$SG_TMP/learn.out"
printf 'Subject: hello\n\nnot a report\n' |
    "$CTLBIN" -c "$SG_TMP/main.conf" suppress learn >"$SG_TMP/learn2.out" 2>&1
rc=$?
check "learn: not a DSN: exit 0, logged" sh -c "[ $rc -eq 0 ] && grep -q 'not a delivery status notification' '$SG_TMP/learn2.out'"
head -c 3000 /dev/urandom | "$CTLBIN" -c "$SG_TMP/main.conf" suppress learn \
    >"$SG_TMP/learn3.out" 2>&1
rc=$?
check "learn: random octets: exit 0" rc_is 0
cat "$SG_TMP/learn.out" "$SG_TMP/learn2.out" "$SG_TMP/learn3.out" >>"$SG_TMP/ctl.all"

# --- SMTP password required ------------------------------------------------
ctl sender show $C
check "sender show: user method, no userPassword: said plainly" \
    out_has "# smtp password: NONE: the sender authenticates with user but has no userPassword"
ro sender show $C
check "sender show (the milter's account): cannot tell, said so" \
    out_has "# smtp password: unknown: this LDAP account cannot read userPassword"
ctl sender list acme.test
check "sender list: names the senders without a password" \
    out_has "# $C: no SMTP password: it cannot send over SMTP AUTH"
ctl explain --from $C --auth $CL --client 192.0.2.7 --listener campaign
check "explain: the same" out_has "smtp password: NONE"
ctl sender add nopw@acme.test --name "No pw" --access smtp --auth user \
    --auth-id nopw@acme-test.relay.example --limit 10
check "sender add --auth user without a password: warns" \
    sh -c "[ $rc -eq 0 ] && grep -q 'has no password: it cannot send over SMTP AUTH' '$SG_TMP/ctl.err'"
ctl sender add genpw@acme.test --name "Gen pw" --access smtp --auth user \
    --auth-id genpw@acme-test.relay.example --limit 10 --generate-password
PW=$(sed -n 's/^password: //p' "$SG_TMP/ctl.out")
check "sender add --generate-password: printed, an LDAP bind accepts it" \
    sh -c "[ $rc -eq 0 ] && [ -n '$PW' ] && ldapwhoami -x -H '$SLAPD_URI' -D 'mail=genpw@acme.test,sgDomainName=acme-test.relay.example,$SLAPD_BASE' -w '$PW' >/dev/null 2>&1"
check "sendergatectl: no leak or sanitizer report" no_leaks
check "milter: no crash" no_crash main
