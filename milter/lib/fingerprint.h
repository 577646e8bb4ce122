/*
 * fingerprint.h - the fingerprint of a message, which tells a retry from
 * another message under the same Message-ID (redis/counter.c's dedupe):
 * SHA-256 over the values of From, To, Cc, Date and Subject (each
 * occurrence, in order, with its name), the body as the MTA passes it,
 * and at the end the count of recipients and the envelope recipients
 * sorted. The milter makes one only while dedupe is on.
 */
#ifndef SG_FINGERPRINT_H
#define SG_FINGERPRINT_H

#include <stddef.h>

#define SG_FINGERPRINT_LEN 65		/* a message's, in hex, and NUL */

struct fingerprint {
	void		*ctx;		/* EVP_MD_CTX, kept message to message */
	int		 on;		/* this message is being fingerprinted */
	int		 body_seen;	/* its body's first chunk came */
};

/* Start a message's fingerprint: off unless enabled (or out of memory). */
void	fp_start(struct fingerprint *, int enabled);
/* A header: taken if it is one of the five above. */
void	fp_header(struct fingerprint *, const char *name, const char *value);
/* A chunk of the body. */
void	fp_body(struct fingerprint *, const void *chunk, size_t len);
/*
 * Finish with the count of recipients taken and the envelope recipients
 * (sorted here, in place): the hex digest into out, or "" when the
 * message was not fingerprinted (then it gets no dedupe).
 */
void	fp_finish(struct fingerprint *, long accepted, char **rcpts,
	    size_t nrcpts, char out[SG_FINGERPRINT_LEN]);
/* Free the digest context (at the end of the connection). */
void	fp_free(struct fingerprint *);

#endif
