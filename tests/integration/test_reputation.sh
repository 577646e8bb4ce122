#!/bin/sh
# test_reputation.sh - bounce rates and automatic suspension end to end
# (issue 22, part 2; SPEC rule 10s): a real Postfix relays a campaign
# sender's mail to a sink that refuses some recipients permanently; the
# bounce copies reach `sendergatectl suppress learn` through the pipe;
# each bounce that matched the record counts; with
# reputation_min_recipients 4 and bounce_rate_limits "20% 50%" the
# sender is suspended automatically in Redis, its next message gets
# rule 10s's reply through Postfix, the domain (whose own rate only
# reached the first threshold) is warned; `reputation` shows it,
# `reinstate` lets it send again with a fresh window.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_reputation.sh needs root (a private Postfix queue)"
	exit 0
fi
for p in postfix smtp-sink swaks dovecot; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "not ok - $p is not installed (sh tests/lib/deps.sh)"; exit 1; }
done

pf_netns_enter "$0" "$@"
sg_setup
pf_backends || exit 1
milter_set main "reputation_min_recipients = 4" "bounce_rate_limits = 20% 50%"
milter_stop main
milter_start main || { echo "not ok - sendergate did not start again"; exit 1; }

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

CTL="${SG_CTL:-$SG_TOP/milter/sendergatectl} -c $SG_TMP/main.conf"
R=$PF_REALM
UNSUB='--add-header List-Unsubscribe:<https://pf.test/u/1>'
UNSUB_POST='--add-header List-Unsubscribe-Post:List-Unsubscribe=One-Click'
SUSP='sg:{pf.test}:rs:s:pfcamp@pf.test'
DAY=$(($(date -u +%s) / 86400))

camp() {
	_c_case=$1
	shift
	_c_to=$(echo "$*" | tr ' ' ',')
	pf_send "$_c_case" "$PF_PORT_CAMPAIGN" --from pfcamp@pf.test \
	    --to "$_c_to" -tls --auth PLAIN --auth-user "pfcamp@$R" \
	    --auth-password PfCamp-1 $UNSUB $UNSUB_POST
}

reply_is() {
	_ri_got=$(pf_reply "$1")
	case $_ri_got in
	"$2"*) return 0 ;;
	esac
	echo "	# $1: got \"$_ri_got\", want \"$2\""
	return 1
}

# bounces_are N: the learned bounces of the sender today are N
bounces_are() {
	_b=$(rcli HGET "sg:{pf.test}:rp:s:pfcamp@pf.test" "b:$DAY")
	[ "${_b:-0}" = "$1" ]
}

# good mail of another sender of the domain: 6 recipients, none bounce
pf_send GOOD "$PF_PORT_SUBMISSION" --from pfuser@pf.test \
    --to g1@far.test,g2@far.test,g3@far.test,g4@far.test,g5@far.test,g6@far.test \
    -tls --auth PLAIN --auth-user "pfuser@$R" --auth-password PfUser-1
check "another sender's message to 6 recipients: accepted" \
    reply_is GOOD "250 2.0.0 Ok: queued as"

camp C1 ok1@far.test nouser1@gone.test
check "campaign 1 (one of two recipients bounces): accepted" \
    reply_is C1 "250 2.0.0 Ok: queued as"
check "its bounce learned and counted: 1" eventually 90 bounces_are 1
check "2 recipients, 1 bounce: below reputation_min_recipients, not judged" \
    test "$(rcli EXISTS "$SUSP")" = 0

camp C2 ok2@far.test nouser2@gone.test
check "campaign 2: accepted" reply_is C2 "250 2.0.0 Ok: queued as"
check "its bounce learned: 2 of 4" eventually 90 bounces_are 2
suspended() {
	[ "$(rcli EXISTS "$SUSP")" = 1 ]
}
check "50% of 4 recipients: the sender suspended automatically in Redis" \
    eventually 10 suspended
reason=$(rcli GET "$SUSP")
check "the suspension's reason ($reason)" \
    test "${reason#* }" = "bounce rate 50.0% (2 of 4) over 14 days"
check "the domain (2 of 10, 20%) warned, not suspended" \
    test "$(rcli EXISTS 'sg:{pf.test}:rs:d')$(rcli EXISTS 'sg:{pf.test}:rw:d:b')" = 01

camp C3 ok3@far.test
check "the next message: rule 10s's reply through Postfix" \
    reply_is C3 "451 4.7.1 Sender <pfcamp@pf.test> is suspended: bounce rate 50.0% (2 of 4) over 14 days"

$CTL reputation pfcamp@pf.test >"$SG_TMP/rep.out" 2>&1
check "reputation SENDER: 4 recipients, 2 bounces, suspended" \
    grep -qE '^sender +pfcamp@pf.test +rcpts 4 bounces 2 \(50.0%\) complaints 0 \(0.0%\) since [-0-9T:Z]+: suspended since' "$SG_TMP/rep.out"
check "reputation SENDER: the domain's window too (10 recipients, warning)" \
    grep -qE '^domain +pf.test +rcpts 10 bounces 2 \(20.0%\).*: warning$' "$SG_TMP/rep.out"
$CTL reputation pf.test --json >"$SG_TMP/rep.json" 2>&1
check "reputation --json ($(cat "$SG_TMP/rep.json"))" \
    grep -q '"domain":"pf.test","recipients":10,"bounces":2' "$SG_TMP/rep.json"

$CTL reinstate pfcamp@pf.test >"$SG_TMP/rei.out" 2>&1
check "reinstate without --reason: refused" test $? = 2
$CTL reinstate pfcamp@pf.test --reason "list cleaned, ticket 42" >"$SG_TMP/rei.out" 2>&1
check "reinstate: done" test $? = 0
check "reinstate: the suspension is gone" test "$(rcli EXISTS "$SUSP")" = 0
camp C4 ok4@far.test
check "after reinstate the sender sends again" reply_is C4 "250 2.0.0 Ok: queued as"
$CTL reputation pfcamp@pf.test >"$SG_TMP/rep2.out" 2>&1
check "a fresh window: 1 recipient, 0 bounces" \
    grep -qE '^sender +pfcamp@pf.test +rcpts 1 bounces 0 .*: ok$' "$SG_TMP/rep2.out"
check "main: no sanitizer report or crash" no_crash main
