#!/bin/sh
# test_rate.sh - sending rates (issue 22, part 1; SPEC rules 10r and 14;
# sendergate(8), SENDING RATES) and the enforcement of an automatic
# suspension (rule 10s), against the real daemon, slapd and Redis through
# mtclient: sgSendRate on a sender and on a domain, default_send_rate,
# several windows together, the reply of rule 10r at MAIL FROM and at end
# of message (quota_precheck = known), on_rate_exceeded = reject, a bad
# sgSendRate fails the sender (rule 3); racing clients on two daemons
# sharing one Redis get exactly N through; the window slides (its
# members aged in Redis, as time passing would); recipient mode; a
# suspension in Redis answers 10s at MAIL FROM and, with quota_precheck
# = known, at end of message. sendergatectl writes sgSendRate
# (--send-rate, --add-send-rate, --remove-send-rate, refused when the
# milter's parser refuses it), shows it, and explain and usage show
# which rates apply and how full their windows are.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_backends

DN=sgDomainName=rate-test.relay.example,$SLAPD_BASE
DN2=sgDomainName=rdom-test.relay.example,$SLAPD_BASE
{
	printf 'dn: %s\nobjectClass: sgDomain\n' "$DN"
	printf 'sgDomainName: rate-test.relay.example\nsgPrimaryDomain: rate.test\n'
	printf 'sgAllowedNetwork: 192.0.2.0/24\n\n'
	printf 'dn: %s\nobjectClass: sgDomain\n' "$DN2"
	printf 'sgDomainName: rdom-test.relay.example\nsgPrimaryDomain: rdom.test\n'
	printf 'sgAllowedNetwork: 192.0.2.0/24\nsgSendRate: 5/1m\n\n'
	for s in one two race dflt multi bad kn rc viactl; do
		printf 'dn: mail=%s@rate.test,%s\nobjectClass: sgSender\n' \
		    "$s" "$DN"
		printf 'mail: %s@rate.test\nsgAuthMethod: ip\n' "$s"
		case $s in
		one|kn) printf 'sgSendRate: 3/1m\n' ;;
		two) printf 'sgSendRate: 2/1h\n' ;;
		race) printf 'sgSendRate: 4/1m\n' ;;
		multi) printf 'sgSendRate: 100/1m\nsgSendRate: 2/1d\n' ;;
		bad) printf 'sgSendRate: 3/1s\n' ;;
		rc) printf 'sgSendRate: 5/1m\n' ;;
		viactl) printf 'cn: Via Ctl\nsgAccessMethod: smtp\nsgMonthlyLimit: 1000\n' ;;
		esac
		echo
	done
	for s in d1 d2; do
		printf 'dn: mail=%s@rdom.test,%s\nobjectClass: sgSender\n' \
		    "$s" "$DN2"
		printf 'mail: %s@rdom.test\nsgAuthMethod: ip\n\n' "$s"
	done
} | ldap_admin ldapadd >/dev/null ||
	{ echo "not ok - cannot add the test's senders"; exit 1; }

# send MILTER CASE SENDER [RCPTS]: one message; status 0 when accepted.
send() {
	{
		tx_head "$2" "$3" 192.0.2.7
		echo "expect continue"
		echo "${4:-r@far.example}" | tr ',' '\n' | while read -r _x; do
			printf 'rcpt <%s>\n' "$_x"
		done
		printf 'header From: <%s>\nheader Subject: %s\neoh\nbody x\neom\n' \
		    "$3" "$2"
		echo "expect continue"
	} | MT_FLAGS=-e mt "$1" "$2" >/dev/null
}

# reply CASE: the decisive reply line of a case's output.
reply() {
	grep -E '^(mail|eom): [45]' "$SG_TMP/$1.out" | head -n 1
}

# many MILTER CASE SENDER N: N messages one after another; prints how many
# were accepted.
many() {
	_ok=0
	_i=0
	while [ $_i -lt "$4" ]; do
		_i=$((_i + 1))
		send "$1" "$2$_i" "$3" && _ok=$((_ok + 1))
	done
	echo $_ok
}

# age KEY MS: every member of a window's sorted set MS older, as if MS had
# passed (the script takes the time from Redis's clock).
age() {
	rcli ZRANGE "$1" 0 -1 WITHSCORES | while read -r _m && read -r _s; do
		rcli ZADD "$1" XX $((_s - $2)) "$_m" >/dev/null
	done
}

milter_conf main "default_send_rate = 2/1m 3/1h"
milter_conf second "default_send_rate = 2/1m 3/1h"
milter_conf kn "quota_precheck = known"
milter_conf rj "on_rate_exceeded = reject"
milter_conf rcp "quota_unit = recipient"
milter_conf dom
for m in main second kn rj rcp dom; do
	milter_start "$m" || { echo "not ok - sendergate $m did not start"; exit 1; }
done

# --- a sender's own rate: 3 a minute ---------------------------------------
ok=$(many main O one@rate.test 5)
check "sgSendRate 3/1m: 3 of 5 accepted ($ok)" test "$ok" = 3
check "the fourth gets rule 10r's reply at MAIL FROM ($(reply O4))" \
    test "$(reply O4)" = "mail: 451 4.7.1 Sending rate exceeded for <one@rate.test> (3 per 1m)"
check "logged as rule=rate" logged main "tempfail rule=rate from=<one@rate.test>"
K="sg:{rate.test}:t:s:one@rate.test:1m"
check "the window holds 3 members ($(rcli ZCARD "$K"))" test "$(rcli ZCARD "$K")" = 3
ttl=$(rcli PTTL "$K")
check "the window expires after T ($ttl ms)" test "$ttl" -gt 50000 -a "$ttl" -le 60000
check "the monthly count counts the 3 ($(rcli GET "sg:{rate.test}:s:one@rate.test:$MONTH"))" \
    test "$(rcli GET "sg:{rate.test}:s:one@rate.test:$MONTH")" = 3
# the window slides: two of the three a minute old, two more pass
age "$K" 0
rcli ZRANGE "$K" 0 1 | while read -r m; do
	s=$(rcli ZSCORE "$K" "$m")
	rcli ZADD "$K" XX $((${s%.*} - 61000)) "$m" >/dev/null
done
ok=$(many main OS one@rate.test 3)
check "a minute later for two of them: 2 more of 3 accepted ($ok)" test "$ok" = 2
check "the window holds 3 again ($(rcli ZCARD "$K"))" test "$(rcli ZCARD "$K")" = 3

# --- on_rate_exceeded = reject ---------------------------------------------
send rj RJ one@rate.test
check "on_rate_exceeded = reject: 550 5.7.1 ($(reply RJ))" \
    test "$(reply RJ)" = "mail: 550 5.7.1 Sending rate exceeded for <one@rate.test> (3 per 1m)"

# --- default_send_rate, two windows together ---------------------------------
ok=$(many main D dflt@rate.test 3)
check "default_send_rate 2/1m 3/1h: 2 of 3 in a minute ($ok)" test "$ok" = 2
check "... refused per 1m ($(reply D3))" \
    test "$(reply D3)" = "mail: 451 4.7.1 Sending rate exceeded for <dflt@rate.test> (2 per 1m)"
age "sg:{rate.test}:t:s:dflt@rate.test:1m" 61000
ok=$(many main DH dflt@rate.test 2)
check "a minute later: 1 more, then the hour is full ($ok)" test "$ok" = 1
check "... refused per 1h ($(reply DH2))" \
    test "$(reply DH2)" = "mail: 451 4.7.1 Sending rate exceeded for <dflt@rate.test> (3 per 1h)"
ok=$(many main M multi@rate.test 3)
check "sgSendRate 100/1m and 2/1d together: 2 of 3 ($ok)" test "$ok" = 2
check "... refused per 1d ($(reply M3))" \
    test "$(reply M3)" = "mail: 451 4.7.1 Sending rate exceeded for <multi@rate.test> (2 per 1d)"

# --- a bad sgSendRate fails the sender like any malformed attribute -------
send main BAD bad@rate.test
check "sgSendRate 3/1s: rule 3 ($(reply BAD))" \
    test "$(reply BAD)" = "mail: 451 4.3.0 Sender directory unavailable, try again later"

# --- the domain's rate: its senders together ---------------------------------
ok1=$(many dom DA d1@rdom.test 3)
ok2=$(many dom DB d2@rdom.test 3)
check "domain sgSendRate 5/1m: 5 of 6 from two senders ($ok1 + $ok2)" \
    test $((ok1 + ok2)) = 5
check "... the sixth refused with the domain's window ($(reply DB3))" \
    test "$(reply DB3)" = "mail: 451 4.7.1 Sending rate exceeded for <d2@rdom.test> (5 per 1m)"

# --- quota_precheck = known: checked at the count (rule 14) -----------------
ok=$(many kn K kn@rate.test 4)
check "quota_precheck = known: 3 of 4 ($ok)" test "$ok" = 3
check "... the fourth refused at end of message ($(reply K4))" \
    test "$(reply K4)" = "eom: 451 4.7.1 Sending rate exceeded for <kn@rate.test> (3 per 1m)"
send kn K5 kn@rate.test
check "... and the next one at MAIL FROM, now known ($(reply K5))" \
    test "$(reply K5)" = "mail: 451 4.7.1 Sending rate exceeded for <kn@rate.test> (3 per 1m)"

# --- recipient mode: N recipients ---------------------------------------------
send rcp RC1 rc@rate.test a@far.example,b@far.example,c@far.example
check "recipient mode 5/1m: 3 recipients pass" test $? -eq 0
send rcp RC2 rc@rate.test a@far.example,b@far.example,c@far.example
check "... 3 more would pass 5: refused at the count ($(reply RC2))" \
    test "$(reply RC2)" = "eom: 451 4.7.1 Sending rate exceeded for <rc@rate.test> (5 per 1m)"
send rcp RC3 rc@rate.test a@far.example,b@far.example
check "... 2 more fit exactly" test $? -eq 0
check "... the window holds 5 ($(rcli ZCARD "sg:{rate.test}:t:s:rc@rate.test:1m"))" \
    test "$(rcli ZCARD "sg:{rate.test}:t:s:rc@rate.test:1m")" = 5

# --- racing clients on two daemons, one Redis: exactly N ---------------------
pids=
i=0
while [ $i -lt 16 ]; do
	i=$((i + 1))
	if [ $((i % 2)) = 0 ]; then m=main; else m=second; fi
	send "$m" "R$i" race@rate.test &
	pids="$pids $!"
done
wait $pids
ok=0
i=0
while [ $i -lt 16 ]; do
	i=$((i + 1))
	case $(reply "R$i") in
	'') ok=$((ok + 1)) ;;
	esac
done
check "16 racing on two daemons for 4/1m: exactly 4 accepted ($ok)" test "$ok" = 4
check "... the window holds 4 ($(rcli ZCARD "sg:{rate.test}:t:s:race@rate.test:1m"))" \
    test "$(rcli ZCARD "sg:{rate.test}:t:s:race@rate.test:1m")" = 4
check "... both daemons decided some" \
    sh -c "grep -q 'race@rate.test' '$SG_TMP/main.log' &&
    grep -q 'race@rate.test' '$SG_TMP/second.log'"

# --- an automatic suspension in Redis (rule 10s) -----------------------------
# (mtclient shows the reply as the milter protocol carries it: libmilter
# wants '%' doubled, and the MTA shows "12.4%")
rcli SET "sg:{rate.test}:rs:s:two@rate.test" \
    "1800000000 bounce rate 12.4% (62 of 500) over 14 days" >/dev/null
send main S1 two@rate.test
check "suspended in Redis: rule 10s at MAIL FROM ($(reply S1))" \
    test "$(reply S1)" = "mail: 451 4.7.1 Sender <two@rate.test> is suspended: bounce rate 12.4%% (62 of 500) over 14 days"
check "logged as rule=reputation" logged main "rule=reputation from=<two@rate.test>"
rcli SET "sg:{rate.test}:rs:d" "1800000000 domain rate.test complaint rate 1.0% (5 of 500) over 14 days" >/dev/null
rcli DEL "sg:{rate.test}:rs:s:two@rate.test" >/dev/null
send kn S2 two@rate.test
check "the domain suspended, quota_precheck = known: at end of message ($(reply S2))" \
    test "$(reply S2)" = "eom: 451 4.7.1 Sender <two@rate.test> is suspended: domain rate.test complaint rate 1.0%% (5 of 500) over 14 days"
check "... not counted" \
    test "$(rcli GET "sg:{rate.test}:s:two@rate.test:$MONTH")" = ""
rcli DEL "sg:{rate.test}:rs:d" >/dev/null
send kn S3 two@rate.test
check "lifted: accepted again" test $? -eq 0
check "the accepted recipients are counted for the reputation" \
    test "$(rcli HGET "sg:{rate.test}:rp:s:two@rate.test" "r:$(($(date -u +%s) / 86400))")" = 1

# --- sendergatectl --send-rate, explain and usage --------------------------------
ADMIN_PW_FILE=$SG_TMP/admin.pw
sg_secret_file "$ADMIN_PW_FILE" "$SLAPD_ADMIN_PW"
# ctl ARGS...: the tool as the admin on main's configuration; output in
# $SG_TMP/ctl.out and ctl.err, status in $rc
ctl() {
	"${SG_CTL:-$SG_TOP/milter/sendergatectl}" -c "$SG_TMP/main.conf" \
	    --bind-dn "$SLAPD_ADMIN_DN" --bind-password-file "$ADMIN_PW_FILE" \
	    "$@" >"$SG_TMP/ctl.out" 2>"$SG_TMP/ctl.err"
	rc=$?
}
out_has() {
	grep -qE "$1" "$SG_TMP/ctl.out" || { sed 's/^/	# /' "$SG_TMP/ctl.out"; false; }
}
ctl sender update viactl@rate.test --send-rate 1/1m --send-rate 60/60m
check "sender update --send-rate twice: exit 0 ($rc)" test "$rc" = 0
ctl sender show viactl@rate.test
check "show: both rates, 60/60m stored as 60/1h" \
    sh -c "grep -qx 'sgSendRate: 1/1m' '$SG_TMP/ctl.out' &&
    grep -qx 'sgSendRate: 60/1h' '$SG_TMP/ctl.out'"
ctl sender update viactl@rate.test --add-send-rate 3/1s
check "--add-send-rate 3/1s: refused by the validation phase (exit 3)" \
    sh -c "test $rc = 3 && grep -q '\"3/1s\" is not a rate N/T' '$SG_TMP/ctl.err'"
ctl sender update viactl@rate.test --add-send-rate 5/1m
check "a second rate over 1m: refused (exit 3)" \
    sh -c "test $rc = 3 && grep -q 'two rates over 1m' '$SG_TMP/ctl.err'"
ctl sender update viactl@rate.test --add-send-rate 1/1d --add-send-rate 2/2d \
    --add-send-rate 3/3d
check "a fifth rate: refused (exit 3)" \
    sh -c "test $rc = 3 && grep -q 'at most 4 values' '$SG_TMP/ctl.err'"
ctl sender update viactl@rate.test --remove-send-rate 60/1h
ctl sender show viactl@rate.test
check "--remove-send-rate: one left" \
    sh -c "test $rc = 0 && test \"\$(grep -c '^sgSendRate:' '$SG_TMP/ctl.out')\" = 1"
ok=$(many main V viactl@rate.test 2)
check "the milter applies the rate the tool wrote: 1 of 2 ($ok)" test "$ok" = 1
check "... refused per 1m ($(reply V2))" \
    test "$(reply V2)" = "mail: 451 4.7.1 Sending rate exceeded for <viactl@rate.test> (1 per 1m)"
ctl domain update rdom-test.relay.example --add-send-rate 100/1d
ctl domain show rdom-test.relay.example
check "domain update --add-send-rate: both the domain's rates shown" \
    sh -c "test $rc = 0 && grep -qx 'sgSendRate: 5/1m' '$SG_TMP/ctl.out' &&
    grep -qx 'sgSendRate: 100/1d' '$SG_TMP/ctl.out'"
ctl domain add bad-rate.relay.example --primary badrate.test \
    --send-rate 10/0m --skip-dns-check --reason test
check "domain add with a bad --send-rate: refused (exit 3)" test "$rc" = 3
ctl sender update viactl@rate.test --send-rate ""
ctl sender show viactl@rate.test
check "--send-rate \"\": the sender's rates removed" \
    sh -c "test $rc = 0 && ! grep -q '^sgSendRate:' '$SG_TMP/ctl.out'"

ctl explain --from one@rate.test --client 192.0.2.7
check "explain: the sender's rate and its full window" \
    out_has '^rates: sender 3/1m \(3 of 3 used, full\)$'
ctl explain --from d1@rdom.test --client 192.0.2.7
check "explain: default_send_rate for a sender without, and the domain's" \
    out_has '^rates: default_send_rate 2/1m \([0-9]+ of 2 used(, full)?\), default_send_rate 3/1h \([0-9]+ of 3 used(, full)?\), domain 5/1m \([0-9] of 5 used(, full)?\), domain 100/1d \([0-9]+ of 100 used\)$'
ctl explain --from viactl@rate.test --client 192.0.2.7 --json
check "explain --json: the rates too" out_has '"rates": *"default_send_rate 2/1m'

ctl usage one@rate.test
check "usage: the sender's window and how full it is" \
    out_has '^    rate 3/1m: 3 of 3 used FULL$'
ctl usage rate.test --json
check "usage --json: each row's rates, used and full" \
    out_has '"name": "one@rate.test".*"rates": \[\{"rate": "3/1m", "limit": 3, "used": 3, "full": true\}\]'
check "usage --json parses" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$SG_TMP/ctl.out"
ctl usage rdom.test
check "usage: the domain's windows on the domain's row" \
    out_has '^    rate 100/1d: [0-9]+ of 100 used$'
for m in main second kn rj rcp dom; do
	check "$m: no sanitizer report or crash" no_crash "$m"
done
