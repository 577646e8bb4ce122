#!/bin/sh
# test_ldap_failover.sh - mirror mode with two slapd in multi-provider
# replication (tests/lib/slapd_mp.sh) and ldap_uri = "A B": A killed with
# SIGKILL, the mirror resumes from B with its sync cookie (a handful of
# entries transferred, not a full load), a change made on B is decided on
# within 1 s, no rule-3 answer while switching; A back, a change made on A
# reaches the milter through B; then B killed, back to A the same way.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/slapd_mp.sh"
. "$(dirname "$0")/../lib/milter.sh"

B=ou=sendergate,dc=example,dc=com
DF=sgDomainName=fo-test.relay.example,$B
BULK=500

sg_setup
# data.ldif, and a domain of BULK + 2 senders so that a full load is big
{
	cat <<-EOF
	dn: $DF
	objectClass: sgDomain
	sgDomainName: fo-test.relay.example
	sgPrimaryDomain: fo.test
	sgAllowedNetwork: 192.0.2.0/24

	dn: mail=ip1@fo.test,$DF
	objectClass: sgSender
	mail: ip1@fo.test
	sgAuthMethod: ip

	dn: mail=ip2@fo.test,$DF
	objectClass: sgSender
	mail: ip2@fo.test
	sgAuthMethod: ip

	EOF
	i=0
	while [ $i -lt $BULK ]; do
		printf 'dn: mail=s%d@fo.test,%s\nobjectClass: sgSender\n' $i "$DF"
		printf 'mail: s%d@fo.test\nsgAuthMethod: ip\n\n' $i
		i=$((i + 1))
	done
} >"$SG_TMP/fo.ldif"
slapd_mp_start "$SG_ROOT/tests/integration/data.ldif" "$SG_TMP/fo.ldif" ||
	{ echo "not ok - multi-provider slapd did not start"; exit 1; }
redis_start || { echo "not ok - redis did not start"; exit 1; }
SG_LDAP_MODE=mirror milter_conf fo "mirror_max_stale = 1h"
milter_set fo "ldap_uri = $SLAPD_MP_URI_a $SLAPD_MP_URI_b"
milter_start fo || { echo "not ok - sendergate did not start"; exit 1; }

# decide CASE FROM REPLY: MAIL FROM from 192.0.2.7 gets REPLY.
decide() {
	{ tx_head Q1 "$2" 192.0.2.7 ""; echo "expect $3"; } | mtt 2 fo "$1"
}

# seen_on CASE FROM REPLY: the milter answers so within 1 s.
seen_on() {
	_lim=${SEEN_LIMIT:-1}
	_t0=$(now_ms)
	if eventually "$_lim" decide "$@" >/dev/null; then
		_dt=$(($(now_ms) - _t0))
		echo "# $1: seen in $_dt ms"
		check "$1 (${_dt} ms)" [ "$_dt" -le $((_lim * 1000)) ]
	else
		echo "not ok - $1 (not within $_lim s)"
		sed 's/^/	# /' "$SG_TMP/$1.out"
	fi
}

# status PROVIDER FROM VALUE: set sgStatus of sender FROM on PROVIDER.
status() {
	slapd_mp_use "$1"
	ldap_admin ldapmodify >/dev/null <<-EOF
	dn: mail=$2,$DF
	changetype: modify
	replace: sgStatus
	sgStatus: $3
	EOF
}

# touch PROVIDER N: a change the milter does not decide on (description).
touch_on() {
	slapd_mp_use "$1"
	ldap_admin ldapmodify >/dev/null <<-EOF
	dn: mail=s$2@fo.test,$DF
	changetype: modify
	replace: description
	description: touched on $1
	EOF
}

# transferred URI: the entries the last resynchronisation from URI
# transferred (empty if none logged).
transferred() {
	grep "mirror: resynchronised in .* from $1 " "$SG_TMP/fo.log" |
	    tail -n 1 | sed -n 's/.*sync cookie: \([0-9]*\) entries transferred.*/\1/p'
}

# --- the first copy, from A -----------------------------------------------
full=$(sed -n "s|.*mirror: full load of \([0-9]*\) entries.* from $SLAPD_MP_URI_a\$|\1|p" \
    "$SG_TMP/fo.log" | head -n 1)
echo "# full load from A: ${full:-?} entries"
check "full load from A" [ "${full:-0}" -ge $BULK ]
seen_on start-ip1 ip1@fo.test continue
seen_on start-nobody nobody@fo.test \
    "550 5.7.1 Sender <nobody@fo.test> is not registered"
# writes on both providers: B's serverID in every contextCSN, and the
# milter's last cookie from a persist-phase change (one CSN)
touch_on b 1
touch_on a 2
check "providers in step" eventually 5 slapd_mp_in_step

# --- the prober: a registered and an unknown sender, every 50 ms -------------
: >"$SG_TMP/probe.log"
(
	n=0
	while [ ! -f "$SG_TMP/probe.stop" ]; do
		n=$((n + 1))
		for c in "ip2@fo.test continue" \
		    "nobody@fo.test 550 5.7.1 Sender <nobody@fo.test> is not registered"; do
			f=${c%% *}
			if decide probe "$f" "${c#* }" >/dev/null 2>&1; then
				echo "ok $f" >>"$SG_TMP/probe.log"
			else
				echo "bad $f $(grep -E '^(mail|reply|got)' \
				    "$SG_TMP/probe.out" | tr '\n' ' ')" \
				    >>"$SG_TMP/probe.log"
			fi
		done
		sleep 0.05
	done
) &
probe_pid=$!
sg_atexit "touch $SG_TMP/probe.stop; wait $probe_pid 2>/dev/null"
sleep 0.5

# --- A killed: resumed from B ------------------------------------------------
# A frozen first, so that a change made on B meanwhile reaches neither A
# nor the milter: the gap B's session log fills on the switch
kill -STOP "$SLAPD_MP_PID_a"
touch_on b 3
t0=$(now_ms)
slapd_mp_kill a
check "resumed from B" eventually 10 logged fo \
    "from $SLAPD_MP_URI_b with the sync cookie"
echo "# switch to B logged $(($(now_ms) - t0)) ms after the kill"
nb=$(transferred "$SLAPD_MP_URI_b")
echo "# resumed from B: ${nb:-?} entries transferred (full load: $full)"
check "B: a resume, not a reload (${nb:-?} of $full entries)" \
    [ -n "$nb" ] && [ "$nb" -ge 1 ] && [ "$nb" -le 5 ]
check "B: no second full load" [ "$(grep -c 'mirror: full load' \
    "$SG_TMP/fo.log")" -eq 1 ]
status b ip1@fo.test suspended
seen_on change-on-b ip1@fo.test "451 4.7.1 Sender <ip1@fo.test> is suspended"

# --- A back: a change made on A reaches the milter through B ----------------
slapd_mp_start_again a ||
	echo "not ok - provider A did not start again"
check "A caught up with B" eventually 10 slapd_mp_in_step
status a ip1@fo.test active
# the mirror reads B: a change on A goes to B first, whose consumer of A
# tries again once a second after A came back (retry="1 +"), so up to a
# second more than a change made on B itself
SEEN_LIMIT=3
seen_on change-on-a ip1@fo.test continue
SEEN_LIMIT=1

# --- B killed: back to A, with the cookie B gave -----------------------------
slapd_mp_kill b
check "resumed from A" eventually 10 logged fo \
    "from $SLAPD_MP_URI_a with the sync cookie"
na=$(transferred "$SLAPD_MP_URI_a")
echo "# resumed from A: ${na:-?} entries transferred"
check "A: a resume, not a reload (${na:-?} of $full entries)" \
    [ -n "$na" ] && [ "$na" -le 5 ]
status a ip1@fo.test disabled
seen_on change-on-a-again ip1@fo.test "550 5.7.1 Sender <ip1@fo.test> is disabled"

# --- what the prober saw ------------------------------------------------------
touch "$SG_TMP/probe.stop"
wait $probe_pid
nprobe=$(grep -c '^ok ' "$SG_TMP/probe.log")
nbad=$(grep -c '^bad ' "$SG_TMP/probe.log")
echo "# prober: $nprobe right answers, $nbad wrong"
check "prober: answers throughout" [ "$nprobe" -ge 6 ]
check "prober: every answer right, none rule 3" [ "$nbad" -eq 0 ]
grep '^bad ' "$SG_TMP/probe.log" | head -n 5 | sed 's/^/# /'
# The prober may or may not land in a switch (a few hundred ms, and the
# prober's pace depends on the machine's load): with both providers gone
# the copy is stale for certain, and a decision is served from it.
stale0=$(grep -c 'directory=stale' "$SG_TMP/fo.log")
slapd_mp_kill a
# stale_answer: answered from the stale copy, not rule 3: ip2 accepted,
# nobody refused as unregistered, and that refusal (a decision that is
# logged) marked directory=stale
stale_answer() {
	decide stale-ip2 ip2@fo.test continue >/dev/null &&
	    decide stale-nobody nobody@fo.test \
	    "550 5.7.1 Sender <nobody@fo.test> is not registered" >/dev/null &&
	    [ "$(grep -c 'directory=stale' "$SG_TMP/fo.log")" -gt "$stale0" ]
}
check "both providers gone: answers from the stale copy (directory=stale), not refused" \
    eventually 10 stale_answer

milter_stop fo
check "no sanitizer report or crash" no_crash fo
