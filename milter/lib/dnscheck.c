/*
 * dnscheck.c - the pure half of domain validation (see dnscheck.h): the
 * ownership record, TXT and name wire data as text, DKIM key records.
 *
 * The ownership value is HMAC-SHA256 of the lower-case primary domain
 * under the relay's secret (domain_token_secret_file), cut to 128 bits
 * in hex: it can be told to a customer before the domain entry exists,
 * nothing needs storing, and a customer cannot make one for a domain
 * without the secret.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/dnscheck.h"

/* The ownership record of primary; see dnscheck.h. */
int
dc_token(const char *secret, const char *primary, char *name,
    size_t namelen, char *value, size_t valuelen)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		 low[DC_NAME_MAX];
	size_t		 i, n = strlen(primary), off;

	if (n == 0 || n >= sizeof(low))
		return -1;
	for (i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)primary[i]);
	if (snprintf(name, namelen, "%s.%s", DC_TOKEN_LABEL, low) >=
	    (int)namelen)
		return -1;
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)low, n, mac, &maclen) == NULL ||
	    maclen * 2 < DC_TOKEN_HEX)
		return -1;
	off = sizeof(DC_TOKEN_PREFIX) - 1;
	if (valuelen < off + DC_TOKEN_HEX + 1)
		return -1;
	memcpy(value, DC_TOKEN_PREFIX, off);
	for (i = 0; i < DC_TOKEN_HEX / 2; i++)
		snprintf(value + off + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

/* TXT rdata joined; see dnscheck.h. */
int
dc_txt_join(const unsigned char *rdata, size_t len, char *out, size_t outlen)
{
	size_t	 i = 0, o = 0, n;

	if (outlen == 0)
		return -1;
	while (i < len) {
		n = rdata[i++];
		if (n > len - i || o + n >= outlen ||
		    memchr(rdata + i, '\0', n) != NULL)
			return -1;
		memcpy(out + o, rdata + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return 0;
}

/* A wire name as text; see dnscheck.h. */
int
dc_wire_name(const unsigned char *wire, size_t len, char *out, size_t outlen)
{
	size_t	 i = 0, o = 0, n;

	for (;;) {
		if (i >= len)
			return -1;
		n = wire[i++];
		if (n == 0)
			break;
		if (n > 63 || n > len - i || o + n + 2 > outlen)
			return -1;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, wire + i, n);
		o += n;
		i += n;
	}
	if (o == 0) {
		if (outlen < 2)
			return -1;
		out[o++] = '.';
	}
	out[o] = '\0';
	return 0;
}

/* Skip folding white space. */
static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

/* A DKIM key record's tags; see dnscheck.h. */
enum dc_dkim
dc_dkim_record(const char *txt)
{
	const char	*s = txt, *tag, *val;
	size_t		 taglen, vallen, k;
	int		 first = 1, have_p = 0, empty_p = 0;

	for (;;) {
		s = skip_ws(s);
		if (*s == '\0')
			break;
		tag = s;
		while (isalnum((unsigned char)*s) || *s == '_')
			s++;
		taglen = (size_t)(s - tag);
		s = skip_ws(s);
		if (taglen == 0 || *s != '=')
			return DKIM_NOT_KEY;
		s = skip_ws(s + 1);
		val = s;
		s += strcspn(s, ";");
		vallen = (size_t)(s - val);
		while (vallen > 0 && strchr(" \t\r\n", val[vallen - 1]) != NULL)
			vallen--;
		if (taglen == 1 && tag[0] == 'v') {
			/* v=, if present, is the first tag and says DKIM1 */
			if (!first || vallen != 5 ||
			    strncmp(val, "DKIM1", 5) != 0)
				return DKIM_NOT_KEY;
		} else if (taglen == 1 && tag[0] == 'p') {
			have_p = 1;
			empty_p = 1;
			for (k = 0; k < vallen; k++)
				if (strchr(" \t\r\n", val[k]) == NULL)
					empty_p = 0;
		}
		first = 0;
		if (*s == ';')
			s++;
	}
	if (!have_p)
		return DKIM_NOT_KEY;
	return empty_p ? DKIM_REVOKED : DKIM_KEY;
}

/* "v=spf1" alone or followed by a blank (RFC 7208 4.5). */
int
dc_is_spf(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (txt[6] == '\0' || txt[6] == ' ');
}

/* "v=DMARC1" as the first tag (RFC 7489 6.4). */
int
dc_is_dmarc(const char *txt)
{
	const char	*s = skip_ws(txt);

	if (strncmp(s, "v", 1) != 0)
		return 0;
	s = skip_ws(s + 1);
	if (*s != '=')
		return 0;
	s = skip_ws(s + 1);
	if (strncmp(s, "DMARC1", 6) != 0)
		return 0;
	s = skip_ws(s + 6);
	return *s == '\0' || *s == ';';
}

static const char *const verdicts[] = { "pass", "warn", "fail" };

/* The verdict's word. */
const char *
dc_verdict_name(enum dc_verdict v)
{
	return (unsigned)v < 3 ? verdicts[v] : "unknown";
}

/* The verdict named by word, or -1. */
int
dc_verdict_parse(const char *word)
{
	int	 i;

	for (i = 0; i < 3; i++)
		if (strcmp(word, verdicts[i]) == 0)
			return i;
	return -1;
}
