/*
 * siphash.c - SipHash-2-4, written from the paper's description: four
 * 64-bit words of state from the key, the message in little-endian
 * 64-bit words (the last one padded with the length in its top octet),
 * two rounds per word, four to finish.
 */
#include <string.h>

#include "lib/siphash.h"

#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound over the state. */
#define SIPROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

/* Eight octets, little-endian. */
static uint64_t
le64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The hash. */
uint64_t
siphash24(const unsigned char key[16], const void *data, size_t len)
{
	const unsigned char	*p = data;
	unsigned char		 last[8];
	uint64_t		 k0 = le64(key), k1 = le64(key + 8), m;
	uint64_t		 v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t		 v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t		 v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t		 v3 = k1 ^ 0x7465646279746573ULL;
	size_t			 i, left = len;

	for (; left >= 8; p += 8, left -= 8) {
		m = le64(p);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	memset(last, 0, sizeof(last));
	if (left > 0)
		memcpy(last, p, left);
	last[7] = (unsigned char)len;
	m = le64(last);
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}
