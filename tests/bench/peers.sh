# tests/bench/peers.sh - the checks an operator might pick instead of
# sendergate, as private instances for tests/bench/e2e.sh. Sourced after
# tests/lib/servers.sh (sg_setup, redis_start: $SG_TMP, $REDIS_PORT).
#
#   peers_deps           install Debian's rspamd and policyd-rate-limit if
#                        missing (tests/lib/deps.sh with that list: one
#                        apt-get install, no daemon started); not in make
#                        check's list, only the benchmark needs them
#   rspamd_start LIMIT   rspamd 3.4 as a milter on a loopback port, its own
#                        configuration written from scratch in
#                        $SG_TMP/rspamd (only the ratelimit module, the
#                        Redis of servers.sh), LIMIT messages per sender
#                        and 30 days; sets RSPAMD_PORT, RSPAMD_PID
#   rspamd_stop          stop it (its workers with it)
#   policyd_start LIMIT BIG_ID BIG_LIMIT
#                        policyd-rate-limit 1.0.1 on a loopback port, its
#                        own configuration, pid file and sqlite database in
#                        $SG_TMP/policyd: LIMIT messages per sender and 30
#                        days, BIG_LIMIT for sender BIG_ID; sets
#                        POLICYD_PORT, POLICYD_PID, POLICYD_DB
#   policyd_stop         stop it
#   policyd_rows ID      rows policyd-rate-limit holds for sender ID (one a
#                        message it let through)
#   tree_ticks PID       CPU clock ticks of PID (with the children it
#                        reaped) and its live children
#
# Neither touches the system's services or their files: both run in the
# foreground of this shell, on ports from sg_free_port.

RSPAMD_PID=
POLICYD_PID=

peers_deps() {
	sh "$SG_ROOT/tests/lib/deps.sh" rspamd policyd-rate-limit
}

tree_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v m="$1" '{
	    pid = $1; sub(/^.*\) /, "")
	    if (pid == m) t += $12 + $13 + $14 + $15
	    else if ($2 == m) t += $12 + $13 }
	    END { print t + 0 }'
}

# Write rspamd's configuration for LIMIT messages a sender in 30 days.
rspamd_write_conf() {
	cat >"$SG_TMP/rspamd/rspamd.conf" <<-EOF
	# rspamd.conf written by tests/bench/peers.sh: a milter (the proxy
	# worker scanning by itself) with the ratelimit module alone.
	options {
	    pidfile = "$SG_TMP/rspamd/rspamd.pid";
	    tempdir = "$SG_TMP/rspamd";
	    # C modules: none (regexp, chartable, dkim, fuzzy_check, ...);
	    # Lua modules without a section here are disabled at load
	    filters = "";
	    # nothing is a local address: rules apply to loopback clients
	    local_addrs = "192.0.2.255/32";
	    dns { nameserver = ["127.0.0.1:53"]; timeout = 1s; retransmits = 1; }
	}
	logging {
	    type = "file";
	    filename = "$SG_TMP/rspamd/rspamd.log";
	    level = "notice";
	}
	worker "rspamd_proxy" {
	    bind_socket = "127.0.0.1:$RSPAMD_PORT";
	    milter = yes;
	    timeout = 120s;
	    upstream "local" { default = yes; self_scan = yes; }
	    count = 1;
	}
	redis { servers = "127.0.0.1:$REDIS_PORT"; }
	modules { path = "/usr/share/rspamd/plugins"; }
	ratelimit {
	    rates {
	        sender_month {
	            selector = "from('smtp'):addr";
	            bucket = { burst = $1; rate = "$1 / 30d"; }
	        }
	    }
	}
	EOF
}

rspamd_start() {
	# its user reaches its own directory (as postfix.sh does for Postfix)
	chmod 711 "$SG_TMP" || return 1
	mkdir -p "$SG_TMP/rspamd" && chown _rspamd:_rspamd "$SG_TMP/rspamd" ||
		return 1
	[ -n "${RSPAMD_PORT:-}" ] || RSPAMD_PORT=$(sg_free_port) || return 1
	rspamd_write_conf "$1" || return 1
	# -f: stays in the foreground (so it writes no pid file: we keep $!)
	rspamd -f -c "$SG_TMP/rspamd/rspamd.conf" -u _rspamd -g _rspamd \
	    >>"$SG_TMP/rspamd/rspamd.out" 2>&1 &
	RSPAMD_PID=$!
	echo "$RSPAMD_PID" >"$SG_TMP/rspamd/main.pid"
	# loading takes seconds (language data, TLDs)
	pf_wait_port "$RSPAMD_PORT" 600 || {
		cat "$SG_TMP/rspamd/rspamd.out" >&2
		tail -n 20 "$SG_TMP/rspamd/rspamd.log" >&2
		return 1
	}
}

rspamd_stop() {
	[ -n "$RSPAMD_PID" ] || return 0
	sg_kill_wait "$RSPAMD_PID" rspamd
	RSPAMD_PID=
}

policyd_start() {
	_pd=$SG_TMP/policyd
	chmod 711 "$SG_TMP" || return 1
	mkdir -p "$_pd" &&
	    chown policyd-rate-limit:policyd-rate-limit "$_pd" || return 1
	POLICYD_PORT=$(sg_free_port) || return 1
	POLICYD_DB=$_pd/db.sqlite3
	cat >"$_pd/policyd-rate-limit.yaml" <<-EOF
	# written by tests/bench/peers.sh
	debug: False
	user: "policyd-rate-limit"
	group: "policyd-rate-limit"
	pidfile: "$_pd/policyd.pid"
	sqlite_config:
	    database: "$POLICYD_DB"
	backend: 0
	SOCKET: ["127.0.0.1", $POLICYD_PORT]
	limits:
	    - [$1, 2592000]
	limits_by_id:
	    "$2":
	        - [$3, 2592000]
	limit_by_sasl: True
	limit_by_sender: True
	limit_by_ip: False
	limited_networks: []
	success_action: "dunno"
	fail_action: "defer_if_permit Rate limit reach, retry later"
	db_error_action: "dunno"
	report: False
	delay_to_close: 300
	EOF
	policyd-rate-limit -f "$_pd/policyd-rate-limit.yaml" \
	    >>"$_pd/policyd.out" 2>&1 &
	POLICYD_PID=$!
	pf_wait_port "$POLICYD_PORT" 100 || {
		cat "$_pd/policyd.out" >&2
		return 1
	}
}

policyd_stop() {
	[ -n "$POLICYD_PID" ] || return 0
	sg_kill_wait "$POLICYD_PID" policyd-rate-limit
	POLICYD_PID=
}

policyd_rows() {
	python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(c.execute("SELECT COUNT(*) FROM mail_count WHERE id = ?",
    (sys.argv[2],)).fetchone()[0])' "$POLICYD_DB" "$1"
}
