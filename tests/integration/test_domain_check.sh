#!/bin/sh
# test_domain_check.sh - domain validation against real DNS: an
# authoritative NSD on loopback (tests/lib/dns.sh) serves the customers'
# zones, sendergatectl asks it through libunbound (dns_resolver).
# Ownership on domain add (the record of domain token published, missing,
# skipped with a reason, SERVFAIL); domain check with every check passing,
# each failing on its own, TXT split into several strings, CNAME chains,
# SERVFAIL and a timeout (exit 4, nothing recorded); what it records on
# the entry, a check that broke; and rule 13d in the milter, which reads
# the recorded result and asks no DNS.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"
. "$(dirname "$0")/../lib/dns.sh"

sg_backends
CTLBIN=${SG_CTL:-$SG_TOP/milter/sendergatectl}
ADMIN_PW_FILE=$SG_TMP/admin.pw
sg_secret_file "$ADMIN_PW_FILE" "$SLAPD_ADMIN_PW"
sg_secret_file "$SG_TMP/token.secret" "relay secret for tests"
B=$SLAPD_BASE
RELAY_IP=192.0.2.25
DNS_PORT=$(sg_free_port)
milter_conf main "domain_token_secret_file = $SG_TMP/token.secret" \
    "relay_addresses = $RELAY_IP" "dns_resolver = 127.0.0.1:$DNS_PORT" \
    "campaign_require_dmarc = yes"

ctl() {
	"$CTLBIN" -c "$SG_TMP/main.conf" --bind-dn "$SLAPD_ADMIN_DN" \
	    --bind-password-file "$ADMIN_PW_FILE" "$@" \
	    >"$SG_TMP/ctl.out" 2>"$SG_TMP/ctl.err"
	rc=$?
	rm -f "$SG_TMP/verdicts"
	cat "$SG_TMP/ctl.err" >>"$SG_TMP/ctl.all"
	return 0
}
check() {
	_case=$1
	shift
	if "$@"; then
		echo "ok - $_case"
	else
		echo "not ok - $_case (status $rc)"
		sed 's/^/	# /' "$SG_TMP/ctl.out" "$SG_TMP/ctl.err" 2>/dev/null |
		    head -n 20
	fi
}
rc_is() { test "$rc" -eq "$1"; }
out_has() { grep -qF -- "$1" "$SG_TMP/ctl.out"; }
err_has() { grep -qF -- "$1" "$SG_TMP/ctl.err"; }
ldap_val() {
	ldap_admin ldapsearch -LLL -b "$1" -s base '(objectClass=*)' "$2" \
	    2>/dev/null | sed -n "s/^$2: //p" | sort | tr '\n' ' ' |
	    sed 's/ $//'
}
dn_of() { echo "sgDomainName=$1-test.relay.example,$B"; }
# verdict PRIMARY CHECK: the check's verdict in the last --json output
# (CHECK "all": the domain's); the output read once into "primary check
# verdict" lines, $SG_TMP/verdicts, which ctl removes
verdict() {
	[ -s "$SG_TMP/verdicts" ] || python3 -c '
import json, sys
for x in json.load(open(sys.argv[1]))["domains"]:
    print(x["primary"], "all", x["verdict"])
    for c in x["checks"]:
        print(x["primary"], c["check"], c["verdict"])
' "$SG_TMP/ctl.out" >"$SG_TMP/verdicts" 2>/dev/null
	awk -v p="$1" -v c="$2" '$1 == p && $2 == c { print $3; exit }' \
	    "$SG_TMP/verdicts"
}

# --- the zones --------------------------------------------------------------
# token PRIMARY: the ownership record, as domain token prints it (a zone
# file line with an absolute name)
token() {
	ctl domain token "$1"
	cat "$SG_TMP/ctl.out"
}
KEY1='"v=DKIM1; k=rsa; " "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zwt"'
# zone NAME LINES...: the zone file of NAME (SOA and NS first)
zone() {
	_z=$1
	shift
	{
		printf '$ORIGIN %s.\n$TTL 30\n' "$_z"
		printf '@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 30\n' \
		    "$_z" "$_z"
		printf '@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$_z"
		for _l in "$@"; do
			printf '%s\n' "$_l"
		done
	} >"$SG_TMP/dns/$_z.zone"
}
SPF_OK='@ IN TXT "v=spf1 ip4:192.0.2.25 -all"'
DKIM_OK="sg1._domainkey IN TXT $KEY1"
DMARC_OK='_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.sgdns"'
mkdir -p "$SG_TMP/dns"
# every check passes
zone good.sgdns "$(token good.sgdns)" "$SPF_OK" "$DKIM_OK" "$DMARC_OK"
# each failing on its own
zone notoken.sgdns "$SPF_OK" "$DKIM_OK" "$DMARC_OK"
zone nospf.sgdns "$(token nospf.sgdns)" "$DKIM_OK" "$DMARC_OK"
zone spffail.sgdns "$(token spffail.sgdns)" \
    '@ IN TXT "v=spf1 ip4:198.51.100.1 -all"' "$DKIM_OK" "$DMARC_OK"
zone nodkim.sgdns "$(token nodkim.sgdns)" "$SPF_OK" "$DMARC_OK" \
    'other._domainkey IN TXT "v=DKIM1; p=MIGf"'
zone nodmarc.sgdns "$(token nodmarc.sgdns)" "$SPF_OK" "$DKIM_OK"
# TXT records split into several strings (and a long one)
zone split.sgdns "$(token split.sgdns)" \
    '@ IN TXT "v=spf1 " "ip4:192.0.2.25" " -all"' \
    "sg1._domainkey IN TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7zwtIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7zwtIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7zwtIRP/UC3SBsEmGqZ9ZJW3/DkMoGeL\" \"nQg1fWn7zwtIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7zwtIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7zwtIDAQAB\"" \
    '_dmarc IN TXT "v=DMARC1; " "p=quarantine; " "adkim=r"'
# CNAME chains: the customer points at the relay's records
zone cname.sgdns "$(token cname.sgdns)" \
    '@ IN TXT "v=spf1 include:_spf.relay.sgdns -all"' \
    'sg1._domainkey IN CNAME sg1._domainkey.relay.sgdns.' \
    '_dmarc IN CNAME _dmarc.relay.sgdns.'
zone relay.sgdns '_spf IN CNAME spf' 'spf IN TXT "v=spf1 ip4:192.0.2.25 -all"' \
    'sg1._domainkey IN CNAME keys' "keys IN TXT $KEY1" \
    '_dmarc IN CNAME dmarc' 'dmarc IN TXT "v=DMARC1; p=none"'
dns_start good.sgdns notoken.sgdns nospf.sgdns spffail.sgdns nodkim.sgdns \
    nodmarc.sgdns split.sgdns cname.sgdns relay.sgdns '!broken.sgdns' ||
    { echo "not ok - nsd did not start"; exit 1; }

# --- domain token ------------------------------------------------------------
ctl domain token Good.Sgdns
check "domain token: the record to publish" out_has \
    '_sendergate.good.sgdns. IN TXT "sendergate-verification='
T1=$(cat "$SG_TMP/ctl.out")
ctl domain token good.sgdns
check "domain token: the same for any letter case, nothing stored" \
    test "$(cat "$SG_TMP/ctl.out")" = "$T1"
ctl domain token good.sgdns --json
check "domain token --json" out_has '"name":"_sendergate.good.sgdns"'
ctl domain token 'not a domain'
check "domain token: not a domain: usage error" rc_is 2

# --- ownership on domain add ---------------------------------------------------
for d in good nospf spffail nodkim nodmarc split cname; do
	ctl domain add "$d-test.relay.example" --primary "$d.sgdns" \
	    --dkim-selector sg1
	check "domain add $d.sgdns: the record is published: exit 0" rc_is 0
done
check "domain add: verified" \
    test "$(ldap_val "$(dn_of good)" sgPrimaryDomainVerified)" = TRUE
check "domain add: verified at (generalized time)" \
    expr "$(ldap_val "$(dn_of good)" sgPrimaryDomainVerifiedAt)" : \
    '20[0-9]\{12\}Z$'
ctl domain add notoken-test.relay.example --primary notoken.sgdns
check "domain add, no record: exit 3" rc_is 3
check "domain add, no record: the record to publish in the message" \
    err_has "publish _sendergate.notoken.sgdns. IN TXT \"sendergate-verification="
check "domain add, no record: nothing written" \
    test -z "$(ldap_val "$(dn_of notoken)" sgDomainName)"
ctl domain add notoken-test.relay.example --primary notoken.sgdns \
    --dkim-selector sg1 --skip-dns-check --reason "ticket 4711: DNS next week"
check "domain add --skip-dns-check --reason: exit 0" rc_is 0
check "domain add --skip-dns-check: reason recorded" \
    test "$(ldap_val "$(dn_of notoken)" sgDnsCheckSkipReason)" = \
    "ticket 4711: DNS next week"
check "domain add --skip-dns-check: not verified" \
    test "$(ldap_val "$(dn_of notoken)" sgPrimaryDomainVerified)" = FALSE
ctl domain add broken-test.relay.example --primary broken.sgdns
check "domain add, SERVFAIL: exit 4 (a backend failure, not 3)" rc_is 4
check "domain add, SERVFAIL: said" err_has "SERVFAIL"
ctl domain add broken-test.relay.example --primary broken.sgdns \
    --skip-dns-check --reason "broken zone on purpose"
check "domain add broken.sgdns with --skip-dns-check" rc_is 0
# domain update --primary: the new primary domain is checked too
ctl domain update split-test.relay.example --primary notoken.sgdns
check "domain update --primary without the record: exit 3" rc_is 3
ctl domain update split-test.relay.example --limit 100
check "domain update without --primary: no DNS check" rc_is 0

# --- domain check ---------------------------------------------------------------
ctl domain check
check "domain check without DOMAIN or --all: usage error" rc_is 2
ctl domain check good.sgdns
check "domain check: all pass: exit 0" rc_is 0
check "domain check: all pass" out_has "good.sgdns (good-test.relay.example): pass"
ctl domain check --all --json
check "domain check --all: a check fails: exit 4 (broken.sgdns SERVFAIL)" \
    rc_is 4
check "domain check --all --json: good.sgdns passes" \
    test "$(verdict good.sgdns all)" = pass
for c in ownership spf dkim dmarc; do
	check "good.sgdns: $c pass" test "$(verdict good.sgdns $c)" = pass
done
# each failing on its own: the one check fails, the others pass
alone() {	# PRIMARY CHECK
	_ok=1
	for _c in ownership spf dkim dmarc; do
		_v=$(verdict "$1" "$_c")
		if [ "$_c" = "$2" ]; then
			[ "$_v" = fail ] || _ok=0
		else
			[ "$_v" = pass ] || _ok=0
		fi
	done
	[ $_ok -eq 1 ] || echo "	# $1: $(python3 -c 'import json,sys; print([x for x in json.load(open(sys.argv[1]))["domains"] if x["primary"]==sys.argv[2]])' "$SG_TMP/ctl.out" "$1")"
	[ $_ok -eq 1 ]
}
check "notoken.sgdns: ownership alone fails" alone notoken.sgdns ownership
check "nospf.sgdns: spf alone fails" alone nospf.sgdns spf
check "spffail.sgdns: spf alone fails" alone spffail.sgdns spf
check "nodkim.sgdns: dkim alone fails" alone nodkim.sgdns dkim
check "nodmarc.sgdns: dmarc alone fails" alone nodmarc.sgdns dmarc
check "split.sgdns: TXT in several strings: all pass" \
    test "$(verdict split.sgdns all)" = pass
check "cname.sgdns: CNAME chains: all pass" \
    test "$(verdict cname.sgdns all)" = pass
check "broken.sgdns: SERVFAIL is an error, not a verdict" \
    test "$(verdict broken.sgdns all)" = error
check "broken.sgdns: the error says SERVFAIL" out_has '"verdict":"error"'
ctl domain check nodmarc.sgdns
check "domain check: a failure: exit 1" rc_is 1
check "domain check: the DMARC record to publish" \
    out_has 'publish: _dmarc.nodmarc.sgdns. IN TXT "v=DMARC1; p=none"'
ctl domain check spffail.sgdns
check "domain check: the SPF record to publish" \
    out_has 'publish: spffail.sgdns. IN TXT "v=spf1 ip4:192.0.2.25 -all"'
ctl domain check broken.sgdns
check "domain check, SERVFAIL: exit 4" rc_is 4
check "domain check, SERVFAIL: never 'not verified'" \
    test "$(ldap_val "$(dn_of broken)" sgDnsCheckedAt)" = ""

# --- what is recorded ---------------------------------------------------------
check "recorded: good.sgdns has DMARC" \
    test "$(ldap_val "$(dn_of good)" sgDmarcFound)" = TRUE
check "recorded: nodmarc.sgdns has none" \
    test "$(ldap_val "$(dn_of nodmarc)" sgDmarcFound)" = FALSE
check "recorded: the time of the check" \
    expr "$(ldap_val "$(dn_of good)" sgDnsCheckedAt)" : '20[0-9]\{12\}Z$'
check "recorded: one line per check" \
    test "$(ldap_admin ldapsearch -LLL -b "$(dn_of nodmarc)" -s base \
    sgDnsCheckResult | grep -c '^sgDnsCheckResult: ')" -eq 4

# --- a timeout: the resolver gets no answer ----------------------------------
dns_freeze
t0=$(date +%s)
ctl domain check good.sgdns
t1=$(date +%s)
dns_thaw
check "domain check, DNS frozen: exit 4" rc_is 4
check "domain check, DNS frozen: says so" err_has "no answer within"
check "domain check, DNS frozen: within the timeout ($((t1 - t0)) s)" \
    test $((t1 - t0)) -le 15
check "domain check, DNS frozen: the last result kept" \
    test "$(ldap_val "$(dn_of good)" sgDmarcFound)" = TRUE

# --- a record that broke ------------------------------------------------------
zone good.sgdns "$(token good.sgdns)" "$DKIM_OK" "$DMARC_OK" \
    '@ IN TXT "v=spf1 ip4:198.51.100.1 -all"'
dns_restart || echo "not ok - nsd did not restart"
ctl domain check --all
check "broke: said on stderr for the log" \
    err_has "good.sgdns: spf broke (was pass)"
check "broke: only what changed" test "$(grep -c ' broke (was' "$SG_TMP/ctl.err")" -eq 1
ctl domain check --all
check "broke: said once, not again at the next run" \
    test "$(grep -c ' broke (was' "$SG_TMP/ctl.err")" -eq 0

# --- rule 13d: the milter reads the recorded result ----------------------------
for d in good nodmarc; do
	ctl sender add "camp@$d.sgdns" --name C --access campaign --auth ip \
	    --network 192.0.2.0/24 --limit 100
done
milter_start main || { echo "not ok - sendergate did not start"; exit 1; }
UNSUB="List-Unsubscribe: <https://x.sgdns/u/1>"
POST="List-Unsubscribe-Post: List-Unsubscribe=One-Click"
ok_mt main rule13d-no-dmarc <<EOF
$(tx_head Q13D camp@nodmarc.sgdns 192.0.2.7 "" campaign)
expect continue
$(tx_body camp@nodmarc.sgdns "$UNSUB" "$POST")
expect 550 5.7.1 Bulk mail requires a DMARC record for <nodmarc.sgdns>
EOF
check "rule 13d: logged with its rule" logged main "rule=dmarc"
ok_mt main rule13d-dmarc <<EOF
$(tx_head Q13E camp@good.sgdns 192.0.2.7 "" campaign)
expect continue
$(tx_body camp@good.sgdns "$UNSUB" "$POST")
expect continue
EOF
dns_stop
ok_mt main rule13d-no-dns-needed <<EOF
$(tx_head Q13F camp@nodmarc.sgdns 192.0.2.7 "" campaign)
expect continue
$(tx_body camp@nodmarc.sgdns "$UNSUB" "$POST")
expect 550 5.7.1 Bulk mail requires a DMARC record for <nodmarc.sgdns>
EOF
check "the milter links no DNS library" \
    eval '! ldd "$SG_BIN" | grep -qE "libunbound|libspf2|libopendmarc"'
check "no sanitizer report" eval '! grep -qE "AddressSanitizer|runtime error:" "$SG_TMP/ctl.all"'
