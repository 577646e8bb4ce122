#!/bin/sh
# test_month.sh - the month rollover: a message just before midnight of
# the last day of a month is counted in that month, one just after in
# the next, and a sender at its limit in November may send again on
# December 1; in UTC and in quota_timezone = Asia/Tokyo (midnight there
# is 15:00 UTC), and across the year (December to January); a retry of a
# message counted before midnight is counted again after it.
#
# The clock: the real daemon runs with libfaketime preloaded
# (libfaketimeMT, for threaded programs), whose offset the test sets by
# writing FAKETIME_TIMESTAMP_FILE ("+Ns", re-read on every call with
# FAKETIME_NO_CACHE=1); the clock then runs on from the time set. Only
# the realtime clock is faked (FAKETIME_DONT_FAKE_MONOTONIC=1), so
# libmilter's and the libraries' timeouts are not disturbed. The servers
# (slapd, Redis) and the test's tools keep the real clock; each message
# is sent within a few seconds of setting the clock 10 s before midnight.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

FT_LIB=
for f in /usr/lib/*/faketime/libfaketimeMT.so.1 \
    /usr/lib/faketime/libfaketimeMT.so.1; do
	[ -f "$f" ] && FT_LIB=$f && break
done
if [ -z "$FT_LIB" ]; then
	echo "ok - # SKIP libfaketime not installed (apt-get install faketime)"
	exit 0
fi

sg_backends

DN_ACME=sgDomainName=acme-test.relay.example,$SLAPD_BASE
# one sender per case, IP-controlled (the domain's 192.0.2.0/24), 2 a month
{
	for s in mu mt my mr; do
		printf 'dn: mail=%s@acme.test,%s\nobjectClass: sgSender\n' \
		    "$s" "$DN_ACME"
		printf 'mail: %s@acme.test\nsgAuthMethod: ip\n' "$s"
		printf 'sgMonthlyLimit: 2\n\n'
	done
} | ldap_admin ldapadd >/dev/null ||
	{ echo "not ok - cannot add the test's senders"; exit 1; }

# The dates: next year's (Redis keeps the real clock, and the keys'
# EXPIREAT must stay in its future).
Y=$(($(date -u +%Y) + 1))
Y2=$((Y + 1))

# The daemon, with the faked clock.
CLOCK=$SG_TMP/clock
echo "+0s" >"$CLOCK"
cat >"$SG_TMP/faked-sendergate" <<EOT
#!/bin/sh
LD_PRELOAD=$FT_LIB FAKETIME_TIMESTAMP_FILE=$CLOCK FAKETIME_NO_CACHE=1 \\
FAKETIME_DONT_FAKE_MONOTONIC=1 \\
ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0 \\
    exec "$SG_BIN" "\$@"
EOT
chmod 755 "$SG_TMP/faked-sendergate"

# setclock "YYYY-MM-DD HH:MM:SS" (UTC): the daemon's clock reads that now.
setclock() {
	sc_want=$(date -u -d "$1" +%s) || return 1
	echo "+$((sc_want - $(date -u +%s)))s" >"$CLOCK"
}

milter_conf utc
milter_set utc "quota_timezone = UTC"
milter_conf tokyo
milter_set tokyo "quota_timezone = Asia/Tokyo"
for m in utc tokyo; do
	sg_atexit milter_stop $m
	SG_BIN=$SG_TMP/faked-sendergate milter_start $m ||
	    { echo "not ok - sendergate $m did not start"; exit 1; }
done

# the libfaketime works in the threaded daemon: it logs no error, runs
check "the faked daemons run" sh -c "kill -0 $(milter_pid utc) && kill -0 $(milter_pid tokyo)"

# send MILTER CASE SENDER: a whole message, accepted.
send() {
	mtt 5 "$1" "$2" <<-EOT
	$(tx_head "$2" "$3" 192.0.2.7)
	expect continue
	$(tx_body "$3")
	expect continue
	EOT
}

# full MILTER CASE SENDER: MAIL FROM refused, the limit reached.
full() {
	mtt 5 "$1" "$2" <<-EOT
	$(tx_head "$2" "$3" 192.0.2.7)
	expect 451 4.7.1 Monthly sending limit reached for <$3>
	EOT
}

# count SENDER MONTH: the sender's count in MONTH (0 when absent).
count() {
	_c=$(rcli GET "sg:{acme.test}:s:$1:$2")
	echo "${_c:-0}"
}

# --- UTC: November 30, 23:59:5x, then December 1, 00:00:0x ------------------
setclock "$Y-11-30 23:59:50"
check "UTC 23:59:5x: first message" send utc U1 mu@acme.test
check "UTC 23:59:5x: second message (at the limit now)" \
    send utc U2 mu@acme.test
check "UTC 23:59:5x: the third refused, limit of 2 reached" \
    full utc U3 mu@acme.test
check "UTC: the November key counts 2" test "$(count mu@acme.test $Y-11)" = 2
check "UTC: no December key yet" test "$(count mu@acme.test $Y-12)" = 0
check "UTC: logged at November's count" logged utc "U2: accept rule=ok from=<mu@acme.test> auth=- client=192.0.2.7 method=smtp count=2/2"
setclock "$Y-12-01 00:00:02"
check "UTC Dec 1 00:00:0x: the sender full in November may send" \
    send utc U4 mu@acme.test
check "UTC: the December key counts 1" test "$(count mu@acme.test $Y-12)" = 1
check "UTC: the November key still 2" test "$(count mu@acme.test $Y-11)" = 2
check "UTC: the domain's December key" \
    test "$(rcli GET "sg:{acme.test}:d:$Y-12")" = 1
ttl=$(rcli TTL "sg:{acme.test}:s:mu@acme.test:$Y-11")
# expires at December 1 00:00 UTC + 32 days, by the real clock of Redis
want=$(($(date -u -d "$Y2-01-02 00:00:00" +%s) - $(date -u +%s)))
check "UTC: November's key expires 32 days after the month (ttl $ttl, want ~$want)" \
    test "$ttl" -le "$want" -a "$ttl" -gt $((want - 30))

# --- Asia/Tokyo: midnight is 15:00 UTC -------------------------------------------
setclock "$Y-11-30 14:59:50"
check "Tokyo 23:59:5x: first message" send tokyo T1 mt@acme.test
check "Tokyo 23:59:5x: second message" send tokyo T2 mt@acme.test
check "Tokyo 23:59:5x: the third refused" full tokyo T3 mt@acme.test
check "Tokyo: the November key counts 2" \
    test "$(count mt@acme.test $Y-11)" = 2
# the same instant in UTC is still November: the UTC daemon agrees
setclock "$Y-11-30 15:00:02"
check "Tokyo Dec 1 00:00:0x (15:00 UTC): the sender may send again" \
    send tokyo T4 mt@acme.test
check "Tokyo: counted in December" test "$(count mt@acme.test $Y-12)" = 1
check "Tokyo: November still 2" test "$(count mt@acme.test $Y-11)" = 2
check "UTC daemon at 15:00 UTC: still November (sender full there)" \
    full utc U5 mu@acme.test
# the UTC key of mu for November is full, but that is a different sender:
# mt through the UTC daemon at 15:00 UTC counts in November
check "UTC daemon at 15:00 UTC: mt full in November too" \
    full utc U6 mt@acme.test

# --- the year: December 31 to January 1 -------------------------------------
setclock "$Y-12-31 23:59:50"
check "Dec 31 23:59:5x: a message" send utc Y1 my@acme.test
setclock "$Y2-01-01 00:00:02"
check "Jan 1 00:00:0x: a message" send utc Y2 my@acme.test
check "the year: one in $Y-12, one in $Y2-01" \
    test "$(count my@acme.test $Y-12):$(count my@acme.test $Y2-01)" = 1:1

# --- a retry across the month (issue 19, item 5) ----------------------------
# The Message-ID key is the month's: a retry just after midnight of a
# message counted just before it is counted in the new month; a retry
# within the new month is forgiven as usual.
MID="Message-ID: <month-retry@client.test>"
sendm() {
	mtt 5 "$1" "$2" <<-EOT
	$(tx_head "$2" "$3" 192.0.2.7)
	expect continue
	$(tx_body "$3" "$MID")
	expect continue
	EOT
}
setclock "$Y-11-30 23:59:50"
check "Nov 30 23:59:5x: a message with a Message-ID" sendm utc M1 mr@acme.test
setclock "$Y-12-01 00:00:02"
check "Dec 1 00:00:0x: its retry accepted" sendm utc M2 mr@acme.test
check "the retry across the month counted in December, not forgiven" \
    test "$(count mr@acme.test $Y-11):$(count mr@acme.test $Y-12)" = 1:1
check "the retry across the month: no dup=1" \
    sh -c "! grep 'M2: accept' '$SG_TMP/utc.log' | grep -q 'dup=1'"
check "Dec 1: a retry of it within December forgiven" sendm utc M3 mr@acme.test
check "the retry within December: dup=1, not counted" \
    sh -c "grep 'M3: accept' '$SG_TMP/utc.log' | grep -q 'dup=1' &&
    [ $(count mr@acme.test $Y-12) -eq 1 ]"
check "the Message-ID key names the month" \
    test -n "$(rcli --scan --pattern "sg:{acme.test}:m:mr@acme.test:$Y-12:*")"

for m in utc tokyo; do
	check "$m: no sanitizer report or crash" no_crash "$m"
	check "$m: no libfaketime complaint" \
	    sh -c "! grep -qi faketime '$SG_TMP/$m.log'"
done
