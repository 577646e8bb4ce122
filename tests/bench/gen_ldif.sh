#!/bin/sh
# gen_ldif.sh N [BASE]: an LDIF directory of N senders, 100 per domain,
# on stdout: domain dK (sgPrimaryDomain dK.bench), senders uI@dK.bench
# with an auth id, a network and a limit, and an archive copy of every
# message, as a relay would have them.
n=${1:?usage: gen_ldif.sh N [BASE]}
base=${2:-ou=sendergate,dc=example,dc=com}
awk -v n="$n" -v base="$base" 'BEGIN {
	for (i = 0; i < n; i++) {
		d = int(i / 100)
		if (i % 100 == 0) {
			printf "dn: sgDomainName=d%d-bench.relay.example,%s\n", d, base
			printf "objectClass: sgDomain\nsgDomainName: d%d-bench.relay.example\n", d
			printf "sgPrimaryDomain: d%d.bench\nsgAllowedNetwork: 192.0.2.0/24\n", d
			printf "sgArchiveAddress: archive@vault.bench\nsgMonthlyLimit: 100000\n\n"
		}
		printf "dn: mail=u%d@d%d.bench,sgDomainName=d%d-bench.relay.example,%s\n", i, d, d, base
		printf "objectClass: sgSender\nmail: u%d@d%d.bench\ncn: User %d\n", i, d, i
		printf "sgAuthMethod: user\nsgAuthId: u%d@d%d-bench.relay.example\n", i, d
		printf "sgAllowedNetwork: 198.51.100.0/24\nsgMonthlyLimit: 5000\nsgArchive: TRUE\n\n"
	}
}'
