# servers.sh - throwaway slapd and redis-server for sendergate's tests.
#
# A POSIX sh library: source it, call sg_setup, start what you need.
#
#     . "$top/tests/lib/servers.sh"
#     sg_setup                  # $SG_TMP, cleanup on exit
#     slapd_start [LDIF...]     # dc=example,dc=com + ldap-schema/example.ldif
#     redis_start
#     ldapsearch -x -H "$SLAPD_URI" -b "$SLAPD_BASE" '(mail=*)'
#     rcli set k v
#
# Everything listens on 127.0.0.1 only (plus an ldapi socket and a Redis
# unix socket inside $SG_TMP), on free ports chosen at random, so several
# tests may run at once. Every wait is bounded. sg_setup installs an EXIT
# trap that runs the sg_atexit commands, stops the servers and removes
# $SG_TMP (kept when SG_KEEP=1); a test must not replace that trap, it
# registers its own cleanup with sg_atexit.
#
# Functions
#   sg_setup                 make $SG_TMP, install the EXIT/INT/TERM traps
#   sg_atexit CMD...         run CMD (eval) at exit, before the servers stop
#   sg_free_port             print a free TCP port of 127.0.0.1
#   slapd_start [LDIF...]    start slapd; load base entries, example.ldif
#                            (not with SLAPD_NO_EXAMPLE=1), then LDIF...
#   slapd_stop               stop it (data kept)
#   slapd_start_again        start it again, same data and ports
#   slapd_freeze, slapd_thaw SIGSTOP / SIGCONT
#   ldap_admin CMD ARGS...   CMD (ldapsearch, ldapmodify, ldapadd,
#                            ldapdelete, ...) bound as the rootdn
#   redis_start              start redis-server (REDIS_PASSWORD: requirepass)
#   redis_stop, redis_start_again (same port; no persistence: data is lost)
#   redis_freeze, redis_thaw SIGSTOP / SIGCONT
#   rcli ARGS...             redis-cli against it
#
# Variables exported by slapd_start
#   SLAPD_URI          ldap://127.0.0.1:PORT (StartTLS works on it)
#   SLAPD_LDAPS_URI    ldaps://127.0.0.1:PORT2
#   SLAPD_LDAPI_URI    ldapi://%2F...%2Fldapi (root with -Y EXTERNAL on
#                      it is the rootdn)
#   SLAPD_PORT, SLAPD_LDAPS_PORT
#   SLAPD_CA           CA certificate (PEM) that signed the server cert
#                      (SAN IP:127.0.0.1, DNS:localhost)
#   SLAPD_SUFFIX       dc=example,dc=com
#   SLAPD_BASE         ou=sendergate,dc=example,dc=com
#   SLAPD_BIND_DN      cn=sendergate,dc=example,dc=com (reads the tree)
#   SLAPD_BIND_PW_FILE file, mode 0600, "milterpw" without a newline
#   SLAPD_ADMIN_DN     cn=admin,dc=example,dc=com (rootdn)
#   SLAPD_ADMIN_PW     adminpw
#   SLAPD_PID, SLAPD_CONF, SLAPD_LOG
# Variables exported by redis_start
#   REDIS_PORT, REDIS_ADDRESS (127.0.0.1:PORT), REDIS_SOCKET (unix socket),
#   REDIS_PW_FILE (only with REDIS_PASSWORD; mode 0600, no newline),
#   REDIS_PID, REDIS_LOG
#
# Knobs (environment)
#   SG_KEEP=1            keep $SG_TMP at exit (logs, configs, databases)
#   SLAPD_NO_EXAMPLE=1   do not load ldap-schema/example.ldif
#   SLAPD_NO_ANONYMOUS=1 anonymous clients may only bind, not read
#   SLAPD_DEBUG=LEVEL    slapd -d level (default "stats": one log line per
#                        operation in $SLAPD_LOG; 0 for quiet, e.g. benches)
#   REDIS_PASSWORD=PW    requirepass PW (no blanks, quotes or backslashes)
#   SLAPD_NO_SYNCPROV=1  no syncprov overlay (content sync refused)
#   SLAPD_SESSIONLOG=N   syncprov-sessionlog N (default 10000)
#   SLAPD_EXTRA_DB_CONF=TEXT  lines appended to the database section
#   SLAPD_EXTRA_GLOBAL_CONF=TEXT  lines of the global section (serverID)
#   SLAPD_DIR=DIR        the server's files (default $SG_TMP/slapd; a
#                        second server, tests/lib/slapd_mp.sh)
#   SLAPD_MAXSIZE=BYTES  mdb maxsize (default 1073741824; big benches)
#
# The slapd database is mdb with the syncprov overlay (for ldap_mode =
# mirror), no size or time limits, and equality indexes on objectClass,
# mail, sgPrimaryDomain, sgAuthId, entryCSN and entryUUID. userPassword is
# readable by nobody but the rootdn (anonymous may bind with it).
#
# Needs: slapd, ldap-utils, redis-server, redis-tools, openssl, coreutils.

# ---- common -------------------------------------------------------------

# Top directory of the source tree: upward from the sourcing script.
if [ -z "${SG_ROOT:-}" ]; then
	SG_ROOT=$(cd "$(dirname "$0")" 2>/dev/null && pwd)
	while [ -n "$SG_ROOT" ] && [ "$SG_ROOT" != / ] &&
	    [ ! -f "$SG_ROOT/ldap-schema/sendergate.schema" ]; do
		SG_ROOT=$(dirname "$SG_ROOT")
	done
	[ -f "$SG_ROOT/ldap-schema/sendergate.schema" ] || SG_ROOT=$(pwd)
fi
export SG_ROOT

SG_LDAP_SCHEMA_DIR=${SG_LDAP_SCHEMA_DIR:-/etc/ldap/schema}
SG_LDAP_MODULE_DIR=${SG_LDAP_MODULE_DIR:-/usr/lib/ldap}
SG_ATEXIT=

# Print a message on stderr.
sg_say() {
	echo "servers.sh: $*" >&2
}

# Make $SG_TMP and install the traps that clean up at exit.
sg_setup() {
	if [ -n "${SG_TMP:-}" ] && [ -d "$SG_TMP" ]; then
		sg_say "sg_setup: already set up ($SG_TMP)"
		return 1
	fi
	SG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sendergate.XXXXXX") || return 1
	export SG_TMP
	: >"$SG_TMP/ports"
	# shellcheck disable=SC2154 # sg_rc is assigned inside the trap
	trap 'sg_rc=$?; sg_teardown; exit $sg_rc' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Register a command (eval'd) to run at exit; last registered runs first.
sg_atexit() {
	SG_ATEXIT="$*
$SG_ATEXIT"
}

# The EXIT trap: user cleanups, servers, then the directory.
sg_teardown() {
	trap - EXIT HUP INT TERM
	if [ -n "$SG_ATEXIT" ]; then
		eval "$SG_ATEXIT" || :
	fi
	redis_stop
	slapd_stop
	if [ -z "${SG_TMP:-}" ] || [ ! -d "$SG_TMP" ]; then
		return 0
	fi
	if [ "${SG_KEEP:-0}" = 1 ]; then
		sg_say "kept $SG_TMP"
	else
		rm -rf "$SG_TMP"
	fi
}

# True while process $1 exists and is no zombie.
sg_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		sg_state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
		[ "$sg_state" != Z ] || return 1
	fi
	return 0
}

# Stop process $1 (named $2): TERM (and CONT, should it be frozen), KILL
# after 10 s; reap it when it is our child.
sg_kill_wait() {
	kill -TERM "$1" 2>/dev/null
	kill -CONT "$1" 2>/dev/null
	sg_i=0
	while sg_alive "$1"; do
		sg_i=$((sg_i + 1))
		if [ "$sg_i" -eq 100 ]; then
			sg_say "$2 (pid $1) ignores SIGTERM, killing it"
			kill -KILL "$1" 2>/dev/null
		elif [ "$sg_i" -ge 150 ]; then
			sg_say "$2 (pid $1) does not die"
			return 1
		fi
		sleep 0.1
	done
	wait "$1" 2>/dev/null
	return 0
}

# True when something uses TCP port $1 (any address, any state).
sg_port_busy() {
	if [ -r /proc/net/tcp ]; then
		sg_hex=$(printf ':%04X' "$1")
		cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v h="$sg_hex" '
		    substr($2, length($2) - 4) == h { found = 1 }
		    END { exit !found }'
	elif command -v ss >/dev/null 2>&1; then
		ss -Htan 2>/dev/null | awk -v p=":$1" '
		    substr($4, length($4) - length(p) + 1) == p { found = 1 }
		    END { exit !found }'
	else
		return 1
	fi
}

# Print a free TCP port of 127.0.0.1, below the ephemeral range and not
# handed out before by this test.
sg_free_port() {
	sg_hi=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range \
	    2>/dev/null)
	case $sg_hi in
	''|*[!0-9]*) sg_hi=32768 ;;
	esac
	[ "$sg_hi" -gt 12000 ] || sg_hi=32768
	sg_lo=10240
	sg_n=0
	while [ "$sg_n" -lt 200 ]; do
		sg_n=$((sg_n + 1))
		sg_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' \n')
		sg_p=$((sg_lo + sg_r % (sg_hi - sg_lo)))
		if [ -n "${SG_TMP:-}" ] && [ -f "$SG_TMP/ports" ] &&
		    grep -qx "$sg_p" "$SG_TMP/ports"; then
			continue
		fi
		sg_port_busy "$sg_p" && continue
		[ -n "${SG_TMP:-}" ] && echo "$sg_p" >>"$SG_TMP/ports"
		echo "$sg_p"
		return 0
	done
	sg_say "sg_free_port: no free port found"
	return 1
}

# Write file $1 holding $2 without a newline, mode 0600.
sg_secret_file() {
	(umask 077 && printf '%s' "$2" >"$1") && chmod 600 "$1"
}

# ---- TLS ----------------------------------------------------------------

# Make a CA and a server certificate for 127.0.0.1 / localhost in
# $SG_TMP/tls (once per $SG_TMP).
sg_tls_make() {
	sg_t=$SG_TMP/tls
	[ -s "$sg_t/server.pem" ] && return 0
	mkdir -p "$sg_t" || return 1
	cat >"$sg_t/openssl.cnf" <<-EOF
	[ req ]
	distinguished_name = dn
	prompt = no
	[ dn ]
	CN = sendergate test
	[ ca_ext ]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign
	subjectKeyIdentifier = hash
	[ server_ext ]
	basicConstraints = critical, CA:FALSE
	keyUsage = critical, digitalSignature
	extendedKeyUsage = serverAuth
	subjectAltName = IP:127.0.0.1, DNS:localhost
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	EOF
	sg_serial=$(od -An -N4 -tu4 /dev/urandom | tr -d ' \n')
	(
		cd "$sg_t" || exit 1
		umask 077
		openssl req -config openssl.cnf -x509 -new -nodes -days 30 \
		    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -keyout ca.key -out ca.pem -extensions ca_ext \
		    -subj "/O=sendergate tests/CN=sendergate test CA" &&
		openssl req -config openssl.cnf -new -nodes \
		    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -keyout server.key -out server.csr -subj "/CN=localhost" &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		    -set_serial "$sg_serial" -days 30 -out server.pem \
		    -extfile openssl.cnf -extensions server_ext &&
		chmod 644 ca.pem server.pem
	) >"$sg_t/openssl.log" 2>&1 || {
		sg_say "cannot make TLS certificates:"
		cat "$sg_t/openssl.log" >&2
		return 1
	}
}

# ---- slapd --------------------------------------------------------------

# Write $SLAPD_CONF.
slapd_write_conf() {
	sg_d=${SLAPD_DIR:-$SG_TMP/slapd}
	sg_rootpw=$(slappasswd -s "$SLAPD_ADMIN_PW" -h '{SSHA}') || return 1
	if [ "${SLAPD_NO_ANONYMOUS:-0}" = 1 ]; then
		sg_anon="by * none"
	else
		sg_anon="by * read"
	fi
	if [ -d "$SG_LDAP_MODULE_DIR" ]; then
		sg_modules="modulepath $SG_LDAP_MODULE_DIR
moduleload back_mdb
moduleload syncprov"
	else
		sg_modules="# no $SG_LDAP_MODULE_DIR: backends built in"
	fi
	cat >"$SLAPD_CONF" <<-EOF
	# slapd.conf written by tests/lib/servers.sh
	include $SG_LDAP_SCHEMA_DIR/core.schema
	include $SG_LDAP_SCHEMA_DIR/cosine.schema
	include $SG_LDAP_SCHEMA_DIR/inetorgperson.schema
	include $SG_LDAP_SCHEMA_DIR/nis.schema
	include $SG_ROOT/ldap-schema/sendergate.schema

	pidfile $sg_d/slapd.pid
	argsfile $sg_d/slapd.args
	$sg_modules

	sizelimit unlimited
	timelimit unlimited

	# root over ldapi (-Y EXTERNAL) is the rootdn
	authz-regexp "gidNumber=0\\\\+uidNumber=0,cn=peercred,cn=external,cn=auth"
	    "$SLAPD_ADMIN_DN"

	TLSCACertificateFile $SG_TMP/tls/ca.pem
	TLSCertificateFile $SG_TMP/tls/server.pem
	TLSCertificateKeyFile $SG_TMP/tls/server.key
	${SLAPD_EXTRA_GLOBAL_CONF:-}

	database mdb
	maxsize ${SLAPD_MAXSIZE:-1073741824}
	suffix "$SLAPD_SUFFIX"
	rootdn "$SLAPD_ADMIN_DN"
	rootpw $sg_rootpw
	directory $sg_d/data

	index objectClass eq
	index mail eq
	index sgPrimaryDomain eq
	index sgAuthId eq
	index entryCSN,entryUUID eq

	access to attrs=userPassword
	    by self write
	    by anonymous auth
	    by * none
	access to *
	    by dn.exact="$SLAPD_BIND_DN" read
	    $sg_anon

	EOF
	if [ "${SLAPD_NO_SYNCPROV:-0}" != 1 ]; then
		printf '%s\n' "overlay syncprov" "syncprov-checkpoint 100 10" \
		    "syncprov-sessionlog ${SLAPD_SESSIONLOG:-10000}" \
		    >>"$SLAPD_CONF"
	fi
	if [ -n "${SLAPD_EXTRA_DB_CONF:-}" ]; then
		printf '%s\n' "$SLAPD_EXTRA_DB_CONF" >>"$SLAPD_CONF"
	fi
}

# Write the entries every test directory has: the suffix, the milter's
# bind account and, without example.ldif, the ou holding the domains.
slapd_write_base() {
	sg_bindpw=$(slappasswd -s milterpw -h '{SSHA}') || return 1
	cat >"${SLAPD_DIR:-$SG_TMP/slapd}/base.ldif" <<-EOF
	dn: $SLAPD_SUFFIX
	objectClass: dcObject
	objectClass: organization
	dc: example
	o: Example

	dn: $SLAPD_BIND_DN
	objectClass: organizationalRole
	objectClass: simpleSecurityObject
	cn: sendergate
	description: bind account of the sendergate milter
	userPassword: $sg_bindpw
	EOF
	cat >"${SLAPD_DIR:-$SG_TMP/slapd}/ou.ldif" <<-EOF
	dn: $SLAPD_BASE
	objectClass: organizationalUnit
	ou: sendergate
	EOF
}

# Start slapd on the current ports; 0 once it answers, 1 if it died or
# did not answer within 10 s.
slapd_launch() {
	rm -f "${SLAPD_DIR:-$SG_TMP/slapd}/ldapi"
	slapd -d "${SLAPD_DEBUG:-stats}" -f "$SLAPD_CONF" \
	    -h "$SLAPD_URI/ $SLAPD_LDAPS_URI/ $SLAPD_LDAPI_URI" \
	    >>"$SLAPD_LOG" 2>&1 &
	SLAPD_PID=$!
	export SLAPD_PID
	sg_i=0
	while [ "$sg_i" -lt 100 ]; do
		if ! sg_alive "$SLAPD_PID"; then
			wait "$SLAPD_PID" 2>/dev/null
			SLAPD_PID=
			return 1
		fi
		if timeout 5 ldapsearch -x -H "$SLAPD_URI" -o nettimeout=2 \
		    -b "" -s base >/dev/null 2>&1; then
			return 0
		fi
		sg_i=$((sg_i + 1))
		sleep 0.1
	done
	sg_say "slapd did not answer on $SLAPD_URI within 10s"
	sg_kill_wait "$SLAPD_PID" slapd
	SLAPD_PID=
	return 1
}

# Set the names slapd_start exports, for the server in $SLAPD_DIR
# (default $SG_TMP/slapd) logging to $SG_TMP/$1.
slapd_names() {
	sg_d=${SLAPD_DIR:-$SG_TMP/slapd}
	SLAPD_SUFFIX=dc=example,dc=com
	SLAPD_BASE=ou=sendergate,$SLAPD_SUFFIX
	SLAPD_ADMIN_DN=cn=admin,$SLAPD_SUFFIX
	SLAPD_ADMIN_PW=adminpw
	SLAPD_BIND_DN=cn=sendergate,$SLAPD_SUFFIX
	SLAPD_BIND_PW_FILE=$sg_d/bind.pw
	SLAPD_CA=$SG_TMP/tls/ca.pem
	SLAPD_CONF=$sg_d/slapd.conf
	SLAPD_LOG=$SG_TMP/$1
	SLAPD_LDAPI_URI=ldapi://$(printf '%s' "$sg_d/ldapi" | sed 's,/,%2F,g')
	export SLAPD_SUFFIX SLAPD_BASE SLAPD_ADMIN_DN SLAPD_ADMIN_PW \
	    SLAPD_BIND_DN SLAPD_BIND_PW_FILE SLAPD_CA SLAPD_CONF SLAPD_LOG \
	    SLAPD_LDAPI_URI
}

# Start a fresh slapd with the base entries, example.ldif (unless
# SLAPD_NO_EXAMPLE=1) and the LDIF files given.
slapd_start() {
	if [ -z "${SG_TMP:-}" ]; then
		sg_say "slapd_start: call sg_setup first"
		return 1
	fi
	if [ -n "${SLAPD_PID:-}" ]; then
		sg_say "slapd_start: slapd already running (pid $SLAPD_PID)"
		return 1
	fi
	SLAPD_DIR=$SG_TMP/slapd
	slapd_names slapd.log
	rm -rf "$SG_TMP/slapd"
	mkdir -p "$SG_TMP/slapd/data" || return 1
	sg_secret_file "$SLAPD_BIND_PW_FILE" milterpw || return 1
	sg_tls_make || return 1
	slapd_write_conf || return 1
	slapd_write_base || return 1

	# Load offline with slapadd: fast, and checks every entry against
	# the schema. -w stores the contextCSN for syncprov.
	if [ "${SLAPD_NO_EXAMPLE:-0}" = 1 ]; then
		set -- "$SG_TMP/slapd/base.ldif" "$SG_TMP/slapd/ou.ldif" "$@"
	else
		set -- "$SG_TMP/slapd/base.ldif" \
		    "$SG_ROOT/ldap-schema/example.ldif" "$@"
	fi
	for sg_f in "$@"; do
		if ! slapadd -w -f "$SLAPD_CONF" -l "$sg_f" \
		    >>"$SG_TMP/slapadd.log" 2>&1; then
			sg_say "slapadd failed on $sg_f:"
			tail -n 20 "$SG_TMP/slapadd.log" >&2
			return 1
		fi
	done

	# Retry on fresh ports should another process take ours meanwhile.
	sg_try=0
	while :; do
		SLAPD_PORT=$(sg_free_port) || return 1
		SLAPD_LDAPS_PORT=$(sg_free_port) || return 1
		SLAPD_URI=ldap://127.0.0.1:$SLAPD_PORT
		SLAPD_LDAPS_URI=ldaps://127.0.0.1:$SLAPD_LDAPS_PORT
		export SLAPD_PORT SLAPD_LDAPS_PORT SLAPD_URI SLAPD_LDAPS_URI
		slapd_launch && return 0
		sg_try=$((sg_try + 1))
		if [ "$sg_try" -ge 3 ]; then
			sg_say "slapd does not start; end of $SLAPD_LOG:"
			tail -n 20 "$SLAPD_LOG" >&2
			return 1
		fi
	done
}

# Stop slapd; its database and ports stay for slapd_start_again.
slapd_stop() {
	[ -n "${SLAPD_PID:-}" ] || return 0
	sg_kill_wait "$SLAPD_PID" slapd
	SLAPD_PID=
}

# Start the stopped slapd again: same database, same ports.
slapd_start_again() {
	if [ -z "${SLAPD_CONF:-}" ] || [ ! -f "$SLAPD_CONF" ]; then
		sg_say "slapd_start_again: no slapd_start before"
		return 1
	fi
	slapd_stop
	slapd_launch && return 0
	sg_say "slapd does not start again; end of $SLAPD_LOG:"
	tail -n 20 "$SLAPD_LOG" >&2
	return 1
}

# Freeze slapd (connections hang, nothing is refused).
slapd_freeze() {
	[ -n "${SLAPD_PID:-}" ] && kill -STOP "$SLAPD_PID"
}

# Let a frozen slapd run again.
slapd_thaw() {
	[ -n "${SLAPD_PID:-}" ] && kill -CONT "$SLAPD_PID"
}

# Run an OpenLDAP client bound as the rootdn, at most 60 s, e.g.
#     ldap_admin ldapmodify <<EOF ... EOF
ldap_admin() {
	sg_cmd=$1
	shift
	timeout 60 "$sg_cmd" -x -H "$SLAPD_URI" -o nettimeout=5 \
	    -D "$SLAPD_ADMIN_DN" -w "$SLAPD_ADMIN_PW" "$@"
}

# ---- redis --------------------------------------------------------------

# Write the Redis configuration for $REDIS_PORT.
redis_write_conf() {
	sg_pass=
	if [ -n "${REDIS_PASSWORD:-}" ]; then
		sg_pass="requirepass \"$REDIS_PASSWORD\""
	fi
	cat >"$SG_TMP/redis/redis.conf" <<-EOF
	# redis.conf written by tests/lib/servers.sh
	bind 127.0.0.1
	port $REDIS_PORT
	protected-mode yes
	unixsocket $REDIS_SOCKET
	unixsocketperm 700
	daemonize no
	logfile ""
	dir $SG_TMP/redis
	save ""
	appendonly no
	# a replica (redis_replica_start) syncs at once, not 5 s later
	repl-diskless-sync-delay 0
	$sg_pass
	EOF
}

# Start redis-server on $REDIS_PORT; 0 once it answers PING.
redis_launch() {
	redis_write_conf || return 1
	rm -f "$REDIS_SOCKET"
	redis-server "$SG_TMP/redis/redis.conf" >>"$REDIS_LOG" 2>&1 &
	REDIS_PID=$!
	export REDIS_PID
	sg_i=0
	while [ "$sg_i" -lt 100 ]; do
		if ! sg_alive "$REDIS_PID"; then
			wait "$REDIS_PID" 2>/dev/null
			REDIS_PID=
			return 1
		fi
		if [ "$(rcli ping 2>/dev/null)" = PONG ]; then
			return 0
		fi
		sg_i=$((sg_i + 1))
		sleep 0.1
	done
	sg_say "redis-server did not answer on $REDIS_ADDRESS within 10s"
	sg_kill_wait "$REDIS_PID" redis-server
	REDIS_PID=
	return 1
}

# Start an empty redis-server without persistence.
redis_start() {
	if [ -z "${SG_TMP:-}" ]; then
		sg_say "redis_start: call sg_setup first"
		return 1
	fi
	if [ -n "${REDIS_PID:-}" ]; then
		sg_say "redis_start: redis-server already running (pid $REDIS_PID)"
		return 1
	fi
	rm -rf "$SG_TMP/redis"
	mkdir -p "$SG_TMP/redis" || return 1
	REDIS_SOCKET=$SG_TMP/redis/redis.sock
	REDIS_LOG=$SG_TMP/redis.log
	export REDIS_SOCKET REDIS_LOG
	if [ -n "${REDIS_PASSWORD:-}" ]; then
		REDIS_PW_FILE=$SG_TMP/redis/password
		sg_secret_file "$REDIS_PW_FILE" "$REDIS_PASSWORD" || return 1
		export REDIS_PASSWORD REDIS_PW_FILE
	fi
	sg_try=0
	while :; do
		REDIS_PORT=$(sg_free_port) || return 1
		REDIS_ADDRESS=127.0.0.1:$REDIS_PORT
		export REDIS_PORT REDIS_ADDRESS
		redis_launch && return 0
		sg_try=$((sg_try + 1))
		if [ "$sg_try" -ge 3 ]; then
			sg_say "redis-server does not start; end of $REDIS_LOG:"
			tail -n 20 "$REDIS_LOG" >&2
			return 1
		fi
	done
}

# Stop redis-server (its data is gone: no persistence).
redis_stop() {
	[ -n "${REDIS_PID:-}" ] || return 0
	sg_kill_wait "$REDIS_PID" redis-server
	REDIS_PID=
}

# Start redis-server again on the same port, empty.
redis_start_again() {
	if [ -z "${REDIS_PORT:-}" ]; then
		sg_say "redis_start_again: no redis_start before"
		return 1
	fi
	redis_stop
	redis_launch && return 0
	sg_say "redis-server does not start again; end of $REDIS_LOG:"
	tail -n 20 "$REDIS_LOG" >&2
	return 1
}

# Freeze redis-server (connections hang).
redis_freeze() {
	[ -n "${REDIS_PID:-}" ] && kill -STOP "$REDIS_PID"
}

# Let a frozen redis-server run again.
redis_thaw() {
	[ -n "${REDIS_PID:-}" ] && kill -CONT "$REDIS_PID"
}

# redis-cli against the test server, at most 30 s.
rcli() {
	if [ -n "${REDIS_PASSWORD:-}" ]; then
		timeout 30 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" \
		    -a "$REDIS_PASSWORD" --no-auth-warning "$@"
	else
		timeout 30 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"
	fi
}

# ---- opt-in: a Redis replica (tests/integration/test_replica.sh) ----------

# redis_replica_start: a second redis-server, "replicaof" the one of
# redis_start (read-only, as replicas are by default), on its own port.
# Exports REPLICA_PORT, REPLICA_ADDRESS, REPLICA_PID; 0 once it answers
# PING and has synchronised with its master. Stopped at exit with the rest.
redis_replica_start() {
	[ -n "${REDIS_PORT:-}" ] || { sg_say "redis_replica_start: no redis_start"; return 1; }
	mkdir -p "$SG_TMP/replica" || return 1
	REPLICA_PORT=$(sg_free_port) || return 1
	REPLICA_ADDRESS=127.0.0.1:$REPLICA_PORT
	export REPLICA_PORT REPLICA_ADDRESS
	sg_rauth=
	if [ -n "${REDIS_PASSWORD:-}" ]; then
		sg_rauth="masterauth \"$REDIS_PASSWORD\"
requirepass \"$REDIS_PASSWORD\""
	fi
	cat >"$SG_TMP/replica/redis.conf" <<-EOT
	# replica redis.conf written by tests/lib/servers.sh
	bind 127.0.0.1
	port $REPLICA_PORT
	protected-mode yes
	daemonize no
	logfile ""
	dir $SG_TMP/replica
	save ""
	appendonly no
	replicaof 127.0.0.1 $REDIS_PORT
	replica-read-only yes
	$sg_rauth
	EOT
	redis-server "$SG_TMP/replica/redis.conf" >>"$SG_TMP/replica.log" 2>&1 &
	REPLICA_PID=$!
	export REPLICA_PID
	sg_atexit 'sg_kill_wait "$REPLICA_PID" redis-replica'
	sg_i=0
	while [ "$sg_i" -lt 100 ]; do
		if ! sg_alive "$REPLICA_PID"; then
			sg_say "redis replica died; see $SG_TMP/replica.log"
			return 1
		fi
		if rcli_replica INFO replication 2>/dev/null |
		    grep -q '^master_link_status:up'; then
			return 0
		fi
		sg_i=$((sg_i + 1))
		sleep 0.1
	done
	sg_say "redis replica did not synchronise within 10s"
	return 1
}

# rcli_replica ARGS...: redis-cli against the replica, at most 30 s.
rcli_replica() {
	if [ -n "${REDIS_PASSWORD:-}" ]; then
		timeout 30 redis-cli -h 127.0.0.1 -p "$REPLICA_PORT" \
		    -a "$REDIS_PASSWORD" --no-auth-warning "$@"
	else
		timeout 30 redis-cli -h 127.0.0.1 -p "$REPLICA_PORT" "$@"
	fi
}
