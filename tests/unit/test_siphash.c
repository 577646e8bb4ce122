/*
 * test_siphash.c - SipHash-2-4 against the paper's test vectors and
 * against OpenSSL's own SipHash (EVP_MAC "SIPHASH", 8-octet output) on
 * random keys and messages of every length up to 100 octets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "lib/siphash.h"

/* The paper's key 00 01 .. 0f and message 00 01 .. (len - 1). */
static uint64_t
paper(size_t len)
{
	unsigned char	 key[16], msg[64] = { 0 };
	size_t		 i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)i;
	for (i = 0; i < len; i++)
		msg[i] = (unsigned char)i;
	return siphash24(key, msg, len);
}

/* Appendix A of the paper: the empty message, and 15 octets. */
static void
test_vectors(void **state)
{
	(void)state;
	assert_true(paper(0) == 0x726fdb47dd0e0e31ULL);
	assert_true(paper(15) == 0xa129ca6149be45e5ULL);
}

/* OpenSSL's SipHash-2-4 with an 8-octet tag, as a little-endian word. */
static uint64_t
openssl_siphash(const unsigned char key[16], const unsigned char *m,
    size_t len)
{
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	unsigned char	 out[8];
	size_t		 outlen = 0;
	unsigned int	 size = 8;
	uint64_t	 v = 0;
	int		 i;

	mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	assert_non_null(mac);
	ctx = EVP_MAC_CTX_new(mac);
	assert_non_null(ctx);
	params[0] = OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size);
	params[1] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_MAC_init(ctx, key, 16, params), 1);
	assert_int_equal(EVP_MAC_update(ctx, m, len), 1);
	assert_int_equal(EVP_MAC_final(ctx, out, &outlen, sizeof(out)), 1);
	assert_int_equal(outlen, 8);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	for (i = 7; i >= 0; i--)
		v = v << 8 | out[i];
	return v;
}

/* Random keys and messages: the same as OpenSSL's. */
static void
test_against_openssl(void **state)
{
	unsigned char	 key[16], msg[100];
	size_t		 len;
	int		 round;

	(void)state;
	for (round = 0; round < 20; round++)
		for (len = 0; len <= sizeof(msg); len++) {
			assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
			assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
			if (siphash24(key, msg, len) !=
			    openssl_siphash(key, msg, len)) {
				print_message("length %zu: got %016llx, want "
				    "%016llx\n", len, (unsigned long long)
				    siphash24(key, msg, len),
				    (unsigned long long)openssl_siphash(key,
				    msg, len));
				fail();
			}
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_against_openssl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
