/*
 * metrics_http.c - GET /metrics on metrics_address, through libmicrohttpd.
 *
 * libmicrohttpd runs one thread of its own that accepts and answers; each
 * scrape formats the figures (metrics.c) into a buffer the response takes
 * over. Anything but GET or HEAD of /metrics is answered 404 or 405.
 */
#include <sys/socket.h>
#include <netdb.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "lib/hostport.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "daemon/milter.h"
#include "lib/version.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct metrics_server {
	struct MHD_Daemon	*d;
};

/* Queue a short plain-text answer with status code. */
static enum MHD_Result
answer_text(struct MHD_Connection *c, unsigned code, const char *text)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Content-Type", "text/plain");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* One request: the figures for GET /metrics. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	FILE			*f;
	char			*buf = NULL;
	size_t			 len = 0;

	(void)cls;
	(void)version;
	(void)upload;
	(void)state;
	if (*upload_len != 0)
		return MHD_NO;
	if (strcmp(url, "/metrics") != 0)
		return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: try "
		    "/metrics\n");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed\n");
	if ((f = open_memstream(&buf, &len)) == NULL)
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory\n");
	if (metrics_format(f, milter_sessions(), SG_VERSION) == -1) {
		fclose(f);
		free(buf);
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory\n");
	}
	fclose(f);
	/* the response frees buf */
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(buf);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, "Content-Type", CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Start serving on "host:port". */
struct metrics_server *
metrics_start(const char *address, char *err, size_t errlen)
{
	struct metrics_server	*ms;
	struct addrinfo		 hints, *ai = NULL;
	char			 host[256], port[8];
	unsigned		 flags;
	int			 p, rc;

	if (hostport_split(address, strlen(address), host, sizeof(host),
	    &p) == -1) {
		snprintf(err, errlen, "metrics_address %s: not host:port",
		    address);
		return NULL;
	}
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "metrics_address %s: %s", address,
		    gai_strerror(rc));
		return NULL;
	}
	if ((ms = calloc(1, sizeof(*ms))) == NULL) {
		freeaddrinfo(ai);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	ms->d = MHD_start_daemon(flags, (uint16_t)p, NULL, NULL, on_request,
	    NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
	    MHD_OPTION_END);
	freeaddrinfo(ai);
	if (ms->d == NULL) {
		snprintf(err, errlen, "metrics_address %s: cannot listen "
		    "(in use, or not an address of this host?)", address);
		free(ms);
		return NULL;
	}
	return ms;
}

/* Stop serving. */
void
metrics_stop(struct metrics_server *ms)
{
	if (ms == NULL)
		return;
	MHD_stop_daemon(ms->d);
	free(ms);
}
