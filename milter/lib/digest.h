/*
 * digest.h - SHA-256 for the per-message path (the Message-ID key, the
 * dedupe fingerprint): OpenSSL's EVP, with the algorithm fetched once
 * per process instead of at every use, as SHA256() and EVP_sha256()
 * with OpenSSL 3 do (it cost a message more than the hashing itself).
 */
#ifndef SG_DIGEST_H
#define SG_DIGEST_H

#include <stddef.h>

#include <openssl/evp.h>

#define SG_SHA256_HEX_LEN 65		/* in hex, and NUL */

/* The SHA-256 algorithm, fetched once; NULL if OpenSSL has none. */
const EVP_MD *sg_sha256(void);
/* SHA-256 of len octets at p into out (hex); 0, or -1. */
int	sg_sha256_hex(const void *p, size_t len, char out[SG_SHA256_HEX_LEN]);
/* Digest bytes as lower-case hex into out (2 * n + 1 octets). */
void	sg_hex(const unsigned char *md, size_t n, char *out);

#endif
