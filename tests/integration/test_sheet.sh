#!/bin/sh
# test_sheet.sh - issue 25: the onboarding sheet works as written. A
# customer gets the --json sheet of a sender just added (sender add
# --generate-password) and, with only what it says (host, port, TLS
# mode, login, the generated password; parsed by python3), sends through
# the real Postfix of the shipped examples (swaks): accepted on 587 over
# STARTTLS. An IP-controlled sender's sheet: from its network without
# AUTH, accepted; with AUTH, 553, as the sheet warned. The sheet never
# holds the userPassword hash nor (sender sheet) any password; --mail
# reaches an smtp-sink relay without one; bad arguments give clear
# errors and the exit codes of the other commands.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/postfix.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP test_sheet.sh needs root (a private Postfix queue)"
	exit 0
fi
for p in postfix smtp-sink swaks dovecot python3; do
	command -v "$p" >/dev/null 2>&1 ||
	    { echo "not ok - $p is not installed (sh tests/lib/deps.sh)"; exit 1; }
done

pf_netns_enter "$0" "$@"
sg_setup
pf_ldif "$SG_TMP/pf.ldif" || { echo "not ok - pf_ldif"; exit 1; }
SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TOP/tests/integration/data.ldif" \
    "$SG_TMP/pf.ldif" || { echo "not ok - slapd did not start"; exit 1; }
redis_start || { echo "not ok - redis did not start"; exit 1; }
VPORT=$(sg_free_port)
SG_MILTER_PORT=8891
milter_conf main "customer_smtp_hosts = localhost" \
    "customer_ports = 25:optional:smtp 587:required:smtp 2525:optional:campaign" \
    "notify_relay = 127.0.0.1:$VPORT" "notify_from = onboarding@relay.test"
SG_MILTER_PORT=
milter_start main || { echo "not ok - sendergate did not start"; exit 1; }
sink_start || { echo "not ok - smtp-sink did not start"; exit 1; }
pf_start "$MILTER_SOCK_main" ||
	{ echo "not ok - postfix or dovecot did not start"; exit 1; }
R=$PF_REALM

CTLBIN=${SG_CTL:-$SG_TOP/milter/sendergatectl}
ADMIN_PW_FILE=$SG_TMP/admin.pw
sg_secret_file "$ADMIN_PW_FILE" "$SLAPD_ADMIN_PW"
# ctl ARGS: as the admin; ro ARGS: as the milter's account; CONF=FILE ro
ctl() {
	"$CTLBIN" -c "$SG_TMP/main.conf" --bind-dn "$SLAPD_ADMIN_DN" \
	    --bind-password-file "$ADMIN_PW_FILE" "$@" \
	    >"$SG_TMP/ctl.out" 2>"$SG_TMP/ctl.err"
	rc=$?
	return 0
}
ro() {
	"$CTLBIN" -c "${CONF:-$SG_TMP/main.conf}" "$@" >"$SG_TMP/ctl.out" \
	    2>"$SG_TMP/ctl.err"
	rc=$?
	return 0
}
rc_is() {
	[ "$rc" -eq "$1" ] && return 0
	echo "	# exit $rc, want $1; stderr: $(head -c 300 "$SG_TMP/ctl.err")"
	return 1
}
out_has() { grep -qF -- "$1" "$SG_TMP/ctl.out"; }
err_has() { grep -qF -- "$1" "$SG_TMP/ctl.err"; }
# js EXPR: a python3 expression over the JSON sheet j in ctl.out
js() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if not isinstance(v, bool) else str(v).lower())' \
	    "$SG_TMP/ctl.out" "$1" 2>>"$SG_TMP/js.err"
}
# no_secret: ctl.out holds no userPassword value ({CRYPT}, {SSHA}, $y$)
no_secret() {
	! grep -qE '\{CRYPT\}|\{SSHA\}|\$y\$|userPassword' "$SG_TMP/ctl.out"
}
# send CASE HOST PORT TLS FROM [swaks options...]: as a customer does,
# STARTTLS when the sheet says required or optional, the server's name
# checked against the test CA
send() {
	_c=$1 _h=$2 _p=$3 _t=$4 _f=$5
	shift 5
	case $_t in required|optional) set -- -tls "$@" ;; esac
	swaks --server "$_h" --port "$_p" --timeout 20 --helo client.test \
	    --tls-verify --tls-ca-path "$SG_TMP/tls/ca.pem" \
	    --header "X-Case: $_c" --from "$_f" --to rcpt@far.test "$@" \
	    >"$SG_TMP/$_c.swaks" 2>&1
}
reply_is() {
	_ri_got=$(pf_reply "$1")
	case $_ri_got in
	"$2"*) return 0 ;;
	esac
	echo "	# $1: got \"$_ri_got\", want \"$2\""
	return 1
}

# --- a user-authenticated sender: added, its sheet, and it works ---------
U=sheetuser@pf.test
ctl sender add $U --name "Sheet User" --access smtp --auth user \
    --auth-id "sheetuser@$R" --limit 250 --reply-to replies@pf.test \
    --notify contact@pf.test --generate-password --json
cp "$SG_TMP/ctl.out" "$SG_TMP/user.json"
check "sender add --generate-password --json: exit 0, one JSON object" \
    sh -c "[ $rc -eq 0 ] && python3 -m json.tool '$SG_TMP/ctl.out' >/dev/null"
PW=$(js 'j["password"]')
HOST=$(js 'j["hosts"][0]')
PORT=$(js 'j["ports"][0]["port"]')
TLS=$(js 'j["ports"][0]["tls"]')
LOGIN=$(js 'j["logins"][0]')
check "the sheet: host localhost, 587 first and recommended, TLS required" \
    test "$HOST $PORT $TLS $(js 'j["ports"][0]["recommended"]')" = \
    "localhost 587 required true"
check "the sheet: the ports of its method only (25, not the campaign port)" \
    test "$(js '" ".join(str(p["port"]) + ":" + p["tls"] for p in j["ports"])')" = \
    "587:required 25:optional"
check "the sheet: login, a 20-character password, password_set, smtp_auth required" \
    test "$LOGIN ${#PW} $(js 'j["password_set"]') $(js 'j["smtp_auth"]')" = \
    "sheetuser@$R 20 true required"
check "the sheet: sender, name, limit, reply-to not verified, suppression" \
    test "$(js '[j["sender"], j["name"], j["monthly_limit"], j["domain_monthly_limit"], j["reply_to"], j["reply_to_verified"], j["suppression"], j["suppression_applies"]]')" = \
    "['$U', 'Sheet User', 250, 1000, 'replies@pf.test', False, 'campaign', False]"
check "the sheet of sender add holds no userPassword hash" no_secret
check "the password appears once in what sender add printed" \
    test "$(grep -o "$PW" "$SG_TMP/ctl.out" | wc -l)" -eq 1

send sheet-587 "$HOST" "$PORT" "$TLS" $U --auth PLAIN --auth-user "$LOGIN" \
    --auth-password "$PW"
check "with only the sheet: 587, STARTTLS, AUTH with the generated password: accepted" \
    reply_is sheet-587 "250 2.0.0 Ok: queued as"
check "with only the sheet: STARTTLS was used" \
    grep -q 'STARTTLS' "$SG_TMP/sheet-587.swaks"
check "with only the sheet: delivered" \
    eval 'pf_delivered sheet-587 >/dev/null'
check "the milter accepted it as the sender's own login" \
    logged main "accept rule=ok from=<$U> auth=sheetuser@$R client=127.0.0.1 method=smtp"

# --- the text sheet, and no secret in it ------------------------------------
ctl sender sheet $U
check "sender sheet (text): exit 0" rc_is 0
check "text: host, 587 first recommended, then 25" \
    sh -c "grep '^host: ' '$SG_TMP/ctl.out' | grep -qx 'host: localhost' &&
    grep '^port: ' '$SG_TMP/ctl.out' | head -n 1 | grep -q '^port: 587 (smtp), TLS required.*(recommended)$' &&
    grep '^port: ' '$SG_TMP/ctl.out' | sed -n 2p | grep -q '^port: 25 (smtp), TLS optional'"
check "text: login, password set (yes), how to authenticate" \
    sh -c "grep -qx 'login: sheetuser@$R' '$SG_TMP/ctl.out' &&
    grep -q '^password set: yes' '$SG_TMP/ctl.out' &&
    grep -q '^authentication: SMTP AUTH' '$SG_TMP/ctl.out'"
check "text: limit, reply-to, suppression" \
    sh -c "grep -qx 'monthly limit: 250 messages a calendar month (UTC)' '$SG_TMP/ctl.out' &&
    grep -q '^reply-to: replies@pf.test (not verified' '$SG_TMP/ctl.out' &&
    grep -q '^suppression: does not apply' '$SG_TMP/ctl.out'"
check "sender sheet: no password, no hash" \
    sh -c "! grep -q '^password: ' '$SG_TMP/ctl.out' && ! grep -qF -- '$PW' '$SG_TMP/ctl.out'" &&
    no_secret
ctl sender sheet $U --json
check "sender sheet --json: no password key, no hash, password_set true" \
    test "$(js '"password" in j')-$(js 'j["password_set"]')" = "false-true" &&
    no_secret
ro sender sheet $U
check "as the milter's account (cannot read userPassword): password set unknown, no hash" \
    sh -c "[ $rc -eq 0 ] && grep -q '^password set: unknown' '$SG_TMP/ctl.out'" &&
    no_secret

# --- an IP-controlled sender -------------------------------------------------
I=sheetip@pf.test
ctl sender add $I --name "Sheet IP" --access smtp --auth ip \
    --network 127.0.0.1/32 --limit 40 --json
cp "$SG_TMP/ctl.out" "$SG_TMP/ip.json"
check "sender add (ip) --json: exit 0, no password, smtp_auth forbidden" \
    test "$rc-$(js '"password" in j')-$(js 'j["smtp_auth"]')-$(js 'j["logins"]')" = \
    "0-false-forbidden-[]"
check "ip sheet: its network; not 587 (submission wants AUTH); 25 first" \
    test "$(js 'j["networks"]')-$(js '[p["port"] for p in j["ports"]]')" = \
    "['127.0.0.1/32']-[25]"
IHOST=$(js 'j["hosts"][0]')
IPORT=$(js 'j["ports"][0]["port"]')
ITLS=$(js 'j["ports"][0]["tls"]')
send sheet-ip "$IHOST" "$IPORT" "$ITLS" $I
check "with only the sheet: from its network, no AUTH: accepted" \
    reply_is sheet-ip "250 2.0.0 Ok: queued as"
send sheet-ip-auth "$IHOST" "$IPORT" "$ITLS" $I --auth PLAIN \
    --auth-user "$LOGIN" --auth-password "$PW"
check "the same sender with AUTH: 553, as the sheet warned" \
    reply_is sheet-ip-auth "553 5.7.1 Sender address rejected: not owned by user sheetuser@$R"
ctl sender sheet $I
check "ip text sheet: network, the plain instruction not to authenticate (553)" \
    sh -c "grep -qx 'network: 127.0.0.1/32' '$SG_TMP/ctl.out' &&
    grep -q '^authentication: none: .*do not authenticate.*refused with 553 5.7.1' '$SG_TMP/ctl.out' &&
    ! grep -q '^login: ' '$SG_TMP/ctl.out' && ! grep -q '^password' '$SG_TMP/ctl.out'"

# --- a campaign sender: the campaign port, List-Unsubscribe ------------------
ctl sender sheet pfcamp@pf.test --json
check "campaign sender: only the campaign port, one-click unsubscribe said" \
    test "$(js '[p["port"] for p in j["ports"]]')-$(js 'j["campaign_requires_unsubscribe"]')-$(js 'j["suppression_applies"]')" = \
    "[2525]-true-true"

# --- passwd --generate: a new sheet with the new password -----------------------
ctl passwd $U --generate --json
PW2=$(js 'j["password"]')
check "passwd --generate --json: exit 0, a new password in the sheet, no hash" \
    test "$rc" -eq 0 -a "${#PW2}" -eq 20 -a "$PW2" != "$PW" && no_secret
send sheet-pw2 "$HOST" "$PORT" "$TLS" $U --auth PLAIN --auth-user "$LOGIN" \
    --auth-password "$PW2"
check "the new password works as its sheet says" \
    reply_is sheet-pw2 "250 2.0.0 Ok: queued as"
ctl passwd $U --generate
check "passwd --generate (text): the password once, on its line" \
    test "$rc" -eq 0 -a "$(grep -c '^password: ' "$SG_TMP/ctl.out")" -eq 1

# --- --mail: to the contacts, through notify_relay, without a password ------
mkdir -p "$SG_TMP/vsink" && chmod 777 "$SG_TMP/vsink"
smtp-sink -u "$(id -un)" -d "$SG_TMP/vsink/msg." "127.0.0.1:$VPORT" 8 \
    >>"$SG_TMP/vsink.log" 2>&1 &
VSINK=$!
sg_atexit "kill $VSINK"
pf_wait_port "$VPORT" 50
ctl domain update pf.test --add-notify ops@pf.test
ctl sender sheet $U --mail
check "sender sheet --mail: exit 0, says to whom" \
    sh -c "[ $rc -eq 0 ] && grep -qx 'sheet of <$U> sent to <contact@pf.test>, <ops@pf.test>' '$SG_TMP/ctl.out'"
vfile() { grep -l 'onboarding sheet of' "$SG_TMP"/vsink/msg.* 2>/dev/null | tail -n 1; }
_i=0
while [ -z "$(vfile)" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
F=$(vfile)
check "the mail reached the sink, to the sender's and the domain's contacts" \
    sh -c "[ -n '$F' ] && grep -q '^To: .*contact@pf.test' '$F' &&
    grep -q 'ops@pf.test' '$F' && grep -q '^From: onboarding@relay.test' '$F'"
check "the mail is the sheet: host and ports" \
    sh -c "grep -q '^host: localhost' '$F' && grep -q '^port: 587 (smtp)' '$F'"
check "the mail holds no password and no hash" \
    sh -c "! grep -qF -- '$PW' '$F' && ! grep -qF -- '$PW2' '$F' &&
    ! grep -q '^password: ' '$F' && ! grep -qE '[{]CRYPT[}]|[$]y[$]' '$F'"
ctl sender sheet $I --mail
check "--mail for a sender without contacts of its own: the domain's" \
    sh -c "[ $rc -eq 0 ] && grep -qx 'sheet of <$I> sent to <ops@pf.test>' '$SG_TMP/ctl.out'"
ctl sender sheet pfip@pf.test --mail --relay "127.0.0.1:$(sg_free_port)"
check "--mail, the relay down: exit 4, said" \
    sh -c "[ $rc -eq 4 ] && grep -q 'the sheet was not sent' '$SG_TMP/ctl.err'"

# --- bad arguments -------------------------------------------------------------
ctl sender sheet nobody@pf.test
check "unknown sender: exit 1, said" \
    sh -c "[ $rc -eq 1 ] && grep -qx 'sendergatectl: no sender <nobody@pf.test>' '$SG_TMP/ctl.err'"
ctl sender sheet not-an-address
check "not an address: exit 2, said" \
    sh -c "[ $rc -eq 2 ] && grep -q 'not a valid address' '$SG_TMP/ctl.err'"
ctl sender sheet
check "no operand: exit 2, missing ADDRESS" \
    sh -c "[ $rc -eq 2 ] && grep -q 'missing ADDRESS' '$SG_TMP/ctl.err'"
ctl sender sheet $U --mail --json
check "--mail with --json: exit 2" rc_is 2
ctl sender sheet $U --relay 127.0.0.1:25
check "--relay without --mail: exit 2" rc_is 2
ctl sender sheet $U --limit 5
check "an edit option: exit 2" rc_is 2
ctl sender show $U --mail
check "--mail on another command: exit 2" rc_is 2
ctl passwd $U --json
check "passwd --json without --generate: exit 2" rc_is 2
ctl domain update pf.test --remove-notify ops@pf.test
ctl sender sheet $I --mail
check "--mail, no contact on the sender or its domain: exit 3, said" \
    sh -c "[ $rc -eq 3 ] && grep -q 'sgNotifyAddress' '$SG_TMP/ctl.err'"
grep -v '^customer_' "$SG_TMP/main.conf" >"$SG_TMP/nosheet.conf"
CONF=$SG_TMP/nosheet.conf ro sender sheet $U
check "customer_smtp_hosts / customer_ports not set: exit 2, said" \
    sh -c "[ $rc -eq 2 ] && grep -q 'customer_smtp_hosts and customer_ports are not set' '$SG_TMP/ctl.err'"
sed "s|^ldap_uri = .*|ldap_uri = ldap://127.0.0.1:$(sg_free_port)|" \
    "$SG_TMP/main.conf" >"$SG_TMP/noldap.conf"
CONF=$SG_TMP/noldap.conf ro sender sheet $U
check "LDAP down: exit 4" rc_is 4
