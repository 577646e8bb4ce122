# slapd_mp.sh - two slapd in multi-provider replication, for the
# failover tests. Sourced after tests/lib/servers.sh and sg_setup.
#
#     slapd_mp_start [LDIF...]  providers a (serverID 1) and b (serverID 2),
#                               each the other's syncrepl consumer; the
#                               base entries and LDIF... loaded on a only
#                               (no example.ldif), b filled by replication
#     slapd_mp_use a|b          make it the current slapd: SLAPD_URI,
#                               SLAPD_PID, SLAPD_LOG, ... (see servers.sh),
#                               so that ldap_admin, slapd_stop,
#                               slapd_start_again act on it
#     slapd_mp_kill a|b         SIGKILL, no clean shutdown
#     slapd_mp_start_again a|b  same data and ports
#     slapd_mp_csn a|b          print its contextCSN values, sorted
#     slapd_mp_in_step          true when both have the same contextCSN
#     slapd_mp_stop             stop both (also done at exit)
#
# Variables: SLAPD_MP_URI_a, SLAPD_MP_URI_b; SLAPD_SESSIONLOG applies to
# both (syncprov-sessionlog). Each replicates the whole suffix as the
# rootdn, retrying every second, so a provider that comes back catches up
# within about a second.

SLAPD_MP_CUR=

# Save the current slapd's variables under suffix $1.
slapd_mp_save() {
	for sg_v in URI LDAPS_URI LDAPI_URI PORT LDAPS_PORT PID CONF LOG DIR; do
		eval "SLAPD_MP_${sg_v}_$1=\${SLAPD_$sg_v:-}"
	done
}

# Make provider $1 (a or b) the current slapd.
slapd_mp_use() {
	[ -n "$SLAPD_MP_CUR" ] && slapd_mp_save "$SLAPD_MP_CUR"
	for sg_v in URI LDAPS_URI LDAPI_URI PORT LDAPS_PORT PID CONF LOG DIR; do
		eval "SLAPD_$sg_v=\$SLAPD_MP_${sg_v}_$1"
		eval "export SLAPD_$sg_v"
	done
	SLAPD_MP_CUR=$1
}

# Write the configuration of provider $1 (serverID $2) replicating
# from $3 (an ldap:// URI).
slapd_mp_conf() {
	SLAPD_EXTRA_GLOBAL_CONF="serverID $2" \
	SLAPD_EXTRA_DB_CONF="syncrepl rid=00$2 provider=$3
	    bindmethod=simple binddn=\"$SLAPD_ADMIN_DN\"
	    credentials=$SLAPD_ADMIN_PW searchbase=\"$SLAPD_SUFFIX\"
	    type=refreshAndPersist retry=\"1 +\" timeout=3 network-timeout=3
multiprovider on" slapd_write_conf
}

# Start providers a and b, a holding the base entries and LDIF...
slapd_mp_start() {
	if [ -z "${SG_TMP:-}" ]; then
		sg_say "slapd_mp_start: call sg_setup first"
		return 1
	fi
	sg_tls_make || return 1
	for sg_p in a b; do
		sg_x=$(sg_free_port) || return 1
		eval "SLAPD_MP_PORT_$sg_p=$sg_x"
		sg_x=$(sg_free_port) || return 1
		eval "SLAPD_MP_LDAPS_PORT_$sg_p=$sg_x"
		eval "SLAPD_MP_URI_$sg_p=ldap://127.0.0.1:\$SLAPD_MP_PORT_$sg_p"
		eval "SLAPD_MP_LDAPS_URI_$sg_p=ldaps://127.0.0.1:\$SLAPD_MP_LDAPS_PORT_$sg_p"
	done
	export SLAPD_MP_URI_a SLAPD_MP_URI_b
	sg_atexit slapd_mp_stop
	sg_n=0
	for sg_p in a b; do
		sg_n=$((sg_n + 1))
		SLAPD_DIR=$SG_TMP/slapd_$sg_p
		rm -rf "$SLAPD_DIR"
		mkdir -p "$SLAPD_DIR/data" || return 1
		slapd_names "slapd_$sg_p.log"
		sg_secret_file "$SLAPD_BIND_PW_FILE" milterpw || return 1
		eval "SLAPD_PORT=\$SLAPD_MP_PORT_$sg_p"
		eval "SLAPD_LDAPS_PORT=\$SLAPD_MP_LDAPS_PORT_$sg_p"
		eval "SLAPD_URI=\$SLAPD_MP_URI_$sg_p"
		eval "SLAPD_LDAPS_URI=\$SLAPD_MP_LDAPS_URI_$sg_p"
		if [ $sg_p = a ]; then
			slapd_mp_conf a 1 "$SLAPD_MP_URI_b" || return 1
			slapd_write_base || return 1
			for sg_f in "$SLAPD_DIR/base.ldif" "$SLAPD_DIR/ou.ldif" "$@"; do
				slapadd -S 1 -w -f "$SLAPD_CONF" -l "$sg_f" \
				    >>"$SG_TMP/slapadd.log" 2>&1 || {
					sg_say "slapadd failed on $sg_f:"
					tail -n 20 "$SG_TMP/slapadd.log" >&2
					return 1
				}
			done
		else
			slapd_mp_conf b 2 "$SLAPD_MP_URI_a" || return 1
		fi
		SLAPD_PID=
		slapd_launch || {
			sg_say "provider $sg_p does not start; end of $SLAPD_LOG:"
			tail -n 20 "$SLAPD_LOG" >&2
			return 1
		}
		slapd_mp_save $sg_p
	done
	SLAPD_MP_CUR=b
	slapd_mp_use a
	# b holds a copy of a within 15 s
	sg_i=0
	until slapd_mp_in_step; do
		sg_i=$((sg_i + 1))
		if [ "$sg_i" -ge 150 ]; then
			sg_say "provider b did not catch up with a within 15 s"
			return 1
		fi
		sleep 0.1
	done
}

# Print provider $1's contextCSN values, one a line, sorted.
slapd_mp_csn() {
	eval "sg_u=\$SLAPD_MP_URI_$1"
	timeout 10 ldapsearch -x -LLL -H "$sg_u" -o nettimeout=2 \
	    -D "$SLAPD_ADMIN_DN" -w "$SLAPD_ADMIN_PW" -b "$SLAPD_SUFFIX" \
	    -s base contextCSN 2>/dev/null | sed -n 's/^contextCSN: //p' | sort
}

# True when both providers hold the same (non-empty) contextCSN.
slapd_mp_in_step() {
	sg_ca=$(slapd_mp_csn a)
	[ -n "$sg_ca" ] && [ "$sg_ca" = "$(slapd_mp_csn b)" ]
}

# Kill provider $1 with SIGKILL.
slapd_mp_kill() {
	eval "sg_pid=\${SLAPD_MP_PID_$1:-}"
	[ -n "$sg_pid" ] || return 0
	kill -KILL "$sg_pid" 2>/dev/null
	wait "$sg_pid" 2>/dev/null
	eval "SLAPD_MP_PID_$1="
	[ "$SLAPD_MP_CUR" = "$1" ] && SLAPD_PID=
	return 0
}

# Start provider $1 again on its data and ports.
slapd_mp_start_again() {
	sg_cur=$SLAPD_MP_CUR
	slapd_mp_use "$1"
	slapd_start_again
	sg_rc=$?
	slapd_mp_use "$sg_cur"
	return $sg_rc
}

# Stop both providers.
slapd_mp_stop() {
	[ -n "$SLAPD_MP_CUR" ] || return 0
	sg_cur=$SLAPD_MP_CUR
	for sg_p in a b; do
		slapd_mp_use $sg_p
		slapd_stop
	done
	slapd_mp_use "$sg_cur"
}
