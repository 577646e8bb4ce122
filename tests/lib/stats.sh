# tests/lib/stats.sh - figures from the servers themselves, for the
# benchmarks and the tests that check per-message costs. Sourced after
# tests/lib/servers.sh (rcli, $SLAPD_URI).
#
#   redis_requests      requests Redis has received (INFO commandstats),
#                       less the commands sendergate's Lua script runs
#                       inside an EVALSHA and the INFO and FLUSHALL that
#                       tests and benchmarks send
#   redis_calls CMD     calls of one command (e.g. evalsha, mget)
#   redis_connections   connections Redis has accepted (INFO stats)
#   ldap_ops            operations slapd has completed (monitor backend:
#                       slapd needs "database monitor", see bench_milter.sh)
#   cpu_ticks PID       user + system CPU time of a process, clock ticks
#   field KEY           the value of KEY in the "k=v" words on stdin
#   median              the median of the numbers on stdin ("-" if none)

redis_requests() {
	rcli INFO commandstats | tr -d '\r' |
	    awk -F'[:=,]' '/^cmdstat_/ && $2 == "calls" {
		c = substr($1, 9)
		if (c !~ /^(get|exists|incrby|expireat|set|info|flushall)$/)
			n += $3 }
		END { print n + 0 }'
}

redis_calls() {
	rcli INFO commandstats | tr -d '\r' |
	    awk -F'[:=,]' -v c="cmdstat_$1" '$1 == c && $2 == "calls" {
		n = $3 } END { print n + 0 }'
}

redis_connections() {
	rcli INFO stats | tr -d '\r' |
	    awk -F: '$1 == "total_connections_received" { print $2 }'
}

ldap_ops() {
	ldapsearch -x -LLL -H "$SLAPD_URI" -b cn=Operations,cn=Monitor \
	    -s base monitorOpCompleted 2>/dev/null |
	    awk '/^monitorOpCompleted:/ { print $2 }'
}

cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

field() {
	tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
	    else if (NR % 2) print v[(NR + 1) / 2];
	    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
