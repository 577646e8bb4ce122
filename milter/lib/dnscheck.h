/*
 * dnscheck.h - the pure half of domain validation: the ownership record
 * a customer publishes (derived, nothing stored), DNS wire data turned
 * into text, a DKIM key record read, and the verdict of one check.
 *
 * No I/O: sendergatectl's ctl_dns.c asks the resolver, ctl_domain_check.c
 * judges with what is here. Links with libc and libcrypto alone.
 */
#ifndef SG_DNSCHECK_H
#define SG_DNSCHECK_H

#include <stddef.h>

#define DC_TOKEN_LABEL	"_sendergate"	/* the record: _sendergate.PRIMARY */
#define DC_TOKEN_PREFIX	"sendergate-verification="
#define DC_TOKEN_HEX	32		/* hex digits of the value's MAC */
#define DC_NAME_MAX	256		/* a domain name as text, with NUL */
#define DC_TXT_MAX	4096		/* one TXT record, strings joined */

/* The verdict of one check, worst last. */
enum dc_verdict {
	DC_PASS = 0,
	DC_WARN,
	DC_FAIL
};

/*
 * The ownership record of primary (any letter case) under secret: its
 * name ("_sendergate.acmecorp.com") into name, its value
 * ("sendergate-verification=" and 32 hex digits of HMAC-SHA256(secret,
 * lower-case primary)) into value. 0, or -1 when a buffer is too small
 * or primary is empty.
 */
int	dc_token(const char *secret, const char *primary, char *name,
	    size_t namelen, char *value, size_t valuelen);

/*
 * One TXT record's rdata (character-strings, each with its length
 * octet) joined into one string (RFC 7208 3.3, RFC 6376 3.6.2.2). 0, or
 * -1 when malformed, when it holds a NUL, or when out is too small.
 */
int	dc_txt_join(const unsigned char *rdata, size_t len, char *out,
	    size_t outlen);

/*
 * A domain name in uncompressed wire form (labels) as text, without the
 * final dot ("." for the root). 0, or -1 when malformed or too long.
 */
int	dc_wire_name(const unsigned char *wire, size_t len, char *out,
	    size_t outlen);

/* What a TXT record at SELECTOR._domainkey.DOMAIN says. */
enum dc_dkim {
	DKIM_KEY = 0,			/* a key: v=DKIM1 (or no v=), p= set */
	DKIM_REVOKED,			/* p= empty: the key is revoked */
	DKIM_NOT_KEY			/* no p=, another v=, or malformed */
};

/* Read a DKIM key record's tags (RFC 6376 3.6.1). */
enum dc_dkim dc_dkim_record(const char *txt);

/* 1 if txt starts an SPF record ("v=spf1" then a blank or the end). */
int	dc_is_spf(const char *txt);

/* 1 if txt starts a DMARC record ("v=DMARC1", then ';', blank or end). */
int	dc_is_dmarc(const char *txt);

/* "pass", "warn", "fail". */
const char *dc_verdict_name(enum dc_verdict);

/* The verdict named by word, or -1. */
int	dc_verdict_parse(const char *word);

#endif
