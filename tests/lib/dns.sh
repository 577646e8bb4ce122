# tests/lib/dns.sh - a throwaway authoritative DNS server (Debian's NSD)
# on 127.0.0.1, for sendergatectl's domain checks. Sourced after
# tests/lib/servers.sh (needs $SG_TMP and sg_atexit).
#
#   dns_start ZONE...     serve each ZONE from $SG_TMP/dns/ZONE.zone; a
#                         ZONE written "!NAME" is configured without a
#                         file: NSD claims it and answers SERVFAIL
#   dns_stop              stop it (idempotent; also done at exit)
#   dns_restart           stop and start again, same port and zones
#                         (after editing a zone file)
#   dns_freeze, dns_thaw  SIGSTOP / SIGCONT: queries time out meanwhile
#
# Exported: DNS_PORT, DNS_ADDRESS (127.0.0.1:PORT, for dns_resolver),
# DNS_PID, DNS_LOG. The resolver in sendergatectl (libunbound) sends it
# recursive queries as to a forwarder; NSD answers them from its zones,
# CNAME chains across the zones included. The zones are under a made-up
# top-level domain (.sgdns): libunbound answers for .test itself (RFC
# 6761), as it does for localhost, .invalid and .onion.

DNS_DIR=
DNS_PID=
DNS_ZONES=

dns_start() {
	DNS_ZONES="$*"
	DNS_DIR=$SG_TMP/dns
	mkdir -p "$DNS_DIR"
	[ -n "${DNS_PORT:-}" ] || DNS_PORT=$(sg_free_port) || return 1
	DNS_ADDRESS=127.0.0.1:$DNS_PORT
	DNS_LOG=$DNS_DIR/nsd.log
	{
		printf 'server:\n'
		printf '\tip-address: 127.0.0.1@%s\n\tport: %s\n' "$DNS_PORT" \
		    "$DNS_PORT"
		printf '\tdo-ip6: no\n\tusername: ""\n\tchroot: ""\n'
		printf '\tzonesdir: "%s"\n\tpidfile: "%s/nsd.pid"\n' \
		    "$DNS_DIR" "$DNS_DIR"
		printf '\tlogfile: "%s"\n\tdatabase: ""\n' "$DNS_LOG"
		printf '\tzonelistfile: "%s/zone.list"\n' "$DNS_DIR"
		printf '\txfrdfile: "%s/xfrd.state"\n\txfrdir: "%s"\n' \
		    "$DNS_DIR" "$DNS_DIR"
		printf '\tserver-count: 1\n\tverbosity: 1\n'
		printf 'remote-control:\n\tcontrol-enable: no\n'
		for _z in $DNS_ZONES; do
			case $_z in
			!*) printf 'zone:\n\tname: %s\n\tzonefile: %s.missing\n' \
			    "${_z#!}" "${_z#!}" ;;
			*) printf 'zone:\n\tname: %s\n\tzonefile: %s.zone\n' \
			    "$_z" "$_z" ;;
			esac
		done
	} >"$DNS_DIR/nsd.conf"
	nsd-checkconf "$DNS_DIR/nsd.conf" || return 1
	nsd -d -c "$DNS_DIR/nsd.conf" >>"$DNS_DIR/nsd.out" 2>&1 &
	DNS_PID=$!
	sg_atexit dns_stop
	# up when it answers for its first zone (bounded wait)
	_first=$(echo "$DNS_ZONES" | tr ' ' '\n' | grep -v '^!' | head -n 1)
	_i=0
	while [ $_i -lt 100 ]; do
		if dig +time=1 +tries=1 -p "$DNS_PORT" @127.0.0.1 "$_first" SOA \
		    2>/dev/null | grep -q 'status: NOERROR'; then
			return 0
		fi
		kill -0 "$DNS_PID" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "dns_start: nsd did not answer on $DNS_ADDRESS" >&2
	cat "$DNS_LOG" "$DNS_DIR/nsd.out" >&2 2>/dev/null
	return 1
}

dns_stop() {
	[ -n "$DNS_PID" ] || return 0
	kill -CONT "$DNS_PID" 2>/dev/null
	kill "$DNS_PID" 2>/dev/null
	_i=0
	while kill -0 "$DNS_PID" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -9 "$DNS_PID" 2>/dev/null
	wait "$DNS_PID" 2>/dev/null
	DNS_PID=
}

dns_restart() {
	dns_stop
	# shellcheck disable=SC2086 # the zone list is words
	dns_start $DNS_ZONES
}

# NSD answers from a grandchild: its processes, ours by parent id.
dns_pids() {
	_ps=$DNS_PID
	_new=$DNS_PID
	while [ -n "$_new" ]; do
		_kids=
		for _p in $_new; do
			_kids="$_kids $(pgrep -P "$_p")"
		done
		_new=$(echo $_kids)
		_ps="$_ps $_new"
	done
	echo $_ps
}
dns_freeze() { kill -STOP $(dns_pids); }
dns_thaw() { kill -CONT $(dns_pids); }
