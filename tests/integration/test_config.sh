#!/bin/sh
# test_config.sh - the daemon's command line and configuration file, from
# the outside: sendergate -n -c FILE on good and bad files (errors name
# FILE:LINE:), a missing file, a password file others may read, a bad
# option; then, started as root with user = nobody and a unix socket, the
# daemon runs as nobody and still answers through the socket.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_setup
C=$SG_TMP/cf
mkdir -p "$C"
printf 'secret' >"$C/pw"
chmod 600 "$C/pw"

# The keys a file needs, and which every case below starts from.
base() {
	cat <<-EOF
	# sendergate.conf for test_config.sh
	socket = inet:8891@127.0.0.1
	ldap_uri = ldap://127.0.0.1/
	ldap_base = ou=sendergate,dc=example,dc=com
	EOF
}

# not COMMAND...: COMMAND fails.
not() {
	! "$@"
}

# sgn NAME: run sendergate -n -c $C/NAME.conf; status in $rc, standard
# output and error in $C/NAME.out and $C/NAME.err.
sgn() {
	"$SG_BIN" -n -c "$C/$1.conf" >"$C/$1.out" 2>"$C/$1.err"
	rc=$?
}

# bad NAME LINE TEXT: the file NAME.conf is refused: status 1, nothing on
# standard output, and standard error is one line
# "sendergate: FILE:LINE: ..." that contains TEXT (LINE 0: "FILE: ").
bad() {
	sgn "$1"
	if [ "$2" = 0 ]; then
		bad_where="$C/$1.conf: "
	else
		bad_where="$C/$1.conf:$2: "
	fi
	check "$1: exit status 1 (got $rc)" test "$rc" -eq 1
	check "$1: stderr names $bad_where" \
	    grep -qF "sendergate: $bad_where" "$C/$1.err"
	check "$1: stderr says \"$3\"" grep -qF "$3" "$C/$1.err"
	check "$1: one line on stderr, none on stdout" \
	    test "$(wc -l <"$C/$1.err")" -eq 1 -a ! -s "$C/$1.out"
	[ "$(wc -l <"$C/$1.err")" -eq 1 ] || sed 's/^/	# /' "$C/$1.err"
}

# --- a valid file: every key the SPEC names ----------------------------
{
	base
	cat <<-EOF

	user =
	# several URIs, continued on the next line
	ldap_uri_placeholder
	ldap_bind_dn = cn=sendergate,dc=example,dc=com
	ldap_bind_password_file = $C/pw
	ldap_starttls = yes
	ldap_ca_file = /etc/ssl/certs/ca-certificates.crt
	ldap_timeout = 1500ms
	ldap_mode = query
	cache_ttl = 2m
	negative_cache_ttl = 10s
	redis_address = unix:/run/redis/redis.sock
	redis_password_file = $C/pw
	redis_db = 3
	redis_prefix = relay1
	redis_timeout = 250ms
	listener_methods = submission:smtp
	    campaign:campaign
	default_access_method = smtp
	default_monthly_limit = 10000
	quota_unit = recipient
	quota_timezone = Europe/Berlin
	header_from_policy = domain
	campaign_require_unsubscribe = no
	archive_address = journal@vault.example.net
	null_sender = accept
	on_directory_error = accept
	on_counter_error = accept
	on_suspended = reject
	on_quota_exceeded = reject
	log_level = debug
	EOF
} | sed -e '/^ldap_uri = /d' \
    -e 's,^ldap_uri_placeholder,ldap_uri = ldap://127.0.0.1:389/ ldaps://127.0.0.1:636/\n    ldapi://%2Frun%2Fslapd%2Fldapi,' \
    >"$C/valid.conf"
sgn valid
check "valid file: exit 0 (got $rc)" test "$rc" -eq 0
check "valid file: says so on stdout" grep -qxF \
    "sendergate: $C/valid.conf: configuration is valid" "$C/valid.out"
check "valid file: nothing on stderr" test ! -s "$C/valid.err"
[ -s "$C/valid.err" ] && sed 's/^/	# /' "$C/valid.err"
for v in 250ms 2s 1m 1h; do
	{ base; echo "cache_ttl = $v"; } >"$C/time.conf"
	sgn time
	check "time suffix: cache_ttl = $v accepted" test "$rc" -eq 0
done
{ base; echo "quota_timezone = UTC"; echo "user = nobody"; } >"$C/utc.conf"
sgn utc
check "quota_timezone = UTC and user accepted by -n" test "$rc" -eq 0

# --- refused files: FILE:LINE: reason -------------------------------------
{ base; echo "ldap_timeout = 2s"; echo "bogus_key = 1"; } >"$C/unknown.conf"
bad unknown 6 'unknown parameter "bogus_key"'
{ base; echo "# comment"; echo; echo "ldap_timeout = soon"; } >"$C/badtime.conf"
bad badtime 7 'bad value "soon" for ldap_timeout'
{ base; echo "quota_unit = recipients"; } >"$C/badenum.conf"
bad badenum 5 'bad value "recipients" for quota_unit'
{ base; echo "redis_db = -1"; } >"$C/badint.conf"
bad badint 5 'bad value "-1" for redis_db'
{ base; echo "ldap_starttls = true"; } >"$C/badbool.conf"
bad badbool 5 'bad value "true" for ldap_starttls'
{ base; echo "quota_timezone = Mars/Olympus_Mons"; } >"$C/badtz.conf"
bad badtz 5 'bad value "Mars/Olympus_Mons" for quota_timezone'
{ base; echo "listener_methods = submission:smtp campaign:bulk"; } \
    >"$C/badlistener.conf"
bad badlistener 5 'for listener_methods'
{ base; echo "ldap_timeout = 0ms"; } >"$C/range.conf"
bad range 5 'bad value "0ms" for ldap_timeout: out of range'
base | sed 's,^ldap_uri = .*,ldap_uri = http://127.0.0.1/,' >"$C/baduri.conf"
bad baduri 3 'bad value "http://127.0.0.1/" for ldap_uri'
{ base; echo "ldap_mode = sync"; } >"$C/mirror.conf"
bad mirror 5 'bad value "sync" for ldap_mode: expected query or mirror'
{ base; echo "ldap_timeout = 2s"; echo "cache_ttl = 1m";
  echo "ldap_timeout = 3s"; } >"$C/duplicate.conf"
bad duplicate 7 'duplicate parameter "ldap_timeout" (first set at line 5)'
{ base; echo "ldap_timeout 2s"; } >"$C/noequal.conf"
bad noequal 5 'missing "="'
{ echo "   continued = nothing"; base; } >"$C/continuation.conf"
bad continuation 1 'continues no parameter'
base | grep -v ldap_base >"$C/required.conf"
bad required 0 'ldap_base is required'
{ base; echo "ldap_bind_dn = cn=x,dc=example,dc=com"; } >"$C/nopwfile.conf"
bad nopwfile 0 'ldap_bind_dn is set but ldap_bind_password_file is not'

# password files: others may read it; missing
printf 'secret' >"$C/pw644"
chmod 644 "$C/pw644"
{ base; echo "ldap_bind_dn = cn=x,dc=example,dc=com";
  echo "ldap_bind_password_file = $C/pw644"; } >"$C/pwmode.conf"
bad pwmode 6 "password file $C/pw644 is readable by others"
{ base; echo "redis_password_file = $C/pw644"; } >"$C/redispwmode.conf"
bad redispwmode 5 "password file $C/pw644 is readable by others"
{ base; echo "redis_password_file = $C/no-such-pw"; } >"$C/pwmissing.conf"
bad pwmissing 5 "cannot open password file $C/no-such-pw"

# a missing configuration file
"$SG_BIN" -n -c "$C/no-such.conf" >"$C/missing.out" 2>"$C/missing.err"
rc=$?
check "missing file: exit status 1 (got $rc)" test "$rc" -eq 1
check "missing file: clear message" grep -qxF \
    "sendergate: $C/no-such.conf: cannot open: No such file or directory" \
    "$C/missing.err"

# --- the command line ----------------------------------------------------
for args in "-x" "-n -c" "-n -c $C/valid.conf extra"; do
	# shellcheck disable=SC2086
	"$SG_BIN" $args >"$C/usage.out" 2>"$C/usage.err"
	rc=$?
	check "bad command line \"$args\": exit 2 (got $rc)" test "$rc" -eq 2
	check "bad command line \"$args\": usage on stderr" \
	    grep -q '^usage: sendergate' "$C/usage.err"
done

# -h, --help: usage on stdout, status 0; -V, --version: the versions
for args in -h --help; do
	"$SG_BIN" $args >"$C/help.out" 2>"$C/help.err"
	rc=$?
	check "$args: exit 0 (got $rc)" test "$rc" -eq 0
	check "$args: usage on stdout, nothing on stderr" \
	    test "$(head -n 1 "$C/help.out")" = "usage: sendergate [-fhntV] [-c file]" -a ! -s "$C/help.err"
done
check "-h names the compiled-in configuration file" \
    grep -q "default /etc/sendergate/sendergate.conf" "$C/help.out"
want_version=$(sed -n 's/^#define SG_VERSION[^"]*"\(.*\)"/\1/p' "$SG_TOP/milter/lib/version.h")
for args in -V --version; do
	"$SG_BIN" $args >"$C/version.out" 2>"$C/version.err"
	rc=$?
	check "$args: exit 0 (got $rc)" test "$rc" -eq 0
	check "$args: sendergate $want_version first" \
	    test "$(head -n 1 "$C/version.out")" = "sendergate $want_version"
	for lib in "libmilter [0-9]*\.[0-9]*\.[0-9]*" "libldap OpenLDAP [0-9]" \
	    "hiredis [0-9]*\.[0-9]*\.[0-9]*" "OpenSSL [0-9]"; do
		check "$args: a line \"$lib\"" grep -q "^$lib" "$C/version.out"
	done
done
sed 's/^/	# /' "$C/version.out"

# -n: the account exists, and the files are readable (by it)
{ base; echo "user = no-such-user-sg"; } >"$C/nouser.conf"
sgn nouser
check "-n: user = unknown account: exit 1 (got $rc)" test "$rc" -eq 1
check "-n: says so" grep -qxF \
    "sendergate: $C/nouser.conf: user = no-such-user-sg: no such account" \
    "$C/nouser.err"
{ base; echo "ldap_ca_file = $C/no-such-ca.pem"; } >"$C/noca.conf"
sgn noca
check "-n: a missing ldap_ca_file: exit 1 (got $rc)" test "$rc" -eq 1
check "-n: says so" grep -qF \
    "ldap_ca_file = $C/no-such-ca.pem: cannot be read: No such file or directory" \
    "$C/noca.err"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 0711 "$SG_TMP" "$C"
	{ base; echo "user = nobody"; echo "redis_password_file = $C/pw"; } \
	    >"$C/pwnobody.conf"
	sgn pwnobody
	check "-n as root: a password file nobody cannot read: exit 1 (got $rc)" \
	    test "$rc" -eq 1
	check "-n as root: says so, naming the user" grep -qF \
	    "redis_password_file = $C/pw: cannot be read by nobody: Permission denied" \
	    "$C/pwnobody.err"
	cp "$C/pw" "$C/pw640"
	chgrp "$(id -g nobody)" "$C/pw640"
	chmod 640 "$C/pw640"
	{ base; echo "user = nobody"; echo "redis_password_file = $C/pw640"; } \
	    >"$C/pwnobody2.conf"
	sgn pwnobody2
	check "-n as root: the file readable by nobody's group: valid (got $rc)" \
	    test "$rc" -eq 0
else
	echo "ok - # SKIP not root or no account nobody: files as user not checked"
fi

# failing to listen: the reason on stderr, before daemonising, status 1
{ base | sed "s|^socket = .*|socket = unix:$C/no-such-dir/sg.sock|";
  echo "pid_file ="; } >"$C/nodir.conf"
"$SG_BIN" -c "$C/nodir.conf" >"$C/nodir.out" 2>"$C/nodir.err"
rc=$?
check "socket in a missing directory: exit 1 (got $rc)" test "$rc" -eq 1
check "socket in a missing directory: the reason on stderr" grep -qF \
    "socket = unix:$C/no-such-dir/sg.sock: cannot listen: directory $C/no-such-dir: No such file or directory" \
    "$C/nodir.err"
busy=$(sg_free_port)
python3 -c "
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $busy)); s.listen(1); sys.stdout.write('ready\n'); sys.stdout.flush(); time.sleep(10)
" >"$C/busy.out" &
bpid=$!
eventually 5 grep -q ready "$C/busy.out"
{ base | sed "s|^socket = .*|socket = inet:$busy@127.0.0.1|";
  echo "pid_file ="; } >"$C/busy.conf"
"$SG_BIN" -c "$C/busy.conf" >"$C/busy.out2" 2>"$C/busy.err"
rc=$?
kill "$bpid" 2>/dev/null
check "port in use: exit 1 (got $rc)" test "$rc" -eq 1
check "port in use: the reason on stderr" grep -qF \
    "socket = inet:$busy@127.0.0.1: cannot listen: Address already in use" \
    "$C/busy.err"
{ base; echo "pid_file = $C/no-such-dir/sub/sg.pid"; } >"$C/nopid.conf"
"$SG_BIN" -c "$C/nopid.conf" >"$C/nopid.out" 2>"$C/nopid.err"
rc=$?
check "pid file in a missing directory: exit 1 (got $rc)" test "$rc" -eq 1
check "pid file in a missing directory: the reason on stderr" grep -qF \
    "pid_file $C/no-such-dir/sub/sg.pid: cannot open: No such file or directory" \
    "$C/nopid.err"

# --- started as root, running as nobody -----------------------------------
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP not root: user = nobody not tested"
	exit 0
fi
if ! NOBODY=$(id -u nobody 2>/dev/null); then
	echo "ok - # SKIP no account nobody"
	exit 0
fi
SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TOP/tests/integration/data.ldif" ||
	{ echo "not ok - slapd did not start"; exit 1; }
redis_start || { echo "not ok - redis did not start"; exit 1; }

# nobody must reach the socket's directory
case $(stat -c %a "$SG_TMP") in
*[1357]) ;;
*) chmod 0711 "$SG_TMP" ;;
esac
mkdir -p "$SG_TMP/run"
chmod 0755 "$SG_TMP/run"
# nobody reads the bind password: sendergate -n and the start check it,
# since a reload reads it again after privileges are dropped
chgrp "$(id -g nobody)" "$SLAPD_BIND_PW_FILE"
chmod 640 "$SLAPD_BIND_PW_FILE"
SOCK=$SG_TMP/run/sg.sock
milter_conf priv
milter_set priv "socket = unix:$SOCK" "user = nobody"
# shellcheck disable=SC2034 # read by milter_start and mt (eval)
MILTER_SOCK_priv=unix:$SOCK
sg_atexit milter_stop priv
if ! milter_start priv; then
	echo "not ok - sendergate as nobody did not start"
	exit 1
fi
pid=$(milter_pid priv)
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
NOGROUP=$(id -g nobody)
check "runs as nobody: Uid $uids" \
    test "$uids" = "$NOBODY $NOBODY $NOBODY $NOBODY"
check "runs with nobody's group: Gid $gids" \
    test "$gids" = "$NOGROUP $NOGROUP $NOGROUP $NOGROUP"
groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$pid/status")
check "no supplementary group of root (Groups:$groups)" \
    test -z "$(echo "$groups" | tr ' ' '\n' | grep -x 0)"
check "the socket belongs to nobody" \
    test "$(stat -c %u "$SOCK")" = "$NOBODY"
bkey="sg:{acme.test}:s:bob@acme.test:$MONTH"
ok_mt priv as-nobody-through-unix-socket <<EOF
$(tx_head P1 bob@acme.test 192.0.2.7)
expect continue
$(tx_body bob@acme.test)
expect continue
EOF
check "as nobody: counted" test "$(rcli GET "$bkey")" = 1
ok_mt priv as-nobody-refusal <<EOF
$(tx_head P2 nobody@acme.test 192.0.2.7)
expect 550 5.7.1 Sender <nobody@acme.test> is not registered
EOF
check "as nobody: no running-as-root warning" \
    not grep -q "running as root" "$SG_TMP/priv.log"
milter_stop priv
check "as nobody: no sanitizer report or crash" no_crash priv

# without systemd's RuntimeDirectory= (sysvinit, containers): the pid
# file's directory, gone after a reboot, is made for user
milter_conf pdir
milter_set pdir "user = nobody" "pid_file = $SG_TMP/rundir/sg.pid"
sg_atexit milter_stop pdir
if milter_start pdir; then
	check "pid_file's missing directory made, owned by nobody" \
	    test "$(stat -c %u:%a "$SG_TMP/rundir")" = "$NOBODY:755"
	check "... the pid file in it" test -s "$SG_TMP/rundir/sg.pid"
	milter_stop pdir
	check "... removed at stop by nobody" test ! -e "$SG_TMP/rundir/sg.pid"
else
	echo "not ok - sendergate with a pid_file in a missing directory did not start"
fi

# an unknown account: a fatal error at start, status 1
milter_conf nouser
milter_set nouser "user = no-such-user-sg"
"$SG_BIN" -f -c "$SG_TMP/nouser.conf" >"$SG_TMP/nouser.log" 2>&1
rc=$?
check "user = unknown account: exit 1 (got $rc)" test "$rc" -eq 1
check "user = unknown account: says so" \
    grep -q 'user = no-such-user-sg: no such account' "$SG_TMP/nouser.log"
