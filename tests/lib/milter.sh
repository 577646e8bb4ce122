# tests/lib/milter.sh - start sendergate and drive it with tests/tools/mtclient.
# Sourced after tests/lib/servers.sh (needs $SG_TMP, slapd and Redis up).
#
#   milter_conf NAME [key = value ...]   write $SG_TMP/NAME.conf
#   milter_start NAME                    run sendergate -f on it; sets
#                                        MILTER_SOCK_NAME, waits for it
#   milter_stop NAME
#   mt NAME CASE <<EOF ... EOF           run an mtclient script against
#                                        milter NAME; output in
#                                        $SG_TMP/CASE.out; status 0 when
#                                        every "expect" in it held
#                                        (MT_FLAGS=-e: stop at the first
#                                        that fails, see mtclient.c)
#   check CASE COMMAND...                "ok - CASE" if COMMAND succeeds
#   sg_backends [LDIF...]                what most tests start with: the
#                                        temporary directory, slapd with
#                                        data.ldif (and LDIF...), Redis;
#                                        "not ok" and exit 1 on a failure

SG_TOP=${SG_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SG_BIN=${SG_BIN:-$SG_TOP/milter/sendergate}
SG_MT=${SG_MT:-$SG_TOP/tests/tools/mtclient}
MONTH=$(date -u +%Y-%m)

milter_conf() {
	_name=$1
	shift
	# SG_MILTER_PORT: a fixed port (the shipped MTA examples' 8891)
	_port=${SG_MILTER_PORT:-$(sg_free_port)}
	{
		echo "# written by tests/lib/milter.sh"
		echo "socket = inet:$_port@127.0.0.1"
		echo "ldap_uri = $SLAPD_URI"
		echo "ldap_base = $SLAPD_BASE"
		echo "ldap_bind_dn = $SLAPD_BIND_DN"
		echo "ldap_bind_password_file = $SLAPD_BIND_PW_FILE"
		echo "ldap_timeout = 1s"
		# query unless asked: these tests check the cache's behaviour
		echo "ldap_mode = ${SG_LDAP_MODE:-query}"
		echo "redis_address = $REDIS_ADDRESS"
		echo "redis_timeout = 500ms"
		echo "listener_methods = campaign:campaign submission:smtp"
		echo "cache_ttl = 2s"
		echo "negative_cache_ttl = 1s"
		echo "log_level = debug"
		echo "pid_file = $SG_TMP/$_name.run.pid"
		for _kv in "$@"; do
			echo "$_kv"
		done
	} >"$SG_TMP/$_name.conf"
	eval "MILTER_SOCK_$_name=inet:$_port@127.0.0.1"
}

milter_start() {
	_name=$1
	if [ ! -x "$SG_BIN" ] || [ ! -x "$SG_MT" ]; then
		echo "$SG_BIN or $SG_MT is not built (make all tests/tools/mtclient)" >&2
		return 1
	fi
	# stopped at exit whatever happens (milter_stop is idempotent)
	sg_atexit "milter_stop $_name"
	_try=0
	while :; do
		milter_launch "$_name" && return 0
		# a port that another test took between sg_free_port and our
		# listen: a new one, as slapd_start and redis_start do
		[ -z "${SG_MILTER_PORT:-}" ] &&
		    grep -q 'socket = inet:.*cannot listen: Address already in use' \
		    "$SG_TMP/$_name.log" || break
		_try=$((_try + 1))
		[ "$_try" -lt 3 ] || break
		_port=$(sg_free_port) || return 1
		sed -i "s/^socket = inet:[0-9]*@/socket = inet:$_port@/" \
		    "$SG_TMP/$_name.conf"
		eval "MILTER_SOCK_$_name=inet:$_port@127.0.0.1"
		echo "# $_name: its port was taken; trying $_port" >&2
	done
	echo "sendergate $_name died:" >&2
	cat "$SG_TMP/$_name.log" >&2
	return 1
}

# Run sendergate NAME and wait until it answers: 0; 1 if it died
# (its log says why), 1 and stopped if it never answered.
milter_launch() {
	"$SG_BIN" -f -c "$SG_TMP/$1.conf" >>"$SG_TMP/$1.log" 2>&1 &
	echo $! >"$SG_TMP/$1.pid"
	eval "_sock=\$MILTER_SOCK_$1"
	_i=0
	while [ $_i -lt 100 ]; do
		if printf 'connect probe 127.0.0.1\nquit\n' |
		    "$SG_MT" -s "$_sock" -t 1 >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$(cat "$SG_TMP/$1.pid")" 2>/dev/null; then
			wait "$(cat "$SG_TMP/$1.pid")" 2>/dev/null
			rm -f "$SG_TMP/$1.pid"
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "sendergate $1 did not answer" >&2
	milter_stop "$1"
	return 1
}

milter_stop() {
	if [ -f "$SG_TMP/$1.pid" ]; then
		kill "$(cat "$SG_TMP/$1.pid")" 2>/dev/null
		wait "$(cat "$SG_TMP/$1.pid")" 2>/dev/null
		rm -f "$SG_TMP/$1.pid"
	fi
}

mt() {
	eval "_sock=\$MILTER_SOCK_$1"
	"$SG_MT" ${MT_FLAGS:-} -s "$_sock" -t 10 >"$SG_TMP/$2.out" 2>&1
	_rc=$?
	if [ $_rc -ne 0 ]; then
		sed "s/^/	# $2: /" "$SG_TMP/$2.out"
	fi
	return $_rc
}

check() {
	_case=$1
	shift
	if "$@"; then
		echo "ok - $_case"
	else
		echo "not ok - $_case"
	fi
}

# ok_mt MILTER CASE <<EOF: an mtclient script whose expects must hold.
ok_mt() {
	check "$2" mt "$@"
}

# in_out CASE TEXT: the line TEXT is in CASE's output.
in_out() {
	grep -qxF "$2" "$SG_TMP/$1.out"
}

# not_in_out CASE TEXT
not_in_out() {
	! grep -qF "$2" "$SG_TMP/$1.out"
}

# logged MILTER TEXT: the milter's log has a line containing TEXT.
logged() {
	grep -qF "$2" "$SG_TMP/$1.log"
}

# eventually SECONDS COMMAND...: COMMAND succeeds within SECONDS.
eventually() {
	_limit=$(($1 * 10))
	shift
	_i=0
	while [ $_i -lt $_limit ]; do
		"$@" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	"$@"
}

# tx_head QID FROM CLIENT [LOGIN] [LISTENER]: a script up to MAIL FROM.
tx_head() {
	printf 'macro C {daemon_name} %s\n' "${5:-submission}"
	printf 'connect client.test %s\n' "$3"
	printf 'macro M i %s\n' "$1"
	printf 'macro M {auth_authen} %s\n' "${4:-}"
	printf 'mail <%s>\n' "$2"
}

# tx_body FROM [HEADER...]: one recipient, a From header (none if FROM
# is empty), the headers given, a body, end of message.
tx_body() {
	_from=$1
	shift
	printf 'rcpt <rcpt@elsewhere.example>\nexpect continue\n'
	if [ -n "$_from" ]; then
		printf 'header From: %s\n' "$_from"
	fi
	for _h in "$@"; do
		printf 'header %s\n' "$_h"
	done
	printf 'header Subject: test\neoh\nbody hello\neom\n'
}

# no_crash MILTER: no sanitizer report or crash in the milter's log.
no_crash() {
	! grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer|Segmentation' \
	    "$SG_TMP/$1.log"
}

# milter_set NAME "key = value"...: in $SG_TMP/NAME.conf (written by
# milter_conf) replace the line of each key given, or add it, so that a
# test can change a key milter_conf writes without a duplicate.
milter_set() {
	_ms_conf=$SG_TMP/$1.conf
	shift
	for _ms_kv in "$@"; do
		_ms_key=$(printf '%s\n' "$_ms_kv" | sed 's/[[:space:]]*=.*//')
		sed -i "/^${_ms_key}[[:space:]]*=/d" "$_ms_conf"
		printf '%s\n' "$_ms_kv" >>"$_ms_conf"
	done
}

# mtt SECONDS MILTER CASE <<EOF: like mt, each reply awaited at most
# SECONDS (for retries with eventually, where a step after a refused one
# would otherwise wait the full 10 s).
mtt() {
	_mt_t=$1
	shift
	eval "_mt_sock=\$MILTER_SOCK_$1"
	"$SG_MT" -s "$_mt_sock" -t "$_mt_t" >"$SG_TMP/$2.out" 2>&1
	_mt_rc=$?
	if [ $_mt_rc -ne 0 ]; then
		sed "s/^/	# $2: /" "$SG_TMP/$2.out"
	fi
	return $_mt_rc
}

# now_ms: milliseconds since the epoch.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# milter_pid NAME: the pid milter_start recorded.
milter_pid() {
	cat "$SG_TMP/$1.pid"
}

# milter_alive NAME: the daemon NAME still runs.
milter_alive() {
	sg_alive "$(milter_pid "$1")"
}

# milter_stop_all NAME...: milter_stop for several daemons at once
# (libmilter may take seconds to notice SIGTERM; this waits once).
milter_stop_all() {
	_msa_pids=
	for _msa in "$@"; do
		[ -f "$SG_TMP/$_msa.pid" ] || continue
		_msa_pid=$(cat "$SG_TMP/$_msa.pid")
		kill "$_msa_pid" 2>/dev/null
		_msa_pids="$_msa_pids $_msa_pid"
		rm -f "$SG_TMP/$_msa.pid"
	done
	for _msa_pid in $_msa_pids; do
		wait "$_msa_pid" 2>/dev/null
	done
}

# sg_backends [LDIF...]: sg_setup, slapd with the test directory (and any
# LDIF given), Redis; on a failure "not ok" and the script ends.
sg_backends() {
	sg_setup || { echo "not ok - sg_setup failed"; exit 1; }
	SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TOP/tests/integration/data.ldif" \
	    "$@" || { echo "not ok - slapd did not start"; exit 1; }
	redis_start || { echo "not ok - redis did not start"; exit 1; }
}
