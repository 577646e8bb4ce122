#!/bin/sh
# test_identity.sh - one canonical identity from LDAP to the counter key,
# and logins compared as they are (issue 11, items 2 to 4).
#
# Against the real daemon, slapd (data.ldif plus the entries below) and
# Redis, through mtclient, in both ldap_modes, one table of cases:
# - spellings of a registered address (case, quotes, blanks inside quotes,
#   address literals) get the same answer in both modes, and every
#   accepted one is counted on the registered sender's one key;
# - logins: UTF-8 logins own their sender, bytes outside ASCII are
#   compared exactly (a login never matches an sgAuthId holding '?'),
#   ASCII letters without case, plain user names (no '@') work, and the
#   log shows a login escaped;
# - sendergatectl explain gives the milter's reply for every case.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_backends
CTLBIN=$SG_TOP/milter/sendergatectl

B=$SLAPD_BASE
ACME=sgDomainName=acme-test.relay.example,$B
LIT=sgDomainName=lit-test.relay.example,$B
# UTF-8 (printf octal escapes: a POSIX sh has no \x): "ü", "Ü".
UE=$(printf '\303\274')
UEC=$(printf '\303\234')
{
	# a quoted local part with a blank
	printf 'dn: mail=%s@acme.test,%s\nobjectClass: sgSender\n' \
	    '\"john smith\"' "$ACME"
	printf 'mail: "john smith"@acme.test\nsgAuthMethod: ip\n\n'
	# a UTF-8 login; a sender whose login holds "??" where the UTF-8 is
	printf 'dn: mail=j1@acme.test,%s\nobjectClass: sgSender\n' "$ACME"
	printf 'mail: j1@acme.test\nsgAuthMethod: user\n'
	printf 'sgAuthId: j%srgen@acme-test.relay.example\n\n' "$UE"
	printf 'dn: mail=q1@acme.test,%s\nobjectClass: sgSender\n' "$ACME"
	printf 'mail: q1@acme.test\nsgAuthMethod: user\n'
	printf 'sgAuthId: j??rgen@acme-test.relay.example\n\n'
	# a plain user name as the login
	printf 'dn: mail=plain@acme.test,%s\nobjectClass: sgSender\n' "$ACME"
	printf 'mail: plain@acme.test\nsgAuthMethod: user\nsgAuthId: jsmith\n\n'
	# an IPv6 address literal as the primary domain
	printf 'dn: %s\nobjectClass: sgDomain\n' "$LIT"
	printf 'sgDomainName: lit-test.relay.example\n'
	printf 'sgPrimaryDomain: [IPv6:2001:db8::55]\n'
	printf 'sgAllowedNetwork: 192.0.2.0/24\n\n'
	printf 'dn: mail=lit@[IPv6:2001:db8::55],%s\n' "$LIT"
	printf 'objectClass: sgSender\nmail: lit@[IPv6:2001:db8::55]\n'
	printf 'sgAuthMethod: ip\n\n'
} | ldap_admin ldapadd >/dev/null ||
	{ echo "not ok - cannot add the test's entries"; exit 1; }

OK=continue
NOTREG="550 5.7.1 Sender <%s> is not registered"
NODOM="550 5.7.1 Sender domain <%s> is not registered"
NOTOWNED="553 5.7.1 Sender address rejected: not owned by user %s"

# The table: NAME|FROM|LOGIN|REPLY (REPLY's %s: printf'd with ARG)|ARG|KEY
# KEY: the counter key (less prefix and month) an accepted message
# must count on; "-" when refused.
CASES=$(cat <<EOF
quoted-blank|"john smith"@acme.test||$OK||{acme.test}:s:"john smith"@acme.test
quoted-blank-case|"John Smith"@ACME.test||$OK||{acme.test}:s:"john smith"@acme.test
quoted-two-blanks|"john  smith"@acme.test||$NOTREG|"john  smith"@acme.test|-
quoted-tab-like|"john\\ smith"@acme.test||$OK||{acme.test}:s:"john smith"@acme.test
quotes-not-needed|"bob"@acme.test||$OK||{acme.test}:s:bob@acme.test
literal|lit@[IPv6:2001:db8::55]||$OK||{[ipv6:2001:db8::55]}:s:lit@[ipv6:2001:db8::55]
literal-upper|lit@[IPV6:2001:DB8::55]||$OK||{[ipv6:2001:db8::55]}:s:lit@[ipv6:2001:db8::55]
literal-upper-local|LIT@[ipv6:2001:db8::55]||$OK||{[ipv6:2001:db8::55]}:s:lit@[ipv6:2001:db8::55]
literal-other-spelling|lit@[IPv6:2001:0db8::55]||$NODOM|[ipv6:2001:0db8::55]|-
utf8-login|j1@acme.test|j${UE}rgen@acme-test.relay.example|$OK||{acme.test}:s:j1@acme.test
utf8-login-ascii-case|j1@acme.test|J${UE}RGEN@ACME-test.relay.example|$OK||{acme.test}:s:j1@acme.test
utf8-login-upper-umlaut|j1@acme.test|j${UEC}rgen@acme-test.relay.example|$NOTOWNED|j\\xc3\\x9crgen@acme-test.relay.example|-
question-marks-login|j1@acme.test|j??rgen@acme-test.relay.example|$NOTOWNED|j??rgen@acme-test.relay.example|-
utf8-login-not-question-marks|q1@acme.test|j${UE}rgen@acme-test.relay.example|$NOTOWNED|j\\xc3\\xbcrgen@acme-test.relay.example|-
plain-login|plain@acme.test|jsmith|$OK||{acme.test}:s:plain@acme.test
plain-login-case|plain@acme.test|JSmith|$OK||{acme.test}:s:plain@acme.test
plain-login-with-realm|plain@acme.test|jsmith@acme-test.relay.example|$NOTOWNED|jsmith@acme-test.relay.example|-
plain-login-prefix|plain@acme.test|jsmit|$NOTOWNED|jsmit|-
EOF
)

main_conf_written=
for mode in query mirror; do
	rcli FLUSHALL >/dev/null
	SG_LDAP_MODE=$mode
	milter_conf "$mode"
	milter_start "$mode" ||
	    { echo "not ok - $mode: sendergate did not start"; exit 1; }
	if [ -z "$main_conf_written" ]; then
		main_conf_written=1
		cp "$SG_TMP/$mode.conf" "$SG_TMP/ctl.conf"
	fi
	n=0
	echo "$CASES" | while IFS='|' read -r name from login reply arg key; do
		n=$((n + 1))
		# shellcheck disable=SC2059
		want=$(printf "$reply" "$arg")
		# mtclient's words: a backslash and a blank escaped
		mfrom=$(printf '%s' "$from" | sed 's/\\/\\\\/g; s/ /\\x20/g')
		{
			tx_head "ID$n" "$mfrom" 192.0.2.7 "$login"
			printf 'expect %s\n' "$(printf '%s' "$want" |
			    sed 's/\\/\\\\/g')"
			if [ "$want" = continue ]; then
				tx_body "$mfrom"
				echo "expect continue"
			fi
		} | mt "$mode" "$mode-$name" >/dev/null
		# mtclient shows a backslash doubled
		got=$(sed -n 's/^mail: //p' "$SG_TMP/$mode-$name.out" |
		    head -n 1 | sed 's/\\\\/\\/g')
		check "$mode: $name: <$from> login '$login': $want" \
		    test "$got" = "$want"
		[ "$got" = "$want" ] || printf '\t# got: %s\n' "$got"
		if [ "$key" != - ]; then
			check "$mode: $name: counted on sg:$key" \
			    test "$(rcli GET "sg:$key:$MONTH")" -ge 1
		fi
		# explain: the milter's reply, in both modes' configuration
		set -- explain --from "<$from>" --client 192.0.2.7 \
		    --listener submission
		[ -n "$login" ] && set -- "$@" --auth "$login"
		"$CTLBIN" -c "$SG_TMP/$mode.conf" "$@" >"$SG_TMP/ex.out" 2>&1
		e=$(sed -n 's/^reply: //p' "$SG_TMP/ex.out")
		check "$mode: $name: explain agrees ($e)" test "$e" = "$got"
	done
	# no spelling got a key of its own: exactly the registered ones
	# (the monthly counters, sg:{P}:s:...; the reputation's per-sender
	# keys, sg:{P}:rp:s:..., are named by the same canonical sender)
	keys=$(rcli --scan --pattern "sg:{*}:s:*" | sort | tr '\n' ' ')
	want=$(echo "$CASES" | cut -d'|' -f6 | grep -v '^-$' | sort -u |
	    sed "s/^/sg:/; s/\$/:$MONTH/" | tr '\n' ' ')
	check "$mode: the counter keys are the registered senders' only" \
	    test "$keys" = "$want"
	[ "$keys" = "$want" ] || echo "	# keys: $keys / want: $want"
	# the reputation's per-sender keys: none for a spelling either
	rp=$(rcli --scan --pattern "sg:{*}:rp:s:*" | sed 's/.*}:rp:s://' |
	    sort -u | tr '\n' ' ')
	rwant=$(echo "$CASES" | cut -d'|' -f6 | grep -v '^-$' |
	    sed 's/.*}:s://' | sort -u | tr '\n' ' ')
	check "$mode: the reputation keys name the registered senders only" \
	    test "$rp" = "$rwant"
	[ "$rp" = "$rwant" ] || echo "	# rp: $rp / want: $rwant"
	# a login is logged escaped, never as '?'
	check "$mode: a UTF-8 login is logged escaped" \
	    logged "$mode" "auth=j\\xc3\\xbcrgen@acme-test.relay.example"
	check "$mode: no sanitizer report or crash" no_crash "$mode"
	milter_stop "$mode"
done

# the same answers in both modes (the checks above hold the same table
# against each; this states it as one fact)
echo "$CASES" | cut -d'|' -f1 | while read -r name; do
	a=$(sed -n 's/^mail: //p' "$SG_TMP/query-$name.out" | head -n 1)
	b=$(sed -n 's/^mail: //p' "$SG_TMP/mirror-$name.out" | head -n 1)
	[ "$a" = "$b" ] || { echo "	# $name: query '$a', mirror '$b'"; exit 1; }
done
check "both modes gave every case the same answer" test $? -eq 0
