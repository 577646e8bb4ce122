/*
 * fuzz_cidr.c - libFuzzer target: cidr_parse, ip_parse, ip_format and
 * cidr_match.
 *
 * The input is "NETWORK\nADDRESS" (the part after the first newline, if
 * any, is the address). Checks: a parsed network has a prefix within its
 * family's width and contains its own network address; a parsed address
 * formats and parses back to itself; cidr_match answers 0 or 1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/cidr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* ip_format then ip_parse gives ip back. */
static void
roundtrip(const struct sg_ip *ip)
{
	struct sg_ip	 back;
	char		 buf[64];
	size_t		 len;

	if (ip_format(ip, buf, sizeof(buf)) == NULL)
		abort();
	if (ip_parse(buf, &back) != 0 || back.family != ip->family)
		abort();
	len = ip->family == AF_INET ? 4 : 16;
	if (memcmp(back.a, ip->a, len) != 0)
		abort();
	(void)ip_format(ip, buf, 8);	/* too small: no overrun */
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_cidr	 net;
	struct sg_ip	 ip;
	char		*in, *nl, *addr;
	int		 havenet, haveip, m;

	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	addr = in;
	if ((nl = strchr(in, '\n')) != NULL) {
		*nl = '\0';
		addr = nl + 1;
	}
	memset(&net, 0, sizeof(net));
	memset(&ip, 0, sizeof(ip));
	havenet = cidr_parse(in, &net) == 0;
	haveip = ip_parse(addr, &ip) == 0;
	if (havenet) {
		if (net.prefix < 0 || net.prefix >
		    (net.net.family == AF_INET ? 32 : 128))
			abort();
		if (cidr_match(&net, &net.net) != 1)
			abort();
		roundtrip(&net.net);
	}
	if (haveip)
		roundtrip(&ip);
	if (havenet && haveip) {
		m = cidr_match(&net, &ip);
		if (m != 0 && m != 1)
			abort();
	}
	free(in);
	return 0;
}
