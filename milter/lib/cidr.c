/*
 * cidr.c - IPv4 and IPv6 networks and client addresses.
 *
 * Text is read by inet_pton() only, so what is accepted is what the C
 * library accepts (no leading zeros in IPv4 octets, no scope ids, no
 * white space); it is written by inet_ntop(), or for IPv4 here, in the
 * same octets. An IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * is folded to IPv4 wherever one is made: client addresses, and networks
 * whose prefix covers the ::ffff:0:0/96 part ("::ffff:10.0.0.0/104" is
 * 10.0.0.0/8). A shorter IPv6 prefix stays IPv6 and so matches IPv6
 * clients only; "::/0" does not match IPv4 clients.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include "lib/cidr.h"

static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Fold an IPv4-mapped IPv6 address to IPv4 in place; 1 if it did. */
static int
fold_mapped(struct sg_ip *ip)
{
	if (ip->family != AF_INET6 || memcmp(ip->a, v4mapped, 12) != 0)
		return (0);
	memmove(ip->a, ip->a + 12, 4);
	memset(ip->a + 4, 0, 12);
	ip->family = AF_INET;
	return (1);
}

/* Parse the len octets at s as an IPv4 or IPv6 address (unfolded); 0 / -1. */
static int
ip_text(const char *s, size_t len, struct sg_ip *out)
{
	char	buf[INET6_ADDRSTRLEN];
	int	family;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(buf))
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	family = memchr(buf, ':', len) != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(family, buf, out->a) != 1) {
		memset(out, 0, sizeof(*out));
		return (-1);
	}
	out->family = family;
	return (0);
}

/* Parse a prefix length: decimal digits, no sign, no leading zero, <= max. */
static int
prefix_parse(const char *s, int max)
{
	int	v = 0;
	size_t	i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return (-1);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3)
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	return (v <= max ? v : -1);
}

/* Clear the bits of a[] after the first prefix bits. */
static void
clear_host(unsigned char *a, int prefix)
{
	int	i;

	for (i = 0; i < 16; i++) {
		if (prefix >= 8)
			prefix -= 8;
		else {
			a[i] &= (unsigned char)(0xff00 >> prefix);
			prefix = 0;
		}
	}
}

/* Parse a network or a bare address; see cidr.h. */
int
cidr_parse(const char *s, struct sg_cidr *out)
{
	const char	*slash;
	size_t		 len;
	int		 prefix, max;

	if (out == NULL)
		return (-1);
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return (-1);
	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (ip_text(s, len, &out->net) < 0)
		goto bad;
	max = out->net.family == AF_INET ? 32 : 128;
	if (slash == NULL)
		prefix = max;
	else if ((prefix = prefix_parse(slash + 1, max)) < 0)
		goto bad;
	if (prefix >= 96 && fold_mapped(&out->net))
		prefix -= 96;
	clear_host(out->net.a, prefix);
	out->prefix = prefix;
	return (0);

bad:
	memset(out, 0, sizeof(*out));
	return (-1);
}

/* Client address from a sockaddr; see cidr.h. */
int
ip_from_sockaddr(const struct sockaddr *sa, struct sg_ip *out)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	if (out == NULL)
		return (-1);
	memset(out, 0, sizeof(*out));
	if (sa == NULL)
		return (-1);
	switch (sa->sa_family) {
	case AF_INET:
		memcpy(&sin, sa, sizeof(sin));
		memcpy(out->a, &sin.sin_addr, 4);
		out->family = AF_INET;
		return (0);
	case AF_INET6:
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(out->a, &sin6.sin6_addr, 16);
		out->family = AF_INET6;
		fold_mapped(out);
		return (0);
	default:
		return (-1);
	}
}

/* Parse a textual client address, folding IPv4-mapped IPv6; 0 / -1. */
int
ip_parse(const char *s, struct sg_ip *out)
{
	if (out == NULL)
		return (-1);
	if (s == NULL) {
		memset(out, 0, sizeof(*out));
		return (-1);
	}
	if (ip_text(s, strlen(s), out) < 0)
		return (-1);
	fold_mapped(out);
	return (0);
}

/*
 * An IPv4 address as inet_ntop writes it ("192.0.2.7": decimal octets,
 * no leading zeros) into buf; its length. Once a session: sprintf's
 * format parsing, under inet_ntop, cost twenty times the digits.
 */
static size_t
ip4_text(const unsigned char a[4], char buf[INET_ADDRSTRLEN])
{
	size_t		o = 0;
	unsigned	v;
	int		i;

	for (i = 0; i < 4; i++) {
		v = a[i];
		if (v >= 100)
			buf[o++] = (char)('0' + v / 100);
		if (v >= 10)
			buf[o++] = (char)('0' + v / 10 % 10);
		buf[o++] = (char)('0' + v % 10);
		buf[o++] = '.';
	}
	buf[--o] = '\0';	/* the last dot */
	return (o);
}

/* Format an address into buf; "unknown" (or "") when it cannot. */
const char *
ip_format(const struct sg_ip *ip, char *buf, size_t len)
{
	char		text[INET_ADDRSTRLEN];
	size_t		n;
	socklen_t	sl;

	if (buf == NULL || len == 0)
		return (buf);
	sl = len > INET6_ADDRSTRLEN ? INET6_ADDRSTRLEN : (socklen_t)len;
	if (ip != NULL && ip->family == AF_INET) {
		/* what inet_ntop does, without its sprintf */
		if ((n = ip4_text(ip->a, text)) < sl) {
			memcpy(buf, text, n + 1);
			return (buf);
		}
	} else if (ip != NULL && ip->family == AF_INET6 &&
	    inet_ntop(AF_INET6, ip->a, buf, sl) != NULL)
		return (buf);
	if (len > strlen("unknown"))
		memcpy(buf, "unknown", sizeof("unknown"));
	else
		buf[0] = '\0';
	return (buf);
}

/* 1 if ip lies inside net (same family, first prefix bits equal), else 0. */
int
cidr_match(const struct sg_cidr *net, const struct sg_ip *ip)
{
	struct sg_ip	c;
	int		bits, i;
	unsigned char	mask;

	if (net == NULL || ip == NULL)
		return (0);
	c = *ip;
	fold_mapped(&c);
	if (net->net.family == 0 || net->net.family != c.family)
		return (0);
	if (net->prefix < 0 ||
	    net->prefix > (c.family == AF_INET ? 32 : 128))
		return (0);
	for (bits = net->prefix, i = 0; bits > 0; bits -= 8, i++) {
		mask = bits >= 8 ? 0xff : (unsigned char)(0xff00 >> bits);
		if ((c.a[i] ^ net->net.a[i]) & mask)
			return (0);
	}
	return (1);
}
