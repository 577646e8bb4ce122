/*
 * fuzz_dsn.c - libFuzzer target: dsn_parse, what sendergatectl suppress
 * learn reads from a pipe (a bounce whose returned part the customer
 * wrote). Checks: it answers 0 or -1; on 0 every recipient's address
 * re-parses to itself, every status is a NUL-terminated string within its
 * buffer, a recipient marked to learn has a status dsn_status_learn
 * agrees with, each recipient belongs to a part that was read, and the
 * Message-ID and queue ids end within their buffers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/dsn.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsn	 d;
	char		 why[256], again[SG_ADDR_MAX + 1];
	const char	*dom, *w;
	size_t		 i;
	int		 r;

	memset(&d, 0, sizeof(d));
	r = dsn_parse((const char *)data, size, &d, why, sizeof(why));
	if (r != 0 && r != -1)
		abort();
	if (r == -1)
		return 0;
	if (d.nparts > DSN_PARTS_MAX ||
	    memchr(d.msgid, '\0', sizeof(d.msgid)) == NULL)
		abort();
	for (i = 0; i < d.nparts; i++)
		if (memchr(d.parts[i].qid, '\0', sizeof(d.parts[i].qid)) ==
		    NULL || memchr(d.parts[i].sender, '\0',
		    sizeof(d.parts[i].sender)) == NULL)
			abort();
	for (i = 0; i < d.nrcpts; i++) {
		if (d.rcpts[i].part >= d.nparts)
			abort();
		if (memchr(d.rcpts[i].status, '\0',
		    sizeof(d.rcpts[i].status)) == NULL)
			abort();
		if (d.rcpts[i].addr[0] != '\0' &&
		    (addr_parse_envelope(d.rcpts[i].addr, again,
		    sizeof(again), &dom) != ADDR_OK ||
		    strcmp(again, d.rcpts[i].addr) != 0))
			abort();
		if (d.rcpts[i].learn &&
		    dsn_status_learn(d.rcpts[i].status, &w) != 1)
			abort();
	}
	dsn_free(&d);
	return 0;
}
