#!/bin/sh
# test_complaint.sh - complaints from feedback loops end to end (issue
# 22, part 3; SPEC "Reputation", sendergatectl(8) complaint learn):
# messages accepted through the real daemon (mtclient), slapd and Redis;
# then feedback reports (RFC 5965) fed to `sendergatectl complaint learn`
# on standard input, as the Postfix pipe does. A report of a message the
# relay accepted puts the complaining recipient on the customer's list
# (reason complaint, source arf) and counts the complaint; with
# reputation_min_recipients 4 and complaint_rate_limits "20% 50%" the
# first complaint warns, the second suspends the sender, whose next
# message gets rule 10s's reply. Forged reports (another customer's
# sender, a recipient not in the record, a Message-ID never sent, not a
# complaint, garbage) change nothing, and every run exits 0.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_backends

DN=sgDomainName=cmp-test.relay.example,$SLAPD_BASE
DN2=sgDomainName=oth-test.relay.example,$SLAPD_BASE
{
	printf 'dn: %s\nobjectClass: sgDomain\n' "$DN"
	printf 'sgDomainName: cmp-test.relay.example\nsgPrimaryDomain: cmp.test\n'
	printf 'sgAllowedNetwork: 192.0.2.0/24\n\n'
	printf 'dn: %s\nobjectClass: sgDomain\n' "$DN2"
	printf 'sgDomainName: oth-test.relay.example\nsgPrimaryDomain: oth.test\n'
	printf 'sgAllowedNetwork: 192.0.2.0/24\n\n'
	for s in camp@cmp.test other@cmp.test x@oth.test; do
		case $s in *@cmp.test) d=$DN ;; *) d=$DN2 ;; esac
		printf 'dn: mail=%s,%s\nobjectClass: sgSender\n' "$s" "$d"
		printf 'mail: %s\nsgAuthMethod: ip\n\n' "$s"
	done
} | ldap_admin ldapadd >/dev/null ||
	{ echo "not ok - cannot add the test's senders"; exit 1; }

milter_conf main "reputation_min_recipients = 4" \
    "complaint_rate_limits = 20% 50%"
milter_start main || { echo "not ok - sendergate did not start"; exit 1; }
CTL="${SG_CTL:-$SG_TOP/milter/sendergatectl} -c $SG_TMP/main.conf"
DAY=$(($(date -u +%s) / 86400))

# send CASE SENDER MESSAGE-ID RCPTS: one message; status 0 when accepted.
send() {
	{
		tx_head "$1" "$2" 192.0.2.7
		echo "expect continue"
		echo "$4" | tr ',' '\n' | while read -r _x; do
			printf 'rcpt <%s>\n' "$_x"
		done
		printf 'header From: <%s>\nheader To: <%s>\n' "$2" "${4%%,*}"
		printf 'header Message-ID: %s\nheader Subject: %s\n' "$3" "$1"
		printf 'eoh\nbody x\neom\n'
		echo "expect continue"
	} | MT_FLAGS=-e mt main "$1" >/dev/null
}

# reply CASE: the decisive reply line of a case's output.
reply() {
	grep -E '^(mail|eom): [45]' "$SG_TMP/$1.out" | head -n 1
}

# report FEEDBACK-FIELDS CONTENT-TYPE RETURNED-HEADERS: a feedback report
# (the fields and headers written with \r\n escapes, printf %b)
report() {
	printf 'From: <fbl@isp.test>\r\nTo: <complaints@relay.test>\r\n'
	printf 'Subject: FW: a campaign\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/report; report-type=feedback-report;\r\n'
	printf '\tboundary="fbl_boundary"\r\n\r\n'
	printf -- '--fbl_boundary\r\nContent-Type: text/plain\r\n\r\n'
	printf 'An abuse report.\r\n\r\n'
	printf -- '--fbl_boundary\r\nContent-Type: message/feedback-report\r\n\r\n'
	printf 'Version: 1\r\nUser-Agent: FBL/1.0\r\n%b' "$1"
	printf 'Arrival-Date: Thu, 8 Mar 2026 14:00:00 +0000\r\n\r\n'
	printf -- '--fbl_boundary\r\nContent-Type: %s\r\n\r\n' "$2"
	printf '%bSubject: a campaign\r\n\r\nthe body\r\n' "$3"
	printf -- '--fbl_boundary--\r\n'
}

# abuse SENDER [RCPT]: the report's fields of a complaint, for report
abuse() {
	printf 'Feedback-Type: abuse\\r\\nOriginal-Mail-From: <%s>\\r\\n' "$1"
	[ -z "$2" ] || printf 'Original-Rcpt-To: <%s>\\r\\n' "$2"
}

# learn CASE: complaint learn on standard input; its output in CASE.learn
learn() {
	$CTL complaint learn >"$SG_TMP/$1.learn" 2>&1
	_rc=$?
	[ $_rc = 0 ] || echo "	# $1: complaint learn exited $_rc"
	return $_rc
}

complaints() {
	_c=$(rcli HGET "sg:{cmp.test}:rp:s:camp@cmp.test" "c:$DAY")
	echo "${_c:-0}"
}
suppressed() {
	$CTL suppress show "$1" --domain cmp.test 2>/dev/null |
	    grep -qE "^cmp.test +$1 .* arf .* complaint$"
}
# nothing_changed CASE: no complaint, nobody on the list, logged ignored
nothing_changed() {
	[ "$(complaints)" = 0 ] &&
	    ! $CTL suppress list --domain cmp.test | grep -q '@' &&
	    grep -q 'ignored' "$SG_TMP/$1.learn"
}

# --- the messages the relay accepts ------------------------------------------
send G1 other@cmp.test '<g1@cmp.test>' \
    g1@far.test,g2@far.test,g3@far.test,g4@far.test,g5@far.test,g6@far.test
check "another sender of the domain: 6 recipients accepted" test $? = 0
send M1 camp@cmp.test '<m1.2026@cmp.test>' a@far.test,b@far.test
check "camp: message 1 to 2 recipients accepted" test $? = 0
send M2 camp@cmp.test '<m2.2026@cmp.test>' c@far.test,d@far.test
check "camp: message 2 to 2 recipients accepted" test $? = 0
send O1 x@oth.test '<o1@oth.test>' z@far.test
check "another customer's message accepted" test $? = 0

# --- forged or useless reports change nothing, exit 0 ---------------------------
printf 'this is no report\r\n' | learn GARBAGE
check "garbage: exit 0" test $? = 0
check "garbage: nothing changed, logged" nothing_changed GARBAGE
head -c 3000 /dev/urandom | learn NOISE
check "random octets: exit 0, nothing changed" nothing_changed NOISE
learn EMPTY </dev/null
check "nothing at all: exit 0" test $? = 0

report "$(abuse camp@cmp.test e@far.test)" message/rfc822 \
    'Message-ID: <m1.2026@cmp.test>\r\n' | learn NOTRCPT
check "a recipient the record does not list: nothing changed" \
    nothing_changed NOTRCPT
check "... logged why" grep -q 'not a recipient' "$SG_TMP/NOTRCPT.learn"

report "$(abuse camp@cmp.test a@far.test)" message/rfc822 \
    'Message-ID: <never@cmp.test>\r\n' | learn NEVER
check "a Message-ID never sent: nothing changed" nothing_changed NEVER
check "... logged why" grep -q 'no message of that sender' "$SG_TMP/NEVER.learn"

report "$(abuse x@oth.test a@far.test)" message/rfc822 \
    'Message-ID: <m1.2026@cmp.test>\r\n' | learn OTHER1
check "another customer's sender with camp's message: nothing changed" \
    nothing_changed OTHER1
report "$(abuse camp@cmp.test z@far.test)" message/rfc822 \
    'Message-ID: <o1@oth.test>\r\n' | learn OTHER2
check "camp named on another customer's message: nothing changed" \
    nothing_changed OTHER2
check "... nothing on the other customer's list either" \
    test "$(rcli EXISTS 'sg:{oth.test}:x:z@far.test')" = 0

report 'Feedback-Type: not-spam\r\nOriginal-Mail-From: <camp@cmp.test>\r\nOriginal-Rcpt-To: <a@far.test>\r\n' \
    message/rfc822 'Message-ID: <m1.2026@cmp.test>\r\n' | learn NOTSPAM
check "Feedback-Type not-spam: nothing changed" nothing_changed NOTSPAM
report "$(abuse camp@cmp.test '')" message/rfc822 \
    'To: undisclosed-recipients:;\r\nMessage-ID: <m1.2026@cmp.test>\r\n' |
    learn NORCPT
check "no complaining recipient (redacted): nothing changed" \
    nothing_changed NORCPT

# --- a real complaint ---------------------------------------------------------------
report "$(abuse camp@cmp.test a@far.test)" message/rfc822 \
    'From: <camp@cmp.test>\r\nTo: <a@far.test>\r\nMessage-ID: <m1.2026@cmp.test>\r\n' |
    learn C1
check "a complaint about message 1: exit 0" test $? = 0
check "the recipient is on camp's customer's list (complaint, arf)" \
    suppressed a@far.test
check "the complaint counted: 1 ($(complaints))" test "$(complaints)" = 1
check "1 of 4 recipients (25%): the sender warned, not suspended" \
    test "$(rcli EXISTS 'sg:{cmp.test}:rs:s:camp@cmp.test')$(rcli EXISTS 'sg:{cmp.test}:rw:s:camp@cmp.test:c')" = 01
check "logged" grep -q 'complaint learn: <a@far.test> on the list of cmp.test' \
    "$SG_TMP/C1.learn"

report "$(abuse camp@cmp.test a@far.test)" message/rfc822 \
    'Message-ID: <m1.2026@cmp.test>\r\n' | learn C1AGAIN
check "the same report again: counted once ($(complaints))" \
    test "$(complaints)" = 1

# the second: headers only, no Original-Rcpt-To (the To names one)
report 'Feedback-Type: abuse\r\n' text/rfc822-headers \
    'Return-Path: <camp@cmp.test>\r\nFrom: Camp <camp@cmp.test>\r\nTo: C <c@far.test>\r\nMessage-ID: <m2.2026@cmp.test>\r\n' |
    learn C2
check "a headers-only report (Return-Path, To): counted, 2 ($(complaints))" \
    test "$(complaints)" = 2
check "... its recipient suppressed" suppressed c@far.test
reason=$(rcli GET 'sg:{cmp.test}:rs:s:camp@cmp.test')
check "2 of 4 (50%): the sender suspended automatically ($reason)" \
    test "${reason#* }" = "complaint rate 50.0% (2 of 4) over 14 days"
check "the domain (2 of 10, 20%) warned, not suspended" \
    test "$(rcli EXISTS 'sg:{cmp.test}:rs:d')$(rcli EXISTS 'sg:{cmp.test}:rw:d:c')" = 01

send M3 camp@cmp.test '<m3.2026@cmp.test>' e@far.test
check "the next message: rule 10s's reply ($(reply M3))" \
    test "$(reply M3)" = "mail: 451 4.7.1 Sender <camp@cmp.test> is suspended: complaint rate 50.0%% (2 of 4) over 14 days"
check "logged as rule=reputation" logged main "rule=reputation from=<camp@cmp.test>"

$CTL reputation camp@cmp.test >"$SG_TMP/rep.out" 2>&1
check "reputation shows the complaints" \
    grep -qE '^sender +camp@cmp.test +rcpts 4 bounces 0 \(0.0%\) complaints 2 \(50.0%\) .*: suspended since' "$SG_TMP/rep.out"
check "main: no sanitizer report or crash" no_crash main
