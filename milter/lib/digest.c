/*
 * digest.c - SHA-256 with the algorithm fetched once; see digest.h.
 */
#include <pthread.h>

#include "lib/digest.h"

static EVP_MD		*sha256;
static pthread_key_t	 ctx_key;	/* a thread's EVP_MD_CTX */
static pthread_once_t	 sha256_once = PTHREAD_ONCE_INIT;

/* A thread's context goes with the thread (libmilter's end). */
static void
ctx_free(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

/* Fetch the algorithm (kept for the life of the process). */
static void
fetch(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (pthread_key_create(&ctx_key, ctx_free) != 0) {
		EVP_MD_free(sha256);
		sha256 = NULL;
	}
}

/* The fetched SHA-256. */
const EVP_MD *
sg_sha256(void)
{
	pthread_once(&sha256_once, fetch);
	return sha256;
}

/* Hex of md. */
void
sg_hex(const unsigned char *md, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t		 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * i] = '\0';
}

/* One SHA-256, on a context kept per thread (freed with the thread). */
int
sg_sha256_hex(const void *p, size_t len, char out[SG_SHA256_HEX_LEN])
{
	EVP_MD_CTX	*ctx;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned	 mdlen = 0;
	const EVP_MD	*alg = sg_sha256();

	out[0] = '\0';
	if (alg == NULL)
		return -1;
	if ((ctx = pthread_getspecific(ctx_key)) == NULL) {
		if ((ctx = EVP_MD_CTX_new()) == NULL)
			return -1;
		if (pthread_setspecific(ctx_key, ctx) != 0) {
			EVP_MD_CTX_free(ctx);
			return -1;
		}
	}
	if (EVP_DigestInit_ex(ctx, alg, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, p, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		return -1;
	sg_hex(md, mdlen, out);
	return 0;
}
