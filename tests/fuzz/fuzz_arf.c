/*
 * fuzz_arf.c - libFuzzer target: arf_parse, what sendergatectl complaint
 * learn reads from a pipe (a feedback report whose reported part anyone
 * may have written). Checks: it answers 0 or -1; on 0 the Feedback-Type
 * is there and lower case, abuse agrees with it, the sender and every
 * recipient re-parse to themselves, their origins agree with what was
 * found, and every string ends within its buffer.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/arf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Does s (NUL-terminated within len) re-parse to itself? */
static int
stable(const char *s, size_t len, int rcpt)
{
	char		 again[SG_ADDR_MAX + 1];
	const char	*dom;

	if (memchr(s, '\0', len) == NULL)
		return 0;
	if (s[0] == '\0')
		return 1;
	if ((rcpt ? addr_parse_rcpt(s, again, sizeof(again), &dom) :
	    addr_parse_envelope(s, again, sizeof(again), &dom)) != ADDR_OK)
		return 0;
	return strcmp(again, s) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arf	 a;
	char		 why[256];
	size_t		 i;
	int		 r;

	r = arf_parse((const char *)data, size, &a, why, sizeof(why));
	if (r != 0 && r != -1)
		abort();
	if (memchr(why, '\0', sizeof(why)) == NULL && r == -1)
		abort();
	if (r == -1)
		return 0;
	if (memchr(a.type, '\0', sizeof(a.type)) == NULL || a.type[0] == '\0' ||
	    memchr(a.msgid, '\0', sizeof(a.msgid)) == NULL ||
	    memchr(a.arrival, '\0', sizeof(a.arrival)) == NULL)
		abort();
	for (i = 0; a.type[i] != '\0'; i++)
		if (isupper((unsigned char)a.type[i]))
			abort();
	if (a.abuse != (strcmp(a.type, "abuse") == 0))
		abort();
	if (!stable(a.sender, sizeof(a.sender), 0) ||
	    (a.sender[0] != '\0') != (a.sender_origin != ARF_NONE))
		abort();
	if (a.nrcpts > ARF_RCPTS_MAX ||
	    (a.nrcpts > 0) != (a.rcpts_origin != ARF_NONE))
		abort();
	for (i = 0; i < a.nrcpts; i++)
		if (a.rcpts[i][0] == '\0' ||
		    !stable(a.rcpts[i], sizeof(a.rcpts[i]), 1))
			abort();
	return 0;
}
