/*
 * hostport.c - "host:port" and "[v6]:port", split once.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/hostport.h"

/* Split host and port at the last colon. */
int
hostport_split(const char *hp, size_t len, char *host, size_t hostlen,
    int *port)
{
	const char	*colon = NULL, *h = hp;
	char		 num[8], *end;
	size_t		 i, hl, pl;
	long		 p;

	for (i = 0; i < len; i++)
		if (hp[i] == ':')
			colon = hp + i;
	if (colon == NULL)
		return -1;
	hl = (size_t)(colon - hp);
	pl = len - hl - 1;
	if (hl > 0 && hp[0] == '[') {
		if (hl < 3 || hp[hl - 1] != ']')
			return -1;
		h = hp + 1;
		hl -= 2;
	}
	if (hl == 0 || hl + 1 > hostlen || pl == 0 || pl >= sizeof(num))
		return -1;
	memcpy(num, colon + 1, pl);
	num[pl] = '\0';
	if (num[0] < '0' || num[0] > '9')
		return -1;
	p = strtol(num, &end, 10);
	if (*end != '\0' || p < 1 || p > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (int)p;
	return 0;
}
