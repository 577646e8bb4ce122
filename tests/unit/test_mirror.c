/*
 * test_mirror.c - the mirror's model and index without LDAP: the rules
 * (found / not found / failed, conflicts, malformed entries, renames,
 * moves, present-phase sweeps) table by table, then lookups from many
 * threads while changes and full reloads stream in. Run it built with
 * SANITIZE=thread as well (in a clean tree: make SANITIZE=thread
 * tests/unit/test_mirror).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/log.h"
#include "dir/mirror.h"

#define BASE	"ou=sendergate,dc=example,dc=com"

/* A uuid from a number. */
static const unsigned char *
U(unsigned n)
{
	static __thread unsigned char u[MIRROR_UUID_LEN];

	memset(u, 0, sizeof(u));
	memcpy(u, &n, sizeof(n));
	return u;
}

/* Domain name k's DN. */
static char *
dom_dn(const char *name)
{
	char	*s;

	if (asprintf(&s, "sgDomainName=%s," BASE, name) == -1)
		abort();
	return s;
}

/* A domain entry: version v shows in its limit and its reason. */
static struct sg_entry *
mk_domain(const char *name, const char *primary, int status, long v)
{
	struct sg_entry	*e = calloc(1, sizeof(*e));

	e->refs = 1;
	e->dom.dn = dom_dn(name);
	e->dom.name = strdup(name);
	e->dom.primary = primary ? strdup(primary) : NULL;
	e->dom.status = status;
	e->dom.limit = v;
	if (asprintf(&e->dom.reason, "v%ld", v) == -1)
		abort();
	return e;
}

/* A sender entry under domain dname: version v in limit and reason. */
static struct sg_entry *
mk_sender(const char *dname, const char *mail, long v)
{
	struct sg_entry	*e = calloc(1, sizeof(*e));
	char		*ddn = dom_dn(dname);

	e->refs = 1;
	if (asprintf(&e->snd.dn, "mail=%s,%s", mail, ddn) == -1 ||
	    asprintf(&e->snd.reason, "v%ld", v) == -1)
		abort();
	free(ddn);
	e->snd.mail = strdup(mail);
	e->snd.limit = v;
	e->snd.auth = AUTH_IP;
	e->snd.methods = METHOD_SMTP;
	e->snd.authids = calloc(1, sizeof(char *));
	e->snd.authids[0] = strdup(mail);
	e->snd.nauthids = 1;
	return e;
}

struct fixture {
	struct mirror_index	*mi;
	struct mirror_model	*mm;
};

static void
fx_open(struct fixture *f)
{
	struct mi_table	*t = mi_table_new(0);

	f->mi = mi_new();
	f->mm = mm_new(t);
	assert_null(mi_swap(f->mi, t));
}

static void
fx_close(struct fixture *f)
{
	mm_free(f->mm);
	mi_free(f->mi);
}

/* Look up addr: the kind. */
static enum dir_kind
look(struct fixture *f, const char *addr)
{
	struct dir_answer	 a;
	enum dir_kind		 r;

	r = mi_lookup(f->mi, addr, strrchr(addr, '@') + 1, &a);
	if (r == DIR_SENDER) {
		assert_non_null(a.entry);
		assert_string_equal(a.entry->snd.mail, addr);
	}
	dir_answer_release(&a);
	return r;
}

#define EXPECT(f, addr, want_kind) do {					\
	int	 k_ = look((f), (addr));				\
	if (k_ != (want_kind))						\
		fail_msg("%s line %d: got kind %d, want %d", (addr),	\
		    __LINE__, k_, (want_kind));				\
} while (0)

/* Before anything is swapped in, everything fails. */
static void
test_empty_index(void **state)
{
	struct mirror_index	*mi = mi_new();
	struct dir_answer	 a;

	(void)state;
	assert_int_equal(mi_lookup(mi, "a@b.test", "b.test", &a), DIR_FAILED);
	mi_free(mi);
}

/* The rules, change by change. */
static void
test_rules(void **state)
{
	struct fixture	 f;
	struct sg_entry	*e;

	(void)state;
	fx_open(&f);
	EXPECT(&f, "a@d1.test", DIR_NO_DOMAIN);

	/* a sender before its domain, then the domain */
	mm_put_sender(f.mm, U(11), mk_sender("d1", "a@d1.test", 1), NULL);
	EXPECT(&f, "a@d1.test", DIR_NO_DOMAIN);
	mm_put_domain(f.mm, U(1), mk_domain("d1", "d1.test", 0, 1), NULL);
	EXPECT(&f, "a@d1.test", DIR_SENDER);
	EXPECT(&f, "b@d1.test", DIR_NO_SENDER);

	/* a domain change reaches the sender's entry */
	mm_put_domain(f.mm, U(1), mk_domain("d1", "d1.test",
	    STATUS_SUSPENDED, 2), NULL);
	{
		struct dir_answer a;

		assert_int_equal(mi_lookup(f.mi, "a@d1.test", "d1.test", &a),
		    DIR_SENDER);
		assert_int_equal(a.entry->dom.status, STATUS_SUSPENDED);
		assert_int_equal(a.entry->dom.limit, 2);
		/* an answer held across a change keeps its old values */
		mm_put_domain(f.mm, U(1), mk_domain("d1", "d1.test", 0, 3),
		    NULL);
		assert_int_equal(a.entry->dom.limit, 2);
		dir_answer_release(&a);
		assert_int_equal(mi_lookup(f.mi, "a@d1.test", "d1.test", &a),
		    DIR_SENDER);
		assert_int_equal(a.entry->dom.limit, 3);
		dir_answer_release(&a);
	}

	/* a sender whose address is not of its domain's primary domain */
	mm_put_sender(f.mm, U(12), mk_sender("d1", "x@d2.test", 1), NULL);
	mm_put_domain(f.mm, U(2), mk_domain("d2", "d2.test", 0, 1), NULL);
	EXPECT(&f, "x@d2.test", DIR_NO_SENDER);
	/* moved under d2: now it counts */
	mm_put_sender(f.mm, U(12), mk_sender("d2", "x@d2.test", 1), NULL);
	EXPECT(&f, "x@d2.test", DIR_SENDER);

	/* renamed: same uuid, new address */
	mm_put_sender(f.mm, U(12), mk_sender("d2", "y@d2.test", 1), NULL);
	EXPECT(&f, "x@d2.test", DIR_NO_SENDER);
	EXPECT(&f, "y@d2.test", DIR_SENDER);

	/* two domains claim d1.test: it fails, d2.test is untouched */
	mm_put_domain(f.mm, U(3), mk_domain("d3", "d1.test", 0, 1), NULL);
	EXPECT(&f, "a@d1.test", DIR_FAILED);
	EXPECT(&f, "nobody@d1.test", DIR_FAILED);
	EXPECT(&f, "y@d2.test", DIR_SENDER);
	/* the second domain changes its primary domain: resolved */
	mm_put_domain(f.mm, U(3), mk_domain("d3", "d3.test", 0, 1), NULL);
	EXPECT(&f, "a@d1.test", DIR_SENDER);
	EXPECT(&f, "a@d3.test", DIR_NO_SENDER);
	mm_put_domain(f.mm, U(3), mk_domain("d3", "d1.test", 0, 1), NULL);
	mm_delete(f.mm, U(3));
	EXPECT(&f, "a@d1.test", DIR_SENDER);

	/* a malformed sender fails alone */
	mm_put_sender(f.mm, U(13), mk_sender("d1", "b@d1.test", 1),
	    "sgAllowedNetwork: bad network");
	EXPECT(&f, "b@d1.test", DIR_FAILED);
	EXPECT(&f, "a@d1.test", DIR_SENDER);
	mm_put_sender(f.mm, U(13), mk_sender("d1", "b@d1.test", 1), NULL);
	EXPECT(&f, "b@d1.test", DIR_SENDER);

	/* a malformed domain fails all its senders, known or not */
	mm_put_domain(f.mm, U(1), mk_domain("d1", "d1.test", 0, 4),
	    "sgStatus: unknown value");
	EXPECT(&f, "a@d1.test", DIR_FAILED);
	EXPECT(&f, "zz@d1.test", DIR_FAILED);
	EXPECT(&f, "y@d2.test", DIR_SENDER);
	mm_put_domain(f.mm, U(1), mk_domain("d1", "d1.test", 0, 5), NULL);
	EXPECT(&f, "a@d1.test", DIR_SENDER);

	/* a domain renamed: its senders follow it */
	e = mk_domain("d1new", "d1.test", 0, 6);
	mm_put_domain(f.mm, U(1), e, NULL);
	EXPECT(&f, "a@d1.test", DIR_SENDER);
	EXPECT(&f, "b@d1.test", DIR_SENDER);

	/* deletes */
	mm_delete(f.mm, U(11));
	EXPECT(&f, "a@d1.test", DIR_NO_SENDER);
	mm_delete(f.mm, U(1));
	EXPECT(&f, "b@d1.test", DIR_NO_DOMAIN);
	mm_delete(f.mm, U(999));		/* unknown: nothing */

	/* a present phase: what is not named is gone */
	mm_refresh_begin(f.mm);
	mm_present(f.mm, U(2));
	mm_refresh_end(f.mm, 1);
	EXPECT(&f, "y@d2.test", DIR_NO_SENDER);
	EXPECT(&f, "q@d2.test", DIR_NO_SENDER);
	assert_int_equal(mm_count(f.mm), 1);
	(void)look(&f, "y@d2.test");
	fx_close(&f);
}

/* ---- many readers while changes stream in --------------------------- */

#define NDOM		8
#define NSND		64
#define READERS		8
#define ROUNDS		3000

struct shared {
	struct mirror_index	*mi;
	int			 done;		/* atomic */
	long			 lookups;	/* atomic */
	long			 torn;		/* atomic */
};

/* A reader: random lookups; every entry must be whole and consistent. */
static void *
reader(void *arg)
{
	struct shared		*sh = arg;
	struct dir_answer	 a;
	char			 addr[64], dom[32], want[32];
	unsigned		 seed = (unsigned)(uintptr_t)&a;
	size_t			 i;
	int			 r;

	while (!__atomic_load_n(&sh->done, __ATOMIC_RELAXED)) {
		snprintf(dom, sizeof(dom), "d%u.test", rand_r(&seed) % NDOM);
		snprintf(addr, sizeof(addr), "s%u@%s", rand_r(&seed) % NSND,
		    dom);
		r = mi_lookup(sh->mi, addr, dom, &a);
		__atomic_add_fetch(&sh->lookups, 1, __ATOMIC_RELAXED);
		if (r != DIR_SENDER) {
			dir_answer_release(&a);
			continue;
		}
		snprintf(want, sizeof(want), "v%ld", a.entry->snd.limit);
		if (strcmp(a.entry->snd.mail, addr) != 0 ||
		    strcmp(a.entry->snd.reason, want) != 0 ||
		    strcmp(a.entry->dom.primary, dom) != 0)
			__atomic_add_fetch(&sh->torn, 1, __ATOMIC_RELAXED);
		snprintf(want, sizeof(want), "v%ld", a.entry->dom.limit);
		if (strcmp(a.entry->dom.reason, want) != 0)
			__atomic_add_fetch(&sh->torn, 1, __ATOMIC_RELAXED);
		for (i = 0; i < a.entry->snd.nauthids; i++)
			if (strlen(a.entry->snd.authids[i]) == 0)
				__atomic_add_fetch(&sh->torn, 1,
				    __ATOMIC_RELAXED);
		dir_answer_release(&a);
	}
	return NULL;
}

/* Load the whole directory at version v into a model. */
static void
load_all(struct mirror_model *mm, long v)
{
	char		 name[16], mail[64], primary[16];
	unsigned	 d, s;

	for (d = 0; d < NDOM; d++) {
		snprintf(name, sizeof(name), "d%u", d);
		snprintf(primary, sizeof(primary), "d%u.test", d);
		mm_put_domain(mm, U(1000 + d), mk_domain(name, primary, 0, v),
		    NULL);
		for (s = 0; s < NSND; s++) {
			snprintf(mail, sizeof(mail), "s%u@d%u.test", s, d);
			mm_put_sender(mm, U(d * NSND + s), mk_sender(name,
			    mail, v), NULL);
		}
	}
}

static void
test_concurrent(void **state)
{
	struct shared		 sh;
	struct mirror_model	*mm, *fresh;
	struct mi_table		*t;
	pthread_t		 th[READERS];
	char			 name[16], mail[64], primary[16];
	unsigned		 seed = 7, d, s;
	long			 v;
	int			 i;

	(void)state;
	memset(&sh, 0, sizeof(sh));
	sh.mi = mi_new();
	mm = mm_new(mi_table_new(NDOM * NSND));
	load_all(mm, 1);
	assert_null(mi_swap(sh.mi, mm_table(mm)));
	for (i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &sh), 0);

	for (v = 2; v < ROUNDS; v++) {
		d = rand_r(&seed) % NDOM;
		s = rand_r(&seed) % NSND;
		snprintf(name, sizeof(name), "d%u", d);
		snprintf(primary, sizeof(primary), "d%u.test", d);
		snprintf(mail, sizeof(mail), "s%u@d%u.test", s, d);
		switch (v % 10) {
		case 0:		/* a full reload, swapped in */
			fresh = mm_new(mi_table_new(NDOM * NSND));
			load_all(fresh, v);
			t = mi_swap(sh.mi, mm_table(fresh));
			mm_free(mm);
			mi_table_free(t);
			mm = fresh;
			break;
		case 1:		/* a domain change: all its senders anew */
		case 2:
			mm_put_domain(mm, U(1000 + d), mk_domain(name, primary,
			    0, v), NULL);
			break;
		case 3:		/* a sender deleted and added again */
			mm_delete(mm, U(d * NSND + s));
			mm_put_sender(mm, U(d * NSND + s), mk_sender(name,
			    mail, v), NULL);
			break;
		case 4:		/* malformed, then fixed */
			mm_put_sender(mm, U(d * NSND + s), mk_sender(name,
			    mail, v), "bad");
			mm_put_sender(mm, U(d * NSND + s), mk_sender(name,
			    mail, v), NULL);
			break;
		case 5:		/* renamed away and back */
			mm_put_sender(mm, U(d * NSND + s), mk_sender(name,
			    "moved@elsewhere.test", v), NULL);
			mm_put_sender(mm, U(d * NSND + s), mk_sender(name,
			    mail, v), NULL);
			break;
		default:	/* sender changes */
			for (i = 0; i < 16; i++) {
				snprintf(mail, sizeof(mail), "s%u@d%u.test",
				    (s + (unsigned)i) % NSND, d);
				mm_put_sender(mm, U(d * NSND + (s +
				    (unsigned)i) % NSND), mk_sender(name, mail,
				    v), NULL);
			}
			break;
		}
	}
	__atomic_store_n(&sh.done, 1, __ATOMIC_RELAXED);
	for (i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	print_message("%ld lookups, %ld torn\n", sh.lookups, sh.torn);
	assert_int_equal(sh.torn, 0);
	assert_true(sh.lookups > 0);

	/* at rest, every sender answers */
	for (d = 0; d < NDOM; d++)
		for (s = 0; s < NSND; s++) {
			struct dir_answer a;

			snprintf(mail, sizeof(mail), "s%u@d%u.test", s, d);
			snprintf(primary, sizeof(primary), "d%u.test", d);
			assert_int_equal(mi_lookup(sh.mi, mail, primary, &a),
			    DIR_SENDER);
			dir_answer_release(&a);
		}
	mm_free(mm);
	mi_free(sh.mi);
}

/* Copy pattern to out with @a1, @a2, @b1 replaced by those CSNs. */
static void
expand(char *out, size_t len, const char *pat, const char *a1,
    const char *a2, const char *b1)
{
	size_t	 n = 0;
	const char *v;

	for (; pat != NULL && *pat != '\0' && n + 1 < len; pat++) {
		if (*pat == '@' && pat[1] != '\0' && pat[2] != '\0') {
			v = pat[1] == 'b' ? b1 : pat[2] == '1' ? a1 : a2;
			n += (size_t)snprintf(out + n, len - n, "%s", v);
			pat += 2;
		} else
			out[n++] = *pat;
	}
	out[n < len ? n : len - 1] = '\0';
}

/* The cookie kept across providers: per serverID the newest CSN, no sid=. */
static void
test_cookie(void **state)
{
	static const char a1[] = "20260101000000.000001Z#000000#001#000000";
	static const char a2[] = "20260101000000.000009Z#000000#001#000000";
	static const char b1[] = "20260101000000.000005Z#000000#002#000000";
	char	 have[512], got[512], want[512];
	const struct {
		const char	*have, *got, *want;
	} cases[] = {
		/* first cookie: sid= dropped */
		{ NULL, "rid=000,sid=001,csn=@a1", "rid=000,csn=@a1" },
		/* a persist change of another serverID: both kept */
		{ "rid=000,csn=@a1", "rid=000,sid=002,csn=@b1",
		    "rid=000,csn=@a1;@b1" },
		/* a newer CSN of a serverID replaces its older one */
		{ "rid=000,csn=@a1;@b1", "rid=000,sid=001,csn=@a2",
		    "rid=000,csn=@a2;@b1" },
		/* an older one does not */
		{ "rid=000,csn=@a2;@b1", "rid=000,sid=001,csn=@a1",
		    "rid=000,csn=@a2;@b1" },
		/* a cookie without CSN keeps ours */
		{ "rid=000,csn=@a1", "rid=000,sid=002", "rid=000,csn=@a1" },
		/* not slapd's form: taken as it is */
		{ "rid=000,csn=@a1", "opaque-cookie", "opaque-cookie" },
		{ NULL, "csn=@a1", "csn=@a1" },
	};
	size_t	 i;
	char	*got_out;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expand(have, sizeof(have), cases[i].have, a1, a2, b1);
		expand(got, sizeof(got), cases[i].got, a1, a2, b1);
		expand(want, sizeof(want), cases[i].want, a1, a2, b1);
		got_out = mirror_cookie_merge(cases[i].have ? have : NULL, got);
		assert_non_null(got_out);
		if (strcmp(got_out, want) != 0)
			fail_msg("case %zu: got %s, want %s", i, got_out, want);
		free(got_out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_index),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_cookie),
	};

	log_init("test_mirror", 1, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
