#!/bin/sh
# test_observe.sh - metrics, limit warnings and their notices (issue 14).
#
# Against the real daemon, slapd (data.ldif plus the entries below) and
# Redis, through mtclient, with metrics_address on and notify_relay
# pointing at a real Postfix (a listener of its own without the milter,
# as sendergate.conf(5) recommends), relaying to smtp-sink:
#   - traffic of every kind (accepted with BCC and archive copies,
#     unregistered, refused at the limit, a forgiven retry); GET /metrics
#     passes `promtool check metrics`, and every sendergate_decisions_total
#     series equals the count of the matching log lines, and so do the
#     counted, duplicate and added-recipient figures;
#   - quota_warn "60 100": one warning line per threshold for the sender
#     and for the domain, with count, limit and percent; the refusal at
#     the limit logged at warning level; the marks in Redis in the
#     domain's slot with the counters' expiry; a second daemon (another
#     node) on the same Redis warns of nothing already warned;
#   - one notice per threshold through SMTP, with the figures, to the
#     sender's and the domain's sgNotifyAddress and notify_operator (the
#     domain's notice not to the sender's contact).
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_observe.sh needs root (a private Postfix queue)"
	exit 0
fi
sg_setup
for t in promtool curl smtp-sink postfix; do
	command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] ||
		{ echo "not ok - $t missing (make deps)"; exit 1; }
done
SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TOP/tests/integration/data.ldif" ||
	{ echo "not ok - slapd did not start"; exit 1; }
redis_start || { echo "not ok - redis did not start"; exit 1; }
sink_start || { echo "not ok - smtp-sink did not start"; exit 1; }

DN=sgDomainName=obs-test.relay.example,$SLAPD_BASE
{
	printf 'dn: %s\nobjectClass: sgDomain\n' "$DN"
	printf 'sgDomainName: obs-test.relay.example\nsgPrimaryDomain: obs.test\n'
	printf 'sgMonthlyLimit: 10\nsgAllowedNetwork: 192.0.2.0/24\n'
	printf 'sgArchiveAddress: vault@archive.test\n'
	printf 'sgNotifyAddress: dom-contact@cust.test\n\n'
	printf 'dn: mail=w1@obs.test,%s\nobjectClass: sgSender\n' "$DN"
	printf 'mail: w1@obs.test\nsgAuthMethod: ip\nsgMonthlyLimit: 5\n'
	printf 'sgBccAddress: bcc@cust.test\nsgArchive: TRUE\n'
	printf 'sgNotifyAddress: w1-contact@cust.test\n\n'
	printf 'dn: mail=w2@obs.test,%s\nobjectClass: sgSender\n' "$DN"
	printf 'mail: w2@obs.test\nsgAuthMethod: ip\n\n'
} | ldap_admin ldapadd >/dev/null ||
	{ echo "not ok - cannot add the test's entries"; exit 1; }

MPORT=$(sg_free_port)
NPORT=$(sg_free_port)
milter_conf obs "metrics_address = 127.0.0.1:$MPORT" \
    "quota_warn = 60 100" "notify_relay = 127.0.0.1:$NPORT" \
    "notify_from = sendergate@relay.test" \
    "notify_operator = ops@relay.test"
milter_start obs || { echo "not ok - milter did not start"; exit 1; }

# The relay's Postfix, and a listener of its own for the notices: no
# milter there (the notices' sender is no customer's), loopback only.
pf_start "$MILTER_SOCK_obs" ||
	{ echo "not ok - postfix did not start"; exit 1; }
cat >>"$PF_CONF/master.cf" <<EOF
127.0.0.1:$NPORT inet n - n - - smtpd
  -o syslog_name=postfix/notices
  -o smtpd_milters=
  -o mynetworks=127.0.0.0/8
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_sasl_auth_enable=no
EOF
postfix -c "$PF_CONF" reload >/dev/null 2>&1
pf_wait_port "$NPORT" 50 ||
	{ echo "not ok - the notices' listener did not start"; exit 1; }

# send CASE SENDER [HEADER]: one message from 192.0.2.7; 0 if accepted.
# (-e: a refusal at MAIL FROM ends the transaction, as the MTA ends it,
# rather than the next step waiting out the reply timeout)
send() {
	{
		tx_head "$1" "$2" 192.0.2.7
		printf 'expect continue\n'
		printf 'rcpt <rcpt@elsewhere.example>\n'
		printf 'header From: <%s>\n' "$2"
		[ -n "${3:-}" ] && printf 'header %s\n' "$3"
		printf 'header Subject: hi\neoh\nbody hello\neom\n'
	} | MT_FLAGS=-e mt "${M:-obs}" "$1" >/dev/null 2>&1
	grep -q "^eom: continue\|accept" "$SG_TMP/$1.out"
}

MID="Message-ID: <obs-1@client.example>"
send obs-1 w1@obs.test "$MID"
send obs-1r w1@obs.test "$MID"		# a retry: forgiven
for i in 2 3 4 5 6; do
	send obs-$i w1@obs.test
done
for i in 1 2 3; do
	send obs-u$i nobody@obs.test
	send obs-w$i w2@obs.test
done

check "the sender counted to its limit" \
    [ "$(rcli GET "sg:{obs.test}:s:w1@obs.test:$MONTH")" = 5 ]
check "the domain counted 8" \
    [ "$(rcli GET "sg:{obs.test}:d:$MONTH")" = 8 ]

L=$SG_TMP/obs.log
warns() { grep -c "quota warning: $1" "$L"; }
check "one warning at 60% for the sender, with the figures" \
    [ "$(warns "sender <w1@obs.test> reached 60% of its monthly limit: count=3 limit=5 percent=60")" = 1 ]
check "one warning at 100% for the sender" \
    [ "$(warns "sender <w1@obs.test> reached 100% of its monthly limit: count=5 limit=5 percent=100")" = 1 ]
check "one warning at 60% for the domain" \
    [ "$(warns "domain obs.test reached 60% of its monthly limit: count=6 limit=10 percent=60")" = 1 ]
check "no other warning" [ "$(warns "")" = 3 ]
check "the refusal at the limit is logged at warning level" \
    grep -q "warning: .*tempfail rule=quota from=<w1@obs.test>" "$L"
ttl=$(rcli TTL "sg:{obs.test}:w:s:w1@obs.test:$MONTH:60")
sttl=$(rcli TTL "sg:{obs.test}:s:w1@obs.test:$MONTH")
check "the mark is in the domain's slot, expiring with the counters" \
    [ "$ttl" -gt 0 ] && [ $((sttl - ttl)) -le 2 ] && [ $((ttl - sttl)) -le 2 ]
check "the domain's mark" \
    [ "$(rcli EXISTS "sg:{obs.test}:w:d:$MONTH:60")" = 1 ]

# ---- the notices, through SMTP --------------------------------------------
nsink() { ls "$SINK_DIR" | wc -l; }
check "three notices relayed by Postfix reached the sink" \
    eventually 20 [ "$(nsink)" -eq 3 ]
check "Postfix took the notices on its notices listener" \
    pf_log_has "postfix/notices/smtpd"
# notice PATTERN: the sink file whose Subject has PATTERN
notice() {
	grep -l "^Subject: .*$1" "$SINK_DIR"/* 2>/dev/null | head -1
}
f60=$(notice "sender <w1@obs.test> at 60%")
f100=$(notice "sender <w1@obs.test> at 100%")
fd=$(notice "domain obs.test at 60%")
has_rcpt() { grep -qi "^To:.*$2\|^ $2" "$1"; }
check "the sender's 60% notice: to its contact, the domain's and the operator" \
    [ -n "$f60" ] && has_rcpt "$f60" w1-contact@cust.test &&
    has_rcpt "$f60" dom-contact@cust.test && has_rcpt "$f60" ops@relay.test
check "the notice carries the figures" \
    grep -q "used this month:  3 messages" "$f60" &&
    grep -q "monthly limit:    5 messages" "$f60" &&
    grep -q "remaining:        2" "$f60"
check "the sender's 100% notice" [ -n "$f100" ] &&
    grep -q "used this month:  5 messages" "$f100"
check "the domain's notice: not to the sender's contact" [ -n "$fd" ] &&
    has_rcpt "$fd" dom-contact@cust.test && has_rcpt "$fd" ops@relay.test &&
    ! grep -q w1-contact "$fd"
check "the notices come from notify_from, automatic" \
    grep -q "^Auto-Submitted: auto-generated" "$f60" &&
    grep -q "^From: sendergate@relay.test" "$f60"
check "the notices were logged as sent" \
    [ "$(grep -c 'notice "Sending limit: .*" sent to' "$L")" = 3 ]

# ---- the metrics --------------------------------------------------------
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$SG_TMP/metrics.txt"
check "GET /metrics answers" [ -s "$SG_TMP/metrics.txt" ]
check "promtool check metrics: no problem" \
    sh -c "promtool check metrics <'$SG_TMP/metrics.txt' >'$SG_TMP/promtool.out' 2>&1"
[ -s "$SG_TMP/promtool.out" ] && sed 's/^/	# /' "$SG_TMP/promtool.out"
check "another path is 404" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$MPORT/")" = 404 ]

# metric NAME{LABELS}: the value of one series (0 if absent)
metric() {
	awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' \
	    "$SG_TMP/metrics.txt"
}
# every decision of the log, by rule and action, is in the metrics
ok=1
grep -oE ': (accept|reject|tempfail) rule=[a-z_]+' "$L" |
    sed 's/^: //; s/ rule=/ /' | sort | uniq -c >"$SG_TMP/logcounts"
while read -r n action rule; do
	got=$(metric "sendergate_decisions_total{rule=\"$rule\",action=\"$action\"}")
	if [ "$got" != "$n" ]; then
		echo "	# $rule/$action: log $n, metrics $got"
		ok=0
	fi
done <"$SG_TMP/logcounts"
total=$(awk '/^sendergate_decisions_total/ { s += $2 } END { print s + 0 }' \
    "$SG_TMP/metrics.txt")
logtotal=$(awk '{ s += $1 } END { print s + 0 }' "$SG_TMP/logcounts")
check "decisions_total agrees with the log lines ($logtotal)" \
    [ $ok = 1 ] && [ "$total" = "$logtotal" ]
check "accepted 9 (8 counted, 1 retry), unregistered 3, at the limit 1" \
    [ "$(metric 'sendergate_decisions_total{rule="ok",action="accept"}')" = 9 ] &&
    [ "$(metric 'sendergate_decisions_total{rule="sender_unregistered",action="reject"}')" = 3 ] &&
    [ "$(metric 'sendergate_decisions_total{rule="quota",action="tempfail"}')" = 1 ]
check "messages_counted_total = the accepted lines without dup=1 (8)" \
    [ "$(metric sendergate_messages_counted_total)" = \
    "$(grep ': accept rule=ok' "$L" | grep -vc 'dup=1')" ]
check "duplicates_total = the dup=1 lines (1)" \
    [ "$(metric sendergate_duplicates_total)" = "$(grep -c 'dup=1' "$L")" ]
check "recipients added: 6 BCC and 6 archive copies" \
    [ "$(metric 'sendergate_recipients_added_total{kind="bcc"}')" = 6 ] &&
    [ "$(metric 'sendergate_recipients_added_total{kind="archive"}')" = 6 ]
check "decision durations counted per stage" \
    [ "$(metric 'sendergate_decision_duration_seconds_count{stage="mail"}')" = 13 ] &&
    [ "$(metric 'sendergate_decision_duration_seconds_count{stage="eom"}')" = 9 ]
check "query mode cache lookups, redis requests, no errors" \
    [ "$(metric 'sendergate_directory_cache_lookups_total{result="miss"}')" -ge 1 ] &&
    [ "$(metric sendergate_redis_requests_total)" -ge 9 ] &&
    [ "$(metric sendergate_redis_errors_total)" = 0 ] &&
    [ "$(metric sendergate_redis_up)" = 1 ] &&
    [ "$(metric sendergate_ldap_errors_total)" = 0 ]
check "build_info and process_start_time_seconds" \
    grep -q '^sendergate_build_info{version="[0-9.]*"} 1$' "$SG_TMP/metrics.txt" &&
    [ "$(metric process_start_time_seconds | cut -d. -f1)" -gt 1600000000 ]
check "sessions_open is 0 when idle" [ "$(metric sendergate_sessions_open)" = 0 ]
check "the notice queue: reported, drained once the notices went out, none dropped" \
    grep -q '^sendergate_notice_queue_length 0$' "$SG_TMP/metrics.txt" &&
    grep -q '^sendergate_notices_dropped_total 0$' "$SG_TMP/metrics.txt"

# ---- a second node on the same Redis: nothing warned twice ---------------
SG_LDAP_MODE=mirror milter_conf obs2 "quota_warn = 60 100" \
    "notify_relay = 127.0.0.1:$SINK_PORT"
milter_start obs2 || { echo "not ok - second milter did not start"; exit 1; }
M=obs2
send obs2-1 w2@obs.test
check "the second node counted" [ "$(rcli GET "sg:{obs.test}:d:$MONTH")" = 9 ]
check "the second node did not warn again (60% marked)" \
    [ "$(grep -c "quota warning" "$SG_TMP/obs2.log")" = 0 ]
curl -sf "http://127.0.0.1:$MPORT/metrics" >/dev/null
MPORT2=$(sg_free_port)
milter_stop obs2
milter_set obs2 "metrics_address = 127.0.0.1:$MPORT2"
milter_start obs2 || { echo "not ok - second milter did not start again"; exit 1; }
eventually 5 sh -c "curl -sf http://127.0.0.1:$MPORT2/metrics | grep -q 'directory_entries{kind=\"sender\"} [1-9]'"
curl -sf "http://127.0.0.1:$MPORT2/metrics" >"$SG_TMP/metrics2.txt"
check "mirror mode: directory entries and sync age" \
    grep -q '^sendergate_directory_entries{kind="domain"} [1-9]' "$SG_TMP/metrics2.txt" &&
    grep -q '^sendergate_directory_sync_age_seconds 0' "$SG_TMP/metrics2.txt"
check "mirror mode metrics pass promtool" \
    sh -c "promtool check metrics <'$SG_TMP/metrics2.txt' >/dev/null 2>&1"
check "no crash" no_crash obs
sg_teardown
