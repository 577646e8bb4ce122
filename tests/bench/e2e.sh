#!/bin/sh
# e2e.sh: the end-to-end benchmark. One private Postfix relays to
# smtp-sink; smtp-source pushes the same load through six of its
# listeners, which differ only in the checks:
#
#   a  bare Postfix: no milter, no sender restrictions (this machine's limit)
#   b  Postfix doing registration and login binding itself against the
#      same slapd: smtpd_sender_login_maps = ldap: (mail -> sgAuthId) with
#      reject_sender_login_mismatch, then check_sender_access ldap:
#      (registered senders OK), then reject
#   c  sendergate as smtpd_milters, its defaults (ldap_mode = mirror,
#      log_level = info, timeouts), against the same slapd and Redis
#   d  tests/bench/nullmilter as smtpd_milters: a milter that negotiates
#      the same steps and macros and decides nothing, the floor under any
#      milter (what the milter protocol costs Postfix, libmilter and the
#      kernel); c - d is sendergate's own work
#   e  rspamd 3.4 (Debian's package) as smtpd_milters: its proxy worker in
#      milter mode scanning by itself, the ratelimit module alone (a bucket
#      per SMTP sender, 30 days), counting in the same Redis as c
#   f  policyd-rate-limit 1.0.1 (Debian's package) as check_policy_service
#      in smtpd_recipient_restrictions: a limit per sender and 30 days, its
#      own sqlite database (its only backends: sqlite, MySQL, PostgreSQL)
#   (tests/bench/peers.sh starts both as private instances: own
#   configuration, pid, database or Redis keys, loopback ports; it installs
#   the two packages if missing, through tests/lib/deps.sh, since only this
#   benchmark needs them; E2E_SETUPS="a b c d" runs without them)
#
# The load: smtp-source, 1 KB messages (-l 1024; E2E_SIZE sets another
# size, e.g. 1048576 for 1 MB messages), 20 sessions in parallel
# (-s 20), one message a session (no -d; E2E_SESSION=many for -d),
# E2E_MSGS messages a round, from
# bench@e2e.test (registered, IP control from 127.0.0.1/32, no limit, no
# copies) to rcpt@out.e2e.test. smtp-source writes "From: <sender>", so
# sendergate's header From rule passes. Before the rounds: every listener
# gets a warm-up of 100 messages, and b and c must refuse an unregistered
# sender and, unauthenticated, a sender that has an sgAuthId; c, e and f
# each run with a limit of 5 messages for limited@e2e.test and must take
# 5 messages of it and refuse the 6th (e at that limit for every sender,
# then restarted with the high limit the runs use; f's limit for the
# benchmark's sender is set apart by its limits_by_id; c's from the
# directory), or the bench stops.
#
# ROUNDS rounds, the set-ups rotated (a b c d e f, b c d e f a, ...). Each run
# is timed from smtp-source's start to its exit (accept rate) and to the
# moment the sink has counted every message (end-to-end rate; smtp-sink
# -c's counter, read every 50 ms, so no message file is written). A run
# fails loudly unless smtp-source succeeded, the sink got exactly the
# number sent, Postfix's queue is empty and the sender's Redis counter
# grew by the number sent (c) or not at all (the others); for e, that
# rspamd ran its ratelimit scripts in Redis (at least one EVALSHA a
# message), for f, that policyd-rate-limit recorded every message (its
# rows for the sender grew by the number sent).
#
# Per run, from before the load to the drained queue: LDAP operations
# (Bind + Search initiated, from slapd's cn=Monitor); Redis commands
# (redis_calls: INFO commandstats, the commands the counting script runs
# inside Redis included, so more than the round trips), round trips
# (redis_trips: INFO stats total_reads_processed, one read a request sent
# without pipelining, less the one read that sees each connection's end)
# and connections made (redis_conns: total_connections_received); and the
# CPU time (utime + stime from /proc/PID/stat, in clock ticks of 10 ms) of
# the checking process (check_cpu_us: sendergate for c, nullmilter for d,
# rspamd's main process and workers for e, policyd-rate-limit for f; none
# for a and b, whose checks run inside Postfix and slapd), of Postfix (master, its live children, and the children it
# reaped), of slapd and of redis-server; and how busy the whole machine
# was (machine_busy_pct, from /proc/stat: other work on it skews every
# figure, so it is also measured for a second before the start). The cost
# of the snapshots themselves is measured once and taken off.
#
# Output: one "e2e round=..." line per run, a table, and one
# "e2e summary setup=..." line per set-up: medians of the rates, their
# ratios to a's, and per message the LDAP operations, Redis commands,
# round trips and connections, CPU microseconds. The raw and summary lines
# are appended, under a date and machine header, to $OUT.
#
# Knobs: E2E_MSGS (default 4000) messages a run, E2E_SIZE (default 1024)
# octets a message, ROUNDS (default 5),
# E2E_SETUPS (default "a b c d e f"; a is always run, the ratios need it),
# E2E_SESSION (one: a message per SMTP session, the default; many:
# smtp-source -d, all of a run's messages over the 20 sessions),
# OUT (default ${TMPDIR:-/tmp}/bench-e2e-results.txt), SG_KEEP=1 keeps
# the temporary directory (logs, configurations).
# Needs root, the built milter/sendergate, tests/tools/mtclient and
# tests/bench/nullmilter (make bench builds them), postfix and
# postfix-ldap (tests/lib/deps.sh); rspamd and policyd-rate-limit
# (installed here when missing, see above).
# Not part of make check; E2E_MSGS=200 ROUNDS=1 is a smoke run.
. "$(dirname "$0")/../lib/servers.sh"
. "$SG_ROOT/tests/lib/milter.sh"
. "$SG_ROOT/tests/lib/postfix.sh"
. "$SG_ROOT/tests/lib/stats.sh"
. "$SG_ROOT/tests/bench/peers.sh"

MSGS=${E2E_MSGS:-4000}
SIZE=${E2E_SIZE:-1024}
# E2E_SESSION=many: smtp-source -d, each session sends message after
# message (bulk senders); default one: a new session per message
case ${E2E_SESSION:-one} in
one) E2E_D= ;;
many) E2E_D=-d ;;
*) echo "e2e.sh: E2E_SESSION is one or many" >&2; exit 1 ;;
esac
ROUNDS=${ROUNDS:-5}
SETUPS=a
for _s in ${E2E_SETUPS:-a b c d e f}; do
	case $_s in
	a) ;;
	[b-f]) SETUPS="$SETUPS $_s" ;;
	*) echo "e2e.sh: E2E_SETUPS: no set-up $_s (a to f)" >&2; exit 1 ;;
	esac
done
# Set-up $1 is run.
has() {
	case " $SETUPS " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}
LIMITED=limited@e2e.test
PEER_LIMIT=5
BIG_LIMIT=1000000000
OUT=${OUT:-${TMPDIR:-/tmp}/bench-e2e-results.txt}
WARMUP=100
SENDER=bench@e2e.test
RCPT=rcpt@out.e2e.test
HZ=$(getconf CLK_TCK)
CR=$(printf '\r')

# Print a message on stderr and exit (the trap stops everything).
die() {
	echo "e2e.sh: $*" >&2
	exit 1
}

case $MSGS$ROUNDS$SIZE in
*[!0-9]*) die "E2E_MSGS, ROUNDS and E2E_SIZE must be numbers" ;;
esac
[ "$SIZE" -ge 100 ] && [ "$SIZE" -le 10000000 ] ||
	die "E2E_SIZE: from 100 to 10000000 octets"
[ "$MSGS" -gt 0 ] && [ "$ROUNDS" -gt 0 ] || die "E2E_MSGS and ROUNDS must be > 0"
[ "$(id -u)" = 0 ] || die "must run as root (Postfix)"
NULLMILTER=$SG_ROOT/tests/bench/nullmilter
[ -x "$SG_BIN" ] && [ -x "$SG_MT" ] && [ -x "$NULLMILTER" ] ||
	die "build it first: make all tests/tools/mtclient tests/bench/nullmilter"
command -v smtp-source >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null ||
	die "no smtp-source or smtp-sink (package postfix)"
if has e || has f; then
	peers_deps || die "cannot install rspamd and policyd-rate-limit"
fi

# ---- helpers ----------------------------------------------------------------

# Messages the sink has received, from smtp-sink -c's last complete
# counter ("sess=N quit=N mesg=N\r"); 1 while the last one is incomplete.
sink_count() {
	_sc=$(tail -c 64 "$E/sink.out" 2>/dev/null)
	[ -n "$_sc" ] || { echo 0; return 0; }
	case $_sc in
	*"$CR") ;;
	*) return 1 ;;
	esac
	_sc=${_sc##*mesg=}
	_sc=${_sc%"$CR"}
	case $_sc in
	''|*[!0-9]*) return 1 ;;
	esac
	echo "$_sc"
}

# The sender's counter of this month in Redis (0 when absent).
redis_counter() {
	_rc=$(rcli GET "sg:{e2e.test}:s:$SENDER:$(date -u +%Y-%m)") || return 1
	echo "${_rc:-0}"
}

# CPU time of Postfix in clock ticks: its master (with the children it
# reaped) and the master's live children.
pf_ticks() {
	_m=$(tr -d ' \n' <"$PF_DIR/data/master.lock")
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v m="$_m" '{
	    pid = $1; sub(/^.*\) /, "")
	    if (pid == m || $2 == m) t += $12 + $13 + $14 + $15 }
	    END { print t + 0 }'
}

# Write the counters of the moment to file $1, "name value" lines.
snap() {
	{
		ldapsearch -x -LLL -H "$SLAPD_URI" -o nettimeout=5 \
		    -b cn=Operations,cn=Monitor -s one \
		    '(|(cn=Bind)(cn=Search))' monitorOpInitiated |
		    awk '/^monitorOpInitiated:/ { n += $2 }
		    END { print "ldap_ops", n + 0 }'
		rcli INFO stats commandstats | tr -d '\r' | awk -F '[:,=]' '
		    /^total_reads_processed:/ { print "redis_reads", $2 }
		    /^total_connections_received:/ { print "redis_conns", $2 }
		    /^cmdstat_/ { c += $3; sub(/^cmdstat_/, "", $1)
			print "cmd_" $1, $3 }
		    END { print "redis_calls", c + 0 }'
		echo "milter $(cpu_ticks "$MPID")"
		echo "nullmilter $(cpu_ticks "$NPID")"
		[ -z "$RSPAMD_PID" ] || echo "rspamd $(tree_ticks "$RSPAMD_PID")"
		[ -z "$POLICYD_PID" ] ||
			echo "policyd $(cpu_ticks "$POLICYD_PID")"
		echo "postfix $(pf_ticks)"
		echo "slapd $(cpu_ticks "$SLAPD_PID")"
		echo "redis $(cpu_ticks "$REDIS_PID")"
		awk '$1 == "cpu" { print "cpu_busy", $2 + $3 + $4 + $7 + $8 + $9
		    print "cpu_all", $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' \
		    /proc/stat
	} >"$1"
}

# "name delta" lines between snapshots $1 and $2, less the snapshots' own
# cost ($E/cost, when measured).
snap_delta() {
	awk 'FILENAME == ARGV[1] { b[$1] = $2; next }
	    FILENAME == ARGV[2] { c[$1] = $2; next }
	    { print $1, $2 - b[$1] - c[$1] }' "$1" "$E/cost" "$2"
}

# The value of NAME in the delta file $1.
val() {
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$1"
}

# run SETUP N: send N messages through listener SETUP, wait until all
# reached the sink and the queue is empty, check, and set ACC_S, E2E_S
# (seconds) and $E/delta.
# shellcheck disable=SC2154 # _port is assigned by eval
run() {
	_s=$1
	_n=$2
	eval "_port=\$PORT_$_s"
	_c0=$(sink_count) || { sleep 0.1; _c0=$(sink_count); } ||
		die "cannot read the sink's counter"
	_r0=$(redis_counter) || die "cannot read the Redis counter"
	if has f; then
		_p0=$(policyd_rows "$SENDER") || die "cannot read policyd's rows"
	fi
	snap "$E/before"
	rm -f "$E/source.rc" "$E/source.end"
	_t0=$(date +%s%N)
	(
		smtp-source $E2E_D -l "$SIZE" -s 20 -m "$_n" -M client.e2e.test \
		    -f "$SENDER" -t "$RCPT" "127.0.0.1:$_port" \
		    >"$E/source.out" 2>&1
		echo $? >"$E/source.rc"
		date +%s%N >"$E/source.end"
	) &
	_spid=$!
	# wait for the sink: 60 s plus 20 ms a message at most
	_target=$((_c0 + _n))
	_limit=$((1200 + _n * 2 / 5))
	_i=0
	while :; do
		_c=$(sink_count) && [ "$_c" -ge "$_target" ] && break
		if [ -s "$E/source.rc" ] && [ "$(cat "$E/source.rc")" != 0 ]; then
			cat "$E/source.out" >&2
			die "setup $_s: smtp-source failed"
		fi
		_i=$((_i + 1))
		if [ "$_i" -ge "$_limit" ]; then
			tail -n 20 "$PF_LOG" >&2
			die "setup $_s: the sink got $((${_c:-0} - _c0)) of $_n" \
			    "messages in time; $(pf_queue_count) in the queue"
		fi
		sleep 0.05
	done
	_t2=$(date +%s%N)
	wait "$_spid"
	[ "$(cat "$E/source.rc")" = 0 ] || {
		cat "$E/source.out" >&2
		die "setup $_s: smtp-source failed"
	}
	_t1=$(cat "$E/source.end")
	[ "$_t2" -ge "$_t1" ] || _t2=$_t1
	# everything delivered: the queue empties, the sink has no more
	_i=0
	while [ "$(pf_queue_count)" -gt 0 ]; do
		_i=$((_i + 1))
		[ "$_i" -lt 300 ] ||
			die "setup $_s: $(pf_queue_count) messages stay queued"
		sleep 0.1
	done
	snap "$E/after"
	snap_delta "$E/before" "$E/after" >"$E/delta"
	_c=$(sink_count) || { sleep 0.1; _c=$(sink_count); } ||
		die "cannot read the sink's counter"
	[ "$((_c - _c0))" -eq "$_n" ] ||
		die "setup $_s: sent $_n, the sink got $((_c - _c0))"
	_r=$(redis_counter) || die "cannot read the Redis counter"
	if [ "$_s" = c ]; then _want=$_n; else _want=0; fi
	[ "$((_r - _r0))" -eq "$_want" ] ||
		die "setup $_s: sent $_n, Redis counted $((_r - _r0)), want $_want"
	if has f; then
		_p=$(policyd_rows "$SENDER") || die "cannot read policyd's rows"
		if [ "$_s" = f ]; then _want=$_n; else _want=0; fi
		[ "$((_p - _p0))" -eq "$_want" ] ||
			die "setup $_s: sent $_n, policyd-rate-limit recorded" \
			    "$((_p - _p0)), want $_want"
	fi
	if [ "$_s" = e ] && [ "$(val "$E/delta" cmd_evalsha)" -lt "$_n" ]; then
		die "setup e: sent $_n, rspamd ran" \
		    "$(val "$E/delta" cmd_evalsha) scripts in Redis"
	fi
	ACC_S=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	E2E_S=$(awk -v a="$_t0" -v b="$_t2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
}

# expect_refused SETUP FROM: the listener of SETUP refuses FROM (at MAIL
# FROM or RCPT TO); no message is sent.
expect_refused() {
	eval "_port=\$PORT_$1"
	swaks --server 127.0.0.1 --port "$_port" --timeout 20 \
	    --helo client.e2e.test --from "$2" --to "$RCPT" \
	    --quit-after RCPT >"$E/swaks.out" 2>&1
	_rc=$?
	_reply=$(grep '^<\*\*' "$E/swaks.out" | head -n 1)
	case $_rc in
	23|24) echo "# preflight: setup $1 refuses <$2>: ${_reply#<\*\* }" ;;
	*)
		cat "$E/swaks.out" >&2
		die "setup $1 does not refuse <$2> (swaks exit $_rc)"
		;;
	esac
}

# expect_limit SETUP FROM: the listener of SETUP takes $PEER_LIMIT messages
# of FROM and refuses the next (at RCPT TO or at the end of the data);
# the ones taken reach the sink and the queue drains.
expect_limit() {
	eval "_port=\$PORT_$1"
	_c0=$(sink_count) || { sleep 0.1; _c0=$(sink_count); } ||
		die "cannot read the sink's counter"
	_i=0
	while [ "$_i" -le "$PEER_LIMIT" ]; do
		_i=$((_i + 1))
		swaks --server 127.0.0.1 --port "$_port" --timeout 20 \
		    --helo client.e2e.test --from "$2" --to "$RCPT" \
		    --header "Subject: limit $_i" >"$E/swaks.out" 2>&1
		_rc=$?
		if [ "$_i" -le "$PEER_LIMIT" ]; then
			[ "$_rc" = 0 ] && continue
			cat "$E/swaks.out" >&2
			die "setup $1 refuses message $_i of <$2>" \
			    "(limit $PEER_LIMIT; swaks exit $_rc)"
		fi
		_reply=$(grep '^<\*\*' "$E/swaks.out" | head -n 1)
		case $_rc:$_reply in
		2[3-9]:"<** 4"*|2[3-9]:"<** 5"*)
			echo "# preflight: setup $1 takes $PEER_LIMIT messages" \
			    "of <$2>, refuses message $_i: ${_reply#<\*\* }"
			;;
		*)
			cat "$E/swaks.out" >&2
			die "setup $1 does not refuse message $_i of <$2>" \
			    "(limit $PEER_LIMIT; swaks exit $_rc)"
			;;
		esac
	done
	_i=0
	while :; do
		_c=$(sink_count) && [ "$_c" -ge "$((_c0 + PEER_LIMIT))" ] &&
		    [ "$(pf_queue_count)" -eq 0 ] && break
		_i=$((_i + 1))
		[ "$_i" -lt 300 ] ||
			die "setup $1: $PEER_LIMIT messages of <$2> not delivered"
		sleep 0.1
	done
	[ "$_c" -eq "$((_c0 + PEER_LIMIT))" ] ||
		die "setup $1: the sink got $((_c - _c0)) messages of <$2>," \
		    "want $PEER_LIMIT"
}

# ---- set-up -------------------------------------------------------------------

# other work on the machine skews every figure: say how busy it was
BUSY0=$( { head -n 1 /proc/stat; sleep 1; head -n 1 /proc/stat; } | awk '
    { b[NR] = $2 + $3 + $4 + $7 + $8 + $9; a[NR] = b[NR] + $5 + $6 }
    END { printf "%.0f", 100 * (b[2] - b[1]) / (a[2] - a[1]) }')
echo "# the machine was ${BUSY0}% busy the second before the start" \
    "($(nproc) cores)"
sg_setup
E=$SG_TMP/e2e
mkdir -p "$E" || exit 1

# The directory: 1000 generated senders (gen_ldif.sh) and ours.
cat >"$E/e2e.ldif" <<-EOF
dn: sgDomainName=e2e-test.relay.example,ou=sendergate,dc=example,dc=com
objectClass: sgDomain
sgDomainName: e2e-test.relay.example
sgPrimaryDomain: e2e.test

dn: mail=$SENDER,sgDomainName=e2e-test.relay.example,ou=sendergate,dc=example,dc=com
objectClass: sgSender
mail: $SENDER
cn: e2e benchmark sender
sgAuthMethod: ip
sgAllowedNetwork: 127.0.0.1/32

dn: mail=owned@e2e.test,sgDomainName=e2e-test.relay.example,ou=sendergate,dc=example,dc=com
objectClass: sgSender
mail: owned@e2e.test
cn: e2e sender with a login
sgAuthMethod: user
sgAuthId: owned@e2e-test.relay.example

dn: mail=$LIMITED,sgDomainName=e2e-test.relay.example,ou=sendergate,dc=example,dc=com
objectClass: sgSender
mail: $LIMITED
cn: e2e sender with a limit of $PEER_LIMIT
sgAuthMethod: ip
sgAllowedNetwork: 127.0.0.1/32
sgMonthlyLimit: $PEER_LIMIT
EOF
sh "$SG_ROOT/tests/bench/gen_ldif.sh" 1000 >"$E/gen.ldif" || exit 1
SLAPD_DEBUG=0
SLAPD_NO_EXAMPLE=1
SLAPD_EXTRA_DB_CONF="database monitor"
export SLAPD_DEBUG SLAPD_NO_EXAMPLE SLAPD_EXTRA_DB_CONF
slapd_start "$E/gen.ldif" "$E/e2e.ldif" || die "slapd did not start"
redis_start || die "redis did not start"

# The milter with its defaults but for the ports (milter_conf's test
# values put back to the defaults of sendergate.conf(5)).
milter_conf e2e
milter_set e2e "ldap_mode = mirror" "log_level = info" \
    "ldap_timeout = 2s" "redis_timeout = 250ms"
milter_start e2e || die "sendergate did not start"
MPID=$(milter_pid e2e)
NULL_PORT=$(sg_free_port) || exit 1
"$NULLMILTER" -s "inet:$NULL_PORT@127.0.0.1" >"$E/nullmilter.log" 2>&1 &
NPID=$!
sg_atexit 'sg_kill_wait "$NPID" nullmilter'
pf_wait_port "$NULL_PORT" 50 || die "nullmilter did not listen"

# The peers, at the low limit for the preflight (rspamd: every sender;
# policyd-rate-limit: every sender but ours).
if has e; then
	sg_atexit rspamd_stop
	rspamd_start "$PEER_LIMIT" || die "rspamd did not start"
fi
if has f; then
	sg_atexit policyd_stop
	policyd_start "$PEER_LIMIT" "$SENDER" "$BIG_LIMIT" ||
		die "policyd-rate-limit did not start"
fi

# The sink: counts, writes no files.
SINK_PORT=$(sg_free_port) || exit 1
export SINK_PORT
smtp-sink -c -u postfix "127.0.0.1:$SINK_PORT" 256 >"$E/sink.out" \
    2>"$E/sink.err" &
# shellcheck disable=SC2034 # read by the sg_atexit command
E2E_SINK_PID=$!
sg_atexit 'sg_kill_wait "$E2E_SINK_PID" smtp-sink'
pf_wait_port "$SINK_PORT" 50 || die "smtp-sink did not listen"

# shellcheck disable=SC2154 # set by milter_conf (eval)
pf_start "$MILTER_SOCK_e2e" || die "postfix did not start"
postconf -c "$PF_CONF" -m | grep -qx ldap ||
	die "Postfix has no ldap: tables (install postfix-ldap)"

# Set-up b's tables: the sender's logins, and registered senders.
for _t in login registered; do
	{
		echo "server_host = $SLAPD_URI"
		echo "search_base = $SLAPD_BASE"
		echo "version = 3"
		echo "bind = yes"
		echo "bind_dn = $SLAPD_BIND_DN"
		echo "bind_pw = $(cat "$SLAPD_BIND_PW_FILE")"
		# %u@%d: no lookups of "@domain", "domain" or "user@"
		echo "query_filter = (&(objectClass=sgSender)(mail=%u@%d))"
		if [ "$_t" = login ]; then
			echo "result_attribute = sgAuthId"
		else
			echo "result_attribute = mail"
			echo "result_format = OK"
		fi
	} >"$PF_CONF/e2e-$_t.cf"
	chown root:postfix "$PF_CONF/e2e-$_t.cf" && chmod 640 "$PF_CONF/e2e-$_t.cf"
done

# Listeners, the same but for the checks.
for _s in $SETUPS; do
	eval "PORT_$_s=\$(sg_free_port)" || exit 1
done
for _s in $SETUPS; do
	eval "_port=\$PORT_$_s"
	echo "127.0.0.1:$_port inet n - n - - smtpd"
	echo "  -o syslog_name=postfix/e2e-$_s"
	echo "  -o milter_macro_daemon_name=smtpd"
	case $_s in
	a) echo "  -o smtpd_milters=" ;;
	b)
		echo "  -o smtpd_milters="
		echo "  -o smtpd_sender_login_maps=ldap:$PF_CONF/e2e-login.cf"
		echo "  -o { smtpd_sender_restrictions = reject_sender_login_mismatch," \
		    "check_sender_access ldap:$PF_CONF/e2e-registered.cf, reject }"
		;;
	d) echo "  -o smtpd_milters=inet:127.0.0.1:$NULL_PORT" ;;
	e) echo "  -o smtpd_milters=inet:127.0.0.1:$RSPAMD_PORT" ;;
	f)
		echo "  -o smtpd_milters="
		echo "  -o { smtpd_recipient_restrictions =" \
		    "check_policy_service inet:127.0.0.1:$POLICYD_PORT }"
		;;
	esac
done >>"$PF_CONF/master.cf"
postfix -c "$PF_CONF" check >"$E/check.log" 2>&1 &&
postfix -c "$PF_CONF" reload >>"$E/check.log" 2>&1 || {
	cat "$E/check.log" >&2
	die "postfix does not take the e2e listeners"
}
for _s in $SETUPS; do
	eval "_port=\$PORT_$_s"
	pf_wait_port "$_port" 100 || die "postfix does not listen on $_port"
done

# The cost of the snapshots themselves, taken off every delta.
: >"$E/cost"
snap "$E/s1"
snap "$E/s2"
snap_delta "$E/s1" "$E/s2" |
    awk '$1 !~ /^(milter|nullmilter|rspamd|policyd|postfix|slapd|redis|cpu_busy|cpu_all)$/' \
    >"$E/cost.new"
mv "$E/cost.new" "$E/cost"

# ---- checks and warm-up -------------------------------------------------------

for _s in b c; do
	has "$_s" || continue
	expect_refused "$_s" nobody@e2e.test
	expect_refused "$_s" owned@e2e.test
done
for _s in c e f; do
	has "$_s" && expect_limit "$_s" "$LIMITED"
done
# rspamd again, the limit high for every sender (the same port)
if has e; then
	rspamd_stop
	rspamd_start "$BIG_LIMIT" || die "rspamd did not start again"
fi
for _s in $SETUPS; do
	run "$_s" "$WARMUP"
done

# ---- rounds -------------------------------------------------------------------

{
	echo "# e2e.sh $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -srm)," \
	    "$(nproc) cores, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)," \
	    "postfix $(postconf -c "$PF_CONF" -h mail_version), E2E_MSGS=$MSGS ROUNDS=$ROUNDS" \
	    "E2E_SIZE=$SIZE" \
	    "E2E_SETUPS=\"$SETUPS\"" \
	    "E2E_SESSION=${E2E_SESSION:-one}," \
	    "${BUSY0}% busy before"
} >>"$OUT"
: >"$E/raw"
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	r=$((r + 1))
	# round r starts at the ((r - 1) mod number of set-ups)th
	order=$(echo $SETUPS | awk -v r="$r" '{
	    for (i = 0; i < NF; i++)
		printf "%s%s", i ? " " : "", $((r - 1 + i) % NF + 1) }')
	for s in $order; do
		run "$s" "$MSGS"
		case $s in
		c) chk=milter ;;
		d) chk=nullmilter ;;
		e) chk=rspamd ;;
		f) chk=policyd ;;
		*) chk=none ;;
		esac
		awk -v r="$r" -v s="$s" -v n="$MSGS" -v z="$SIZE" -v a="$ACC_S" -v e="$E2E_S" \
		    -v hz="$HZ" -v chk="$chk" '
		    { v[$1] = $2
		if ($1 ~ /^cmd_/ && $1 != "cmd_info" && $2 > 0) {
			cmds = cmds sep substr($1, 5) ":" $2; sep = ","
		} }
		    END {
			printf "e2e round=%d setup=%s msgs=%d size=%d accept_s=%s accept_rate=%.1f", r, s, n, z, a, n / a
			printf " e2e_s=%s e2e_rate=%.1f ldap_ops=%d", e, n / e, v["ldap_ops"]
			printf " redis_calls=%d redis_trips=%d redis_conns=%d", v["redis_calls"],
			    v["redis_reads"] - v["redis_conns"], v["redis_conns"]
			printf " check_cpu_us=%d postfix_cpu_us=%d", v[chk] * 1e6 / hz,
			    v["postfix"] * 1e6 / hz
			printf " slapd_cpu_us=%d redis_cpu_us=%d", v["slapd"] * 1e6 / hz, v["redis"] * 1e6 / hz
			printf " machine_busy_pct=%.0f", v["cpu_all"] ? 100 * v["cpu_busy"] / v["cpu_all"] : 0
			printf " redis_cmds=%s\n", cmds == "" ? "-" : cmds
		    }' "$E/delta" | tee -a "$E/raw" "$OUT"
	done
done

# ---- summary ------------------------------------------------------------------

# round_values SETUP NAME: the values of NAME in the raw lines of SETUP
round_values() {
	grep " setup=$1 " "$E/raw" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# per_msg SETUP NAME: the sum of NAME over the rounds of SETUP, per message
per_msg() {
	round_values "$1" "$2" | awk -v n="$((MSGS * ROUNDS))" -v f="$3" \
	    '{ t += $1 } END { printf f, t / n }'
}

acc_a=$(round_values a accept_rate | median)
e2e_a=$(round_values a e2e_rate | median)
: >"$E/summary"
for s in $SETUPS; do
	acc=$(round_values "$s" accept_rate | median)
	e2e=$(round_values "$s" e2e_rate | median)
	echo "e2e summary setup=$s msgs=$MSGS size=$SIZE rounds=$ROUNDS" \
	    "accept_rate_median=$acc e2e_rate_median=$e2e" \
	    "ratio_accept=$(awk -v x="$acc" -v y="$acc_a" 'BEGIN { printf "%.3f", x / y }')" \
	    "ratio_e2e=$(awk -v x="$e2e" -v y="$e2e_a" 'BEGIN { printf "%.3f", x / y }')" \
	    "ldap_ops_per_msg=$(per_msg "$s" ldap_ops %.3f)" \
	    "redis_calls_per_msg=$(per_msg "$s" redis_calls %.3f)" \
	    "redis_trips_per_msg=$(per_msg "$s" redis_trips %.3f)" \
	    "redis_conns_per_msg=$(per_msg "$s" redis_conns %.3f)" \
	    "check_cpu_us_per_msg=$(per_msg "$s" check_cpu_us %.0f)" \
	    "postfix_cpu_us_per_msg=$(per_msg "$s" postfix_cpu_us %.0f)" \
	    "slapd_cpu_us_per_msg=$(per_msg "$s" slapd_cpu_us %.0f)" \
	    "redis_cpu_us_per_msg=$(per_msg "$s" redis_cpu_us %.0f)" \
	    >>"$E/summary"
done

echo
echo "a: bare Postfix   b: Postfix + ldap: tables   c: Postfix + sendergate" \
    "  d: Postfix + nullmilter"
echo "e: Postfix + rspamd (ratelimit)   f: Postfix + policyd-rate-limit"
echo "rates: medians of $ROUNDS rounds of $MSGS messages (msg/s), acc/a and" \
    "e2e/a their ratios to a's;"
echo "per message, all rounds: LDAP operations, Redis commands, round trips" \
    "and connections, CPU us"
awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    if (NR == 1) printf "%-5s %8s %8s %6s %6s %5s %6s %5s %5s %6s %7s %6s %6s\n",
	"setup", "accept/s", "e2e/s", "acc/a", "e2e/a", "ldap",
	"rcalls", "rtrip", "rconn", "check", "postfix", "slapd", "redis"
    printf "%-5s %8.1f %8.1f %6.3f %6.3f %5.2f %6.2f %5.2f %5.2f %6d %7d %6d %6d\n",
	v["setup"], v["accept_rate_median"], v["e2e_rate_median"],
	v["ratio_accept"], v["ratio_e2e"], v["ldap_ops_per_msg"],
	v["redis_calls_per_msg"], v["redis_trips_per_msg"],
	v["redis_conns_per_msg"],
	v["check_cpu_us_per_msg"], v["postfix_cpu_us_per_msg"],
	v["slapd_cpu_us_per_msg"], v["redis_cpu_us_per_msg"] }' "$E/summary"
echo
tee -a "$OUT" <"$E/summary"
