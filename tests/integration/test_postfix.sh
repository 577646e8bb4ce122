#!/bin/sh
# test_postfix.sh - sendergate behind a real Postfix, end to end: swaks as
# the client on ports 25, 587 and the campaign listener, SMTP AUTH checked
# by Dovecot against the same LDAP entries (postfix-examples/dovecot), the
# milter deciding, and smtp-sink as the outbound side where the delivered
# envelope (copies included) is read back. Then the milter is stopped:
# Postfix must answer 4xx and keep nothing; started again, mail flows.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/postfix.sh"
. "$(dirname "$0")/../lib/mta_cases.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_postfix.sh needs root (a private Postfix queue)"
	exit 0
fi
for p in postfix smtp-sink swaks dovecot; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "not ok - $p is not installed (sh tests/lib/deps.sh)"; exit 1; }
done

pf_netns_enter "$0" "$@"
sg_setup
pf_backends || exit 1
pf_start "$MILTER_SOCK_main" ||
	{ echo "not ok - postfix or dovecot did not start"; exit 1; }

# --- the shipped examples, as they are -----------------------------------
check "master.cf: the shipped listeners byte for byte (ports 25, 587, 2525, chroot = y)" \
    sh -c "tail -n $(wc -l <"$PF_EXAMPLES/master.cf") '$PF_CONF/master.cf' |
    cmp -s - '$PF_EXAMPLES/master.cf'"
check "master.cf: smtpd runs chrooted" \
    test "$(postconf -c "$PF_CONF" -Fh submission/inet/chroot)" = y
check "main.cf: every shipped setting in force but the certificate paths" \
    pf_site_check
check "main.cf: the milter in the per-milter form, no global milter_* settings" \
    sh -c "postconf -c '$PF_CONF' -n | grep -q '^smtpd_milters = { inet:127.0.0.1:8891, default_action=tempfail,' &&
    ! postconf -c '$PF_CONF' -n | grep -q '^milter_'"

R=$PF_REALM
SUB=$PF_PORT_SUBMISSION
SMTP=$PF_PORT_SMTP
CAMP=$PF_PORT_CAMPAIGN
UNSUB='--add-header List-Unsubscribe:<https://pf.test/u/1>'
UNSUB_POST='--add-header List-Unsubscribe-Post:List-Unsubscribe=One-Click'

# reply_is CASE TEXT: the deciding reply of CASE is TEXT (a prefix of it
# for "queued as"); prints got/want otherwise.
reply_is() {
	_ri_got=$(pf_reply "$1")
	case $_ri_got in
	"$2"*) return 0 ;;
	esac
	echo "	# $1: got \"$_ri_got\", want \"$2\""
	return 1
}

# qid CASE: the queue id Postfix gave CASE.
qid() {
	pf_reply "$1" | sed -n 's/.* queued as \([0-9A-Za-z]*\).*/\1/p'
}

# auth on 587 as LOGIN with PASSWORD, sending as FROM: pf_send wrapper.
sub_auth() {
	pf_send "$1" "$SUB" --from "$2" --to "rcpt@far.test" -tls \
	    --auth PLAIN --auth-user "$3" --auth-password "$4"
}

# --- port 587: AUTH over TLS, login binding ---------------------------

sub_auth sub-ok pfuser@pf.test "pfuser@$R" PfUser-1
check "587 AUTH PLAIN over STARTTLS, own address: accepted" \
    reply_is sub-ok "250 2.0.0 Ok: queued as"
check "587 accepted: recipient, 2 BCC and the archive reach the outbound side, copies NOTIFY=NEVER" \
    delivered_is sub-ok \
    "<rcpt@far.test> ORCPT=rfc822;rcpt@far.test" \
    "<pf-bcc1@copies.test> ORCPT=rfc822;pf-bcc1@copies.test NOTIFY=NEVER" \
    "<pf-bcc2@copies.test> ORCPT=rfc822;pf-bcc2@copies.test NOTIFY=NEVER" \
    "<pf-archive@vault.test> ORCPT=rfc822;pf-archive@vault.test NOTIFY=NEVER"
check "587 accepted: Reply-To added" \
    grep -qx 'Reply-To: pf-replies@pf.test' "$(pf_sink_file sub-ok)"
Q=$(qid sub-ok)
check "587 accepted: milter log has Postfix's queue id, the login, smtp" \
    logged main "$Q: accept rule=ok from=<pfuser@pf.test> auth=pfuser@$R client=127.0.0.1 method=smtp count=1/100"
check "587 accepted: counted once in Redis" \
    test "$(rcli GET "sg:{pf.test}:s:pfuser@pf.test:$MONTH")" = 1

sub_auth sub-case pfuser@pf.test "PfUser@PF-Test.Relay.Example" PfUser-1
check "587 login in other case: accepted ({auth_authen} is the sgAuthId)" \
    reply_is sub-case "250 2.0.0 Ok: queued as"
check "587 login in other case: the milter saw the login in lower case" \
    logged main "$(qid sub-case): accept rule=ok from=<pfuser@pf.test> auth=pfuser@$R "

sub_auth sub-plain pfplain@pf.test pfplain PfPlain-1
check "587 a plain login (sgAuthId pfplain, no realm) through the shipped Dovecot files: accepted" \
    reply_is sub-plain "250 2.0.0 Ok: queued as"
check "587 plain login: the milter saw it as {auth_authen}" \
    logged main "$(qid sub-plain): accept rule=ok from=<pfplain@pf.test> auth=pfplain "

sub_auth sub-badpw pfuser@pf.test "pfuser@$R" wrong-password
check "587 wrong password: 535 5.7.8" \
    reply_is sub-badpw "535 5.7.8 Error: authentication failed"

sub_auth sub-otherpw pfuser@pf.test "pfuser@$R" PfShared-1
check "587 a login listed on two senders takes its home entry's password only" \
    reply_is sub-otherpw "535 5.7.8 Error: authentication failed"

sub_auth sub-nologin pfuser@pf.test "nobody@$R" PfUser-1
check "587 unknown login: 535 5.7.8" \
    reply_is sub-nologin "535 5.7.8 Error: authentication failed"

sub_auth sub-notowned pfuser@pf.test "pfother@$R" PfOther-1
check "587 login bound to another sender: rule 9a 553" \
    reply_is sub-notowned "553 5.7.1 Sender address rejected: not owned by user pfother@$R"

sub_auth sub-shared pfshared@pf.test "pfuser@$R" PfUser-1
check "587 a login listed on a second sender may send as it too" \
    reply_is sub-shared "250 2.0.0 Ok: queued as"
check "587 second sender: delivered without copies" \
    delivered_is sub-shared "<rcpt@far.test> ORCPT=rfc822;rcpt@far.test"

sub_auth sub-shared-home pfshared@pf.test "pfshared@$R" PfShared-1
check "587 the shared entry's own login with its password" \
    reply_is sub-shared-home "250 2.0.0 Ok: queued as"

pf_send sub-notls "$SUB" --from pfuser@pf.test --to rcpt@far.test
check "587 without STARTTLS: no mail (TLS required)" \
    reply_is sub-notls "530 5.7.0 Must issue a STARTTLS command first"
check "587 without STARTTLS: AUTH not offered" \
    sh -c "! grep -q 'AUTH' '$SG_TMP/sub-notls.swaks'"

pf_send sub-noauth "$SUB" --from pfip@pf.test --to rcpt@far.test -tls
check "587 TLS but no AUTH, IP sender: the milter passes, Postfix wants AUTH" \
    reply_is sub-noauth "554 5.7.1 <rcpt@far.test>: Recipient address rejected: Access denied"

pf_send sub-hdrfrom "$SUB" --from pfuser@pf.test --to rcpt@far.test -tls \
    --auth PLAIN --auth-user "pfuser@$R" --auth-password PfUser-1 \
    --header "From: someone@elsewhere.test"
check "587 header From not the sender's: rule 12 at end of data" \
    reply_is sub-hdrfrom "550 5.7.1 Header From <someone@elsewhere.test> not permitted for sender <pfuser@pf.test>"

# --- port 25: STARTTLS offered, IP control --------------------------------

# the cases every MTA shares (tests/lib/mta_cases.sh): smtp-ip, ...
mta_cases "postfix 25" smtp "$SMTP"
check "25 IP control: Postfix's own words for the acceptance" \
    reply_is smtp-ip "250 2.0.0 Ok: queued as"
check "25 IP control: recipient and BCC reach the outbound side" \
    delivered_is smtp-ip \
    "<rcpt@far.test> ORCPT=rfc822;rcpt@far.test" \
    "<pf-ipcopy@copies.test> ORCPT=rfc822;pf-ipcopy@copies.test NOTIFY=NEVER"
check "25 offers STARTTLS, and AUTH only inside TLS" \
    sh -c "grep -q '250-STARTTLS' '$SG_TMP/smtp-ip.swaks' &&
    ! grep -q 'AUTH' '$SG_TMP/smtp-ip.swaks'"
check "25 the milter logs the listener name's method" \
    logged main "$(qid smtp-ip): accept rule=ok from=<pfip@pf.test> auth=- client=127.0.0.1 method=smtp"

pf_send smtp-tls "$SMTP" --from pfip@pf.test --to rcpt@far.test -tls
check "25 with STARTTLS: accepted, AUTH offered inside TLS" \
    sh -c "grep -q 'queued as' '$SG_TMP/smtp-tls.swaks' &&
    grep -q '250-AUTH PLAIN LOGIN' '$SG_TMP/smtp-tls.swaks'"


pf_send quota1 "$SMTP" --from pfquota@pf.test --to rcpt@far.test
check "25 quota: the month's one message accepted" \
    reply_is quota1 "250 2.0.0 Ok: queued as"
pf_send quota2 "$SMTP" --from pfquota@pf.test --to rcpt@far.test
check "25 quota: the next one 451 (rule 10)" \
    reply_is quota2 "451 4.7.1 Monthly sending limit reached for <pfquota@pf.test>"

# --- the campaign listener --------------------------------------------------

pf_send camp-ok "$CAMP" --from pfcamp@pf.test --to rcpt@far.test -tls \
    --auth PLAIN --auth-user "pfcamp@$R" --auth-password PfCamp-1 \
    $UNSUB $UNSUB_POST
check "campaign with one-click List-Unsubscribe: accepted" \
    reply_is camp-ok "250 2.0.0 Ok: queued as"
check "campaign accepted: delivered" \
    delivered_is camp-ok "<rcpt@far.test> ORCPT=rfc822;rcpt@far.test"
check "campaign: the milter saw method=campaign" \
    logged main "$(qid camp-ok): accept rule=ok from=<pfcamp@pf.test> auth=pfcamp@$R client=127.0.0.1 method=campaign"

pf_send camp-nounsub "$CAMP" --from pfcamp@pf.test --to rcpt@far.test -tls \
    --auth PLAIN --auth-user "pfcamp@$R" --auth-password PfCamp-1
check "campaign without List-Unsubscribe: rule 13 550 at end of data" \
    reply_is camp-nounsub "550 5.7.1 Bulk mail must carry one-click List-Unsubscribe"

pf_send camp-smtponly "$CAMP" --from pfuser@pf.test --to rcpt@far.test -tls \
    --auth PLAIN --auth-user "pfuser@$R" --auth-password PfUser-1 \
    $UNSUB $UNSUB_POST
check "campaign port, smtp-only sender: rule 8 550" \
    reply_is camp-smtponly "550 5.7.1 Sender <pfuser@pf.test> may not send via campaign"

sub_auth sub-campsender pfcamp@pf.test "pfcamp@$R" PfCamp-1
check "587, campaign-only sender: rule 8 550" \
    reply_is sub-campsender "550 5.7.1 Sender <pfcamp@pf.test> may not send via smtp"

check "nothing refused reached the outbound side" \
    sh -c "! grep -lE '^X-Case: (sub-badpw|sub-otherpw|sub-notowned|sub-hdrfrom|smtp-authreq|smtp-noip|smtp-unreg|quota2|camp-nounsub|camp-smtponly)\$' '$SINK_DIR'/msg.* 2>/dev/null | grep -q ."

# --- the milter down: 4xx, nothing kept; back up: mail flows --------------

milter_stop main
before=$(ls "$SINK_DIR" | wc -l)
pf_send down-ip "$SMTP" --from pfip@pf.test --to rcpt@far.test
check "milter down, port 25: 4xx (milter_default_action = tempfail)" \
    reply_is down-ip "451 4.7.1 Service unavailable - try again later"
sub_auth down-sub pfuser@pf.test "pfuser@$R" PfUser-1
check "milter down, port 587: 4xx (already at STARTTLS)" \
    reply_is down-sub "454 4.3.0 Try again later"
sleep 1
check "milter down: nothing accepted (queue empty, sink unchanged)" \
    sh -c "[ \"\$(ls '$SINK_DIR' | wc -l)\" -eq $before ] &&
    [ \"\$(find '$PF_QUEUE/incoming' '$PF_QUEUE/active' '$PF_QUEUE/deferred' -type f | wc -l)\" -eq 0 ]"

milter_start main || echo "not ok - sendergate did not start again"
pf_send up-ip "$SMTP" --from pfip@pf.test --to rcpt@far.test
check "milter back: mail flows again" \
    reply_is up-ip "250 2.0.0 Ok: queued as"
check "milter back: delivered with its copy" \
    delivered_is up-ip \
    "<rcpt@far.test> ORCPT=rfc822;rcpt@far.test" \
    "<pf-ipcopy@copies.test> ORCPT=rfc822;pf-ipcopy@copies.test NOTIFY=NEVER"

check "postfix logged no fatal error or panic" \
    sh -c "! grep -qE 'fatal:|panic:' '$PF_LOG'"
check "no crash in the milter" no_crash main
