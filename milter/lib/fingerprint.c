/*
 * fingerprint.c - the fingerprint of a message for the dedupe rule; see
 * fingerprint.h. OpenSSL's EVP SHA-256 (the CPU's SHA extensions where
 * there are some).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "lib/digest.h"
#include "lib/fingerprint.h"
#include "lib/numfmt.h"

static const struct {
	const char	*name;
	size_t		 len;
} fp_headers[] = {
#define H(n)	{ n, sizeof(n) - 1 }
	H("From"), H("To"), H("Cc"), H("Date"), H("Subject")
#undef H
};

/* Start; see fingerprint.h. */
void
fp_start(struct fingerprint *f, int enabled)
{
	f->on = 0;
	f->body_seen = 0;
	if (!enabled)
		return;
	if (f->ctx == NULL && (f->ctx = EVP_MD_CTX_new()) == NULL)
		return;
	f->on = sg_sha256() != NULL &&
	    EVP_DigestInit_ex(f->ctx, sg_sha256(), NULL) == 1;
}

/* Add len octets (and a NUL, to end a field, when sep). */
static void
fp_add(struct fingerprint *f, const void *p, size_t len, int sep)
{
	if (!f->on)
		return;
	if (EVP_DigestUpdate(f->ctx, p, len) != 1 ||
	    (sep && EVP_DigestUpdate(f->ctx, "", 1) != 1))
		f->on = 0;
}

/* A header, if it is one of fp_headers. */
void
fp_header(struct fingerprint *f, const char *name, const char *value)
{
	size_t	 i, len;

	if (!f->on)
		return;
	/* compared only with the names of its length */
	len = strlen(name);
	for (i = 0; i < sizeof(fp_headers) / sizeof(fp_headers[0]); i++)
		if (fp_headers[i].len == len &&
		    strcasecmp(name, fp_headers[i].name) == 0) {
			fp_add(f, fp_headers[i].name, len, 1);
			fp_add(f, value, strlen(value), 1);
			return;
		}
}

/* A chunk of the body; a mark where the headers end and it starts. */
void
fp_body(struct fingerprint *f, const void *chunk, size_t len)
{
	if (!f->on)
		return;
	if (!f->body_seen) {
		fp_add(f, "body", 4, 1);
		f->body_seen = 1;
	}
	fp_add(f, chunk, len, 0);
}

/* Order of recipients. */
static int
rcpt_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Finish; see fingerprint.h. */
void
fp_finish(struct fingerprint *f, long accepted, char **rcpts, size_t nrcpts,
    char out[SG_FINGERPRINT_LEN])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned	 mdlen = 0;
	char		 count[sizeof("rcpts ") - 1 + SG_NUM_LEN];
	size_t		 j;

	out[0] = '\0';
	if (f->on) {
		/* "rcpts %ld" */
		memcpy(count, "rcpts ", sizeof("rcpts ") - 1);
		sg_ltoa(accepted, count + sizeof("rcpts ") - 1);
		fp_add(f, count, strlen(count), 1);
	}
	qsort(rcpts, nrcpts, sizeof(*rcpts), rcpt_cmp);
	for (j = 0; j < nrcpts; j++)
		fp_add(f, rcpts[j], strlen(rcpts[j]), 1);
	if (!f->on || EVP_DigestFinal_ex(f->ctx, md, &mdlen) != 1 ||
	    mdlen != 32)
		return;
	sg_hex(md, mdlen, out);
}

/* Free the context. */
void
fp_free(struct fingerprint *f)
{
	EVP_MD_CTX_free(f->ctx);
	f->ctx = NULL;
	f->on = 0;
}
