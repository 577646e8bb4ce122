#!/bin/sh
# test_bounce.sh - the suppression list learned from a real bounce, end to
# end: the private Postfix (tests/lib/postfix.sh, sendergate as its
# milter) relays a campaign message to two recipients; the outbound side
# refuses one of them for good (a second smtp-sink answering RCPT with
# 550 5.1.1, the recipient's domain routed to it by transport_maps), so
# Postfix bounces it; the postmaster copy of the bounce (notify_classes
# bounce) goes to bounce_notice_recipient, which transport_maps gives to a
# pipe(8) service running "sendergatectl suppress learn", as
# postfix-examples/README.md recommends. The failed recipient must land on
# pf.test's suppression list and the delivered one not; the next campaign
# message is refused at RCPT for it (550 5.1.1) while its other recipient
# is delivered, and counted once.
#
# Then the learn address is shut to customers and forged DSNs learn
# nothing (issue 19): the accepted message's record (its queue id and
# recipients under its sender and Message-ID) is in Redis; a customer's
# forged DSN to the learn address is refused at RCPT on ports 587, 25 and
# 2525 (the shipped sendergate-learn.access); and a table of forged DSNs
# fed straight to "sendergatectl suppress learn" against the real Redis
# (another customer's sender, a domain no customer has, an address
# literal, an unregistered sender of a registered domain, an
# Original-Recipient, two delivery-status parts) writes no list entry
# but the ones the record allows. A retry forgiven by dedupe is recorded
# too.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_bounce.sh needs root (a private Postfix queue)"
	exit 0
fi
for p in postfix smtp-sink swaks dovecot; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "not ok - $p is not installed (sh tests/lib/deps.sh)"; exit 1; }
done

pf_netns_enter "$0" "$@"
sg_setup
pf_backends || exit 1

# The user the pipe runs sendergatectl as (pipe(8) refuses root and
# Postfix's own user): an operator's is the daemon's, sendergate; here
# nobody, with its own copy of the configuration and password file
# (sendergatectl refuses a password file others may read).
LUSER=nobody
LDIR=$SG_TMP/learn
mkdir -p "$LDIR" || exit 1
cp "${SG_CTL:-$SG_TOP/milter/sendergatectl}" "$LDIR/sendergatectl" &&
    cp "$SLAPD_BIND_PW_FILE" "$LDIR/bind.pw" &&
    sed "s|^ldap_bind_password_file = .*|ldap_bind_password_file = $LDIR/bind.pw|" \
    "$SG_TMP/main.conf" >"$LDIR/sendergate.conf" &&
    chown "$LUSER" "$LDIR/bind.pw" "$LDIR/sendergate.conf" &&
    chmod 600 "$LDIR/bind.pw" && chmod 755 "$LDIR" "$LDIR/sendergatectl" ||
	{ echo "not ok - the learner's files"; exit 1; }

# The outbound side of gone.test: refuses every recipient for good.
GONE_PORT=$(sg_free_port)
smtp-sink -u postfix -R / -f RCPT -B "550 5.1.1 Recipient address unknown" \
    "127.0.0.1:$GONE_PORT" 8 >>"$SG_TMP/gone-sink.log" 2>&1 &
GONE_PID=$!
sg_atexit "sg_kill_wait $GONE_PID smtp-sink"
pf_wait_port "$GONE_PORT" 50 ||
	{ echo "not ok - the refusing smtp-sink did not start"; exit 1; }

pf_prepare "$MILTER_SOCK_main" &&
    pf_transport gone.test "smtp:[127.0.0.1]:$GONE_PORT" &&
    pf_learn_bounces "$LUSER" "$LDIR/sendergatectl" -c "$LDIR/sendergate.conf" \
    suppress learn &&
    pf_launch ||
	{ echo "not ok - postfix or dovecot did not start"; exit 1; }

CTLBIN=${SG_CTL:-$SG_TOP/milter/sendergatectl}
R=$PF_REALM
UNSUB='--add-header List-Unsubscribe:<https://pf.test/u/1>'
UNSUB_POST='--add-header List-Unsubscribe-Post:List-Unsubscribe=One-Click'
KEY_GONE='sg:{pf.test}:x:nouser@gone.test'
KEY_OK='sg:{pf.test}:x:ok@far.test'
COUNTER="sg:{pf.test}:s:pfcamp@pf.test:$MONTH"

# camp CASE RCPT...: a campaign message from pfcamp@pf.test (SASL login,
# one-click List-Unsubscribe) on the campaign listener.
camp() {
	_c_case=$1
	shift
	_c_to=$(echo "$*" | tr ' ' ',')
	pf_send "$_c_case" "$PF_PORT_CAMPAIGN" --from pfcamp@pf.test \
	    --to "$_c_to" -tls --auth PLAIN --auth-user "pfcamp@$R" \
	    --auth-password PfCamp-1 $UNSUB $UNSUB_POST
}

# reply_is CASE TEXT: the deciding reply of CASE starts with TEXT.
reply_is() {
	_ri_got=$(pf_reply "$1")
	case $_ri_got in
	"$2"*) return 0 ;;
	esac
	echo "	# $1: got \"$_ri_got\", want \"$2\""
	return 1
}

# queued CASE: Postfix took CASE's message (for the recipients it accepted).
queued() {
	grep -q '^<[-~]  *250 2\.0\.0 Ok: queued as ' "$SG_TMP/$1.swaks" && return 0
	echo "	# $1: not queued:"
	sed 's/^/	#   /' "$SG_TMP/$1.swaks" | tail -n 8
	return 1
}

# counter_is N: pfcamp's counter of this month is N.
counter_is() {
	_ci=$(rcli GET "$COUNTER")
	[ "${_ci:-0}" = "$1" ] && return 0
	echo "	# counter $COUNTER: got \"$_ci\", want $1"
	return 1
}

# log_count TEXT: lines of Postfix's log with TEXT.
log_count() {
	grep -cF "$1" "$PF_LOG"
}

# show RECIPIENT: sendergatectl suppress show, as the operator asks it.
show() {
	"$CTLBIN" -c "$SG_TMP/main.conf" suppress show "$1" \
	    >"$SG_TMP/show.out" 2>"$SG_TMP/show.err"
	show_rc=$?
}

# --- 1. a campaign message, one recipient refused by the outbound side ----
check "set-up: bounce copies go to the pipe service, as recommended" \
    sh -c "postconf -c '$PF_CONF' -h bounce_notice_recipient | grep -qx '$PF_LEARN_ADDR' &&
    postconf -c '$PF_CONF' -h notify_classes | grep -q bounce &&
    postconf -c '$PF_CONF' -M sendergate-learn/unix | grep -q 'pipe user=$LUSER argv=.*suppress learn'"

camp camp1 ok@far.test nouser@gone.test
check "campaign to two recipients: accepted" \
    reply_is camp1 "250 2.0.0 Ok: queued as"
check "campaign: counted once (message mode)" counter_is 1
check "campaign: ok@far.test delivered at the sink" \
    delivered_is camp1 "<ok@far.test> ORCPT=rfc822;ok@far.test"
check "campaign: the outbound side refused nouser@gone.test, Postfix bounced it" \
    eventually 20 sh -c "grep -F 'to=<nouser@gone.test>' '$PF_LOG' |
    grep -q 'status=bounced (host 127.0.0.1\[127.0.0.1\] said: 550 5.1.1 Recipient address unknown'"

# --- 2. the bounce's copy reaches sendergatectl suppress learn -----------
check "the postmaster copy of the bounce delivered through the pipe" \
    eventually 20 sh -c "grep -F 'to=<$PF_LEARN_ADDR>' '$PF_LOG' |
    grep -q 'status=sent (delivered via sendergate-learn service'"
check "pipe: the learner's own words in Postfix's log" \
    grep -qF 'suppress learn: <nouser@gone.test> on the list of pf.test: bounced 5.1.1' "$PF_LOG"
# the sender's own bounce goes its usual way (here to the sink)
check "the sender got its bounce too" \
    eventually 20 sh -c "grep -l '^X-Rcpt-Args: <pfcamp@pf.test>' '$SINK_DIR'/msg.* 2>/dev/null |
    xargs -r grep -l 'nouser@gone.test' | grep -q ."

# --- 3. learned: the failed recipient on pf.test's list, not the other ----
check "learn: nouser@gone.test on pf.test's list in Redis" \
    eventually 10 test "$(rcli EXISTS "$KEY_GONE")" = 1
check "learn: source dsn, reason the bounce's status and sender" \
    test "$(rcli HGET "$KEY_GONE" source)|$(rcli HGET "$KEY_GONE" reason)" = \
    "dsn|bounced 5.1.1 for mail from <pfcamp@pf.test>"
check "learn: ok@far.test (delivered) on no list" \
    test "$(rcli EXISTS "$KEY_OK")" = 0
show nouser@gone.test
check "suppress show nouser@gone.test: pf.test's list, source dsn" \
    sh -c "[ $show_rc -eq 0 ] &&
    grep -qE '^pf\.test +nouser@gone\.test +[0-9T:-]+Z +dsn +90d +bounced 5\.1\.1' '$SG_TMP/show.out'"
show ok@far.test
check "suppress show ok@far.test: on no list (exit 1)" \
    sh -c "[ $show_rc -eq 1 ] && grep -q 'is on no suppression list' '$SG_TMP/show.err'"

# --- 4. the next campaign message: refused at RCPT for it, only -----------
LEARNED=$(log_count "to=<$PF_LEARN_ADDR>")
GONE_TRIES=$(log_count "to=<nouser@gone.test>, relay=")
camp camp2 nouser@gone.test ok@far.test
check "next campaign: nouser@gone.test refused at RCPT, 550 5.1.1" \
    reply_is camp2 "550 5.1.1 Recipient <nouser@gone.test> is on the suppression list"
check "next campaign: the refusal came at RCPT TO" \
    sh -c "grep -A1 '^ [-~]> RCPT TO:<nouser@gone.test>' '$SG_TMP/camp2.swaks' |
    grep -q '^<[-~]\** *550 5.1.1 Recipient <nouser@gone.test> is on the suppression list'"
check "next campaign: the message queued for ok@far.test" queued camp2
check "next campaign: delivered to ok@far.test alone" \
    delivered_is camp2 "<ok@far.test> ORCPT=rfc822;ok@far.test"
check "next campaign: counted once more, the refused recipient not (1 -> 2)" \
    counter_is 2
check "the milter logged the refusal" \
    logged main "rule=suppressed from=<pfcamp@pf.test>"
sleep 2	# let a wrong delivery attempt or bounce show in the log
check "next campaign: no delivery attempted to nouser@gone.test, nothing bounced" \
    sh -c "[ \$(grep -cF 'to=<nouser@gone.test>, relay=' '$PF_LOG') -eq $GONE_TRIES ] &&
    [ \$(grep -cF 'to=<$PF_LEARN_ADDR>' '$PF_LOG') -eq $LEARNED ]"
"$CTLBIN" -c "$SG_TMP/main.conf" suppress list --domain pf.test \
    >"$SG_TMP/list.out" 2>&1
check "pf.test's list holds that one recipient" \
    sh -c "[ \$(grep -c '^pf\.test ' '$SG_TMP/list.out') -eq 1 ] &&
    grep -q '^pf\.test  *nouser@gone\.test ' '$SG_TMP/list.out'"

# --- 5. the record of the accepted message -----------------------------
QID1=$(sed -n 's/^<[-~]  *250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' \
    "$SG_TMP/camp1.swaks" | head -n 1)
MSGID1=$(sed -n 's/^[Mm]essage-[Ii][Dd]: *//p' "$(pf_sink_file camp1)" |
    tr -d '\r' | head -n 1)
RKEY1="sg:{pf.test}:r:pfcamp@pf.test:$(printf '%s' "$MSGID1" | sha256sum | cut -d' ' -f1)"
check "record: camp1's queue id and Message-ID known ($QID1, $MSGID1)" \
    test -n "$QID1" -a -n "$MSGID1"
check "record: one entry under pfcamp@pf.test and camp1's Message-ID" \
    test "$(rcli LLEN "$RKEY1")" = 1
check "record: the queue id, then the recipients the milter took" \
    test "$(rcli LINDEX "$RKEY1" 0 | tail -n +2 | sort | tr '\n' ' ')" = \
    "$(printf '%s\n' "$QID1" nouser@gone.test ok@far.test | sort | tr '\n' ' ')"
PTTL1=$(rcli PTTL "$RKEY1")
check "record: expires within bounce_window (6d; PTTL $PTTL1 ms)" \
    test "${PTTL1:-0}" -gt 0 -a "${PTTL1:-0}" -le 518400000

# --- 6. the learn address is refused to every SMTP client ---------------
PIPED="delivered via sendergate-learn service"
LEARNED=$(log_count "$PIPED")
# forged_dsn FILE: another customer's recipient "bounced", with camp1's
# queue id and Message-ID
forged_dsn() {
	cat >"$1" <<-EOF
	From: MAILER-DAEMON@relay.test
	To: $PF_LEARN_ADDR
	Subject: Postmaster Copy: Undelivered Mail
	MIME-Version: 1.0
	Content-Type: multipart/report; report-type=delivery-status; boundary="F"

	--F
	Content-Type: message/delivery-status

	Reporting-MTA: dns; relay.test
	X-Postfix-Queue-ID: $QID1
	X-Postfix-Sender: rfc822; alice@acme.test

	Final-Recipient: rfc822; smtp-victim@far.test
	Action: failed
	Status: 5.1.1

	--F
	Content-Type: text/rfc822-headers

	From: alice@acme.test
	Message-ID: $MSGID1

	--F--
	EOF
}
forged_dsn "$SG_TMP/forged.eml"
REFUSED="Recipient address rejected: This address takes the relay's own bounce notices only"
pf_send forged587 "$PF_PORT_SUBMISSION" --from pfuser@pf.test \
    --to "$PF_LEARN_ADDR" -tls --auth PLAIN --auth-user "pfuser@$R" \
    --auth-password PfUser-1 --data "@$SG_TMP/forged.eml"
check "forged DSN on 587 (authenticated customer): RCPT refused" \
    reply_is forged587 "554 5.7.1 <$PF_LEARN_ADDR>: $REFUSED"
pf_send forged587case "$PF_PORT_SUBMISSION" --from pfuser@pf.test \
    --to "Suppress-Learn@RELAY.Example" -tls --auth PLAIN \
    --auth-user "pfuser@$R" --auth-password PfUser-1 \
    --data "@$SG_TMP/forged.eml"
check "forged DSN on 587, the address in other case: RCPT refused" \
    reply_is forged587case "554 5.7.1 <Suppress-Learn@RELAY.Example>: $REFUSED"
pf_send forged25 "$PF_PORT_SMTP" --from pfip@pf.test --to "$PF_LEARN_ADDR" \
    --data "@$SG_TMP/forged.eml"
check "forged DSN on 25 (IP-controlled customer): RCPT refused" \
    reply_is forged25 "554 5.7.1 <$PF_LEARN_ADDR>: $REFUSED"
pf_send forged2525 "$PF_PORT_CAMPAIGN" --from pfcamp@pf.test \
    --to "$PF_LEARN_ADDR" -tls --auth PLAIN --auth-user "pfcamp@$R" \
    --auth-password PfCamp-1 $UNSUB $UNSUB_POST --data "@$SG_TMP/forged.eml"
check "forged DSN on the campaign port: RCPT refused" \
    reply_is forged2525 "554 5.7.1 <$PF_LEARN_ADDR>: $REFUSED"
sleep 2
check "no forged DSN reached the learn pipe; its victim on no list" \
    test "$(log_count "$PIPED")|$(rcli KEYS '*smtp-victim*')" = \
    "$LEARNED|"

# --- 7. forged DSNs fed straight to learn: only the record teaches --------
# dsn FILE PART...: a postmaster copy of a bounce of camp1 (its queue id
# and Message-ID), one delivery-status part per PART, "SENDER RCPT...",
# where RCPT is FINAL or FINAL:ORIGINAL (an Original-Recipient too).
dsn() {
	_d_f=$1
	shift
	{
		printf 'From: MAILER-DAEMON@relay.test\n'
		printf 'Subject: Postmaster Copy: Undelivered Mail\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: multipart/report; report-type=delivery-status;\n'
		printf '\tboundary="B"\n\n--B\nContent-Type: text/plain\n\nforged\n\n'
		for _d_p in "$@"; do
			set -- $_d_p
			printf -- '--B\nContent-Type: message/delivery-status\n\n'
			printf 'Reporting-MTA: dns; relay.test\n'
			printf 'X-Postfix-Queue-ID: %s\n' "$QID1"
			printf 'X-Postfix-Sender: rfc822; %s\n\n' "$1"
			shift
			for _d_r in "$@"; do
				case $_d_r in
				*:*) printf 'Original-Recipient: rfc822; %s\n' \
				    "${_d_r#*:}" ;;
				esac
				printf 'Final-Recipient: rfc822; %s\n' "${_d_r%%:*}"
				printf 'Action: failed\nStatus: 5.1.1\n\n'
			done
		done
		printf -- '--B\nContent-Type: text/rfc822-headers\n\n'
		printf 'From: pfcamp@pf.test\nMessage-ID: %s\n\n--B--\n' "$MSGID1"
	} >"$_d_f"
}

# learn_case NAME FILE ABSENT PART...: learn reads the DSN, exits 0, and
# no Redis key matches the pattern ABSENT afterwards.
learn_case() {
	_lc_name=$1
	_lc_file=$SG_TMP/learn-$2
	_lc_absent=$3
	shift 3
	dsn "$_lc_file.eml" "$@"
	"$CTLBIN" -c "$SG_TMP/main.conf" suppress learn <"$_lc_file.eml" \
	    >"$_lc_file.out" 2>&1
	_lc_rc=$?
	_lc_keys=$(rcli KEYS "$_lc_absent")
	if [ "$_lc_rc" -eq 0 ] && [ -z "$_lc_keys" ]; then
		echo "ok - forged DSN, $_lc_name: exit 0, no key $_lc_absent"
		return 0
	fi
	echo "not ok - forged DSN, $_lc_name: exit $_lc_rc, keys: $_lc_keys"
	sed 's/^/	#   /' "$_lc_file.out"
	return 1
}

learn_case "another customer's sender" victim 'sg:{acme.test}:*' \
    "alice@acme.test victim1@far.test victim2@far.test"
learn_case "a domain no customer has" nobody 'sg:{nobody.example}:*' \
    "news@nobody.example victim1@far.test"
learn_case "an address literal" literal 'sg:{\[192.0.2.1\]}:*' \
    "news@[192.0.2.1] victim1@far.test"
learn_case "an unregistered sender of a registered domain" ghost \
    'sg:{pf.test}:x:victim1@far.test' "ghost@pf.test victim1@far.test"
learn_case "Original-Recipient preferred to the recipient delivered to" \
    orcpt '*:x:orcpt-victim@far.test' \
    "pfcamp@pf.test nouser@gone.test:orcpt-victim@far.test"
learn_case "two parts, the last part's sender for every recipient" \
    parts 'sg:{acme.test}:*' "pfcamp@pf.test nouser@gone.test" \
    "alice@acme.test victim3@far.test"
check "forged DSN: learn said why it ignored the recipient" \
    grep -q 'suppress learn: <victim1@far.test> status 5.1.1 from <alice@acme.test> .*: ignored: no message' \
    "$SG_TMP/learn-victim.out"
check "forged DSN, an address literal: nothing in that literal's slot" \
    test -z "$(rcli KEYS '*192.0.2.1*')"
check "two parts: the first part's recipient judged by its own sender's record" \
    grep -q 'suppress learn: <nouser@gone.test> on the list of pf.test' \
    "$SG_TMP/learn-parts.out"
check "the lists hold only what the record allowed" \
    test "$(rcli KEYS '*:x:*' | sort | tr '\n' ' ')" = \
    "sg:{pf.test}:x:nouser@gone.test "

# --- 8. a retry forgiven by dedupe is recorded too ----------------------
# retry CASE: the same message each time (Message-ID, Date, Subject, body)
retry() {
	pf_send "$1" "$PF_PORT_CAMPAIGN" --from pfcamp@pf.test \
	    --to ok@far.test -tls --auth PLAIN --auth-user "pfcamp@$R" \
	    --auth-password PfCamp-1 $UNSUB $UNSUB_POST \
	    --header "Message-Id: <retry-1@pf.test>" \
	    --header "Date: Mon, 02 Nov 2026 10:00:00 +0000" \
	    --header "Subject: the same message" --body "the same body"
}
retry retry1
retry retry2
RKEY2="sg:{pf.test}:r:pfcamp@pf.test:$(printf '%s' '<retry-1@pf.test>' | sha256sum | cut -d' ' -f1)"
QID_R2=$(sed -n 's/^<[-~]  *250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' \
    "$SG_TMP/retry2.swaks" | head -n 1)
check "retry: the second copy forgiven (dup=1)" logged main "dup=1"
check "retry: recorded too, newest first, with its own queue id" \
    test "$(rcli LLEN "$RKEY2")|$(rcli LINDEX "$RKEY2" 0 | sed -n 2p)" = \
    "2|$QID_R2"

# --- 9. issue 19, item 2: the spelling Postfix rewrites ---------------------
# Postfix's trivial-rewrite drops a trailing dot of the domain: mail to
# <ok@far.test.> reaches the sink as ok@far.test; the milter looks the
# list up in that form, so <nouser@gone.test.> is refused like the other.
delivered_to() {
	pf_delivered "$1" 10 | grep -q "^<$2>" && return 0
	echo "	# $1: not delivered to <$2>:"
	pf_delivered "$1" 1 | sed 's/^/	#   /'
	return 1
}
camp camp3 ok@far.test.
check "Postfix delivers <ok@far.test.> to ok@far.test" \
    delivered_to camp3 ok@far.test
camp camp4 nouser@gone.test. ok@far.test
check "<nouser@gone.test.> refused at RCPT, 550 5.1.1" \
    sh -c "grep -A1 '^ [-~]> RCPT TO:<nouser@gone.test.>' '$SG_TMP/camp4.swaks' |
    grep -q '^<[-~]\** *550 5.1.1 Recipient <nouser@gone.test> is on the suppression list'"
check "trailing dot: delivered to ok@far.test alone" \
    delivered_is camp4 "<ok@far.test> ORCPT=rfc822;ok@far.test"

check "postfix logged no fatal error, panic or pipe failure" \
    sh -c "! grep -qE 'fatal:|panic:|sendergate-learn.*status=(deferred|bounced)' '$PF_LOG'"
check "no crash in the milter" no_crash main
