/*
 * mirror_model.c - the sync thread's copy of the directory.
 *
 * Every sgDomain and sgSender entry the content sync delivers is a record
 * keyed by its entryUUID (a delete names only that). Records are also
 * indexed by primary domain (domains), by address and by the address's
 * domain (senders). After each change the model works out again the
 * answers the change can touch and writes them into its mi_table:
 *
 *   primary domain P: no domain claims it -> absent; two or more -> fails
 *     (the conflict is logged); one -> ok, or fails if it is malformed.
 *   address A@P: P's one well-formed domain D, and a sender with mail A
 *     directly under D -> its entry (sender + a copy of D), or fails if
 *     the sender is malformed; otherwise absent.
 *
 * A domain change therefore rebuilds the entries of that domain's
 * senders. Entries are immutable once published: a sender's entry is
 * rebuilt as a new one, unless nobody but the model holds it.
 *
 * One thread drives a model; it takes no locks itself (the table does).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir/dir_ldap.h"
#include "lib/log.h"
#include "dir/mirror.h"

enum { REC_DOMAIN = 1, REC_SENDER };

struct link {				/* a record in one multimap */
	struct link	*next;
	const char	*key;		/* NULL: not linked */
	unsigned	 hash;
};

struct mmap {				/* chained hash, several per key */
	struct link	**b;
	size_t		  nb, n;
};

struct rec {
	struct link	 by_uuid;
	struct link	 by_key;	/* domain: primary; sender: mail */
	struct link	 by_dom;	/* sender: the domain part of mail */
	char		 uuid[2 * MIRROR_UUID_LEN + 1];
	int		 kind;		/* REC_* */
	int		 bad;		/* malformed */
	unsigned	 seen;		/* refresh epoch */
	unsigned long	 gen;		/* domain: version; sender: the
					   version of the domain in e, 0 */
	char		*dn;		/* sender: its DN when the entry's is
					   out of date (a parent renamed) */
	struct sg_entry	*e;		/* dom or snd filled */
};

struct mirror_model {
	struct mi_table	*t;
	struct mmap	 uuids, domains, mails, maildoms;
	unsigned	 epoch;
	unsigned long	 gen;
};

#define REC(l, f)	((struct rec *)(void *)((char *)(l) - \
			    offsetof(struct rec, f)))

/* Link l under key (which must outlive the link). 0 or -1. */
static int
mmap_add(struct mmap *m, struct link *l, const char *key)
{
	struct link	**nb, *x, *next;
	size_t		  i, size;

	if (m->n >= m->nb) {
		size = m->nb == 0 ? 1024 : m->nb * 2;
		if ((nb = calloc(size, sizeof(*nb))) == NULL) {
			if (m->nb == 0)
				return -1;
		} else {
			for (i = 0; i < m->nb; i++)
				for (x = m->b[i]; x != NULL; x = next) {
					next = x->next;
					x->next = nb[x->hash & (size - 1)];
					nb[x->hash & (size - 1)] = x;
				}
			free(m->b);
			m->b = nb;
			m->nb = size;
		}
	}
	l->key = key;
	l->hash = dir_hash(key);
	l->next = m->b[l->hash & (m->nb - 1)];
	m->b[l->hash & (m->nb - 1)] = l;
	m->n++;
	return 0;
}

/* Unlink l (if linked). */
static void
mmap_del(struct mmap *m, struct link *l)
{
	struct link	**pp;

	if (l->key == NULL)
		return;
	for (pp = &m->b[l->hash & (m->nb - 1)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			m->n--;
			break;
		}
	l->key = NULL;
	l->next = NULL;
}

/* First link with key, or the next one after l (l != NULL). */
static struct link *
mmap_next(const struct mmap *m, const char *key, struct link *l)
{
	unsigned	 h = dir_hash(key);

	if (m->nb == 0)
		return NULL;
	l = l == NULL ? m->b[h & (m->nb - 1)] : l->next;
	for (; l != NULL; l = l->next)
		if (l->hash == h && strcmp(l->key, key) == 0)
			return l;
	return NULL;
}

/* A uuid as 32 hex digits. */
static void
uuid_hex(const unsigned char *u, char *out)
{
	static const char	 hx[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < MIRROR_UUID_LEN; i++) {
		out[2 * i] = hx[u[i] >> 4];
		out[2 * i + 1] = hx[u[i] & 15];
	}
	out[2 * MIRROR_UUID_LEN] = '\0';
}

/* The record of a uuid, or NULL. */
static struct rec *
find(struct mirror_model *mm, const unsigned char *uuid)
{
	char		 hex[2 * MIRROR_UUID_LEN + 1];
	struct link	*l;

	uuid_hex(uuid, hex);
	l = mmap_next(&mm->uuids, hex, NULL);
	return l != NULL ? REC(l, by_uuid) : NULL;
}

/* Lower-case in place. */
static void
lower(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Copy a string field: 0, or -1 when out of memory. */
static int
dup_str(char **dst, const char *src)
{
	*dst = NULL;
	return src != NULL && (*dst = strdup(src)) == NULL ? -1 : 0;
}

/* Copy a string list. */
static int
dup_list(char ***dst, char *const *src, size_t n)
{
	size_t	 i;

	*dst = NULL;
	if (n == 0)
		return 0;
	if ((*dst = calloc(n, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (dup_str(&(*dst)[i], src[i]) == -1)
			return -1;
	return 0;
}

/* Copy networks. */
static int
dup_nets(struct sg_cidr **dst, const struct sg_cidr *src, size_t n)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	if ((*dst = calloc(n, sizeof(**dst))) == NULL)
		return -1;
	memcpy(*dst, src, n * sizeof(**dst));
	return 0;
}

/* Deep copy of a domain into an empty one (entry_unref frees both). */
static int
dom_copy(struct sg_domain *d, const struct sg_domain *s)
{
	*d = *s;
	d->nnets = d->nnotify = 0;
	d->notify = NULL;
	if (dup_str(&d->dn, s->dn) == -1 || dup_str(&d->name, s->name) == -1 ||
	    dup_str(&d->primary, s->primary) == -1 ||
	    dup_str(&d->reason, s->reason) == -1 ||
	    dup_str(&d->archive, s->archive) == -1 ||
	    dup_nets(&d->nets, s->nets, s->nnets) == -1)
		return -1;
	d->nnets = s->nnets;
	if (dup_list(&d->notify, s->notify, s->nnotify) == -1)
		return -1;
	d->nnotify = s->nnotify;
	return 0;
}

/* Deep copy of a sender, with DN dn, into an empty one. */
static int
snd_copy(struct sg_sender *d, const struct sg_sender *s, const char *dn)
{
	*d = *s;
	d->nauthids = d->nnets = d->nbcc = d->nnotify = 0;
	d->authids = d->bcc = d->notify = NULL;
	d->nets = NULL;
	d->mail = d->reason = d->replyto = NULL;
	if (dup_str(&d->dn, dn) == -1 || dup_str(&d->mail, s->mail) == -1 ||
	    dup_list(&d->authids, s->authids, s->nauthids) == -1)
		return -1;
	d->nauthids = s->nauthids;
	if (dup_nets(&d->nets, s->nets, s->nnets) == -1)
		return -1;
	d->nnets = s->nnets;
	if (dup_list(&d->bcc, s->bcc, s->nbcc) == -1)
		return -1;
	d->nbcc = s->nbcc;
	if (dup_str(&d->reason, s->reason) == -1 ||
	    dup_str(&d->replyto, s->replyto) == -1 ||
	    dup_list(&d->notify, s->notify, s->nnotify) == -1)
		return -1;
	d->nnotify = s->nnotify;
	return 0;
}

/* Free the domain part of an entry only the model holds. */
static void
dom_clear(struct sg_domain *d)
{
	free(d->dn);
	free(d->name);
	free(d->primary);
	free(d->reason);
	free(d->nets);
	free(d->archive);
	while (d->nnotify > 0)
		free(d->notify[--d->nnotify]);
	free(d->notify);
	memset(d, 0, sizeof(*d));
}

/* A sender's current DN. */
static const char *
rec_dn(const struct rec *r)
{
	return r->dn != NULL ? r->dn : r->e->snd.dn;
}

/* The one well-formed domain claiming primary p, or NULL. */
static struct rec *
the_domain(struct mirror_model *mm, const char *p)
{
	struct link	*l;

	if ((l = mmap_next(&mm->domains, p, NULL)) == NULL ||
	    mmap_next(&mm->domains, p, l) != NULL)
		return NULL;
	return REC(l, by_key)->bad ? NULL : REC(l, by_key);
}

/*
 * Give sender s an entry carrying domain d's current version: in place
 * when nobody else holds it, else as a new entry. 0 or -1.
 */
static int
sender_rebind(struct rec *s, struct rec *d)
{
	struct sg_entry	*ne;

	if (s->gen == d->gen && s->e->dom.dn != NULL)
		return 0;
	if (__atomic_load_n(&s->e->refs, __ATOMIC_ACQUIRE) == 1 &&
	    s->dn == NULL) {
		dom_clear(&s->e->dom);
		if (dom_copy(&s->e->dom, &d->e->dom) == -1) {
			dom_clear(&s->e->dom);
			s->gen = 0;
			return -1;
		}
	} else {
		if ((ne = calloc(1, sizeof(*ne))) == NULL)
			return -1;
		ne->refs = 1;
		if (snd_copy(&ne->snd, &s->e->snd, rec_dn(s)) == -1 ||
		    dom_copy(&ne->dom, &d->e->dom) == -1) {
			entry_unref(ne);
			return -1;
		}
		entry_unref(s->e);
		s->e = ne;
		free(s->dn);		/* the new entry has it */
		s->dn = NULL;
		/* the keys point into the entry: same text, new place */
		s->by_key.key = ne->snd.mail;
		if (s->by_dom.key != NULL)
			s->by_dom.key = strrchr(ne->snd.mail, '@') + 1;
	}
	s->gen = d->gen;
	return 0;
}

/* Work out address a's answer again. */
static void
redo_addr(struct mirror_model *mm, const char *a)
{
	const char	*at = strrchr(a, '@');
	struct rec	*d, *s = NULL;
	struct link	*l;

	if (at == NULL || (d = the_domain(mm, at + 1)) == NULL) {
		mi_del_sender(mm->t, a);
		return;
	}
	for (l = NULL; (l = mmap_next(&mm->mails, a, l)) != NULL; ) {
		if (dir_ldap_is_child(rec_dn(REC(l, by_key)), d->e->dom.dn)) {
			s = REC(l, by_key);
			break;
		}
	}
	if (s == NULL) {
		mi_del_sender(mm->t, a);
		return;
	}
	if (s->bad || sender_rebind(s, d) == -1) {
		if (!s->bad)
			log_error("mirror: out of memory: <%s> fails (rule 3)",
			    a);
		if (mi_put_sender(mm->t, a, NULL) == -1)
			log_error("mirror: out of memory: <%s> not updated",
			    a);
		return;
	}
	if (mi_put_sender(mm->t, a, s->e) == -1)
		log_error("mirror: out of memory: <%s> not updated", a);
}

/* Work out primary domain p's answer again, and its senders'. */
static void
redo_primary(struct mirror_model *mm, const char *p)
{
	struct link	*l, *l2;
	struct rec	*s;

	if ((l = mmap_next(&mm->domains, p, NULL)) == NULL)
		mi_del_domain(mm->t, p);
	else if ((l2 = mmap_next(&mm->domains, p, l)) != NULL) {
		log_error("directory conflict: primary domain %s is claimed "
		    "by %s and %s", p, REC(l, by_key)->e->dom.dn,
		    REC(l2, by_key)->e->dom.dn);
		(void)mi_put_domain(mm->t, p, 0);
	} else if (mi_put_domain(mm->t, p, !REC(l, by_key)->bad) == -1)
		log_error("mirror: out of memory: domain %s not updated", p);
	for (l = NULL; (l = mmap_next(&mm->maildoms, p, l)) != NULL; ) {
		s = REC(l, by_dom);
		redo_addr(mm, s->e->snd.mail);
	}
}

/* Unlink and free a record; returns its key (to redo) to free, or NULL. */
static char *
rec_drop(struct mirror_model *mm, struct rec *r)
{
	char	*key = NULL;

	if (r->by_key.key != NULL)
		key = strdup(r->by_key.key);
	mmap_del(&mm->uuids, &r->by_uuid);
	mmap_del(r->kind == REC_DOMAIN ? &mm->domains : &mm->mails,
	    &r->by_key);
	mmap_del(&mm->maildoms, &r->by_dom);
	entry_unref(r->e);
	free(r->dn);
	free(r);
	return key;
}

/* A new model writing into t. */
struct mirror_model *
mm_new(struct mi_table *t)
{
	struct mirror_model	*mm;

	if ((mm = calloc(1, sizeof(*mm))) == NULL)
		return NULL;
	mm->t = t;
	return mm;
}

/* Free a model's records (its table stays). */
void
mm_free(struct mirror_model *mm)
{
	struct link	*l, *next;
	struct rec	*r;
	size_t		 i;

	if (mm == NULL)
		return;
	for (i = 0; i < mm->uuids.nb; i++)
		for (l = mm->uuids.b[i]; l != NULL; l = next) {
			next = l->next;
			r = REC(l, by_uuid);
			entry_unref(r->e);
			free(r->dn);
			free(r);
		}
	free(mm->uuids.b);
	free(mm->domains.b);
	free(mm->mails.b);
	free(mm->maildoms.b);
	free(mm);
}

/* The table a model writes into. */
struct mi_table *
mm_table(const struct mirror_model *mm)
{
	return mm->t;
}

/* Records held. */
size_t
mm_count(const struct mirror_model *mm)
{
	return mm->uuids.n;
}

/* Domains (by primary) and senders (by mail) held. */
void
mm_count_kinds(const struct mirror_model *mm, size_t *domains,
    size_t *senders)
{
	*domains = mm->domains.n;
	*senders = mm->mails.n;
}

/* The record for uuid of kind, new or emptied; NULL when out of memory. */
static struct rec *
rec_take(struct mirror_model *mm, const unsigned char *uuid, int kind,
    char **oldkey, char **olddn)
{
	struct rec	*r;
	char		*k;

	*oldkey = *olddn = NULL;
	if ((r = find(mm, uuid)) != NULL && r->kind != kind) {
		/* an entry that changed class: forget it, then start over */
		if ((k = rec_drop(mm, r)) != NULL) {
			if (r->kind == REC_DOMAIN)
				redo_primary(mm, k);
			else
				redo_addr(mm, k);
			free(k);
		}
		r = NULL;
	}
	if (r != NULL) {
		if (r->by_key.key != NULL &&
		    (*oldkey = strdup(r->by_key.key)) == NULL)
			return NULL;
		mmap_del(kind == REC_DOMAIN ? &mm->domains : &mm->mails,
		    &r->by_key);
		mmap_del(&mm->maildoms, &r->by_dom);
		if (kind == REC_DOMAIN && r->e->dom.dn != NULL)
			*olddn = strdup(r->e->dom.dn);
		entry_unref(r->e);
		r->e = NULL;
		free(r->dn);
		r->dn = NULL;
		return r;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->kind = kind;
	uuid_hex(uuid, r->uuid);
	if (mmap_add(&mm->uuids, &r->by_uuid, r->uuid) == -1) {
		free(r);
		return NULL;
	}
	return r;
}

/*
 * A domain moved from DN old to new: its children's DNs follow (the
 * server renames the subtree without telling about each child).
 */
static void
children_follow(struct mirror_model *mm, const char *p, const char *old,
    const char *new)
{
	struct link	*l;
	struct rec	*s;
	const char	*c;
	char		*dn;
	size_t		 rdn;

	for (l = NULL; (l = mmap_next(&mm->maildoms, p, l)) != NULL; ) {
		s = REC(l, by_dom);
		if (!dir_ldap_is_child(rec_dn(s), old))
			continue;
		for (c = rec_dn(s); *c != '\0' && *c != ','; c++)
			if (*c == '\\' && c[1] != '\0')
				c++;
		rdn = (size_t)(c - rec_dn(s));
		if ((dn = malloc(rdn + 1 + strlen(new) + 1)) == NULL)
			continue;
		snprintf(dn, rdn + 1 + strlen(new) + 1, "%.*s,%s", (int)rdn,
		    rec_dn(s), new);
		free(s->dn);
		s->dn = dn;
		s->gen = 0;
	}
}

/* An sgDomain entry added or changed. */
int
mm_put_domain(struct mirror_model *mm, const unsigned char *uuid,
    struct sg_entry *e, const char *bad)
{
	struct rec	*r;
	char		*oldkey, *olddn;

	if ((r = rec_take(mm, uuid, REC_DOMAIN, &oldkey, &olddn)) == NULL) {
		entry_unref(e);
		return -1;
	}
	r->e = e;
	r->bad = bad != NULL;
	r->gen = ++mm->gen;
	r->seen = mm->epoch;
	lower(e->dom.primary);
	if (bad != NULL)
		log_warnx("ldap entry %s: %s: its senders fail (rule 3)",
		    e->dom.dn != NULL ? e->dom.dn : "?", bad);
	if (e->dom.primary != NULL &&
	    mmap_add(&mm->domains, &r->by_key, e->dom.primary) == -1)
		log_error("mirror: out of memory indexing domain %s",
		    e->dom.primary);
	if (olddn != NULL && e->dom.dn != NULL &&
	    strcasecmp(olddn, e->dom.dn) != 0) {
		children_follow(mm, oldkey != NULL ? oldkey : "", olddn,
		    e->dom.dn);
		if (e->dom.primary != NULL)
			children_follow(mm, e->dom.primary, olddn, e->dom.dn);
	}
	if (oldkey != NULL && (e->dom.primary == NULL ||
	    strcmp(oldkey, e->dom.primary) != 0))
		redo_primary(mm, oldkey);
	if (e->dom.primary != NULL)
		redo_primary(mm, e->dom.primary);
	free(oldkey);
	free(olddn);
	return 0;
}

/* An sgSender entry added or changed. */
int
mm_put_sender(struct mirror_model *mm, const unsigned char *uuid,
    struct sg_entry *e, const char *bad)
{
	struct rec	*r;
	char		*oldkey, *olddn, *at;

	if ((r = rec_take(mm, uuid, REC_SENDER, &oldkey, &olddn)) == NULL) {
		entry_unref(e);
		return -1;
	}
	r->e = e;
	r->bad = bad != NULL;
	r->gen = 0;
	r->seen = mm->epoch;
	if (bad != NULL)
		log_warnx("ldap entry %s: %s: the sender fails (rule 3)",
		    e->snd.dn != NULL ? e->snd.dn : "?", bad);
	/* without a DN or a mail the sender answers for no address */
	if (e->snd.dn != NULL && e->snd.mail != NULL && (at = strrchr(e->snd.mail, '@')) != NULL &&
	    (mmap_add(&mm->mails, &r->by_key, e->snd.mail) == -1 ||
	    mmap_add(&mm->maildoms, &r->by_dom, at + 1) == -1))
		log_error("mirror: out of memory indexing <%s>", e->snd.mail);
	if (oldkey != NULL && (e->snd.mail == NULL ||
	    strcmp(oldkey, e->snd.mail) != 0))
		redo_addr(mm, oldkey);
	if (r->by_key.key != NULL)
		redo_addr(mm, r->by_key.key);
	free(oldkey);
	free(olddn);
	return 0;
}

/* Drop a record and work out again the answer it gave. */
static void
rec_delete(struct mirror_model *mm, struct rec *r)
{
	char	*k;
	int	 kind = r->kind;

	if ((k = rec_drop(mm, r)) == NULL)
		return;
	if (kind == REC_DOMAIN)
		redo_primary(mm, k);
	else
		redo_addr(mm, k);
	free(k);
}

/* An entry is gone. */
void
mm_delete(struct mirror_model *mm, const unsigned char *uuid)
{
	struct rec	*r;

	if ((r = find(mm, uuid)) != NULL)
		rec_delete(mm, r);
}

/* A refresh starts: nothing is "present" in it yet. */
void
mm_refresh_begin(struct mirror_model *mm)
{
	mm->epoch++;
}

/* The server says uuid is unchanged. */
void
mm_present(struct mirror_model *mm, const unsigned char *uuid)
{
	struct rec	*r;

	if ((r = find(mm, uuid)) != NULL)
		r->seen = mm->epoch;
}

/* A refresh ended; after a present phase, drop what was not named. */
void
mm_refresh_end(struct mirror_model *mm, int all_present)
{
	struct link	 *l;
	struct rec	 *r, **gone;
	size_t		  i, n = 0;

	if (!all_present || mm->uuids.n == 0)
		return;
	if ((gone = calloc(mm->uuids.n, sizeof(*gone))) == NULL) {
		log_error("mirror: out of memory ending a refresh");
		return;
	}
	for (i = 0; i < mm->uuids.nb; i++)
		for (l = mm->uuids.b[i]; l != NULL; l = l->next) {
			r = REC(l, by_uuid);
			if (r->seen != mm->epoch)
				gone[n++] = r;
		}
	for (i = 0; i < n; i++)
		rec_delete(mm, gone[i]);	/* frees only gone[i] */
	if (n > 0)
		log_info("mirror: %zu entries gone while disconnected", n);
	free(gone);
}
