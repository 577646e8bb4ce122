/*
 * mirror_cookie.c - the sync cookie the mirror keeps, folded from the
 * cookies slapd sends.
 *
 * RFC 4533 makes the cookie opaque, and libldap keeps only the last one
 * the server sent. slapd's cookies are "rid=NNN,sid=SSS,csn=C1;C2;..."
 * with one CSN per serverID, and two of their habits break a consumer
 * that moves between multi-provider servers:
 *
 * - a change in the persist phase carries a cookie with that change's
 *   CSN alone; offered to a provider that tracks several serverIDs, it
 *   is "missing a csn we track" and the provider ignores it and sends
 *   every entry again;
 * - "sid=SSS" names the server that composed the cookie; offered back,
 *   it makes the provider take the consumer for server SSS and hold back
 *   every change that server made ("skipping original sid").
 *
 * So the mirror keeps, per serverID, the newest CSN it was sent, the
 * latest rid, and no sid: what slapd's own syncrepl consumer keeps. A
 * cookie not in slapd's form is taken as it is.
 */
#include <stdlib.h>
#include <string.h>

#include "dir/mirror.h"

#define CSNS_MAX	64		/* serverIDs kept in one cookie */

struct span {
	const char	*p;
	size_t		 len;
};

struct cookie {
	struct span	 rid;		/* digits, or len 0 */
	struct span	 csn[CSNS_MAX];
	size_t		 ncsn;
};

/* The serverID field of a CSN (time#count#sid#mod); 0 if malformed. */
static int
csn_sid(const struct span *c, struct span *sid)
{
	const char	*p = c->p, *end = c->p + c->len, *h1, *h2, *h3;

	if ((h1 = memchr(p, '#', (size_t)(end - p))) == NULL ||
	    (h2 = memchr(h1 + 1, '#', (size_t)(end - h1 - 1))) == NULL ||
	    (h3 = memchr(h2 + 1, '#', (size_t)(end - h2 - 1))) == NULL ||
	    h3 == h2 + 1)
		return 0;
	sid->p = h2 + 1;
	sid->len = (size_t)(h3 - h2 - 1);
	return 1;
}

static int
span_eq(const struct span *a, const struct span *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* CSNs of one serverID order as text (fixed width). */
static int
csn_newer(const struct span *a, const struct span *b)
{
	size_t	 n = a->len < b->len ? a->len : b->len;
	int	 c = memcmp(a->p, b->p, n);

	return c > 0 || (c == 0 && a->len > b->len);
}

/* Put CSN c in k: replaces an older one of its serverID. 0, or -1. */
static int
cookie_put(struct cookie *k, const struct span *c)
{
	struct span	 sid, ksid;
	size_t		 i;

	if (!csn_sid(c, &sid))
		return -1;
	for (i = 0; i < k->ncsn; i++) {
		(void)csn_sid(&k->csn[i], &ksid);
		if (span_eq(&sid, &ksid)) {
			if (csn_newer(c, &k->csn[i]))
				k->csn[i] = *c;
			return 0;
		}
	}
	if (k->ncsn == CSNS_MAX)
		return -1;
	k->csn[k->ncsn++] = *c;
	return 0;
}

/* Parse s (slapd's form) into k, folding its CSNs in; 0, or -1. */
static int
cookie_parse(const char *s, struct cookie *k)
{
	const char	*p = s, *end, *e, *semi;
	struct span	 c;

	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if (strncmp(p, "rid=", 4) == 0) {
			k->rid.p = p + 4;
			k->rid.len = (size_t)(end - p - 4);
			if (k->rid.len == 0 ||
			    strspn(k->rid.p, "0123456789") < k->rid.len)
				return -1;
		} else if (strncmp(p, "csn=", 4) == 0) {
			for (e = p + 4; e < end; e = semi + 1) {
				semi = memchr(e, ';', (size_t)(end - e));
				if (semi == NULL)
					semi = end;
				c.p = e;
				c.len = (size_t)(semi - e);
				if (cookie_put(k, &c) == -1)
					return -1;
			}
		} else if (strncmp(p, "sid=", 4) != 0 &&
		    strncmp(p, "delcsn=", 7) != 0)
			return -1;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/*
 * The cookie to offer next, given the one we kept (have, NULL for none)
 * and the one the server sent (got). Returns a new string the caller
 * frees, or NULL when out of memory.
 */
char *
mirror_cookie_merge(const char *have, const char *got)
{
	struct cookie	 k;
	struct span	 rid;
	char		*out, *o;
	size_t		 i, len;

	memset(&k, 0, sizeof(k));
	if (have == NULL || cookie_parse(have, &k) == -1)
		memset(&k, 0, sizeof(k));
	rid = k.rid;
	k.rid.len = 0;
	if (cookie_parse(got, &k) == -1)
		return strdup(got);
	if (k.rid.len == 0)
		k.rid = rid;
	if (k.rid.len == 0)		/* slapd ignores a cookie without */
		return strdup(got);
	len = 4 + k.rid.len + 5;
	for (i = 0; i < k.ncsn; i++)
		len += k.csn[i].len + 1;
	if ((o = out = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(o, "rid=", 4);
	o += 4;
	memcpy(o, k.rid.p, k.rid.len);
	o += k.rid.len;
	for (i = 0; i < k.ncsn; i++) {
		memcpy(o, i == 0 ? ",csn=" : ";", i == 0 ? 5 : 1);
		o += i == 0 ? 5 : 1;
		memcpy(o, k.csn[i].p, k.csn[i].len);
		o += k.csn[i].len;
	}
	*o = '\0';
	return out;
}
