#!/bin/sh
# demo.sh - sendergate at work behind a real Postfix, for a newcomer
# (make demo).
#
# Starts, all on 127.0.0.1 and in a temporary directory removed at the end
# (SG_KEEP=1 keeps it, with every configuration and log):
#   slapd       the sender directory: the project's schema and
#               ldap-schema/example.ldif (the customer acmecorp.com)
#   Redis       the monthly counters
#   sendergate  the milter
#   Postfix     the relay, configured from postfix-examples/: port 25,
#               port 587 (TLS and AUTH required), the campaign port
#   Dovecot     checks Postfix's SMTP AUTH against the same LDAP entries
#               (postfix-examples/dovecot/)
#   smtp-sink   the "outbound side": whatever Postfix relays lands here,
#               one file per message with its envelope
# Then swaks sends sample mails; for each one the demo prints the SMTP
# reply and, for accepted mail, the envelope recipients that reached the
# outbound side (the BCC and archive copies sendergate added included).
#
# The demo checks its own expectations: every reply and every delivered
# envelope. Anything off is flagged with "!!" where it happens and at the
# end; the exit status is then 1 (0 when everything behaved as expected).
#
# Needs root (Postfix's queue is root's), what make demo builds
# (milter/sendergate) and what tests/lib/deps.sh installs.

SG_TOP=$(cd "$(dirname "$0")/.." && pwd) || exit 1
. "$SG_TOP/tests/lib/servers.sh"
. "$SG_TOP/tests/lib/milter.sh"
. "$SG_TOP/tests/lib/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run it as root (it starts a private Postfix)" >&2
	exit 1
fi
if [ ! -x "$SG_BIN" ]; then
	echo "demo: $SG_BIN is missing; run: make demo" >&2
	exit 1
fi
for p in postfix smtp-sink swaks dovecot; do
	command -v "$p" >/dev/null 2>&1 || {
		echo "demo: $p is missing; run: sh tests/lib/deps.sh" >&2
		exit 1
	}
done

# The example tree (ldap-schema/example.ldif).
REALM=acmecorp-com.relay.example
D=acmecorp.com
ARCHIVE=acmecorp-journal@archive.example
COPIES="sales-copies@$D accounts@$D audit@$D"

bad=0		# expectations that failed
n=0		# mails sent
n_acc=0
n_rej=0
n_def=0
SUMMARY=

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

# ---- set-up ----------------------------------------------------------------

sg_setup || setup_failed "cannot make a temporary directory"
echo "Starting slapd, Redis, sendergate, Postfix, Dovecot and smtp-sink ..."
slapd_start || setup_failed "slapd did not start (see above)"
# Every client of the demo connects from 127.0.0.1: the customer's office
# network (for its IP-controlled senders) gets that address too.
ldap_admin ldapmodify >/dev/null <<EOF || setup_failed "ldapmodify failed"
dn: sgDomainName=$REALM,$SLAPD_BASE
changetype: modify
add: sgAllowedNetwork
sgAllowedNetwork: 127.0.0.1/32
EOF
redis_start || setup_failed "redis-server did not start (see above)"

MILTER_PORT=$(sg_free_port) || setup_failed "no free port for the milter"
MILTER_SOCK_demo=inet:$MILTER_PORT@127.0.0.1
cat >"$SG_TMP/demo.conf" <<EOF
# sendergate.conf written by tests/demo.sh; every other key has its default
socket = $MILTER_SOCK_demo
ldap_uri = $SLAPD_URI
ldap_base = $SLAPD_BASE
pid_file =
ldap_bind_dn = $SLAPD_BIND_DN
ldap_bind_password_file = $SLAPD_BIND_PW_FILE
redis_address = $REDIS_ADDRESS
listener_methods = smtpd:smtp submission:smtp campaign:campaign
log_level = info
EOF
"$SG_BIN" -n -c "$SG_TMP/demo.conf" >/dev/null ||
	setup_failed "sendergate -n refuses $SG_TMP/demo.conf"
milter_start demo || setup_failed "sendergate did not start (see above)"
sg_atexit milter_stop demo
sink_start || setup_failed "smtp-sink did not start (see above)"
pf_start "$MILTER_SOCK_demo" ||
	setup_failed "Postfix or Dovecot did not start (see above)"

cat <<EOF

sendergate demo
===============
Everything runs on 127.0.0.1, in $SG_TMP
(removed at the end; SG_KEEP=1 keeps it with every log):

  slapd       $SLAPD_URI   ldap-schema/example.ldif: customer $D
  Redis       $REDIS_ADDRESS           monthly counters
  sendergate  $MILTER_SOCK_demo  the milter
  Postfix     port 25 -> $PF_PORT_SMTP, 587 -> $PF_PORT_SUBMISSION, campaign -> $PF_PORT_CAMPAIGN
              (postfix-examples/main.cf and master.cf)
  Dovecot     SMTP AUTH for Postfix: login = a sender's sgAuthId,
              password = its userPassword (postfix-examples/dovecot/)
  smtp-sink   127.0.0.1:$SINK_PORT, where Postfix relays everything it accepts

swaks plays the customers' mail programs. For each mail: what was sent,
Postfix's answer (the milter decides it), and for accepted mail the
envelope recipients that arrived at smtp-sink. Passwords are the demo
secrets written in example.ldif.

EOF

# ---- one mail ----------------------------------------------------------------

# mail TITLE PORT WANT_REPLY WANT_DELIVERED SWAKS-ARGS...: send one mail,
# print its block, check the reply (a prefix) and the delivered
# recipients (space-separated addresses, "" when nothing may arrive).
mail() {
	_title=$1 _port=$2 _want=$3 _wantrcpt=$4
	shift 4
	n=$((n + 1))
	_case=demo$n
	pf_send "$_case" "$_port" --to customer@example.net \
	    --header "Subject: demo mail $n" "$@"
	_reply=$(pf_reply "$_case")
	# what was sent, from the swaks options
	_from= _login= _tls=0 _unsub=0
	while [ $# -gt 0 ]; do
		case $1 in
		--from) _from=$2; shift ;;
		--auth-user) _login=$2; shift ;;
		-tls) _tls=1 ;;
		List-Unsubscribe-Post:*) _unsub=1 ;;
		esac
		shift
	done
	case $_port in
	"$PF_PORT_SMTP") _pname="port 25" ;;
	"$PF_PORT_SUBMISSION") _pname="port 587" ;;
	*) _pname="the campaign port" ;;
	esac
	_sent="$_pname"
	[ "$_tls" = 1 ] && _sent="$_sent, STARTTLS"
	if [ -n "$_login" ]; then
		_sent="$_sent, AUTH $_login"
	else
		_sent="$_sent, no AUTH"
	fi
	printf '%2d. %s\n' "$n" "$_title"
	printf '    %-10s MAIL FROM:<%s> on %s\n' sent "$_from" "$_sent"
	if [ "$_port" = "$PF_PORT_CAMPAIGN" ]; then
		if [ "$_unsub" = 1 ]; then
			printf '    %-10s %s\n' "" \
			    "with List-Unsubscribe and List-Unsubscribe-Post"
		else
			printf '    %-10s %s\n' "" "without List-Unsubscribe headers"
		fi
	fi
	printf '    %-10s %s\n' reply "$_reply"
	case $_reply in
	"$_want"*) ;;
	*) off "reply: wanted \"$_want...\"" ;;
	esac
	_got=
	case $_reply in
	2*)
		n_acc=$((n_acc + 1))
		_label=delivered
		_del=$(pf_delivered "$_case" 10) || off "never reached smtp-sink"
		echo "$_del" | sed 's/^<\([^>]*\)>.*/\1/' | while read -r a; do
			[ -n "$a" ] || continue
			case " $COPIES " in
			*" $a "*) k="(BCC copy, NOTIFY=NEVER)" ;;
			*) if [ "$a" = "$ARCHIVE" ]; then
				k="(archive copy, NOTIFY=NEVER)"
			else
				k="(the recipient)"
			fi ;;
			esac
			printf '    %-10s %-34s %s\n' "$_label" "$a" "$k"
			_label=
		done
		_got=$(echo "$_del" | sed 's/^<\([^>]*\)>.*/\1/' | sort |
		    tr '\n' ' ' | sed 's/ $//')
		_rt=$(sed -n 's/^Reply-To: //p' "$(pf_sink_file "$_case")")
		[ -n "$_rt" ] && printf '    %-10s %s\n' "" \
		    "header Reply-To: $_rt added"
		_nr=$(echo "$_got" | wc -w)
		_short="accepted: $_nr delivered ($((_nr - 1)) copies)"
		;;
	4*) n_def=$((n_def + 1)); _short="deferred: $(echo "$_reply" | cut -c1-9)" ;;
	*) n_rej=$((n_rej + 1)); _short="refused: $(echo "$_reply" | cut -c1-9)" ;;
	esac
	_wantsorted=$(printf '%s\n' $_wantrcpt | sort | tr '\n' ' ' |
	    sed 's/ $//')
	[ "$_got" = "$_wantsorted" ] ||
		off "delivered: wanted \"$_wantsorted\", got \"$_got\""
	echo
	SUMMARY="$SUMMARY$(printf '%2d  %-50s %s' "$n" "$_title" "$_short")
"
}

# ---- the mails ----------------------------------------------------------------

AUTH="-tls --auth PLAIN"
UNSUB="--add-header List-Unsubscribe:<https://$D/unsubscribe/42>"
UNSUB1="--add-header List-Unsubscribe-Post:List-Unsubscribe=One-Click"

mail "John, authenticated on 587, as himself" "$PF_PORT_SUBMISSION" \
    "250 2.0.0 Ok: queued as" \
    "customer@example.net sales-copies@$D $ARCHIVE" \
    --from "john.smith@$D" $AUTH --auth-user "john.smith@$REALM" \
    --auth-password JohnS-2026

mail "John's login also owns support@" "$PF_PORT_SUBMISSION" \
    "250 2.0.0 Ok: queued as" "customer@example.net" \
    --from "support@$D" $AUTH --auth-user "john.smith@$REALM" \
    --auth-password JohnS-2026

mail "John's login, but billing@ as the sender" "$PF_PORT_SUBMISSION" \
    "553 5.7.1 Sender address rejected: not owned by user john.smith@$REALM" \
    "" --from "billing@$D" $AUTH --auth-user "john.smith@$REALM" \
    --auth-password JohnS-2026

mail "John with a wrong password" "$PF_PORT_SUBMISSION" \
    "535 5.7.8 Error: authentication failed" "" \
    --from "john.smith@$D" $AUTH --auth-user "john.smith@$REALM" \
    --auth-password not-his-password

mail "John on port 25 without logging in" "$PF_PORT_SMTP" \
    "530 5.7.0 Authentication required" "" --from "john.smith@$D"

mail "The ERP (billing@), IP-controlled, port 25" "$PF_PORT_SMTP" \
    "250 2.0.0 Ok: queued as" \
    "customer@example.net accounts@$D audit@$D $ARCHIVE" \
    --from "billing@$D"

mail "An unregistered sender of the customer" "$PF_PORT_SMTP" \
    "550 5.7.1 Sender <nobody@$D> is not registered" "" \
    --from "nobody@$D"

mail "A domain that is no customer's" "$PF_PORT_SMTP" \
    "550 5.7.1 Sender domain <example.org> is not registered" "" \
    --from "someone@example.org"

mail "The intern: monthly limit 0 (over quota)" "$PF_PORT_SUBMISSION" \
    "451 4.7.1 Monthly sending limit reached for <intern@$D>" "" \
    --from "intern@$D" $AUTH --auth-user "intern@$REALM" \
    --auth-password Intern-2026

mail "Newsletter on the campaign port, with unsubscribe" \
    "$PF_PORT_CAMPAIGN" "250 2.0.0 Ok: queued as" "customer@example.net" \
    --from "newsletter@$D" $UNSUB $UNSUB1

mail "Newsletter without the unsubscribe headers" "$PF_PORT_CAMPAIGN" \
    "550 5.7.1 Bulk mail must carry one-click List-Unsubscribe" "" \
    --from "newsletter@$D"

mail "Newsletter on port 25 (not its access method)" "$PF_PORT_SMTP" \
    "550 5.7.1 Sender <newsletter@$D> may not send via smtp" "" \
    --from "newsletter@$D"

mail "Promotions: suspended after complaints" "$PF_PORT_CAMPAIGN" \
    "451 4.7.1 Sender <promo@$D> is suspended" "" \
    --from "promo@$D" $AUTH --auth-user "promo@$REALM" \
    --auth-password Promo-2026 $UNSUB $UNSUB1

# ---- the summary ----------------------------------------------------------------

echo "The milter's decision log (sendergate -f writes it to stderr;"
echo "otherwise it goes to syslog, facility mail):"
echo
sed -nE 's/^sendergate: info: ([^ ]+: (accept|reject|tempfail) rule=)/  \1/p' \
    "$SG_TMP/demo.log"
if grep -q '^sendergate: error: ' "$SG_TMP/demo.log"; then
	off "the milter logged errors"
fi

echo
echo "Summary"
echo "-------"
printf '%s' "$SUMMARY"
echo
echo "$n mails: $n_acc accepted, $n_rej refused, $n_def deferred (4xx: the" \
    "client retries later)."
echo "Accepted mail reached the outbound side with sendergate's BCC and"
echo "archive copies added to the envelope; refused mail reached nothing."
nsink=$(ls "$SINK_DIR" | wc -l)
[ "$nsink" -eq "$n_acc" ] ||
	off "smtp-sink holds $nsink messages for $n_acc accepted mails"
if [ "${SG_KEEP:-0}" = 1 ]; then
	echo "Kept $SG_TMP: demo.log (the milter), postfix.log, dovecot.log,"
	echo "sink/ (each delivered message), demoN.swaks (each SMTP session)."
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
