# common.sh - what the benchmark scripts share; sourced after
# tests/lib/servers.sh.

# bench_need FILE...: each is built, or say how and exit.
bench_need() {
	for _b in "$@"; do
		[ -x "$_b" ] || { echo "build it first: make bench" >&2; exit 1; }
	done
}

# bench_conf FILE SOCKET [LINE...]: a sendergate.conf in mirror mode for
# the slapd and Redis started (slapd_start, redis_start), listening on
# SOCKET, with the LINEs after.
bench_conf() {
	_f=$1 _s=$2
	shift 2
	cat >"$_f" <<EOF
socket = $_s
ldap_uri = $SLAPD_URI
ldap_base = $SLAPD_BASE
pid_file =
ldap_bind_dn = $SLAPD_BIND_DN
ldap_bind_password_file = $SLAPD_BIND_PW_FILE
ldap_mode = mirror
redis_address = $REDIS_ADDRESS
EOF
	[ $# -eq 0 ] || printf '%s\n' "$@" >>"$_f"
}
