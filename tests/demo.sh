#!/bin/sh
# demo.sh - sendergate at work, for a newcomer (make demo).
#
# Starts a private slapd (the project's schema and ldap-schema/example.ldif),
# Redis and sendergate, all on 127.0.0.1, in a temporary directory that is
# removed at the end (SG_KEEP=1 keeps it, with the configuration and every
# log). tests/mtclient then plays the MTA: it runs sample transactions
# through the milter protocol, and for each one this script prints what was
# tried, the milter's answer, what the milter added to accepted mail and
# the counters read back from Redis. Then come the milter's own decision
# log lines and a summary.
#
# The demo checks its own expectations: every answer, every added
# recipient and header, every counter and every log line. Anything off is
# flagged with "!!" where it happens and in the summary; the exit status
# is then 1 (0 when everything behaved as expected).
#
# Needs what make demo builds (milter/sendergate, tests/mtclient) and what
# tests/lib/deps.sh installs (slapd, ldap-utils, redis-server, redis-tools).

SG_TOP=$(cd "$(dirname "$0")/.." && pwd) || exit 1
. "$SG_TOP/tests/lib/servers.sh"
. "$SG_TOP/tests/lib/milter.sh"

for f in "$SG_BIN" "$SG_MT"; do
	if [ ! -x "$f" ]; then
		echo "demo: $f is missing; run: make demo" >&2
		exit 1
	fi
done

# The example tree (ldap-schema/example.ldif).
REALM=acmecorp-com.relay.example
DOMAIN=acmecorp.com
ARCHIVE=acmecorp-journal@archive.example
DOMAIN_LIMIT=100000

# The MTA's listeners as postfix-examples/master.cf names them in
# {daemon_name}, mapped to access methods (listener_methods).
LISTENERS="smtpd:smtp submission:smtp campaign:campaign"

bad=0		# expectations that failed
n=0		# transactions run
n_acc=0
n_rej=0
n_def=0

# Print a line flagging a failed expectation, and count it.
off() {
	echo "    !! UNEXPECTED: $*"
	bad=$((bad + 1))
}

# Die during set-up with what went wrong.
setup_failed() {
	echo "demo: $*" >&2
	exit 1
}

# Port of a listener name (the MTA's, for the text only).
port_of() {
	case $1 in
	smtpd) echo 25 ;;
	submission) echo 587 ;;
	campaign) echo 2525 ;;
	esac
}

# A counter from Redis (0 when the key does not exist).
counter() {
	_v=$(rcli GET "$1" 2>/dev/null)
	echo "${_v:-0}"
}

# "N of LIMIT" for the counter line; a LIMIT of "-" is none.
of_limit() {
	if [ "$2" = - ]; then
		echo "$1 (no limit)"
	else
		echo "$1 of $2"
	fi
}

# ---- set-up --------------------------------------------------------------

sg_setup || setup_failed "cannot make a temporary directory"
echo "Starting slapd, Redis and sendergate ..."
slapd_start || setup_failed "slapd did not start (see above)"
redis_start || setup_failed "redis-server did not start (see above)"

MILTER_PORT=$(sg_free_port) || setup_failed "no free port for the milter"
MILTER_SOCK_demo=inet:$MILTER_PORT@127.0.0.1
cat >"$SG_TMP/demo.conf" <<EOF
# sendergate.conf written by tests/demo.sh; every other key has its default
socket = $MILTER_SOCK_demo
ldap_uri = $SLAPD_URI
ldap_base = $SLAPD_BASE
ldap_bind_dn = $SLAPD_BIND_DN
ldap_bind_password_file = $SLAPD_BIND_PW_FILE
redis_address = $REDIS_ADDRESS
listener_methods = $LISTENERS
log_level = info
EOF
"$SG_BIN" -n -c "$SG_TMP/demo.conf" >/dev/null ||
	setup_failed "sendergate -n refuses $SG_TMP/demo.conf"
milter_start demo || setup_failed "sendergate did not start (see above)"
sg_atexit milter_stop demo

# The senders in LDAP, local parts only, as a list to show.
senders=$(timeout 10 ldapsearch -x -LLL -H "$SLAPD_URI" -o nettimeout=5 \
    -b "$SLAPD_BASE" '(objectClass=sgSender)' mail 2>/dev/null |
    sed -n 's/^mail: \(.*\)@.*/\1/p' | tr '\n' ' ' | sed 's/ $//')
nsenders=$(echo "$senders" | wc -w)
[ "$nsenders" -gt 0 ] || setup_failed "no senders found in LDAP"
# The directory mode the milter chose (its start-up line says).
mode=$(sed -n 's/.* started: .*ldap_mode \([a-z]*\).*/\1/p' \
    "$SG_TMP/demo.log" | head -n 1)

echo
echo "sendergate demo"
echo "==============="
echo "Three servers run on 127.0.0.1, all in $SG_TMP"
echo "(removed at the end; run with SG_KEEP=1 to keep it and the logs):"
echo
printf '  %-11s  %-26s %s\n' slapd "$SLAPD_URI" "the sender directory" \
    Redis "$REDIS_ADDRESS" "the monthly counters" \
    sendergate "$MILTER_SOCK_demo" \
    "the milter (demo.conf, ldap_mode ${mode:-?})"
cat <<EOF

The directory holds ldap-schema/example.ldif under
$SLAPD_BASE: the customer $DOMAIN (SASL realm
$REALM) and its $nsenders senders @$DOMAIN:
$(echo "$senders" | sed 's/ /, /g' | fold -s -w 68 | sed 's/ *$//; s/^/  /')
The counters are the Redis keys sg:{$DOMAIN}:s:<sender>:$MONTH
(one per sender) and sg:{$DOMAIN}:d:$MONTH (the whole domain).

No MTA runs: tests/mtclient plays the MTA and speaks the milter protocol
to sendergate. It names the listener a message came in on in the
{daemon_name} macro: "smtpd" (port 25) and "submission" (port 587) have
the access method smtp, "campaign" (port 2525) has campaign.

EOF

# ---- one transaction ------------------------------------------------------

# Run one transaction as described by the t_* variables, print its block
# and check it:
#   t_title    what the case shows
#   t_from     envelope sender ("" = the null sender <>)
#   t_login    SASL login ("" = not logged in)
#   t_client   client IP address
#   t_listener smtpd | submission | campaign
#   t_unsub    1: add List-Unsubscribe and List-Unsubscribe-Post
#   t_want     "accepted" or the SMTP reply expected
#   t_added    expected modifications, one "addrcpt <x> NOTIFY=NEVER" or
#              "addheader Name: value" a line, in order
#   t_slimit   the sender's limit ("-" none; "" = no counter to show)
#   t_count    the sender's counter expected afterwards
#   t_dcount   the domain's counter expected afterwards
run_case() {
	n=$((n + 1))
	qid=$(printf '4F3A%02d' "$n")
	out=$SG_TMP/case$n.out
	case $t_want in
	accepted|*" Bulk mail "*) body=1 ;;
	*) body=0 ;;
	esac

	if [ -n "$t_slimit" ]; then
		skey="sg:{$DOMAIN}:s:$t_from:$MONTH"
		dkey="sg:{$DOMAIN}:d:$MONTH"
		s_before=$(counter "$skey")
		d_before=$(counter "$dkey")
	fi

	# The script an MTA would send: up to MAIL FROM, and on to the end
	# of the message when MAIL FROM is expected to pass. (A step after
	# a refused one gets no answer: -t 3 bounds the wait should a case
	# go wrong.)
	{
		tx_head "$qid" "$t_from" "$t_client" "$t_login" "$t_listener"
		if [ "$body" = 1 ]; then
			printf 'rcpt <customer@example.net>\n'
			printf 'header From: %s\n' "$t_from"
			printf 'header To: customer@example.net\n'
			printf 'header Subject: demo message %s\n' "$n"
			if [ "$t_unsub" = 1 ]; then
				printf 'header List-Unsubscribe: %s\n' \
				    '<https://acmecorp.com/u/42>'
				printf 'header List-Unsubscribe-Post: %s\n' \
				    'List-Unsubscribe=One-Click'
			fi
			printf 'eoh\nbody Hello.\neom\n'
		fi
		printf 'quit\n'
	} | "$SG_MT" -s "$MILTER_SOCK_demo" -t 3 >"$out" 2>&1

	# The answer: the first reply that is not "continue", else accepted.
	answer=$(awk '
	    /^(connect|mail|rcpt|header|eoh|body|eom): / {
		r = $0; sub(/^[a-z]+: /, "", r)
		if (r == "continue" || r ~ /^(addrcpt|addheader) /) next
		print r; exit
	    }' "$out")
	if [ -z "$answer" ]; then
		if grep -qx 'eom: continue' "$out"; then
			answer=accepted
		else
			answer="no answer"
		fi
	fi
	added=$(sed -nE 's/^eom: ((addrcpt|addheader) .*)$/\1/p' "$out")

	# The block.
	printf '%2d. %s\n' "$n" "$t_title"
	if [ -z "$t_from" ]; then
		tried="<> (the null sender)"
	else
		tried=$t_from
	fi
	if [ -n "$t_login" ]; then
		tried="$tried, logged in as $t_login"
	else
		tried="$tried, not logged in, client $t_client"
	fi
	tried="$tried, port $(port_of "$t_listener")"
	[ "$t_listener" = campaign ] && tried="$tried (campaign)"
	printf '    %-9s %s\n' tried "$tried"
	if [ "$t_listener" = campaign ] && [ "$body" = 1 ]; then
		if [ "$t_unsub" = 1 ]; then
			printf '    %-9s %s\n' "" \
			    "with List-Unsubscribe and List-Unsubscribe-Post"
		else
			printf '    %-9s %s\n' "" \
			    "without List-Unsubscribe headers"
		fi
	fi
	printf '    %-9s %s\n' answer "$answer"
	label=added
	echo "$added" | while IFS= read -r a; do
		[ -n "$a" ] || continue
		case $a in
		"addrcpt <$ARCHIVE>"*)
			what="recipient ${a#addrcpt }   (archive copy)" ;;
		addrcpt*)
			what="recipient ${a#addrcpt }   (BCC copy)" ;;
		addheader*)
			what="header    ${a#addheader }" ;;
		esac
		printf '    %-9s %s\n' "$label" "$what"
		label=
	done
	if [ "$answer" = accepted ] && [ -z "$added" ]; then
		printf '    %-9s %s\n' added "nothing (no BCC, archive or Reply-To)"
	fi
	if [ -n "$t_slimit" ]; then
		s_after=$(counter "$skey")
		d_after=$(counter "$dkey")
		if [ "$s_after" = "$s_before" ] && [ "$d_after" = "$d_before" ]
		then
			note="   (not counted)"
		else
			note=
		fi
		printf '    %-9s sender %s, domain %s%s\n' counter \
		    "$(of_limit "$s_after" "$t_slimit")" \
		    "$(of_limit "$d_after" "$DOMAIN_LIMIT")" "$note"
	fi

	# The checks.
	[ "$answer" = "$t_want" ] || off "answer: wanted \"$t_want\""
	[ "$added" = "$t_added" ] ||
		off "added: wanted \"$(echo "$t_added" | tr '\n' ';')\""
	if [ -n "$t_slimit" ]; then
		[ "$s_after" = "$t_count" ] ||
			off "sender counter: wanted $t_count"
		[ "$d_after" = "$t_dcount" ] ||
			off "domain counter: wanted $t_dcount"
	fi
	case $answer in
	accepted) n_acc=$((n_acc + 1)); act=accept ;;
	4*) n_def=$((n_def + 1)); act=tempfail ;;
	5*) n_rej=$((n_rej + 1)); act=reject ;;
	*) act=none ;;
	esac
	# counters outlive their month by at least 31 days
	if [ "$answer" = accepted ] && [ -n "$t_slimit" ]; then
		ttl=$(rcli TTL "$skey")
		[ "${ttl:-0}" -gt $((31 * 86400)) ] ||
			off "the counter $skey expires in ${ttl:-?} s"
	fi
	# one decision line in the log: queue id, action, and the reply
	# (or, on acceptance, the number of copies)
	log=$SG_TMP/demo.log
	eventually 2 grep -q "^sendergate: info: $qid: " "$log"
	lines=$(grep -c "^sendergate: info: $qid: " "$log")
	line=$(grep "^sendergate: info: $qid: " "$log")
	ncopies=$(echo "$added" | grep -c '^addrcpt ')
	if [ "$lines" -ne 1 ]; then
		off "log: $lines decision lines for $qid, wanted 1"
	else
		case $line in
		"sendergate: info: $qid: $act rule="*) ;;
		*) off "log: the line for $qid is not \"$act rule=...\"" ;;
		esac
		case $act:$line in
		accept:*" copies=$ncopies") ;;
		accept:*) off "log: the line for $qid does not say" \
		    "copies=$ncopies" ;;
		*:*": $answer") ;;
		*) off "log: the line for $qid does not end with the reply" ;;
		esac
	fi
	echo
	t_login='' t_unsub='' t_added='' t_slimit='' t_count='' t_dcount=''
}

JS=john.smith@$DOMAIN
JSL=john.smith@$REALM
NL=newsletter@$DOMAIN
S=scanner@$DOMAIN

t_title="An authenticated sender: accepted, with its copies"
t_from=$JS t_login=$JSL t_client=192.0.2.10 t_listener=submission
t_want=accepted
t_added="addrcpt <sales-copies@$DOMAIN> NOTIFY=NEVER
addrcpt <$ARCHIVE> NOTIFY=NEVER
addheader Reply-To: sales@$DOMAIN"
t_slimit=3000 t_count=1 t_dcount=1
run_case

t_title="The same sender with another sender's login"
t_from=$JS t_login=billing@$REALM t_client=192.0.2.10
t_listener=submission
t_want="553 5.7.1 Sender address rejected: not owned by user billing@$REALM"
t_slimit=3000 t_count=1 t_dcount=1
run_case

t_title="No login, from an approved network (IP control)"
t_from=$S t_client=192.0.2.50 t_listener=smtpd t_want=accepted
t_slimit=- t_count=1 t_dcount=2
run_case

t_title="The same sender from an outside network"
t_from=$S t_client=203.0.113.99 t_listener=smtpd
t_want="550 5.7.1 Client address 203.0.113.99 not authorized for sender <$S>"
t_slimit=- t_count=1 t_dcount=2
run_case

t_title="An unregistered sender of a registered domain"
t_from=ceo@$DOMAIN t_login=ceo@$REALM t_client=192.0.2.10
t_listener=submission
t_want="550 5.7.1 Sender <ceo@$DOMAIN> is not registered"
run_case

t_title="A sender of an unregistered domain"
t_from=info@globex.example t_login=info@globex-example.relay.example
t_client=192.0.2.10 t_listener=submission
t_want="550 5.7.1 Sender domain <globex.example> is not registered"
run_case

t_title="A suspended sender (sgStatus: suspended)"
t_from=promo@$DOMAIN t_login=promo@$REALM t_client=192.0.2.10
t_listener=campaign
t_want="451 4.7.1 Sender <promo@$DOMAIN> is suspended"
run_case

t_title="A disabled sender (sgStatus: disabled)"
t_from=jane.doe@$DOMAIN t_login=jane.doe@$REALM t_client=192.0.2.10
t_listener=submission
t_want="550 5.7.1 Sender <jane.doe@$DOMAIN> is disabled"
run_case

t_title="A sender whose monthly limit is 0"
t_from=intern@$DOMAIN t_login=intern@$REALM t_client=192.0.2.10
t_listener=submission
t_want="451 4.7.1 Monthly sending limit reached for <intern@$DOMAIN>"
t_slimit=0 t_count=0 t_dcount=2
run_case

t_title="A campaign with one-click unsubscribe (RFC 8058)"
t_from=$NL t_client=198.51.100.20 t_listener=campaign t_unsub=1
t_want=accepted t_added="addheader Reply-To: marketing@$DOMAIN"
t_slimit=50000 t_count=1 t_dcount=3
run_case

t_title="The same campaign without the unsubscribe headers"
t_from=$NL t_client=198.51.100.20 t_listener=campaign t_unsub=0
t_want="550 5.7.1 Bulk mail must carry one-click List-Unsubscribe"
t_slimit=50000 t_count=1 t_dcount=3
run_case

t_title="An smtp-only sender on the campaign listener"
t_from=$JS t_login=$JSL t_client=192.0.2.10 t_listener=campaign
t_want="550 5.7.1 Sender <$JS> may not send via campaign"
t_slimit=3000 t_count=1 t_dcount=3
run_case

t_title="The null sender (bounces are not relayed)"
t_from='' t_client=192.0.2.10 t_listener=submission
t_want="550 5.7.1 Null sender not accepted"
run_case

# ---- the milter's log, the summary ------------------------------------------

echo "The milter's log of these decisions (one line each; sendergate -f"
echo "writes them to stderr, otherwise they go to syslog, facility mail):"
echo
sed -nE 's/^sendergate: info: ([^ ]+: (accept|reject|tempfail) rule=)/  \1/p' \
    "$SG_TMP/demo.log"
ndec=$(grep -cE '^sendergate: info: [^ ]+: (accept|reject|tempfail) rule=' \
    "$SG_TMP/demo.log")
[ "$ndec" -eq "$n" ] ||
	off "$ndec decision lines in the log for $n transactions"
if grep -qE '^sendergate: (warning|error): ' "$SG_TMP/demo.log"; then
	echo
	echo "Other messages it logged meanwhile:"
	grep -E '^sendergate: (warning|error): ' "$SG_TMP/demo.log" |
	    sed 's/^sendergate: /  /'
fi
if grep -q '^sendergate: error: ' "$SG_TMP/demo.log"; then
	off "the milter logged errors"
fi

echo
echo "$n transactions: $n_acc accepted, $n_rej rejected, $n_def deferred" \
    "(temporary failure)"
if [ "${SG_KEEP:-0}" = 1 ]; then
	echo "Kept $SG_TMP: demo.conf, demo.log (the milter), slapd.log,"
	echo "redis.log and case*.out (what mtclient printed for each case)."
fi
if [ "$bad" -ne 0 ]; then
	echo
	echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	echo "!! DEMO FAILED: $bad expectation(s) did not hold; see the !! lines."
	echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	exit 1
fi
echo "Everything behaved as expected."
exit 0
