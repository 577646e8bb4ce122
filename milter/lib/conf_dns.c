/*
 * conf_dns.c - the keys of domain validation that need more than a
 * word: relay_addresses (the relay's outbound addresses, which the SPF
 * check asks each customer domain about) and dns_resolver (where
 * sendergatectl domain check sends its queries).
 *
 *	relay_addresses = 192.0.2.25 2001:db8::25
 *	dns_resolver = 127.0.0.1:5353
 *
 * The daemon reads neither (it makes no DNS query); sendergatectl does.
 * Pure: no I/O, no allocation.
 */
#include <string.h>

#include "lib/cidr.h"
#include "lib/conf.h"
#include "lib/hostport.h"

#define ITEM_MAX	64		/* octets of one address */

/* relay_addresses into ips; see conf.h. */
int
conf_relay_addresses(const char *v, struct sg_ip *ips, const char **why)
{
	char	 item[ITEM_MAX];
	size_t	 len;
	int	 n = 0;

	for (;;) {
		v += strspn(v, " \t");
		if (*v == '\0')
			return n;
		len = strcspn(v, " \t");
		if (len >= sizeof(item) || n == SG_RELAY_ADDRS_MAX) {
			*why = "expected up to 16 IPv4 or IPv6 addresses";
			return -1;
		}
		memcpy(item, v, len);
		item[len] = '\0';
		if (strchr(item, '/') != NULL || ip_parse(item, &ips[n]) == -1) {
			*why = "expected IPv4 or IPv6 addresses (no networks), "
			    "blank separated";
			return -1;
		}
		n++;
		v += len;
	}
}

/* dns_resolver into host and port; see conf.h. */
int
conf_dns_resolver(const char *v, char *host, size_t hostlen, int *port,
    const char **why)
{
	struct sg_ip	 ip;
	size_t		 len = strlen(v);

	*why = "expected an IP address, IP:PORT or [IPV6]:PORT, or nothing";
	if (len == 0)
		return 1;
	if (len >= hostlen)
		return -1;
	if (ip_parse(v, &ip) == 0) {
		memcpy(host, v, len + 1);
		*port = 53;
		return 0;
	}
	if (hostport_split(v, len, host, hostlen, port) == -1 ||
	    ip_parse(host, &ip) == -1)
		return -1;
	return 0;
}
