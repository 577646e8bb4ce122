/*
 * milterproto.c - helpers for the MTA side of the milter protocol.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <netdb.h>
#include <string.h>

#include "milterproto.h"

/* Parse inet:PORT@HOST, inet6:PORT@HOST, unix:PATH or local:PATH. */
int
mt_parse_target(const char *spec, struct mt_target *t)
{
	struct addrinfo	 hints, *res;
	struct sockaddr_un *un;
	const char	*path, *at, *host;
	char		 port[16];
	size_t		 n;
	int		 inet6;

	memset(t, 0, sizeof(*t));
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		path = strchr(spec, ':') + 1;
		un = (struct sockaddr_un *)&t->ss;
		if (*path == '\0' || strlen(path) >= sizeof(un->sun_path))
			return -1;
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, path, strlen(path) + 1);
		t->len = sizeof(*un);
		return 0;
	}
	if (strncmp(spec, "inet:", 5) == 0) {
		inet6 = 0;
		spec += 5;
	} else if (strncmp(spec, "inet6:", 6) == 0) {
		inet6 = 1;
		spec += 6;
	} else
		return -1;
	if ((at = strchr(spec, '@')) != NULL) {
		n = (size_t)(at - spec);
		host = at + 1;
	} else {
		n = strlen(spec);
		host = inet6 ? "::1" : "127.0.0.1";
	}
	if (n == 0 || n >= sizeof(port) || *host == '\0')
		return -1;
	memcpy(port, spec, n);
	port[n] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = inet6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	memcpy(&t->ss, res->ai_addr, res->ai_addrlen);
	t->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}
