#!/bin/sh
# test_sendmail.sh - sendergate behind the real Sendmail (Debian's
# sendmail-bin, fetched with apt-get download and unpacked with dpkg -x,
# never installed), with a sendmail.cf made by m4 from sendmail-cf and the
# shipped postfix-examples/sendmail.mc: swaks on the three listeners,
# smtp-sink as the outbound side.
#
# What it shows: Sendmail hands the milter its macros ({daemon_name} from
# Name= in DaemonPortOptions, {auth_authen}, i, the client address), the
# milter's decisions come back to the client (rules 4, 5, 8, 9a, 9b, 9c,
# 9d), copies are delivered with NOTIFY=NEVER, and F=T makes mail wait
# while the milter is down.
#
# SMTP AUTH: Sendmail's Cyrus SASL asks saslauthd (-a ldap, binding as
# the entry whose sgAuthId is the login) on the test slapd. Cyrus reads
# Sendmail.conf from its plugin directory; sendmail runs in a mount
# namespace of its own where a copy of that directory with our
# Sendmail.conf is mounted (tests/lib/postfix.sh, sm_run): no system file
# is written. Without saslauthd or mount namespaces the AUTH cases are
# skipped (said so in the output).
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/postfix.sh"
. "$(dirname "$0")/../lib/mta_cases.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_sendmail.sh needs root"
	exit 0
fi
for p in smtp-sink swaks m4 dpkg; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "not ok - $p is not installed (sh tests/lib/deps.sh)"; exit 1; }
done

# the .debs first (the namespace below has no route out), then a
# network namespace of the test's own: the shipped ports
sm_fetch || { echo "not ok - cannot fetch sendmail-bin, sendmail-cf"; exit 1; }
pf_netns_enter "$0" "$@"
sg_setup
pf_backends || exit 1
sasl=0
sm_sasl_start && sasl=1
sm_start "$MILTER_SOCK_main" ||
	{ echo "not ok - sendmail did not start"; exit 1; }
check "the shipped sendmail.mc, included as it is, gives one listener a port (no MSA beside submission)" \
    sh -c "[ \$(grep -c '^O DaemonPortOptions=' '$SM_DIR/sendmail.cf') -eq 3 ] &&
    ! grep -q 'Name=MSA' '$SM_DIR/sendmail.cf'"
echo "ok - sendmail $(sm_run -d0.1 -bt </dev/null 2>/dev/null |
    sed -n 's/^Version //p' | head -n 1) runs with the generated sendmail.cf"

SMTP=$SM_PORT_SMTP
CAMP=$SM_PORT_CAMPAIGN

# reply_is CASE TEXT: the deciding reply of CASE starts with TEXT.
# Sendmail puts "<address>... " before the text of a refused MAIL FROM
# (its usual form, also for the milter's replies): that is taken off.
reply_is() {
	_ri_got=$(pf_reply "$1" |
	    sed 's/^\([245][0-9][0-9] [245]\.[0-9.]* \)<[^>]*>\.\.\. /\1/')
	case $_ri_got in
	"$2"*) return 0 ;;
	esac
	echo "	# $1: got \"$_ri_got\", want \"$2\""
	return 1
}

# qid CASE: Sendmail's queue id for CASE.
qid() {
	pf_reply "$1" | sed -n 's/^250 2\.0\.0 \([0-9A-Za-z]*\) Message accepted.*/\1/p'
}

# the cases every MTA shares (tests/lib/mta_cases.sh): sm-ip, ...
mta_cases "sendmail 25" sm "$SMTP"
check "sendmail: recipient and BCC copy delivered, the copy NOTIFY=NEVER" \
    delivered_is sm-ip "<rcpt@far.test>" "<pf-ipcopy@copies.test> NOTIFY=NEVER"
check "sendmail: the milter logged Sendmail's queue id (macro i)" \
    logged main "$(qid sm-ip): accept rule=ok from=<pfip@pf.test> auth=- client=127.0.0.1 method=smtp"


pf_send sm-camp-smtp "$CAMP" --from pfip@pf.test --to rcpt@far.test
check "sendmail: Name=campaign reaches the milter as {daemon_name} (rule 8)" \
    reply_is sm-camp-smtp "550 5.7.1 Sender <pfip@pf.test> may not send via campaign"

# --- SMTP AUTH on the submission listener (M=a) ---------------------------

SUB=$SM_PORT_SUBMISSION
R=$PF_REALM
if [ "$sasl" = 1 ]; then
	pf_send sm-auth-ok "$SUB" --from pfother@pf.test --to rcpt@far.test \
	    -tls --auth PLAIN --auth-user "pfother@$R" --auth-password PfOther-1
	check "sendmail 587: AUTH over STARTTLS, own address: accepted" \
	    reply_is sm-auth-ok "250 2.0.0"
	check "sendmail 587: delivered" \
	    delivered_is sm-auth-ok "<rcpt@far.test>"
	check "sendmail 587: the milter saw {auth_authen} and Name=submission" \
	    logged main "$(qid sm-auth-ok): accept rule=ok from=<pfother@pf.test> auth=pfother@$R client=127.0.0.1 method=smtp"

	pf_send sm-auth-notowned "$SUB" --from pfuser@pf.test \
	    --to rcpt@far.test -tls --auth PLAIN --auth-user "pfother@$R" \
	    --auth-password PfOther-1
	check "sendmail 587: login bound to another sender: rule 9a 553" \
	    reply_is sm-auth-notowned "553 5.7.1 Sender address rejected: not owned by user pfother@$R"

	pf_send sm-auth-case "$SUB" --from pfother@pf.test --to rcpt@far.test \
	    -tls --auth PLAIN --auth-user "PfOther@$R" --auth-password PfOther-1
	check "sendmail 587: login in another case: accepted" \
	    reply_is sm-auth-case "250 2.0.0"

	pf_send sm-auth-badpw "$SUB" --from pfother@pf.test \
	    --to rcpt@far.test -tls --auth PLAIN --auth-user "pfother@$R" \
	    --auth-password wrong
	check "sendmail 587: wrong password: 535" \
	    reply_is sm-auth-badpw "535 5.7.0 authentication failed"
else
	echo "ok - # SKIP sendmail SMTP AUTH: no saslauthd or no mount namespaces"
fi
check "nothing refused reached the outbound side" \
    sh -c "! grep -lE '^X-Case: (sm-unreg|sm-undom|sm-authreq|sm-noip|sm-camp-smtp|sm-auth-notowned|sm-auth-badpw)\$' '$SINK_DIR'/msg.* 2>/dev/null | grep -q ."

milter_stop main
pf_send sm-down "$SMTP" --from pfip@pf.test --to rcpt@far.test
check "sendmail: milter down, F=T: 4xx" reply_is sm-down "4"
milter_start main || echo "not ok - sendergate did not start again"
pf_send sm-up "$SMTP" --from pfip@pf.test --to rcpt@far.test
check "sendmail: milter back, mail flows" reply_is sm-up "250 2.0.0"
check "sendmail: milter back, delivered" \
    delivered_is sm-up "<rcpt@far.test>" "<pf-ipcopy@copies.test> NOTIFY=NEVER"
check "no crash in the milter" no_crash main
