#!/bin/sh
# test_mirror.sh - ldap_mode = mirror against a real slapd with syncprov:
# every kind of change seen by the running milter within 1 s, a restart
# of slapd (the copy served meanwhile, changes made while it was away
# picked up), a reload the server demands (e-syncRefreshRequired),
# mirror_max_stale, and the fall-back to query mode without syncprov.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

B=ou=sendergate,dc=example,dc=com
D1=sgDomainName=m1-test.relay.example,$B
D2=sgDomainName=m2-test.relay.example,$B
L1=ann@m1-test.relay.example

sg_setup
cat >"$SG_TMP/mirror.ldif" <<EOF
dn: $D1
objectClass: sgDomain
sgDomainName: m1-test.relay.example
sgPrimaryDomain: m1.test
sgAllowedNetwork: 192.0.2.0/24
sgArchiveAddress: arch1@vault.test

dn: mail=ann@m1.test,$D1
objectClass: sgSender
mail: ann@m1.test
sgAuthMethod: user
sgAuthId: $L1
sgArchive: TRUE

dn: mail=ben@m1.test,$D1
objectClass: sgSender
mail: ben@m1.test
sgAuthMethod: ip
sgAllowedNetwork: 198.51.100.0/24

dn: mail=cat@m1.test,$D1
objectClass: sgSender
mail: cat@m1.test
sgAuthMethod: ip

dn: mail=mark@m1.test,$D1
objectClass: sgSender
mail: mark@m1.test
sgAuthMethod: ip
description: touched to place the sync cookie

dn: $D2
objectClass: sgDomain
sgDomainName: m2-test.relay.example
sgPrimaryDomain: m2.test
sgAllowedNetwork: 192.0.2.0/24

dn: mail=dan@m2.test,$D2
objectClass: sgSender
mail: dan@m2.test
sgAuthMethod: ip
EOF
# A small session log and the reload hint: a consumer whose cookie the
# server cannot serve any more is told e-syncRefreshRequired.
SLAPD_NO_EXAMPLE=1 SLAPD_SESSIONLOG=4 \
    SLAPD_EXTRA_DB_CONF="syncprov-reloadhint TRUE" \
    slapd_start "$SG_TMP/mirror.ldif" ||
	{ echo "not ok - slapd did not start"; exit 1; }
redis_start || { echo "not ok - redis did not start"; exit 1; }
SG_LDAP_MODE=mirror milter_conf mir "mirror_max_stale = 1h"
SG_LDAP_MODE=mirror milter_conf short "mirror_max_stale = 2s"
milter_start mir || { echo "not ok - sendergate did not start"; exit 1; }
milter_start short || { echo "not ok - sendergate did not start"; exit 1; }

# decide MILTER CASE FROM CLIENT LOGIN REPLY: MAIL FROM gets REPLY.
decide() {
	{ tx_head Q1 "$3" "$4" "$5"; echo "expect $6"; } | mt "$1" "$2"
}

# seen CASE FROM CLIENT LOGIN REPLY: the milter answers so within 1 s.
seen() {
	_t0=$(now_ms)
	if eventually 1 decide mir "$@" >/dev/null; then
		_dt=$(($(now_ms) - _t0))
		check "$1 (${_dt} ms)" [ "$_dt" -le 1000 ]
	else
		echo "not ok - $1 (not within 1 s)"
		sed 's/^/	# /' "$SG_TMP/$1.out"
	fi
}

# copy CASE FROM CLIENT LOGIN LINE: an accepted message carries LINE.
copy() {
	{ tx_head Q2 "$2" "$3" "$4"; echo "expect continue";
	  tx_body "$2"; echo "expect continue"; } | mt mir "$1" &&
	    in_out "$1" "$5"
}

# seen_copy CASE FROM CLIENT LOGIN LINE: within 1 s.
seen_copy() {
	_t0=$(now_ms)
	if eventually 1 copy "$@" >/dev/null; then
		_dt=$(($(now_ms) - _t0))
		check "$1 (${_dt} ms)" [ "$_dt" -le 1000 ]
	else
		echo "not ok - $1 (not within 1 s)"
	fi
}

modify() {
	ldap_admin ldapmodify >/dev/null
}

# --- the first copy ----------------------------------------------------
check "full load logged" logged mir "mirror: full load of 7 entries"
seen start-found ann@m1.test 192.0.2.7 $L1 continue
seen start-no-sender nobody@m1.test 192.0.2.7 "" \
    "550 5.7.1 Sender <nobody@m1.test> is not registered"
seen start-no-domain x@none.test 192.0.2.7 "" \
    "550 5.7.1 Sender domain <none.test> is not registered"
seen start-ip-sender ben@m1.test 198.51.100.5 "" continue
seen start-domain-network cat@m1.test 192.0.2.9 "" continue
# no_search: slapd saw the two sync searches and nothing else of ours
no_search() {
	grep "SRCH base=\"$B\"" "$SLAPD_LOG" >"$SG_TMP/srch"
	[ "$(grep -c 'filter="(|(objectClass=sgDomain)(objectClass=sgSender))"' \
	    "$SG_TMP/srch")" -eq 2 ] && [ "$(wc -l <"$SG_TMP/srch")" -eq 2 ]
}
check "no LDAP search per message" no_search

# --- senders: add, status, networks, auth ids, limits, copies ----------------
ldap_admin ldapadd >/dev/null <<EOF
dn: mail=eve@m1.test,$D1
objectClass: sgSender
mail: eve@m1.test
sgAuthMethod: ip
EOF
seen sender-added eve@m1.test 192.0.2.9 "" continue

modify <<EOF
dn: mail=ann@m1.test,$D1
changetype: modify
replace: sgStatus
sgStatus: suspended
EOF
seen sender-suspended ann@m1.test 192.0.2.7 $L1 \
    "451 4.7.1 Sender <ann@m1.test> is suspended"
modify <<EOF
dn: mail=ann@m1.test,$D1
changetype: modify
replace: sgStatus
sgStatus: active
EOF
seen sender-active-again ann@m1.test 192.0.2.7 $L1 continue

modify <<EOF
dn: mail=ben@m1.test,$D1
changetype: modify
replace: sgAllowedNetwork
sgAllowedNetwork: 203.0.113.0/24
EOF
seen sender-network-gone ben@m1.test 198.51.100.5 "" \
    "550 5.7.1 Client address 198.51.100.5 not authorized for sender <ben@m1.test>"
seen sender-network-new ben@m1.test 203.0.113.9 "" continue

modify <<EOF
dn: mail=ann@m1.test,$D1
changetype: modify
replace: sgAuthId
sgAuthId: other@m1-test.relay.example
EOF
seen sender-authid-changed ann@m1.test 192.0.2.7 $L1 \
    "553 5.7.1 Sender address rejected: not owned by user $L1"
seen sender-authid-new ann@m1.test 192.0.2.7 other@m1-test.relay.example \
    continue

modify <<EOF
dn: mail=eve@m1.test,$D1
changetype: modify
replace: sgMonthlyLimit
sgMonthlyLimit: 0
EOF
seen sender-limit-zero eve@m1.test 192.0.2.9 "" \
    "451 4.7.1 Monthly sending limit reached for <eve@m1.test>"

modify <<EOF
dn: mail=cat@m1.test,$D1
changetype: modify
add: sgBccAddress
sgBccAddress: copy@m1.test
EOF
seen_copy sender-bcc-added cat@m1.test 192.0.2.9 "" \
    "eom: addrcpt <copy@m1.test> NOTIFY=NEVER"

# --- domains: status, networks, limit, archive -------------------------
modify <<EOF
dn: $D1
changetype: modify
replace: sgStatus
sgStatus: disabled
EOF
seen domain-disabled ann@m1.test 192.0.2.7 other@m1-test.relay.example \
    "550 5.7.1 Sender <ann@m1.test> is disabled"
modify <<EOF
dn: $D1
changetype: modify
delete: sgStatus
EOF
seen domain-active-again ann@m1.test 192.0.2.7 \
    other@m1-test.relay.example continue

modify <<EOF
dn: $D1
changetype: modify
replace: sgAllowedNetwork
sgAllowedNetwork: 10.0.0.0/8
EOF
seen domain-network-gone cat@m1.test 192.0.2.9 "" \
    "550 5.7.1 Client address 192.0.2.9 not authorized for sender <cat@m1.test>"
seen domain-network-new cat@m1.test 10.1.2.3 "" continue

modify <<EOF
dn: $D1
changetype: modify
replace: sgArchiveAddress
sgArchiveAddress: arch2@vault.test
EOF
seen_copy domain-archive-changed ann@m1.test 192.0.2.7 \
    other@m1-test.relay.example "eom: addrcpt <arch2@vault.test> NOTIFY=NEVER"

modify <<EOF
dn: $D1
changetype: modify
replace: sgMonthlyLimit
sgMonthlyLimit: 0
EOF
seen domain-limit-zero cat@m1.test 10.1.2.3 "" \
    "451 4.7.1 Monthly sending limit reached for <cat@m1.test>"
modify <<EOF
dn: $D1
changetype: modify
delete: sgMonthlyLimit
EOF
seen domain-limit-gone cat@m1.test 10.1.2.3 "" continue

# --- renames and moves --------------------------------------------------------
ldap_admin ldapmodrdn -r "mail=ben@m1.test,$D1" "mail=benny@m1.test" \
    >/dev/null
seen sender-renamed-new benny@m1.test 203.0.113.9 "" continue
seen sender-renamed-old ben@m1.test 203.0.113.9 "" \
    "550 5.7.1 Sender <ben@m1.test> is not registered"

ldap_admin ldapmodrdn -s "$D1" "mail=dan@m2.test,$D2" "mail=dan@m2.test" \
    >/dev/null
seen sender-moved-away dan@m2.test 192.0.2.7 "" \
    "550 5.7.1 Sender <dan@m2.test> is not registered"
ldap_admin ldapmodrdn -s "$D2" "mail=dan@m2.test,$D1" "mail=dan@m2.test" \
    >/dev/null
seen sender-moved-back dan@m2.test 192.0.2.7 "" continue

D2N=sgDomainName=m2new-test.relay.example,$B
ldap_admin ldapmodrdn -r "$D2" "sgDomainName=m2new-test.relay.example" \
    >/dev/null
check "domain renamed in LDAP" \
    test "$(ldap_admin ldapsearch -LLL -b "$D2N" -s one dn | grep -c '^dn:')" -eq 1
seen domain-renamed-sender-kept dan@m2.test 192.0.2.7 "" continue
modify <<EOF
dn: $D2N
changetype: modify
replace: sgStatus
sgStatus: suspended
EOF
seen domain-renamed-then-changed dan@m2.test 192.0.2.7 "" \
    "451 4.7.1 Sender <dan@m2.test> is suspended"

# --- conflicts and malformed entries ------------------------------------
ldap_admin ldapadd >/dev/null <<EOF
dn: sgDomainName=m3-test.relay.example,$B
objectClass: sgDomain
sgDomainName: m3-test.relay.example
sgPrimaryDomain: m1.test
EOF
seen conflict-fails cat@m1.test 10.1.2.3 "" \
    "451 4.3.0 Sender directory unavailable, try again later"
check "conflict logged once" \
    test "$(grep -c 'directory conflict: primary domain m1.test' "$SG_TMP/mir.log")" -eq 1
seen conflict-other-domain-works dan@m2.test 192.0.2.7 "" \
    "451 4.7.1 Sender <dan@m2.test> is suspended"
ldap_admin ldapdelete "sgDomainName=m3-test.relay.example,$B"
seen conflict-resolved cat@m1.test 10.1.2.3 "" continue

modify <<EOF
dn: mail=cat@m1.test,$D1
changetype: modify
replace: sgAllowedNetwork
sgAllowedNetwork: 300.1.2.3/8
EOF
seen malformed-sender-fails cat@m1.test 10.1.2.3 "" \
    "451 4.3.0 Sender directory unavailable, try again later"
seen malformed-sender-others-work eve@m1.test 192.0.2.9 "" \
    "550 5.7.1 Client address 192.0.2.9 not authorized for sender <eve@m1.test>"
check "malformed sender: one warning" test "$(grep -c \
    'ldap entry mail=cat@m1.test,.*300.1.2.3.*the sender fails' \
    "$SG_TMP/mir.log")" -eq 1
modify <<EOF
dn: mail=cat@m1.test,$D1
changetype: modify
delete: sgAllowedNetwork
EOF
seen malformed-sender-fixed cat@m1.test 10.1.2.3 "" continue

modify <<EOF
dn: $D1
changetype: modify
replace: sgStatus
sgStatus: sleeping
EOF
seen malformed-domain-fails ann@m1.test 192.0.2.7 \
    other@m1-test.relay.example \
    "451 4.3.0 Sender directory unavailable, try again later"
seen malformed-domain-others-work dan@m2.test 192.0.2.7 "" \
    "451 4.7.1 Sender <dan@m2.test> is suspended"
check "malformed domain: one warning" test "$(grep -c \
    'ldap entry sgDomainName=m1-test.*sleeping.*its senders fail' \
    "$SG_TMP/mir.log")" -eq 1
modify <<EOF
dn: $D1
changetype: modify
delete: sgStatus
EOF
seen malformed-domain-fixed ann@m1.test 192.0.2.7 \
    other@m1-test.relay.example continue

# --- deletes -------------------------------------------------------------------
ldap_admin ldapdelete "mail=eve@m1.test,$D1"
seen sender-deleted eve@m1.test 192.0.2.9 "" \
    "550 5.7.1 Sender <eve@m1.test> is not registered"
ldap_admin ldapdelete "mail=dan@m2.test,$D2N" "$D2N"
seen domain-deleted dan@m2.test 192.0.2.7 "" \
    "550 5.7.1 Sender domain <m2.test> is not registered"

# --- slapd away: the copy is served; changes made meanwhile picked up -----
# on_other_port CMD...: run CMD against this slapd's data on another port
# (the milter keeps knocking at the usual one).
on_other_port() {
	_port=$SLAPD_PORT _uri=$SLAPD_URI
	SLAPD_PORT=$(sg_free_port)
	SLAPD_URI=ldap://127.0.0.1:$SLAPD_PORT
	slapd_launch || { echo "not ok - slapd on a second port"; return 1; }
	"$@"
	slapd_stop
	SLAPD_PORT=$_port SLAPD_URI=$_uri
}

# the cookie's change: an entry nothing else touches while slapd is away
modify <<EOF
dn: mail=mark@m1.test,$D1
changetype: modify
replace: description
description: cookie 1
EOF
seen mark-seen mark@m1.test 192.0.2.7 "" \
    "550 5.7.1 Client address 192.0.2.7 not authorized for sender <mark@m1.test>"
slapd_stop
seen away-copy-served ann@m1.test 192.0.2.7 other@m1-test.relay.example \
    continue
seen away-copy-no-sender nobody@m1.test 192.0.2.7 "" \
    "550 5.7.1 Sender <nobody@m1.test> is not registered"
check "away: decision marked stale" logged mir \
    "from=<nobody@m1.test> auth=- client=192.0.2.7 method=smtp directory=stale"
away_changes() {
	modify <<-EOF
	dn: mail=cat@m1.test,$D1
	changetype: modify
	replace: sgStatus
	sgStatus: disabled
	EOF
	ldap_admin ldapdelete "mail=benny@m1.test,$D1"
	ldap_admin ldapadd >/dev/null <<-EOF
	dn: mail=fay@m1.test,$D1
	objectClass: sgSender
	mail: fay@m1.test
	sgAuthMethod: ip
	sgAllowedNetwork: 192.0.2.0/24
	EOF
}
on_other_port away_changes
seen away-not-yet cat@m1.test 10.1.2.3 "" continue
slapd_start_again
check "back: modified while away" eventually 15 decide mir back-mod \
    cat@m1.test 10.1.2.3 "" "550 5.7.1 Sender <cat@m1.test> is disabled"
seen back-added fay@m1.test 192.0.2.7 "" continue
seen back-deleted benny@m1.test 203.0.113.9 "" \
    "550 5.7.1 Sender <benny@m1.test> is not registered"
check "back: resumed with the cookie, no reload" logged mir \
    "mirror: resynchronised in"
seen back-live-changes-again ann@m1.test 192.0.2.7 \
    other@m1-test.relay.example continue

# --- the server cannot resume our cookie: a clean full reload -----------
slapd_stop
# Every entry of the database changes, so that none is as old as the
# milter's cookie: slapd (syncprov-reloadhint) cannot resume it and
# answers e-syncRefreshRequired.
reload_changes() {
	ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "$SLAPD_SUFFIX" dn |
	    sed -n 's/^dn: //p' >"$SG_TMP/dns"
	while read -r dn; do
		printf 'dn: %s\nchangetype: modify\nreplace: description\n%s\n\n' \
		    "$dn" "description: touched while away"
	done <"$SG_TMP/dns" | modify
	modify <<-EOF
	dn: mail=fay@m1.test,$D1
	changetype: modify
	replace: sgStatus
	sgStatus: suspended
	EOF
	ldap_admin ldapdelete "mail=cat@m1.test,$D1"
}
on_other_port reload_changes
slapd_start_again
check "reload: refresh required logged" eventually 15 logged mir \
    "requires a full refresh (e-syncRefreshRequired)"
check "reload: full load swapped in" eventually 5 decide mir reload-mod \
    fay@m1.test 192.0.2.7 "" "451 4.7.1 Sender <fay@m1.test> is suspended"
seen reload-deleted cat@m1.test 10.1.2.3 "" \
    "550 5.7.1 Sender <cat@m1.test> is not registered"
seen reload-kept ann@m1.test 192.0.2.7 other@m1-test.relay.example continue
modify <<EOF
dn: mail=fay@m1.test,$D1
changetype: modify
delete: sgStatus
EOF
seen reload-then-live fay@m1.test 192.0.2.7 "" continue

# --- mirror_max_stale ---------------------------------------------------------
# short, too, may still be backing off after the reload above (under load)
check "stale: served before" eventually 15 decide short stale-before \
    ann@m1.test 192.0.2.7 other@m1-test.relay.example continue
slapd_stop
decide short stale-within ann@m1.test 192.0.2.7 \
    other@m1-test.relay.example continue >/dev/null
check "stale: served within mirror_max_stale" [ $? -eq 0 ]
sleep 2.5
decide short stale-past ann@m1.test 192.0.2.7 other@m1-test.relay.example \
    "451 4.3.0 Sender directory unavailable, try again later" >/dev/null
check "stale: rule 3 past mirror_max_stale" [ $? -eq 0 ]
decide mir stale-other ann@m1.test 192.0.2.7 other@m1-test.relay.example \
    continue >/dev/null
check "stale: a longer mirror_max_stale still serves" [ $? -eq 0 ]
slapd_start_again
check "stale: served again once back" eventually 15 decide short \
    stale-back ann@m1.test 192.0.2.7 other@m1-test.relay.example continue

milter_stop_all mir short
check "no sanitizer report or crash (mir)" no_crash mir
check "no sanitizer report or crash (short)" no_crash short

# --- no syncprov: query mode, one warning -----------------------------------
slapd_stop
SLAPD_NO_EXAMPLE=1 SLAPD_NO_SYNCPROV=1 slapd_start "$SG_TMP/mirror.ldif" ||
	{ echo "not ok - slapd without syncprov did not start"; exit 1; }
SG_LDAP_MODE=mirror milter_conf fb
milter_start fb || { echo "not ok - sendergate did not start"; exit 1; }
check "fallback: lookups work" eventually 5 decide fb fb-found ann@m1.test \
    192.0.2.7 $L1 continue
decide fb fb-no-sender nobody@m1.test 192.0.2.7 "" \
    "550 5.7.1 Sender <nobody@m1.test> is not registered" >/dev/null
check "fallback: not registered" [ $? -eq 0 ]
check "fallback: one warning" test "$(grep -c \
    'refuses content sync.*falling back to ldap_mode query' \
    "$SG_TMP/fb.log")" -eq 1
milter_stop fb
check "no sanitizer report or crash (fb)" no_crash fb
