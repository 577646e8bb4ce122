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

# --- 5. issue 19, item 2: the spelling Postfix rewrites ---------------------
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
