# tests/lib/redis_ha.sh - a Sentinel-monitored Redis set on loopback, for
# the failover tests. Sourced after tests/lib/servers.sh (needs $SG_TMP).
#
#   ha_start [MASTER_NAME]   one master, two replicas, three sentinels
#                            (redis-server FILE --sentinel), quorum 2,
#                            down-after-milliseconds 1000, failover-timeout
#                            5000, min-replicas-to-write 1 on every server
#                            (a replica that becomes master keeps it).
#                            Sets HA_PORT_0..2 (0 is the first master),
#                            HA_PID_0..2, HA_SPORT_0..2, HA_SPID_0..2,
#                            HA_SENTINELS ("127.0.0.1:P ..."), HA_NAME.
#   ha_cli I ARGS...         redis-cli to server I
#   ha_scli I ARGS...        redis-cli to sentinel I
#   ha_master                print the port the sentinels call master
#   ha_wait_master OLDPORT S wait up to S seconds for a master other than
#                            OLDPORT; print its port
#   ha_index PORT            print I of the server on PORT
#   ha_kill I SIG            kill -SIG server I
#   ha_restart I             start server I again (as a replica of the
#                            current master: Sentinel reconfigures it)
#   ha_sentinels_stop / ha_sentinels_start
#
# Every process is stopped at exit (sg_atexit).

HA_NAME=sgmaster

# ha_server_conf I PORT [REPLICAOF_PORT]: write server I's redis.conf.
ha_server_conf() {
	mkdir -p "$SG_TMP/ha$1" || return 1
	{
		echo "bind 127.0.0.1"
		echo "port $2"
		echo "protected-mode yes"
		echo "daemonize no"
		echo "logfile \"\""
		echo "dir $SG_TMP/ha$1"
		echo "save \"\""
		echo "appendonly no"
		echo "min-replicas-to-write 1"
		echo "min-replicas-max-lag 10"
		echo "repl-diskless-sync yes"
		echo "repl-diskless-sync-delay 0"
		if [ -n "${3:-}" ]; then
			echo "replicaof 127.0.0.1 $3"
		fi
	} >"$SG_TMP/ha$1/redis.conf"
}

# ha_launch I: start server I from its file.
ha_launch() {
	redis-server "$SG_TMP/ha$1/redis.conf" >>"$SG_TMP/ha$1.log" 2>&1 &
	eval "HA_PID_$1=$!"
	export "HA_PID_$1"
}

# ha_cli I ARGS...
ha_cli() {
	eval "_p=\$HA_PORT_$1"
	shift
	timeout 10 redis-cli -h 127.0.0.1 -p "$_p" "$@"
}

# ha_scli I ARGS...
ha_scli() {
	eval "_p=\$HA_SPORT_$1"
	shift
	timeout 10 redis-cli -h 127.0.0.1 -p "$_p" "$@"
}

# ha_sentinel_launch I: start sentinel I (its file is rewritten by it).
ha_sentinel_launch() {
	redis-server "$SG_TMP/hs$1/sentinel.conf" --sentinel \
	    >>"$SG_TMP/hs$1.log" 2>&1 &
	eval "HA_SPID_$1=$!"
	export "HA_SPID_$1"
}

# ha_start [NAME]
ha_start() {
	HA_NAME=${1:-$HA_NAME}
	export HA_NAME
	for _i in 0 1 2; do
		_port=$(sg_free_port) || return 1
		eval "HA_PORT_$_i=$_port"
		export "HA_PORT_$_i"
	done
	ha_server_conf 0 "$HA_PORT_0" || return 1
	ha_server_conf 1 "$HA_PORT_1" "$HA_PORT_0" || return 1
	ha_server_conf 2 "$HA_PORT_2" "$HA_PORT_0" || return 1
	for _i in 0 1 2; do
		ha_launch $_i
		sg_atexit "ha_stop_one $_i"
	done
	# the replicas in sync before the sentinels look
	_n=0
	until [ "$(ha_cli 0 INFO replication 2>/dev/null |
	    sed -n 's/^connected_slaves:\([0-9]*\).*/\1/p')" = 2 ]; do
		_n=$((_n + 1))
		[ $_n -lt 100 ] || { sg_say "ha_start: replicas did not attach"; return 1; }
		sleep 0.1
	done
	HA_SENTINELS=
	for _i in 0 1 2; do
		_sp=$(sg_free_port) || return 1
		eval "HA_SPORT_$_i=$_sp"
		export "HA_SPORT_$_i"
		mkdir -p "$SG_TMP/hs$_i" || return 1
		cat >"$SG_TMP/hs$_i/sentinel.conf" <<-EOT
		bind 127.0.0.1
		port $_sp
		daemonize no
		logfile ""
		dir $SG_TMP/hs$_i
		sentinel monitor $HA_NAME 127.0.0.1 $HA_PORT_0 2
		sentinel down-after-milliseconds $HA_NAME 1000
		sentinel failover-timeout $HA_NAME 5000
		sentinel parallel-syncs $HA_NAME 2
		EOT
		ha_sentinel_launch $_i
		sg_atexit "ha_sentinel_stop_one $_i"
		HA_SENTINELS="$HA_SENTINELS 127.0.0.1:$_sp"
	done
	HA_SENTINELS=${HA_SENTINELS# }
	export HA_SENTINELS
	# every sentinel knows the master and sees the others
	_n=0
	for _i in 0 1 2; do
		until [ "$(ha_scli $_i SENTINEL master "$HA_NAME" 2>/dev/null |
		    sed -n '/^num-other-sentinels$/{n;p;}')" = 2 ]; do
			_n=$((_n + 1))
			[ $_n -lt 200 ] || { sg_say "ha_start: sentinels did not meet"; return 1; }
			sleep 0.1
		done
	done
	return 0
}

# ha_stop_one I: stop server I if it runs.
ha_stop_one() {
	eval "_pid=\${HA_PID_$1:-}"
	if [ -n "$_pid" ]; then
		sg_kill_wait "$_pid" "redis ha$1"
	fi
	eval "HA_PID_$1="
}

# ha_sentinel_stop_one I
ha_sentinel_stop_one() {
	eval "_pid=\${HA_SPID_$1:-}"
	if [ -n "$_pid" ]; then
		sg_kill_wait "$_pid" "sentinel $1"
	fi
	eval "HA_SPID_$1="
}

# ha_master: the master's port as the first sentinel that answers says.
ha_master() {
	for _i in 0 1 2; do
		_a=$(ha_scli $_i SENTINEL get-master-addr-by-name "$HA_NAME" \
		    2>/dev/null | sed -n 2p)
		[ -n "$_a" ] && { echo "$_a"; return 0; }
	done
	return 1
}

# ha_wait_master OLDPORT SECONDS: a new master, agreed by a sentinel and
# answering ROLE master.
ha_wait_master() {
	_n=0
	while [ $_n -lt $(($2 * 10)) ]; do
		_m=$(ha_master)
		if [ -n "$_m" ] && [ "$_m" != "$1" ] &&
		    [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$_m" ROLE 2>/dev/null |
		    head -n 1)" = master ]; then
			echo "$_m"
			return 0
		fi
		_n=$((_n + 1))
		sleep 0.1
	done
	return 1
}

# ha_index PORT: which server listens on PORT.
ha_index() {
	for _i in 0 1 2; do
		eval "_p=\$HA_PORT_$_i"
		[ "$_p" = "$1" ] && { echo $_i; return 0; }
	done
	return 1
}

# ha_kill I SIG
ha_kill() {
	eval "_pid=\${HA_PID_$1:-}"
	if [ -n "$_pid" ]; then
		kill "-$2" "$_pid"
	fi
	if [ "$2" = KILL ]; then
		wait "$_pid" 2>/dev/null
		eval "HA_PID_$1="
	fi
}

# ha_restart I: start server I again from its file (Sentinel turns an
# old master into a replica of the new one).
ha_restart() {
	ha_launch "$1"
}

# ha_sentinels_stop / ha_sentinels_start: all three.
ha_sentinels_stop() {
	for _i in 0 1 2; do
		ha_sentinel_stop_one $_i
	done
}
ha_sentinels_start() {
	for _i in 0 1 2; do
		ha_sentinel_launch $_i
	done
}
