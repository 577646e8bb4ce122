#!/bin/sh
# test_prometheus.sh - the pictures for operators: contrib/prometheus/
# sendergate.rules.yml passes promtool check rules and its unit tests
# (sendergate.rules.test.yml, promtool test rules); the Grafana dashboard
# sendergate.grafana.json parses, and every sendergate_* metric the rules
# and the dashboard name is one milter/lib/metrics.c exports (test_observe.sh
# scrapes those from a running daemon).
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/milter.sh"

P=$SG_TOP/contrib/prometheus
command -v promtool >/dev/null 2>&1 ||
    { echo "not ok - promtool is not installed (sh tests/lib/deps.sh)"; exit 1; }
sg_setup
check "promtool check rules sendergate.rules.yml" \
    eval 'promtool check rules "$P/sendergate.rules.yml" >"$SG_TMP/check.out" 2>&1 ||
    { sed "s/^/	# /" "$SG_TMP/check.out"; false; }'
check "promtool test rules sendergate.rules.test.yml" \
    eval '(cd "$P" && promtool test rules sendergate.rules.test.yml) >"$SG_TMP/test.out" 2>&1 ||
    { sed "s/^/	# /" "$SG_TMP/test.out"; false; }'
check "the Grafana dashboard is JSON with panels" \
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["panels"]' \
    "$P/sendergate.grafana.json"
# the metric families metrics.c prints (a histogram's _bucket too)
exported=$(grep -o '"sendergate_[a-z_]*' "$SG_TOP/milter/lib/metrics.c" |
    tr -d '"' | sort -u)
for f in sendergate.rules.yml sendergate.rules.test.yml sendergate.grafana.json; do
	unknown=
	for m in $(grep -o 'sendergate_[a-z_]*' "$P/$f" | sort -u); do
		echo "$exported" | grep -qx "$m" || unknown="$unknown $m"
	done
	check "$f names only exported metrics${unknown:+ (unknown:$unknown)}" \
	    test -z "$unknown"
done
