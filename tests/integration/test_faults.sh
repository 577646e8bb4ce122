#!/bin/sh
# test_faults.sh - the daemon under faults and hostile input.
#
# Servers misbehaving: slapd frozen (ldap_timeout), Redis frozen
# (redis_timeout) at MAIL FROM and at end of message, Redis restarted
# empty (the counting script is gone), counters that are not numbers,
# Redis out of memory (maxmemory, noeviction). Each must give the SPEC's
# temporary failure in about the configured time, and the daemon must
# recover once the server is back.
#
# Hostile milter input: a connection closed mid-transaction, abort in
# every stage, 1,000 recipients, a 64 KB folded From header, raw CR/LF in
# a header value, a 5,000-octet {auth_authen}, missing macros, a client
# of unknown address family, malformed packets. After each, a normal
# message must still pass. At the end the logs hold no sanitizer report.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_backends

# h takes the hostile input; f the server faults (query mode: the faults
# are about lookups that reach LDAP).
milter_conf h
milter_conf f
milter_set f "ldap_mode = query" "ldap_timeout = 1s" "redis_timeout = 300ms"
sg_atexit milter_stop h
sg_atexit milter_stop f
milter_start h || { echo "not ok - sendergate h did not start"; exit 1; }
milter_start f || { echo "not ok - sendergate f did not start"; exit 1; }

A=alice@acme.test
AL=alice@acme-test.relay.example
DIRFAIL="451 4.3.0 Sender directory unavailable, try again later"
CTRFAIL="451 4.3.0 Sender counters unavailable, try again later"
BKEY="sg:{acme.test}:s:bob@acme.test:$MONTH"

# whole QID: a message of bob@ that passes MAIL FROM and end of message.
whole() {
	tx_head "$1" bob@acme.test 192.0.2.7
	echo "expect continue"
	tx_body bob@acme.test
	echo "expect continue"
}

# sane CASE: the daemon h is up and a normal message passes.
sane() {
	check "$1: daemon still running" milter_alive h
	whole N | mt h "$1-then-normal" ||
		{ echo "not ok - $1: a normal message after it"; return 1; }
	echo "ok - $1: a normal message after it passes"
}

# reply_of CASE WORD: the last reply printed for WORD in CASE's output.
reply_of() {
	sed -n "s/^$2: //p" "$SG_TMP/$1.out" | tail -n 1
}

# ======================= hostile protocol input ==========================

# --- a connection closed mid-transaction, at every stage -------------------
for stage in connect mail rcpt header eoh body; do
	{
		printf 'macro C {daemon_name} submission\nconnect c.test 192.0.2.7\n'
		printf 'macro M i C1\n'
		[ $stage = connect ] || printf 'mail <bob@acme.test>\n'
		case $stage in rcpt|header|eoh|body)
			printf 'rcpt <r@elsewhere.example>\n' ;;
		esac
		case $stage in header|eoh|body)
			printf 'header From: bob@acme.test\n' ;;
		esac
		case $stage in eoh|body) printf 'eoh\n' ;; esac
		[ $stage = body ] && printf 'body half a mess\n'
		printf 'close\n'
	} | mt h "close-after-$stage"
	check "close after $stage: no error" test $? -eq 0
done
sane close-mid-transaction

# --- abort in every stage, on one connection -------------------------------
before=$(rcli GET "$BKEY")
ok_mt h abort-every-stage <<EOF
macro C {daemon_name} submission
connect c.test 192.0.2.7
macro M i AB
abort
mail <bob@acme.test>
expect continue
abort
mail <bob@acme.test>
expect continue
rcpt <r@elsewhere.example>
expect continue
abort
mail <bob@acme.test>
expect continue
rcpt <r@elsewhere.example>
header From: bob@acme.test
abort
mail <bob@acme.test>
expect continue
rcpt <r@elsewhere.example>
header From: bob@acme.test
eoh
expect continue
abort
mail <bob@acme.test>
expect continue
rcpt <r@elsewhere.example>
header From: bob@acme.test
eoh
body cut short
expect continue
abort
mail <nobody@acme.test>
expect 550 5.7.1 Sender <nobody@acme.test> is not registered
abort
mail <bob@acme.test>
expect continue
$(tx_body bob@acme.test)
expect continue
abort
mail <bob@acme.test>
expect continue
$(tx_body bob@acme.test)
expect continue
quit
EOF
check "abort: only the two messages that reached eom counted" \
    test "$(rcli GET "$BKEY")" = $((${before:-0} + 2))
sane abort-every-stage

# --- 1,000 recipients ------------------------------------------------------------
{
	tx_head R1000 bob@acme.test 192.0.2.7
	echo "expect continue"
	i=1
	while [ $i -le 1000 ]; do
		echo "rcpt <r$i@elsewhere.example>"
		i=$((i + 1))
	done
	tx_body bob@acme.test
	echo "expect continue"
} | mt h rcpt-1000
check "1,000 recipients: accepted" test $? -eq 0
check "1,000 recipients: every RCPT continued" \
    test "$(grep -c '^rcpt: continue$' "$SG_TMP/rcpt-1000.out")" -eq 1001
check "1,000 recipients: logged with rcpts=1001" logged h \
    "R1000: accept rule=ok from=<bob@acme.test> auth=- client=192.0.2.7 method=smtp count="
check "1,000 recipients: rcpts=1001 in the log line" \
    grep -q 'R1000: accept .* rcpts=1001 ' "$SG_TMP/h.log"
sane rcpt-1000

# --- a 64 KB folded From header ------------------------------------------------------
# (the value is 65,000 octets once mtclient decodes \r\n\t: the header
# packet stays under libmilter's 65,535)
# (a) about 3,500 mailboxes, one per folded line: more than any sane From
awk 'BEGIN { n = 13; for (i = 1; n + length(i) + 15 < 65000; i++) {
    s = s "u" i "@acme.test,\\r\\n\\t"; n += length(i) + 15 }
    print s "bob@acme.test" }' >"$SG_TMP/from64k"
{
	tx_head F64 bob@acme.test 192.0.2.7
	echo "expect continue"
	tx_body "$(cat "$SG_TMP/from64k")"
} | mt h from-64k-mailboxes
r=$(reply_of from-64k-mailboxes eom)
check "64 KB From of many mailboxes: rule 12 reply" test -n "$(printf '%s\n' "$r" |
    grep '^550 5\.7\.1 Header From <u1@acme\.test,.*> not permitted for sender <bob@acme\.test>$')"
check "64 KB From: the reply fits an SMTP reply line (${#r} octets)" \
    test "${#r}" -le 500
sane from-64k-mailboxes
# (b) one mailbox, allowed, behind a 64 KB folded display name
awk 'BEGIN { for (n = 15; n + 44 < 65000; n += 44)
    s = s "Bobby Tables of the accounting department\\r\\n\\t"; print s }' \
    >"$SG_TMP/name64k"
ok_mt h from-64k-display-name <<EOF
$(tx_head F64 bob@acme.test 192.0.2.7)
expect continue
$(tx_body "$(cat "$SG_TMP/name64k")<bob@acme.test>")
expect continue
EOF
sane from-64k-display-name
# (c) comments nested 20,000 deep around an allowed address
awk 'BEGIN { for (i = 0; i < 20000; i++) { o = o "("; c = c ")" }
    print "bob@acme.test " o "x" c }' >"$SG_TMP/fromnest"
{
	tx_head FN bob@acme.test 192.0.2.7
	echo "expect continue"
	tx_body "$(cat "$SG_TMP/fromnest")"
} | mt h from-nested-comments
r=$(reply_of from-nested-comments eom)
check "From with 20,000 nested comments: answered ($r)" \
    test "$r" = continue -o -n "$(printf '%s\n' "$r" |
    grep '^550 5\.7\.1 Header From <.*> not permitted for sender <bob@acme\.test>$')"
sane from-nested-comments

# --- raw CR/LF inside header values ---------------------------------------------------
# A CR LF not followed by white space is no folding: what follows must not
# hide behind the allowed address, and no CR or LF may reach the reply.
# LABEL:VALUE
for c in "CRLF-then-Bcc:bob@acme.test\r\nBcc: evil@elsewhere.example" \
    "CRLF-then-From:bob@acme.test\r\nFrom: ceo@elsewhere.example" \
    "bare-LF:bob@acme.test\nceo@elsewhere.example" \
    "bare-CR:bob@acme.test\rceo@elsewhere.example" \
    "folded-second-address:evil@elsewhere.example\r\n\tbob@acme.test"; do
	l=${c%%:*}
	v=${c#*:}
	{
		tx_head "CR-$l" bob@acme.test 192.0.2.7
		echo "expect continue"
		tx_body "$v"
	} | mt h "crlf-from-$l"
	r=$(reply_of "crlf-from-$l" eom)
	check "raw CR/LF in From ($l): refused by rule 12" test -n "$(
	    printf '%s\n' "$r" | grep '^550 5\.7\.1 Header From <[^<>]*> not permitted for sender <bob@acme\.test>$')"
	check "raw CR/LF in From ($l): no CR or LF in the reply" \
	    test -z "$(printf '%s\n' "$r" | grep '\\[rn]')"
done
ok_mt h crlf-folded-from-passes <<EOF
$(tx_head CR0 bob@acme.test 192.0.2.7)
expect continue
$(tx_body 'Bob\r\n <bob@acme.test>')
expect continue
EOF
ok_mt h crlf-in-other-headers <<EOF
$(tx_head CR9 bob@acme.test 192.0.2.7)
expect continue
$(tx_body bob@acme.test 'Subject: a\r\nBcc: evil@elsewhere.example' 'Reply-To: x@acme.test\r\n\r\n')
expect continue
EOF
ok_mt h crlf-in-mail-from <<EOF
$(tx_head CRM 'bob@acme.test\r\nRCPT TO:<x@y>' 192.0.2.7)
expect 553 5.1.7 Bad sender address syntax
EOF
sane crlf

# --- a 5,000-octet {auth_authen} ------------------------------------------------------
long=$(awk 'BEGIN { while (length(s) < 5000) s = s "A"; print s }')
ok_mt h auth-5000-octets <<EOF
$(tx_head AU1 $A 192.0.2.7 "$long")
EOF
r=$(reply_of auth-5000-octets mail)
check "5,000-octet login: rule 9a reply" test -n "$(printf '%s\n' "$r" |
    grep '^553 5\.7\.1 Sender address rejected: not owned by user AAAA*$')"
check "5,000-octet login: the reply fits an SMTP reply line (${#r} octets)" \
    test "${#r}" -le 500
# a login that starts with alice's own: cut short, it must not become hers
ok_mt h auth-5000-octets-own-prefix <<EOF
$(tx_head AU2 $A 192.0.2.7 "$AL$long")
EOF
r=$(reply_of auth-5000-octets-own-prefix mail)
check "5,000-octet login with alice's as prefix: refused" test -n "$(printf '%s\n' "$r" |
    grep '^553 5\.7\.1 Sender address rejected: not owned by user alice@')"
# and a 5,000-octet {daemon_name}: an unmapped listener, smtp
ok_mt h daemon-name-5000-octets <<EOF
$(tx_head DN1 bob@acme.test 192.0.2.7 "" "$long")
expect continue
EOF
sane auth-5000-octets

# --- missing macros ----------------------------------------------------------------------
ok_mt h no-macros <<EOF
connect c.test 192.0.2.7
mail <bob@acme.test>
expect continue
$(tx_body bob@acme.test)
expect continue
EOF
check "no i macro: NOQUEUE in the log, method smtp" logged h \
    "NOQUEUE: accept rule=ok from=<bob@acme.test> auth=- client=192.0.2.7 method=smtp count="
ok_mt h no-daemon-name-is-smtp <<EOF
connect c.test 192.0.2.7
macro M {auth_authen} carol@acme-test.relay.example
mail <carol@acme.test>
expect 550 5.7.1 Sender <carol@acme.test> may not send via smtp
EOF
ok_mt h no-macros-authenticated <<EOF
connect c.test 192.0.2.7
macro M {auth_authen} $AL
mail <$A>
expect continue
$(tx_body $A)
expect continue
EOF
sane no-macros

# --- a client of unknown address family ------------------------------------------------------
ok_mt h unknown-family-ip-sender <<EOF
macro C {daemon_name} submission
connect some.host -
macro M i UF
mail <bob@acme.test>
expect 550 5.7.1 Client address unknown not authorized for sender <bob@acme.test>
EOF
ok_mt h unknown-family-authenticated <<EOF
macro C {daemon_name} submission
connect some.host -
macro M i UF2
macro M {auth_authen} $AL
mail <$A>
expect continue
$(tx_body $A)
expect continue
EOF
check "unknown family: logged as client=unknown" logged h \
    "UF2: accept rule=ok from=<alice@acme.test> auth=$AL client=unknown method=smtp"
sane unknown-family

# --- malformed packets (libmilter may drop the connection) ------------------------------------
for pkt in "M" "M 00" "R" "L 46726f6d00" "L 46726f6d" "D" "D 4d" "D 4d7b6900" \
    "X 00" "C 00"; do
	{
		printf 'macro C {daemon_name} submission\nconnect c.test 192.0.2.7\n'
		[ "${pkt%% *}" = R ] && printf 'mail <bob@acme.test>\n'
		printf 'raw %s\n' "$pkt"
	} | mtt 1 h raw-packet >/dev/null
	check "malformed packet \"$pkt\": daemon still running" milter_alive h
done
sane malformed-packets

# ======================= servers misbehaving ============================

# --- slapd frozen ----------------------------------------------------------------
ok_mt f warm-up <<EOF
$(whole W1)
EOF
slapd_freeze
t0=$(now_ms)
ok_mt f ldap-frozen-uncached-sender <<EOF
$(tx_head LF1 plus@acme.test 192.0.2.7)
expect $DIRFAIL
EOF
el=$(($(now_ms) - t0))
check "slapd frozen: answered in $el ms (ldap_timeout = 1s)" test $el -le 2500
ok_mt f ldap-frozen-cached-sender-served <<EOF
$(tx_head LF2 bob@acme.test 192.0.2.7)
expect continue
EOF
ok_mt f ldap-frozen-uncached-again <<EOF
$(tx_head LF3 plus@acme.test 192.0.2.7)
expect $DIRFAIL
EOF
slapd_thaw
t0=$(now_ms)
ldap_back() {
	printf 'macro C {daemon_name} submission\nconnect c 192.0.2.7\nmail <plus@acme.test>\nexpect continue\n' |
	    mtt 3 f ldap-thawed >/dev/null
}
eventually 5 ldap_back
st=$?
check "slapd thawed: plus@ passes within 5 s ($(($(now_ms) - t0)) ms)" \
    test $st -eq 0

# --- Redis frozen ------------------------------------------------------------------
redis_freeze
t0=$(now_ms)
ok_mt f redis-frozen-mail-from <<EOF
$(tx_head RF1 bob@acme.test 192.0.2.7)
expect $CTRFAIL
EOF
el=$(($(now_ms) - t0))
check "redis frozen: answered in $el ms (redis_timeout = 300ms)" \
    test $el -le 2000
redis_thaw
redis_back() {
	whole RB | mtt 3 f redis-thawed >/dev/null
}
t0=$(now_ms)
eventually 5 redis_back
st=$?
check "redis thawed: a message passes within 5 s ($(($(now_ms) - t0)) ms)" \
    test $st -eq 0
# frozen between MAIL FROM and the end of the message
{
	tx_head RF2 bob@acme.test 192.0.2.7
	echo "expect continue"
	echo "sleep 1000"
	tx_body bob@acme.test
	echo "expect $CTRFAIL"
} | mt f redis-frozen-eom &
bg=$!
eventually 5 in_out redis-frozen-eom "mail: continue"
redis_freeze
t0=$(now_ms)
wait $bg
check "redis frozen at end of message: rule 11" test $? -eq 0
redis_thaw
check "redis frozen at end of message: daemon still running" milter_alive f
check "redis thawed again: a message passes within 5 s" eventually 5 redis_back

# --- Redis restarted: empty, the script is gone ------------------------------------
# warm several worker threads, each with its own Redis connection
pids=
for i in 1 2 3 4 5 6; do
	whole "RW$i" | mt f "restart-warm$i" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids	# not a bare wait: the servers run in the background too
redis_start_again
n=0
failed=
for i in 1 2 3 4 5 6; do
	if whole "RS$i" | mtt 1 f "after-restart$i" >/dev/null; then
		n=$((n + 1))
	else
		failed="$failed; RS$i $(grep -m1 -v ': continue$' \
		    "$SG_TMP/after-restart$i.out")"
	fi
done
check "redis restarted: each of the next 6 messages passes ($n did$failed)" \
    test $n -eq 6
check "redis restarted: they were counted" \
    test "$(rcli GET "$BKEY")" = "$n"
# the script alone gone (SCRIPT FLUSH): the next end of message loads it
rcli SCRIPT FLUSH >/dev/null
before=$(rcli GET "$BKEY")
ok_mt f script-flushed-next-eom-counts <<EOF
$(whole SF)
EOF
check "script flushed: counted (NOSCRIPT, loaded again)" \
    test "$(rcli GET "$BKEY")" = $((${before:-0} + 1))
check "redis restarted: counting again within 5 s" eventually 5 redis_back

# --- counters that are not numbers -----------------------------------------------------
PKEY="sg:{acme.test}:s:plus@acme.test:$MONTH"
DKEY="sg:{acme.test}:d:$MONTH"
for v in abc -5 1.5 99999999999999999999999; do
	rcli SET "$PKEY" "$v" >/dev/null
	ok_mt f "sender counter holds $v" <<EOF
$(tx_head NN plus@acme.test 192.0.2.7)
expect $CTRFAIL
EOF
done
rcli DEL "$PKEY" >/dev/null
rcli RPUSH "$PKEY" x >/dev/null
ok_mt f "sender counter is a list" <<EOF
$(tx_head NL plus@acme.test 192.0.2.7)
expect continue
$(tx_body plus@acme.test)
expect $CTRFAIL
EOF
rcli DEL "$PKEY" >/dev/null
# set to abc between MAIL FROM and the end of the message
{
	tx_head NE plus@acme.test 192.0.2.7
	echo "expect continue"
	echo "sleep 1000"
	tx_body plus@acme.test
	echo "expect $CTRFAIL"
} | mt f not-a-number-at-eom &
bg=$!
eventually 5 in_out not-a-number-at-eom "mail: continue"
rcli SET "$PKEY" abc >/dev/null
wait $bg
check "counter becomes abc before end of message: rule 11" test $? -eq 0
check "counter abc left alone" test "$(rcli GET "$PKEY")" = abc
rcli DEL "$PKEY" >/dev/null
dval=$(rcli GET "$DKEY")
rcli SET "$DKEY" abc >/dev/null
ok_mt f "domain counter holds abc" <<EOF
$(tx_head ND plus@acme.test 192.0.2.7)
expect $CTRFAIL
EOF
rcli SET "$DKEY" "${dval:-0}" >/dev/null
check "bad counters: daemon still running" milter_alive f
ok_mt f bad-counters-then-normal <<EOF
$(tx_head NP plus@acme.test 192.0.2.7)
expect continue
$(tx_body plus@acme.test)
expect continue
EOF
check "bad counters: then counted from 0" test "$(rcli GET "$PKEY")" = 1

# --- Redis out of memory ------------------------------------------------------------------
rcli CONFIG SET maxmemory-policy noeviction >/dev/null
rcli CONFIG SET maxmemory 1mb >/dev/null
head -c 100000 /dev/zero | tr '\0' x >"$SG_TMP/100k"
full=no
i=0
while [ $i -lt 100 ]; do
	i=$((i + 1))
	if rcli -x SET "fill:$i" <"$SG_TMP/100k" 2>&1 | grep -q OOM; then
		full=yes
		break
	fi
done
check "redis memory filled (maxmemory 1mb, noeviction)" test $full = yes
before=$(rcli GET "$BKEY")
ok_mt f redis-oom <<EOF
$(tx_head OOM bob@acme.test 192.0.2.7)
expect continue
$(tx_body bob@acme.test)
expect $CTRFAIL
EOF
check "redis out of memory: the error is logged" grep -q 'OOM' "$SG_TMP/f.log"
check "redis out of memory: nothing counted" \
    test "$(rcli GET "$BKEY")" = "$before"
check "redis out of memory: daemon still running" milter_alive f
rcli CONFIG SET maxmemory 0 >/dev/null
j=1
while [ $j -le $i ]; do
	rcli DEL "fill:$j" >/dev/null
	j=$((j + 1))
done
check "memory back: counting again" eventually 5 redis_back

# ======================= the end =========================================
check "h: still running at the end" milter_alive h
check "f: still running at the end" milter_alive f
milter_stop_all h f
check "h: no sanitizer report or crash in the log" no_crash h
check "f: no sanitizer report or crash in the log" no_crash f
