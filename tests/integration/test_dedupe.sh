#!/bin/sh
# test_dedupe.sh - a retry goes uncounted only when it is the same message
# (issue 11, item 1; SPEC "Counting"; sendergate(8), DEDUPE).
#
# The customer writes the Message-ID, so it alone proves nothing: a
# message is a retry only when its sender, Message-ID, envelope
# recipients and fingerprint (From, To, Cc, Date, Subject, the body) are
# those of the message last counted under that Message-ID, and each
# counted message forgives at most dedupe_max_retries (default 1) of
# them within dedupe_window.
#
# Against the real daemon, slapd (data.ldif) and Redis, through mtclient,
# in both ldap_modes: real retries (also with blanks around the
# Message-ID) forgiven once; a third copy counted; fake retries (new
# recipients, new Subject, Date, To, Cc, body) counted; a sender with
# limit 3 and one fixed Message-ID gets exactly 3 messages through,
# sequentially and racing; one Message-ID across senders; eight identical
# copies racing count exactly 4; recipient mode counts the new recipients
# of a fake retry; a domain limit of 3 holds across two senders sharing a
# Message-ID; dedupe_max_retries 0 and 3; the 2 s window; dedupe_window 0.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_backends

DN_ACME=sgDomainName=acme-test.relay.example,$SLAPD_BASE
DN_LIM=sgDomainName=lim-test.relay.example,$SLAPD_BASE
# IP-controlled senders (the domain's 192.0.2.0/24); lim3 and race3 may
# send 3 a month; lim.test as a whole may send 3.
{
	printf 'dn: %s\nobjectClass: sgDomain\n' "$DN_LIM"
	printf 'sgDomainName: lim-test.relay.example\nsgPrimaryDomain: lim.test\n'
	printf 'sgMonthlyLimit: 3\nsgAllowedNetwork: 192.0.2.0/24\n\n'
	for s in p1 p2; do
		printf 'dn: mail=%s@lim.test,%s\nobjectClass: sgSender\n' \
		    "$s" "$DN_LIM"
		printf 'mail: %s@lim.test\nsgAuthMethod: ip\n\n' "$s"
	done
	for s in d1 d2 d3 f1 lim3 race3 twin r1 x0 x3 w1 o1 k1 nc1; do
		printf 'dn: mail=%s@acme.test,%s\nobjectClass: sgSender\n' \
		    "$s" "$DN_ACME"
		printf 'mail: %s@acme.test\nsgAuthMethod: ip\n' "$s"
		case $s in
		d1) printf 'sgBccAddress: copy@acme.test\n' ;;
		lim3|race3) printf 'sgMonthlyLimit: 3\n' ;;
		k1) printf 'sgMonthlyLimit: 2\n' ;;
		esac
		echo
	done
} | ldap_admin ldapadd >/dev/null ||
	{ echo "not ok - cannot add the test's senders"; exit 1; }

# skey SENDER: the sender's counter key this month.
skey() {
	echo "sg:{${1#*@}}:s:$1:$MONTH"
}

# count SENDER: the sender's count (0 when absent).
count() {
	_c=$(rcli GET "$(skey "$1")")
	echo "${_c:-0}"
}

# dcount DOMAIN: the domain's count (0 when absent).
dcount() {
	_c=$(rcli GET "sg:{$1}:d:$MONTH")
	echo "${_c:-0}"
}

# send MILTER CASE SENDER RCPTS SUBJECT BODY [HEADER...]: one message with
# the recipients (comma separated), a From of the sender, Date and
# Subject, the headers given and a one-line body. Status 0 when accepted.
send() {
	_m=$1 _case=$2 _s=$3 _r=$4 _subj=$5 _body=$6
	shift 6
	{
		tx_head "$_case" "$_s" 192.0.2.7
		echo "expect continue"
		echo "$_r" | tr ',' '\n' | while read -r _x; do
			printf 'rcpt <%s>\n' "$_x"
		done
		printf 'header From: <%s>\n' "$_s"
		printf 'header Date: Sun, 29 Nov 2026 10:00:00 +0000\n'
		for _h in "$@"; do
			printf 'header %s\n' "$_h"
		done
		printf 'header Subject: %s\neoh\nbody %s\neom\n' "$_subj" "$_body"
		echo "expect continue"
	} | MT_FLAGS=-e mt "$_m" "$_case" >/dev/null
}

# dups MILTER CASE-PATTERN: how many accepted lines of those cases say dup=1.
dups() {
	grep -E "$2: accept" "$SG_TMP/$1.log" | grep -c 'dup=1'
}

MID="Message-ID: <retry-1@client.example>"
for mode in query mirror; do
	rcli FLUSHALL >/dev/null
	q=$mode			# milter names: $mode, ${mode}win, ...
	SG_LDAP_MODE=$mode
	milter_conf "$q"
	milter_conf "${q}rc" "quota_unit = recipient"
	milter_conf "${q}x0" "dedupe_max_retries = 0"
	milter_conf "${q}x3" "dedupe_max_retries = 3"
	milter_conf "${q}win" "dedupe_window = 2s"
	milter_conf "${q}off" "dedupe_window = 0"
	for m in "$q" "${q}rc" "${q}x0" "${q}x3" "${q}win" "${q}off"; do
		milter_start "$m" ||
		    { echo "not ok - $mode: sendergate $m did not start"; exit 1; }
	done

	# --- a real retry: forgiven once, then counted ------------------------
	send "$q" DUP1 d1@acme.test r1@x.example hi body1 "$MID"
	check "$mode: first copy accepted" test $? -eq 0
	send "$q" DUP2 d1@acme.test r1@x.example hi body1 "$MID"
	check "$mode: retry accepted" test $? -eq 0
	check "$mode: retry not counted" test "$(count d1@acme.test)" = 1
	check "$mode: retry: copies added again (the MTA delivers it)" \
	    in_out DUP2 "eom: addrcpt <copy@acme.test> NOTIFY=NEVER"
	check "$mode: retry logged with dup=1" test "$(dups "$q" DUP2)" = 1
	check "$mode: first copy: no dup=1" test "$(dups "$q" DUP1)" = 0
	send "$q" DUP3 d1@acme.test r1@x.example hi body1 "$MID"
	check "$mode: a second retry of one counted message is counted" \
	    test "$(count d1@acme.test)" = 2
	# blanks around the Message-ID: the same Message-ID, so a retry of DUP3
	send "$q" DUP4 d1@acme.test r1@x.example hi body1 \
	    "Message-ID:   <retry-1@client.example>  "
	check "$mode: blanks around the Message-ID: the same message" \
	    test "$(count d1@acme.test)" = 2

	# --- SMTP sessions on one milter connection (SMFIC_QUIT_NC, as
	# Sendmail after STARTTLS): the body negotiated at its start still
	# comes, and is in each message's fingerprint
	# nc_msg CASE BODY: a message of nc1@acme.test, then SMFIC_QUIT_NC
	nc_msg() {
		tx_head "$1" nc1@acme.test 192.0.2.7
		printf 'rcpt <r1@x.example>\nheader From: <nc1@acme.test>\n'
		printf 'header Message-ID: <nc-1@client.example>\n'
		printf 'header Subject: hi\neoh\nbody %s\neom\nquitnc\n' "$2"
	}
	{ nc_msg NC1 body1; nc_msg NC2 body1; nc_msg NC3 other; } |
	    mt "$q" NC >/dev/null
	check "$mode: one milter connection, three sessions: all accepted" \
	    test "$(grep -c '^eom: continue' "$SG_TMP/NC.out")" = 3
	check "$mode: ... the retry in the second session forgiven (dup=1)" \
	    test "$(dups "$q" NC2)" = 1
	check "$mode: ... another body under that Message-ID counted" \
	    test "$(count nc1@acme.test)" = 2 -a "$(dups "$q" NC3)" = 0

	# --- fake retries: anything else under that Message-ID is counted ----
	# fake WHAT RCPTS SUBJECT BODY [HEADER]: counted, one more each time
	n=2
	fake() {
		_what=$1
		shift
		send "$q" "F$_what" d1@acme.test "$@" "$MID"
		n=$((n + 1))
		check "$mode: fake retry with another $_what: counted ($n)" \
		    test "$(count d1@acme.test)" = $n
	}
	fake recipient r2@x.example hi body1
	fake Subject r1@x.example other body1
	fake body r1@x.example hi body2
	fake To r1@x.example hi body1 "To: <a@b.example>"
	fake Cc r1@x.example hi body1 "Cc: <c@d.example>"
	fake "recipient added" r1@x.example,r3@x.example hi body1
	# another Date (the header send() writes comes first; a second one
	# changes the fingerprint as well as a changed one would)
	send "$q" FDATE d1@acme.test r1@x.example hi body1 "$MID" \
	    "Date: Mon, 30 Nov 2026 10:00:00 +0000"
	n=$((n + 1))
	check "$mode: fake retry with another Date: counted ($n)" \
	    test "$(count d1@acme.test)" = $n

	# --- the issue's attack: limit 3, one Message-ID, six recipients -----
	ok=0
	for i in 1 2 3 4 5 6; do
		send "$q" "L$i" lim3@acme.test "r$i@x.example" hi body "$MID" &&
		    ok=$((ok + 1))
	done
	check "$mode: limit 3, one Message-ID, six recipients: 3 accepted ($ok)" \
	    test "$ok" = 3
	check "$mode: limit 3: counter 3" test "$(count lim3@acme.test)" = 3

	# the same, racing: eight at once
	pids=
	for i in 1 2 3 4 5 6 7 8; do
		send "$q" "R3$i" race3@acme.test "r$i@x.example" hi body "$MID" &
		pids="$pids $!"
	done
	wait $pids
	ok=$(cat "$SG_TMP"/R3?.out | grep -c '^eom: continue$')
	check "$mode: limit 3, eight racing fakes: 3 accepted ($ok)" \
	    test "$ok" = 3
	check "$mode: limit 3, racing: counter 3" \
	    test "$(count race3@acme.test)" = 3

	# --- one Message-ID across senders: each counted ----------------------
	send "$q" TWIN twin@acme.test r1@x.example hi body1 "$MID"
	check "$mode: another sender, same Message-ID: counted" \
	    test "$(count twin@acme.test)" = 1

	# --- eight identical copies racing: C R C R ... = 4 counted -----------
	pids=
	for i in 1 2 3 4 5 6 7 8; do
		send "$q" "RACE$i" d2@acme.test r1@x.example hi body \
		    "Message-ID: <race@client.example>" &
		pids="$pids $!"
	done
	wait $pids
	ok=$(cat "$SG_TMP"/RACE?.out | grep -c '^eom: continue$')
	check "$mode: eight racing copies all accepted ($ok)" test "$ok" = 8
	check "$mode: eight racing copies: exactly 4 counted" \
	    test "$(count d2@acme.test)" = 4
	check "$mode: and 4 logged dup=1" test "$(dups "$q" 'RACE.')" = 4

	# --- no Message-ID: nothing forgiven ----------------------------------
	send "$q" NOID1 d3@acme.test r1@x.example hi body
	send "$q" NOID2 d3@acme.test r1@x.example hi body
	check "$mode: no Message-ID: each copy counted" \
	    test "$(count d3@acme.test)" = 2

	# --- recipient mode: the new recipients of a fake retry are counted ---
	send "${q}rc" RC1 r1@acme.test r1@x.example hi body "$MID"
	check "$mode: recipient mode: one recipient counted" \
	    test "$(count r1@acme.test)" = 1
	send "${q}rc" RC2 r1@acme.test \
	    r2@x.example,r3@x.example,r4@x.example,r5@x.example hi body "$MID"
	check "$mode: recipient mode: a 'retry' with four new recipients counts 4" \
	    test "$(count r1@acme.test)" = 5
	send "${q}rc" RC3 r1@acme.test \
	    r5@x.example,r4@x.example,r3@x.example,r2@x.example hi body "$MID"
	check "$mode: recipient mode: the real retry (recipients in another order) is not counted" \
	    test "$(count r1@acme.test)" = 5

	# --- the domain limit: lim.test may send 3, two senders, one ID -------
	ok=0
	for i in 1 2 3 4; do
		for s in p1 p2; do
			send "$q" "P$s$i" "$s@lim.test" "r$i@x.example" hi body \
			    "$MID" && ok=$((ok + 1))
		done
	done
	check "$mode: domain limit 3 across two senders, one Message-ID: 3 accepted ($ok)" \
	    test "$ok" = 3
	check "$mode: domain limit: domain counter 3" test "$(dcount lim.test)" = 3

	# --- dedupe_max_retries -----------------------------------------------
	for i in 1 2 3; do
		send "${q}x0" "X0$i" x0@acme.test r1@x.example hi body "$MID"
	done
	check "$mode: dedupe_max_retries = 0: every copy counted" \
	    test "$(count x0@acme.test)" = 3
	for i in 1 2 3 4 5; do
		send "${q}x3" "X3$i" x3@acme.test r1@x.example hi body "$MID"
	done
	check "$mode: dedupe_max_retries = 3: five copies, 2 counted" \
	    test "$(count x3@acme.test)" = 2

	# --- a 2 s window: counted again after it -----------------------------
	send "${q}win" W1 w1@acme.test r1@x.example hi body "$MID"
	send "${q}win" W2 w1@acme.test r1@x.example hi body "$MID"
	check "$mode: 2s window: the retry inside it not counted" \
	    test "$(count w1@acme.test)" = 1
	sleep 2.2
	send "${q}win" W3 w1@acme.test r1@x.example hi body "$MID"
	check "$mode: 2s window: after it the same message counted again" \
	    test "$(count w1@acme.test)" = 2

	# --- dedupe_window = 0: off -------------------------------------------
	send "${q}off" OFF1 o1@acme.test r1@x.example hi body "$MID"
	send "${q}off" OFF2 o1@acme.test r1@x.example hi body "$MID"
	check "$mode: dedupe_window = 0: counted twice" \
	    test "$(count o1@acme.test)" = 2
	check "$mode: dedupe_window = 0: no dedupe key" \
	    test -z "$(rcli --scan --pattern 'sg:{acme.test}:m:o1@*')"

	for m in "$q" "${q}rc" "${q}x0" "${q}x3" "${q}win" "${q}off"; do
		check "$mode: $m: no sanitizer report or crash" no_crash "$m"
		milter_stop "$m"
	done
done

# --- a retry at the limit, quota_precheck = known (issue 19, item 5) --------
# A retry is subject to rule 10 whatever quota_precheck says: with
# "always" MAIL FROM refuses it; with "known" a node that did not read the
# counters at MAIL FROM refuses it at end of message with rule 10's reply.
# Below the limit a retry is forgiven in both.
rcli FLUSHALL >/dev/null
SG_LDAP_MODE=query
milter_conf kn "quota_precheck = known"
milter_conf kn2 "quota_precheck = known"
milter_conf al
for m in kn kn2 al; do
	milter_start "$m" || { echo "not ok - sendergate $m did not start"; exit 1; }
done
KMID1="Message-ID: <k-1@client.example>"
KMID2="Message-ID: <k-2@client.example>"
KMID3="Message-ID: <k-3@client.example>"
send kn K1 k1@acme.test r1@x.example hi body1 "$KMID1"
send kn2 K2 k1@acme.test r1@x.example hi body1 "$KMID1"
check "known: a retry below the limit forgiven on another node" \
    sh -c "[ $? -eq 0 ] && [ $(count k1@acme.test) -eq 1 ] && [ $(dups kn2 K2) -eq 1 ]"
send kn K3 k1@acme.test r1@x.example hi body2 "$KMID2"
check "known: the second message takes k1 to its limit of 2" \
    test "$(count k1@acme.test)" = 2
send kn2 K4 k1@acme.test r1@x.example hi body2 "$KMID2"
check "known: its retry on a node that did not read: refused at end of message with rule 10's reply" \
    sh -c "[ $? -ne 0 ] && grep -q '^eom: 451 4.7.1 Monthly sending limit reached for <k1@acme.test>' '$SG_TMP/K4.out'"
check "known: the refusal logged as rule=quota" logged kn2 "K4: tempfail rule=quota"
check "known: nothing counted" test "$(count k1@acme.test)" = 2
send al K5 k1@acme.test r1@x.example hi body2 "$KMID2"
check "always: the same retry refused at MAIL FROM (rule 10)" \
    sh -c "[ $? -ne 0 ] && grep -q '^mail: 451 4.7.1 Monthly sending limit reached for <k1@acme.test>' '$SG_TMP/K5.out'"
send kn2 K6 k1@acme.test r1@x.example hi body3 "$KMID3"
check "known: the node now reads at MAIL FROM: a new message refused there" \
    sh -c "[ $? -ne 0 ] && grep -q '^mail: 451 4.7.1' '$SG_TMP/K6.out'"
for m in kn kn2 al; do
	check "$m: no sanitizer report or crash" no_crash "$m"
	milter_stop "$m"
done
