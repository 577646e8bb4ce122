#!/bin/sh
# test_service.sh - sendergate as a system service:
#   - make install PREFIX=... SYSCONFDIR=... (from a copy of the tree):
#     the binaries, man pages, unit, tmpfiles.d and sysusers.d files land
#     there, the unit names those paths, and the daemon's default
#     configuration file is SYSCONFDIR's;
#   - systemd-analyze verify finds nothing wrong with the unit;
#     systemd-sysusers and systemd-tmpfiles (on a scratch root) make the
#     sendergate user and /run/sendergate owned by it;
#   - sd_notify: READY=1 once the socket listens (a connection to it
#     succeeds when READY=1 arrives), RELOADING=1 and READY=1 around a
#     reload, STOPPING=1 at stop; no READY=1 while the directory does not
#     answer (a wrong bind password), READY=1 once a reload fixes it;
#   - under the journal (JOURNAL_STREAM names stderr) each line carries
#     its syslog priority;
#   - syslog_facility and syslog_name: the daemon's lines and libmilter's
#     reach /dev/log (a socket of the test's, in a mount namespace of its
#     own) with that facility and name, not facility user.
# The systemd tools and the mount namespace are skipped, each with a
# clear message, where they are missing.
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

sg_setup
slapd_start >/dev/null || exit 1
redis_start >/dev/null || exit 1

# not COMMAND...: COMMAND fails.
not() {
	! "$@"
}

# --- make install, from a copy with the tree's objects ----------------------
I=$SG_TMP/inst
mkdir -p "$SG_TMP/src"
(cd "$SG_TOP" && tar cf - --exclude=./.git --exclude=./tmp .) |
    (cd "$SG_TMP/src" && tar xf -)
make -C "$SG_TMP/src" -s install PREFIX="$I" SYSCONFDIR="$I/etc" \
    >"$SG_TMP/install.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || sed 's/^/	# /' "$SG_TMP/install.log"
check "make install PREFIX=$I SYSCONFDIR=$I/etc (status $rc)" test "$rc" -eq 0
for f in sbin/sendergate sbin/sendergatectl share/man/man8/sendergate.8 \
    share/man/man5/sendergate.conf.5 share/man/man8/sendergatectl.8 \
    etc/sendergate/sendergate.conf lib/systemd/system/sendergate.service \
    lib/tmpfiles.d/sendergate.conf lib/sysusers.d/sendergate.conf \
    share/sendergate/ldap-schema/sendergate.schema; do
	check "installed: $f" test -s "$I/$f"
done
U=$I/lib/systemd/system/sendergate.service
check "the unit runs $I/sbin/sendergate on $I/etc/sendergate/sendergate.conf" \
    grep -qx "ExecStart=$I/sbin/sendergate -f -c $I/etc/sendergate/sendergate.conf" "$U"
check "the unit reloads with a check, then SIGHUP" sh -c \
    "grep -qx 'ExecReload=$I/sbin/sendergate -n -c $I/etc/sendergate/sendergate.conf' '$U' &&
    grep -qx 'ExecReload=/bin/kill -HUP \$MAINPID' '$U'"
"$I/sbin/sendergate" -n >"$SG_TMP/n.out" 2>&1
rc=$?
check "installed sendergate -n reads $I/etc/sendergate/sendergate.conf (SYSCONFDIR compiled in)" \
    sh -c "[ $rc -eq 0 ] && grep -qxF 'sendergate: $I/etc/sendergate/sendergate.conf: configuration is valid' '$SG_TMP/n.out'"
check "installed sendergatectl's default file is SYSCONFDIR's too" \
    grep -qa "$I/etc/sendergate/sendergate.conf" "$I/sbin/sendergatectl"

if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify --man=no "$U" >"$SG_TMP/verify.log" 2>&1
	rc=$?
	sed 's/^/	# /' "$SG_TMP/verify.log"
	# other packages' units on the machine may draw warnings of their
	# own (verify loads what it finds); only ours count
	check "systemd-analyze verify: the unit is clean (status $rc)" \
	    sh -c "! grep -q sendergate '$SG_TMP/verify.log'"
	for k in Type=notify NoNewPrivileges=yes ProtectSystem=strict \
	    ProtectHome=yes PrivateTmp=yes RuntimeDirectory=sendergate \
	    User=sendergate; do
		check "the unit has $k" grep -qx "$k" "$U"
	done
else
	echo "ok - # SKIP systemd-analyze not installed (apt-get install systemd): unit not verified"
fi
if command -v systemd-sysusers >/dev/null 2>&1 &&
    command -v systemd-tmpfiles >/dev/null 2>&1; then
	R=$SG_TMP/root
	mkdir -p "$R/etc"
	systemd-sysusers --root="$R" "$I/lib/sysusers.d/sendergate.conf" \
	    >/dev/null 2>&1
	check "sysusers.d: makes the sendergate user" \
	    grep -q '^sendergate:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$R/etc/passwd"
	uid=$(awk -F: '$1 == "sendergate" { print $3 }' "$R/etc/passwd")
	systemd-tmpfiles --create --root="$R" \
	    "$I/lib/tmpfiles.d/sendergate.conf" >/dev/null 2>&1
	check "tmpfiles.d: /run/sendergate, 0755, owned by it" \
	    test "$(stat -c '%a %u' "$R/run/sendergate" 2>/dev/null)" = "755 $uid"
else
	echo "ok - # SKIP systemd-sysusers or systemd-tmpfiles not installed: entries not applied"
fi

# --- sd_notify ---------------------------------------------------------------
milter_conf n
eval "port=\${MILTER_SOCK_n#inet:}"
port=${port%@*}
python3 - "$SG_TMP/notify.sock" "$port" >"$SG_TMP/notify.out" 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
print("bound", flush=True)
while True:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        break
    for line in msg.split("\n"):
        if line == "READY=1":
            c = socket.socket()
            c.settimeout(1)
            ok = c.connect_ex(("127.0.0.1", int(sys.argv[2]))) == 0
            c.close()
            line += " listening=" + ("yes" if ok else "no")
        print(line, flush=True)
        if line == "STOPPING=1":
            sys.exit(0)
EOF
npid=$!
eventually 5 grep -q bound "$SG_TMP/notify.out"
NOTIFY_SOCKET=$SG_TMP/notify.sock milter_start n ||
    { echo "not ok - n did not start"; exit 1; }
eventually 5 grep -q "^READY=1" "$SG_TMP/notify.out"
kill -HUP "$(milter_pid n)"
eventually 5 grep -q "^RELOADING=1" "$SG_TMP/notify.out"
eventually 5 sh -c "[ \$(grep -c '^READY=1' '$SG_TMP/notify.out') -ge 2 ]"
milter_stop n
wait "$npid"
got=$(grep -v '^bound$\|^MAINPID=' "$SG_TMP/notify.out" | tr '\n' ' ')
check "sd_notify: READY=1 with the socket listening, RELOADING=1, READY=1, STOPPING=1 (got: $got)" \
    test "$got" = "READY=1 listening=yes RELOADING=1 READY=1 listening=yes STOPPING=1 "

# --- READY=1 waits for the directory ---------------------------------------
# With a wrong bind password the mirror never loads: no READY=1 (systemd
# would still say "activating"), the MTA meanwhile gets rule 3; a reload
# with the right password loads it, and READY=1 follows.
python3 - "$SG_TMP/notify2.sock" >"$SG_TMP/notify2.out" 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
print("bound", flush=True)
while True:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        break
    for line in msg.split("\n"):
        print(line, flush=True)
        if line == "STOPPING=1":
            sys.exit(0)
EOF
npid=$!
eventually 5 grep -q bound "$SG_TMP/notify2.out"
sg_secret_file "$SG_TMP/wrong.pw" wrong-password
SG_LDAP_MODE=mirror milter_conf w
milter_set w "ldap_bind_password_file = $SG_TMP/wrong.pw"
NOTIFY_SOCKET=$SG_TMP/notify2.sock milter_start w ||
    { echo "not ok - w did not start"; exit 1; }
sleep 2
check "a wrong bind password: no READY=1 after 2 s" \
    not grep -q '^READY=1' "$SG_TMP/notify2.out"
ok_mt w not-ready-rule3 <<EOF
$(tx_head NR1 bob@acme.test 192.0.2.7)
expect 451 4.3.0 Sender directory unavailable, try again later
EOF
milter_set w "ldap_bind_password_file = $SLAPD_BIND_PW_FILE"
kill -HUP "$(milter_pid w)"
check "the right password by reload: READY=1 once the directory loaded" \
    eventually 10 grep -q '^READY=1' "$SG_TMP/notify2.out"
milter_stop w
wait "$npid"

# --- the journal's priorities ------------------------------------------------
milter_conf j
: >"$SG_TMP/j.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$SG_TMP/j.log") milter_start j ||
    { echo "not ok - j did not start"; exit 1; }
milter_stop j
check "stderr is the journal: \"<6>info: started\"" \
    grep -q '^<6>info: started: socket ' "$SG_TMP/j.log"
check "stderr is the journal: \"<4>warning: running as root\"" \
    grep -q '^<4>warning: running as root' "$SG_TMP/j.log"
check "stderr is the journal: no \"sendergate: \" prefix" \
    not grep -q '^sendergate: ' "$SG_TMP/j.log"

# --- syslog_facility and syslog_name ------------------------------------------
# In a mount namespace of its own: /dev a tmpfs holding the real null,
# random and urandom, and a log socket of ours; sendergate runs as a
# daemon (syslog, not -f) with facility local3 and name sg-test, on a
# socket in a missing directory (libmilter logs its bind failure), then
# on a good one, stopped at once.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
	milter_conf s "syslog_facility = local3" "syslog_name = sg-test"
	milter_conf bad "syslog_facility = local3" "syslog_name = sg-test"
	milter_set bad "socket = unix:$SG_TMP/no-such-dir/s.sock"
	cat >"$SG_TMP/syslog.sh" <<-EOF
	set -e
	mkdir -p "$SG_TMP/olddev"
	mount --bind /dev "$SG_TMP/olddev"
	mount -t tmpfs tmpfs /dev
	for d in null random urandom; do
		touch /dev/\$d
		mount --bind "$SG_TMP/olddev/\$d" /dev/\$d
	done
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(3)
print("bound", flush=True)
try:
    while True:
        print(s.recv(4096).decode(), flush=True)
except socket.timeout:
    pass
' >"$SG_TMP/syslog.out" &
	while ! grep -q bound "$SG_TMP/syslog.out"; do sleep 0.1; done
	"$SG_BIN" -c "$SG_TMP/bad.conf" >"$SG_TMP/bad.err" 2>&1 || :
	"$SG_BIN" -c "$SG_TMP/s.conf" >"$SG_TMP/s.err" 2>&1
	sleep 1
	kill "\$(cat "$SG_TMP/s.run.pid")"
	wait
	EOF
	if unshare -m sh "$SG_TMP/syslog.sh" >"$SG_TMP/syslog.log" 2>&1; then
		# local3 = 19: <158> info, <155> error
		check "syslog: \"started\" as local3.info under sg-test" \
		    grep -q '^<158>.*sg-test\[[0-9]*\]: started: socket' "$SG_TMP/syslog.out"
		check "syslog: \"stopped\" as local3.info" \
		    grep -q '^<158>.*sg-test\[[0-9]*\]: stopped$' "$SG_TMP/syslog.out"
		check "syslog: libmilter's own message on local3 too" \
		    grep -q '^<15[0-9]>.*sg-test\[[0-9]*\]: sendergate: Unable to bind' "$SG_TMP/syslog.out"
		check "syslog: nothing as facility user (<8> to <15>)" \
		    not grep -q '^<\(8\|9\|1[0-5]\)>' "$SG_TMP/syslog.out"
		check "syslog: the listen failure on the terminal too" grep -qF \
		    "cannot listen: directory $SG_TMP/no-such-dir: No such file or directory" \
		    "$SG_TMP/bad.err"
		sed 's/^/	# /' "$SG_TMP/syslog.out" | head -n 8
	else
		sed 's/^/	# /' "$SG_TMP/syslog.log"
		echo "ok - # SKIP no mount namespace here (unshare -m, mount): syslog facility not observed"
	fi
else
	echo "ok - # SKIP not root or no unshare: syslog facility not observed"
fi
