/*
 * hostport.h - "host:port" and "[v6]:port", split once, for every address
 * of a TCP peer the configuration names (Redis, its sentinels).
 */
#ifndef SG_HOSTPORT_H
#define SG_HOSTPORT_H

#include <stddef.h>

/*
 * Split the len octets at hp: host (without brackets) into host
 * (hostlen octets), the port (1..65535) into *port. 0, or -1 when
 * malformed or the host does not fit.
 */
int	hostport_split(const char *hp, size_t len, char *host, size_t hostlen,
	    int *port);

#endif
