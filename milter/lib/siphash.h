/*
 * siphash.h - SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed hash
 * for hash tables whose keys clients choose.
 *
 * MAIL FROM addresses are the keys of the query cache and the mirror
 * index; with an unkeyed hash a client could send addresses that all
 * fall into one bucket. SipHash with a key drawn at random once per
 * process makes such a set impossible to build from outside.
 */
#ifndef SG_SIPHASH_H
#define SG_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of len octets under the 16-octet key, 64-bit output. */
uint64_t siphash24(const unsigned char key[16], const void *data,
	    size_t len);

#endif
