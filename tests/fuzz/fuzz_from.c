/*
 * fuzz_from.c - libFuzzer target: the header From parser
 * (addr_parse_from).
 *
 * The input is one From header value (up to the first NUL), folded or
 * not. Checks: the count never exceeds the room given, and every
 * mailbox returned is a terminated address no longer than SG_ADDR_MAX.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	(*addrs)[SG_ADDR_MAX + 1];
	char	*in;
	size_t	 n, i, max;

	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if ((addrs = calloc(SG_FROM_MAX, sizeof(*addrs))) == NULL) {
		free(in);
		return 0;
	}
	/* the daemon's room, and a small one that must be respected */
	for (max = SG_FROM_MAX; ; max = 2) {
		n = 0;
		if (addr_parse_from(in, addrs, max, &n) == 0) {
			if (n > max)
				abort();
			for (i = 0; i < n; i++)
				if (memchr(addrs[i], '\0', SG_ADDR_MAX + 1) ==
				    NULL || addrs[i][0] == '\0' ||
				    addr_domain(addrs[i]) == NULL)
					abort();
		}
		if (max == 2)
			break;
	}
	free(addrs);
	free(in);
	return 0;
}
