/*
 * fuzz_addr.c - libFuzzer target: the envelope address parser
 * (addr_parse_envelope), addr_domain and ldap_filter_escape.
 *
 * The input is one MAIL FROM argument (up to the first NUL). Beyond
 * "no crash, no sanitizer report" it checks what callers rely on: an
 * accepted address fits its buffer, is no longer than SG_ADDR_MAX, its
 * domain points inside it, and it parses again to itself.
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
	char		 out[SG_ADDR_MAX + 1], again[SG_ADDR_MAX + 1];
	char		 wrapped[SG_ADDR_MAX + 3], esc[3 * SG_ADDR_MAX + 1];
	char		*in;
	const char	*dom, *dom2;

	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (addr_parse_envelope(in, out, sizeof(out), &dom) == ADDR_OK) {
		if (strlen(out) > SG_ADDR_MAX || dom == NULL ||
		    dom < out || dom > out + strlen(out))
			abort();
		if (addr_domain(out) != NULL && strcmp(addr_domain(out),
		    dom) != 0)
			abort();
		/* the normal form is a fixed point */
		strcpy(wrapped, "<");
		strcat(wrapped, out);
		strcat(wrapped, ">");
		if (addr_parse_envelope(wrapped, again, sizeof(again),
		    &dom2) != ADDR_OK || strcmp(again, out) != 0)
			abort();
		(void)ldap_filter_escape(out, esc, sizeof(esc));
	}
	/* small buffers must be refused, never overrun */
	(void)addr_parse_envelope(in, out, 8, &dom);
	(void)ldap_filter_escape(in, esc, sizeof(esc));
	(void)addr_domain(in);
	free(in);
	return 0;
}
