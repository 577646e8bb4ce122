/*
 * cidr.h - IPv4 and IPv6 networks and client addresses.
 *
 * An address is kept in 16 octets; IPv4 (and IPv4-mapped IPv6, which is
 * folded to IPv4 when a client address is made) uses the first 4.
 */
#ifndef SG_CIDR_H
#define SG_CIDR_H

#include <sys/socket.h>

struct sg_ip {
	int		family;		/* AF_INET or AF_INET6; 0 = unknown */
	unsigned char	a[16];
};

struct sg_cidr {
	struct sg_ip	net;		/* host bits cleared */
	int		prefix;		/* 0..32 or 0..128 */
};

/*
 * Parse "192.0.2.0/24", "2001:db8::/32", or a bare address (/32, /128).
 * Host bits set under the prefix are accepted and cleared (as slapd and
 * Postfix's cidr tables do). Returns 0, or -1 on bad input.
 */
int	cidr_parse(const char *s, struct sg_cidr *out);

/* Client address from a sockaddr; IPv4-mapped IPv6 becomes IPv4. 0 / -1. */
int	ip_from_sockaddr(const struct sockaddr *sa, struct sg_ip *out);

/* Parse a textual address ("192.0.2.7", "::ffff:192.0.2.7", "::1"). 0 / -1. */
int	ip_parse(const char *s, struct sg_ip *out);

/* Format an address into buf (INET6_ADDRSTRLEN is enough); returns buf. */
const char *ip_format(const struct sg_ip *ip, char *buf, size_t len);

/* 1 if ip lies inside net, 0 if not (also for family mismatch). */
int	cidr_match(const struct sg_cidr *net, const struct sg_ip *ip);

#endif
