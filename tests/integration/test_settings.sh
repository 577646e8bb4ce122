#!/bin/sh
# test_settings.sh - the settings that change what the milter answers, each
# away from its default, against the real daemon, slapd (data.ldif) and
# Redis: null_sender, on_suspended, on_quota_exceeded, on_directory_error,
# on_counter_error, quota_unit = recipient, header_from_policy (exact,
# domain, off), campaign_require_unsubscribe, default_monthly_limit,
# archive_address, redis_prefix, redis_db, quota_timezone, and cache_ttl /
# negative_cache_ttl seen from LDAP changes.
#
# One daemon per group of settings (milter_conf, then milter_set for the
# keys under test); senders are chosen so that no two daemons count the
# same key unless the test says so.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/stats.sh"

sg_backends

DN_ACME=sgDomainName=acme-test.relay.example,$SLAPD_BASE
A=alice@acme.test
AL=alice@acme-test.relay.example

# Senders this test adds, changes or deletes (the shared data.ldif stays
# as it is): tz@ for the time zone, cached@ and gone@ for cache_ttl.
ldap_admin ldapadd >/dev/null <<EOF ||
dn: mail=tz@acme.test,$DN_ACME
objectClass: sgSender
mail: tz@acme.test
sgAuthMethod: ip

dn: mail=cached@acme.test,$DN_ACME
objectClass: sgSender
mail: cached@acme.test
sgAuthMethod: ip

dn: mail=gone@acme.test,$DN_ACME
objectClass: sgSender
mail: gone@acme.test
sgAuthMethod: ip
EOF
	{ echo "not ok - cannot add the test's senders"; exit 1; }

# start NAME ["key = value"...]: a daemon with the test configuration and
# the keys given (replacing milter_conf's own); stopped at exit.
start() {
	st_name=$1
	shift
	milter_conf "$st_name"
	milter_set "$st_name" "$@"
	if ! milter_start "$st_name"; then
		echo "not ok - sendergate $st_name did not start"
		exit 1
	fi
	sg_atexit milter_stop "$st_name"
}

# msg QID SENDER CLIENT FROM [HEADER...]: a whole message from an IP
# sender whose MAIL FROM must pass; the caller adds the expect for eom.
msg() {
	msg_qid=$1
	msg_from=$2
	msg_client=$3
	shift 3
	tx_head "$msg_qid" "$msg_from" "$msg_client"
	echo "expect continue"
	tx_body "$@"
}

start act "null_sender = accept" "on_suspended = reject" \
    "on_quota_exceeded = reject" "on_directory_error = reject"
start dacc "on_directory_error = accept"
start rcpt "quota_unit = recipient"
start exact "header_from_policy = exact"
start domain "header_from_policy = domain"
start off "header_from_policy = off"
start nounsub "campaign_require_unsubscribe = no"
start deflim "default_monthly_limit = 2" \
    "archive_address = global-archive@vault.test"
start prefix "redis_prefix = relay1"
start db3 "redis_db = 3"
start kiri "quota_timezone = Pacific/Kiritimati"
start cache "ldap_mode = query" "cache_ttl = 3s" "negative_cache_ttl = 3s"
start cacc "on_counter_error = accept"
start known "quota_precheck = known"

# --- null_sender, on_suspended, on_quota_exceeded, on_directory_error ---
ok_mt act null-sender-accept <<EOF
$(tx_head S1 "" 192.0.2.7)
expect accept
EOF
check "null sender accepted: logged" logged act \
    "S1: accept rule=null_sender from=<> auth=- client=192.0.2.7"
ok_mt act on_suspended-reject-sender <<EOF
$(tx_head S2 susp@acme.test 192.0.2.7)
expect 550 5.7.1 Sender <susp@acme.test> is suspended
EOF
ok_mt act on_suspended-reject-domain <<EOF
$(tx_head S2 x@hold.test 192.0.2.7)
expect 550 5.7.1 Sender <x@hold.test> is suspended
EOF
ok_mt act on_suspended-reject-disabled-unchanged <<EOF
$(tx_head S2 dis@acme.test 192.0.2.7)
expect 550 5.7.1 Sender <dis@acme.test> is disabled
EOF
ok_mt act on_quota_exceeded-reject-mail <<EOF
$(tx_head S3 zero@acme.test 192.0.2.7)
expect 550 5.7.1 Monthly sending limit reached for <zero@acme.test>
EOF

# rule 14 with on_quota_exceeded = reject: the limit is reached between
# MAIL FROM and the end of the message (race@ may send 20).
rkey="sg:{acme.test}:s:race@acme.test:$MONTH"
rcli SET "$rkey" 19 >/dev/null
{
	tx_head S4 race@acme.test 192.0.2.7
	echo "expect continue"
	echo "sleep 1500"
	tx_body race@acme.test
	echo "expect 550 5.7.1 Monthly sending limit reached for <race@acme.test>"
} | mt act on_quota_exceeded-reject-eom &
bgpid=$!
eventually 5 in_out on_quota_exceeded-reject-eom "mail: continue"
rcli SET "$rkey" 20 >/dev/null
wait $bgpid
check on_quota_exceeded-reject-eom test $? -eq 0
check "rule 14 refusal counted nothing" test "$(rcli GET "$rkey")" = 20
rcli DEL "$rkey" >/dev/null

ok_mt act on_directory_error-reject-malformed <<EOF
$(tx_head S5 broken@acme.test 192.0.2.7)
expect 550 5.3.0 Sender directory unavailable
EOF
ok_mt act on_directory_error-reject-conflict <<EOF
$(tx_head S5 z@dup.test 192.0.2.7)
expect 550 5.3.0 Sender directory unavailable
EOF
ok_mt dacc on_directory_error-accept-malformed <<EOF
$(tx_head S6 broken@acme.test 192.0.2.7)
expect accept
EOF
check "directory error accepted: logged" logged dacc \
    "S6: accept rule=directory from=<broken@acme.test>"
ok_mt dacc on_directory_error-accept-conflict <<EOF
$(tx_head S6 z@dup.test 192.0.2.7)
expect accept
EOF
ok_mt dacc on_directory_error-accept-unregistered-unchanged <<EOF
$(tx_head S6 nobody@acme.test 192.0.2.7)
expect 550 5.7.1 Sender <nobody@acme.test> is not registered
EOF
# At end of message, rule 12 needs the directory for a colleague in From
# (broken@ cannot be read): the action applies to rule 12 only; an
# accepted message still gets its copies and Reply-To and is counted.
akey="sg:{acme.test}:s:alice@acme.test:$MONTH"
ok_mt act on_directory_error-reject-from-lookup <<EOF
$(tx_head S6a $A 192.0.2.7 $AL)
expect continue
$(tx_body "alice@acme.test, broken@acme.test")
expect 550 5.3.0 Sender directory unavailable
EOF
ok_mt exact on_directory_error-default-from-lookup-not-needed <<EOF
$(tx_head S6b $A 192.0.2.7 $AL)
expect continue
$(tx_body "alice@acme.test")
expect continue
EOF
before=$(rcli GET "$akey")
ok_mt dacc on_directory_error-accept-from-lookup <<EOF
$(tx_head S6c $A 192.0.2.7 $AL)
expect continue
$(tx_body "alice@acme.test, broken@acme.test")
expect continue
EOF
check "on_directory_error = accept at eom: BCC copy still added" in_out \
    on_directory_error-accept-from-lookup \
    "eom: addrcpt <bcc1@acme.test> NOTIFY=NEVER"
check "on_directory_error = accept at eom: archive copy still added" in_out \
    on_directory_error-accept-from-lookup \
    "eom: addrcpt <archive@vault.test> NOTIFY=NEVER"
check "on_directory_error = accept at eom: Reply-To still added" in_out \
    on_directory_error-accept-from-lookup \
    "eom: addheader Reply-To: replies@acme.test"
check "on_directory_error = accept at eom: still counted" \
    test "$(rcli GET "$akey")" = $((${before:-0} + 1))
ok_mt dacc on_directory_error-accept-from-lookup-campaign <<EOF
$(tx_head S6d carol@acme.test 192.0.2.7 carol@acme-test.relay.example campaign)
expect continue
$(tx_body "carol@acme.test, broken@acme.test")
expect 550 5.7.1 Bulk mail must carry one-click List-Unsubscribe
EOF

# --- quota_unit = recipient: three@ may have 3 recipients a month -------
tkey="sg:{acme.test}:s:three@acme.test:$MONTH"
ok_mt rcpt recipient-quota <<EOF
$(tx_head S7 three@acme.test 192.0.2.7)
expect continue
rcpt <r1@elsewhere.example>
expect continue
rcpt <r2@elsewhere.example>
expect continue
rcpt <r3@elsewhere.example>
expect continue
rcpt <r4@elsewhere.example>
expect 452 4.7.1 Monthly recipient limit reached for <three@acme.test>
rcpt <r5@elsewhere.example>
expect 452 4.7.1 Monthly recipient limit reached for <three@acme.test>
header From: three@acme.test
header Subject: five recipients
eoh
body hello
eom
expect continue
EOF
check "recipient quota: sender counter is 3" test "$(rcli GET "$tkey")" = 3
check "recipient quota: log line" logged rcpt \
    "S7: accept rule=ok from=<three@acme.test> auth=- client=192.0.2.7 method=smtp count=3/3"
ok_mt rcpt recipient-quota-next-message <<EOF
$(tx_head S8 three@acme.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <three@acme.test>
EOF
# a message of 2 recipients counts 2 (bob has no limit of his own)
bkey="sg:{acme.test}:s:bob@acme.test:$MONTH"
before=$(rcli GET "$bkey")
ok_mt rcpt recipient-quota-counts-recipients <<EOF
$(tx_head S9 bob@acme.test 192.0.2.7)
expect continue
rcpt <r1@elsewhere.example>
expect continue
$(tx_body bob@acme.test)
expect continue
EOF
check "recipient quota: 2 recipients count 2" \
    test "$(rcli GET "$bkey")" = $((${before:-0} + 2))
# the domain's limit by recipient: small.test may have 2 a month in all
ok_mt rcpt recipient-quota-domain-limit <<EOF
$(tx_head S9a s1@small.test 192.0.2.7)
expect continue
rcpt <r1@elsewhere.example>
expect continue
rcpt <r2@elsewhere.example>
expect continue
rcpt <r3@elsewhere.example>
expect 452 4.7.1 Monthly recipient limit reached for <s1@small.test>
header From: s1@small.test
eoh
eom
expect continue
EOF
check "recipient quota: domain counter is 2" \
    test "$(rcli GET "sg:{small.test}:d:$MONTH")" = 2
ok_mt rcpt recipient-quota-domain-limit-other-sender <<EOF
$(tx_head S9b s2@small.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <s2@small.test>
EOF

# --- header_from_policy ---------------------------------------------------
ok_mt exact from-exact-pass <<EOF
$(msg S10 bob@acme.test 192.0.2.7 "Bob <BOB@acme.test>")
expect continue
EOF
ok_mt exact from-exact-fail-registered-colleague <<EOF
$(msg S10 bob@acme.test 192.0.2.7 "alice@acme.test")
expect 550 5.7.1 Header From <alice@acme.test> not permitted for sender <bob@acme.test>
EOF
ok_mt exact from-exact-fail-one-of-two <<EOF
$(msg S10 bob@acme.test 192.0.2.7 "bob@acme.test, alice@acme.test")
expect 550 5.7.1 Header From <alice@acme.test> not permitted for sender <bob@acme.test>
EOF
ok_mt exact from-exact-fail-no-from <<EOF
$(msg S10 bob@acme.test 192.0.2.7 "")
expect 550 5.7.1 Header From <> not permitted for sender <bob@acme.test>
EOF
ok_mt domain from-domain-pass-unregistered <<EOF
$(msg S11 bob@acme.test 192.0.2.7 "Someone <SomeOne@ACME.test>")
expect continue
EOF
ok_mt domain from-domain-pass-suspended-colleague <<EOF
$(msg S11 bob@acme.test 192.0.2.7 "susp@acme.test, bob@acme.test")
expect continue
EOF
ok_mt domain from-domain-fail-other-domain <<EOF
$(msg S11 bob@acme.test 192.0.2.7 "bob@other.test")
expect 550 5.7.1 Header From <bob@other.test> not permitted for sender <bob@acme.test>
EOF
ok_mt domain from-domain-fail-subdomain <<EOF
$(msg S11 bob@acme.test 192.0.2.7 "bob@mail.acme.test")
expect 550 5.7.1 Header From <bob@mail.acme.test> not permitted for sender <bob@acme.test>
EOF
ok_mt domain from-domain-fail-two-from <<EOF
$(msg S11 bob@acme.test 192.0.2.7 "bob@acme.test" "From: bob@acme.test")
expect 550 5.7.1 Header From <bob@acme.test> not permitted for sender <bob@acme.test>
EOF
ok_mt off from-off-pass-no-from <<EOF
$(msg S12 bob@acme.test 192.0.2.7 "")
expect continue
EOF
ok_mt off from-off-pass-foreign <<EOF
$(msg S12 bob@acme.test 192.0.2.7 "someone@elsewhere.example")
expect continue
EOF
ok_mt off from-off-pass-two-from <<EOF
$(msg S12 bob@acme.test 192.0.2.7 "x@elsewhere.example" "From: y@elsewhere.example")
expect continue
EOF
# off turns rule 12 off, not rule 13
ok_mt off from-off-fail-campaign-still-needs-unsubscribe <<EOF
$(tx_head S12 carol@acme.test 192.0.2.7 carol@acme-test.relay.example campaign)
expect continue
$(tx_body "")
expect 550 5.7.1 Bulk mail must carry one-click List-Unsubscribe
EOF

# --- campaign_require_unsubscribe = no -------------------------------------
ok_mt nounsub unsubscribe-not-required <<EOF
$(tx_head S13 carol@acme.test 192.0.2.7 carol@acme-test.relay.example campaign)
expect continue
$(tx_body carol@acme.test)
expect continue
EOF
ok_mt nounsub unsubscribe-not-required-from-still-checked <<EOF
$(tx_head S13 carol@acme.test 192.0.2.7 carol@acme-test.relay.example campaign)
expect continue
$(tx_body someone@acme.test)
expect 550 5.7.1 Header From <someone@acme.test> not permitted for sender <carol@acme.test>
EOF

# --- default_monthly_limit = 2, archive_address ----------------------------
for n in 1 2; do
	ok_mt deflim "default-limit plus message $n" <<EOF
$(msg "S14-$n" plus@acme.test 192.0.2.7 plus@acme.test)
expect continue
EOF
done
check "default limit in the log line" logged deflim \
    "S14-2: accept rule=ok from=<plus@acme.test> auth=- client=192.0.2.7 method=smtp count=2/2"
ok_mt deflim default-limit-third-refused <<EOF
$(tx_head S14-3 plus@acme.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <plus@acme.test>
EOF
for n in 1 2 3; do
	ok_mt deflim "default-limit own sgMonthlyLimit message $n" <<EOF
$(msg "S15-$n" race@acme.test 192.0.2.7 race@acme.test)
expect continue
EOF
done
check "own limit 20 kept" logged deflim \
    "S15-3: accept rule=ok from=<race@acme.test> auth=- client=192.0.2.7 method=smtp count=3/20"
ok_mt deflim default-limit-own-zero-kept <<EOF
$(tx_head S16 zero@acme.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <zero@acme.test>
EOF
ok_mt deflim archive-global <<EOF
$(msg S17 keep@noarch.test 192.0.2.7 keep@noarch.test)
expect continue
EOF
check "global archive_address added" in_out archive-global \
    "eom: addrcpt <global-archive@vault.test> NOTIFY=NEVER"
check "global archive: one copy only" \
    test "$(grep -c addrcpt "$SG_TMP/archive-global.out")" -eq 1
ok_mt deflim archive-global-already-recipient <<EOF
$(tx_head S18 keep@noarch.test 192.0.2.7)
expect continue
rcpt <GLOBAL-ARCHIVE@vault.test>
expect continue
$(tx_body keep@noarch.test)
expect continue
EOF
check "global archive not added when already a recipient" not_in_out \
    archive-global-already-recipient addrcpt
ok_mt deflim archive-global-sgarchive-false <<EOF
$(msg S19 nokeep@noarch.test 192.0.2.7 nokeep@noarch.test)
expect continue
EOF
check "sgArchive FALSE: no archive copy" not_in_out \
    archive-global-sgarchive-false addrcpt
ok_mt deflim archive-domain-wins-over-global <<EOF
$(tx_head S20 $A 192.0.2.7 $AL)
expect continue
$(tx_body $A)
expect continue
EOF
check "the domain's sgArchiveAddress wins" in_out \
    archive-domain-wins-over-global \
    "eom: addrcpt <archive@vault.test> NOTIFY=NEVER"
check "the global archive is not added too" not_in_out \
    archive-domain-wins-over-global global-archive
ok_mt exact archive-none-configured <<EOF
$(msg S21 keep@noarch.test 192.0.2.7 keep@noarch.test)
expect continue
EOF
check "no archive_address and no sgArchiveAddress: no copy" not_in_out \
    archive-none-configured addrcpt

# --- redis_prefix = relay1 ----------------------------------------------------
ok_mt prefix prefix-counted <<EOF
$(msg S22 dave@acme.test 203.0.113.5 dave@acme.test)
expect continue
EOF
check "redis_prefix: sender key relay1:{acme.test}:s:..." \
    test "$(rcli GET "relay1:{acme.test}:s:dave@acme.test:$MONTH")" = 1
check "redis_prefix: domain key relay1:{acme.test}:d:..." \
    test "$(rcli GET "relay1:{acme.test}:d:$MONTH")" = 1
check "redis_prefix: no sg: key" \
    test "$(rcli EXISTS "sg:{acme.test}:s:dave@acme.test:$MONTH")" = 0
rcli SET "relay1:{acme.test}:s:race@acme.test:$MONTH" 20 >/dev/null
ok_mt prefix prefix-read-at-mail-from <<EOF
$(tx_head S23 race@acme.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <race@acme.test>
EOF

# --- redis_db = 3 ---------------------------------------------------------------
b0=$(rcli GET "$bkey")
ok_mt db3 db3-counted <<EOF
$(msg S24 bob@acme.test 192.0.2.7 bob@acme.test)
expect continue
EOF
check "redis_db 3: sender counter in db 3" \
    test "$(rcli -n 3 GET "$bkey")" = 1
check "redis_db 3: domain counter in db 3" \
    test "$(rcli -n 3 GET "sg:{acme.test}:d:$MONTH")" = 1
check "redis_db 3: db 0 untouched" test "$(rcli GET "$bkey")" = "$b0"
rcli -n 3 SET "$rkey" 20 >/dev/null
ok_mt db3 db3-read-at-mail-from <<EOF
$(tx_head S25 race@acme.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <race@acme.test>
EOF

# --- quota_timezone = Pacific/Kiritimati (UTC+14) -------------------------------
kmonth=$(TZ=Pacific/Kiritimati date +%Y-%m)
ok_mt kiri timezone-counted <<EOF
$(msg S26 tz@acme.test 192.0.2.7 tz@acme.test)
expect continue
EOF
kkey="sg:{acme.test}:s:tz@acme.test:$kmonth"
check "quota_timezone: key of the month $kmonth in Kiritimati (UTC: $MONTH)" \
    test "$(rcli GET "$kkey")" = 1
if [ "$kmonth" != "$MONTH" ]; then
	check "quota_timezone: no key for the UTC month" \
	    test "$(rcli EXISTS "sg:{acme.test}:s:tz@acme.test:$MONTH")" = 0
fi
# the key outlives the month of that zone by at least 31 days
kend=$(TZ=Pacific/Kiritimati date -d "$kmonth-01 +1 month" +%s)
kexp=$(($(date +%s) + $(rcli TTL "$kkey")))
check "quota_timezone: key expires >= 31 days after the zone's month" \
    test "${kexp:-0}" -ge $((kend + 31 * 86400))

# --- cache_ttl = 3s, negative_cache_ttl = 3s --------------------------------------
# ask CASE SENDER: print the MAIL FROM reply of the cache daemon for SENDER.
ask() {
	printf 'macro C {daemon_name} submission\nconnect c.test 192.0.2.7\nmail <%s>\n' \
	    "$2" | mtt 5 cache "$1" >/dev/null
	sed -n 's/^mail: //p' "$SG_TMP/$1.out"
}
# first_change CASE SENDER OLD T0 T1: poll until SENDER's reply is no
# longer OLD (at most 8 s); check it changed at least 2.8 s after T0 (the
# cached answer's birth: 3 s ttl) and at most 4 s after T1 (the change).
# The new reply is left in $fc_got.
first_change() {
	fc_i=0
	while [ $fc_i -lt 80 ]; do
		fc_got=$(ask "$1" "$2")
		[ "$fc_got" != "$3" ] && break
		sleep 0.1
		fc_i=$((fc_i + 1))
	done
	fc_t=$(now_ms)
	check "$1: change seen after $((fc_t - $4)) ms of cache" \
	    test $((fc_t - $4)) -ge 2800
	check "$1: change seen $((fc_t - $5)) ms after it was made" \
	    test $((fc_t - $5)) -le 4000
}

SUSP="451 4.7.1 Sender <cached@acme.test> is suspended"
t0=$(now_ms)
check "cache: cached@ passes" test "$(ask cache-pos cached@acme.test)" = continue
check "cache: gone@ passes" test "$(ask cache-del gone@acme.test)" = continue
check "cache: late@ not registered" test "$(ask cache-neg late@acme.test)" = \
    "550 5.7.1 Sender <late@acme.test> is not registered"
check "cache: new.test not registered" \
    test "$(ask cache-negdom x@new.test)" = \
    "550 5.7.1 Sender domain <new.test> is not registered"
ldap_admin ldapmodify >/dev/null <<EOF
dn: mail=cached@acme.test,$DN_ACME
changetype: modify
replace: sgStatus
sgStatus: suspended
EOF
check "cache: ldapmodify" test $? -eq 0
ldap_admin ldapdelete "mail=gone@acme.test,$DN_ACME" >/dev/null
check "cache: ldapdelete" test $? -eq 0
ldap_admin ldapadd >/dev/null <<EOF
dn: mail=late@acme.test,$DN_ACME
objectClass: sgSender
mail: late@acme.test
sgAuthMethod: ip

dn: sgDomainName=new-test.relay.example,$SLAPD_BASE
objectClass: sgDomain
sgDomainName: new-test.relay.example
sgPrimaryDomain: new.test
sgAllowedNetwork: 192.0.2.0/24

dn: mail=x@new.test,sgDomainName=new-test.relay.example,$SLAPD_BASE
objectClass: sgSender
mail: x@new.test
sgAuthMethod: ip
EOF
check "cache: ldapadd" test $? -eq 0
t1=$(now_ms)
check "cache: right after the change, cached@ still passes ($((t1 - t0)) ms)" \
    test "$(ask cache-pos cached@acme.test)" = continue
check "cache: right after the change, gone@ still passes" \
    test "$(ask cache-del gone@acme.test)" = continue
check "cache: right after the change, late@ still unregistered" \
    test "$(ask cache-neg late@acme.test)" = \
    "550 5.7.1 Sender <late@acme.test> is not registered"
check "cache: right after the change, new.test still unregistered" \
    test "$(ask cache-negdom x@new.test)" = \
    "550 5.7.1 Sender domain <new.test> is not registered"
first_change cache-pos cached@acme.test continue "$t0" "$t1"
check "cache_ttl: suspension seen" test "$fc_got" = "$SUSP"
first_change cache-del gone@acme.test continue "$t0" "$t1"
check "cache_ttl: deletion seen" test "$fc_got" = \
    "550 5.7.1 Sender <gone@acme.test> is not registered"
first_change cache-neg late@acme.test \
    "550 5.7.1 Sender <late@acme.test> is not registered" "$t0" "$t1"
check "negative_cache_ttl: new sender seen" test "$fc_got" = continue
first_change cache-negdom x@new.test \
    "550 5.7.1 Sender domain <new.test> is not registered" "$t0" "$t1"
check "negative_cache_ttl: new domain seen" test "$fc_got" = continue

# --- quota_precheck = known: race@ may send 20 -----------------------------------
kkey="sg:{acme.test}:s:race@acme.test:$MONTH"
rcli SET "$kkey" 20 >/dev/null		# at the limit behind the milter's back
ok_mt known precheck-known-unread-limit-refused-at-eom <<EOF
$(msg K1 race@acme.test 192.0.2.7 race@acme.test)
expect 451 4.7.1 Monthly sending limit reached for <race@acme.test>
EOF
ok_mt known precheck-known-then-refused-at-mail <<EOF
$(tx_head K2 race@acme.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <race@acme.test>
EOF
check "precheck known: nothing counted for the refused" \
    test "$(rcli GET "$kkey")" = 20
rcli DEL "$kkey" >/dev/null		# reset: the next read clears the mark
ok_mt known precheck-known-reset-seen <<EOF
$(msg K3 race@acme.test 192.0.2.7 race@acme.test)
expect continue
EOF
g0=$(redis_calls mget)
e0=$(redis_calls evalsha)
ok_mt known precheck-known-one-round-trip <<EOF
$(msg K4 race@acme.test 192.0.2.7 race@acme.test)
expect continue
EOF
check "precheck known: no MGET for an accepted message" \
    test "$(redis_calls mget)" = "$g0"
check "precheck known: one EVALSHA for it" \
    test "$(redis_calls evalsha)" = "$((e0 + 1))"
check "precheck known: both counted" test "$(rcli GET "$kkey")" = 2
rcli SET "$kkey" 19 >/dev/null
ok_mt known precheck-known-last-unit <<EOF
$(msg K5 race@acme.test 192.0.2.7 race@acme.test)
expect continue
EOF
ok_mt known precheck-known-own-commit-marks <<EOF
$(tx_head K6 race@acme.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <race@acme.test>
EOF
ok_mt exact precheck-always-default-refuses-at-mail <<EOF
$(tx_head K7 race@acme.test 192.0.2.7)
expect 451 4.7.1 Monthly sending limit reached for <race@acme.test>
EOF
rcli DEL "$kkey" >/dev/null

# --- on_counter_error = accept (last: Redis goes away) ---------------------------
redis_stop
ok_mt cacc on_counter_error-accept <<EOF
$(tx_head S27 bob@acme.test 192.0.2.7)
expect continue
$(tx_body bob@acme.test)
expect continue
EOF
check "counter error accepted: log line with count=unknown" grep -q \
    "^sendergate: info: S27: accept rule=[a-z_]* from=<bob@acme.test> auth=- client=192.0.2.7 method=smtp count=unknown rcpts=1 copies=0" \
    "$SG_TMP/cacc.log"
check "counter error at MAIL FROM logged" logged cacc \
    "S27: continue rule=counter_error from=<bob@acme.test>"
ok_mt cacc on_counter_error-accept-limited-sender <<EOF
$(tx_head S28 race@acme.test 192.0.2.7)
expect continue
$(tx_body race@acme.test)
expect continue
EOF
ok_mt act on_counter_error-default-tempfail <<EOF
$(tx_head S29 bob@acme.test 192.0.2.7)
expect 451 4.3.0 Sender counters unavailable, try again later
EOF
# quota_precheck = known: the first message finds Redis gone at its
# commit; from then on MAIL FROM reads, and refuses, until Redis is back
ok_mt known precheck-known-redis-gone-at-eom <<EOF
$(msg K8 bob@acme.test 192.0.2.7 bob@acme.test)
expect 451 4.3.0 Sender counters unavailable, try again later
EOF
ok_mt known precheck-known-redis-gone-then-at-mail <<EOF
$(tx_head K9 bob@acme.test 192.0.2.7)
expect 451 4.3.0 Sender counters unavailable, try again later
EOF

all="act dacc rcpt exact domain off nounsub deflim prefix db3 kiri cache cacc known"
for m in $all; do
	check "$m: still running" milter_alive "$m"
done
# shellcheck disable=SC2086
milter_stop_all $all
for m in $all; do
	check "$m: no sanitizer report or crash in the log" no_crash "$m"
done
