/*
 * ctl_usage.c - the usage command: this month's counts against the
 * limits, for people (a table with what remains, percent and a bar) and
 * for scripts (JSON), each domain followed by its senders, sorted by
 * name or (--sort use) by the share of the limit used; and usage reset,
 * of one sender's count.
 *
 * Reading and the reset go through counter.c (the daemon's connections,
 * key names and month): the reset sets the sender's counter to 0 and
 * takes its count off the domain's counter in one script, so the
 * domain's count stays the sum of what its senders sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "lib/addr.h"
#include "redis/counter.h"
#include "ctl/ctl.h"
#include "lib/rate.h"
#include "lib/dirval.h"
#include "lib/log.h"
#include "lib/policy.h"

#define BAR_WIDTH	20

/* A time in month "YYYY-MM": the 15th at noon, local time (TZ). */
time_t
ctl_month_time(const char *month)
{
	struct tm	 tm;
	int		 y, m;
	char		 tail;

	if (strlen(month) != 7 || month[4] != '-' ||
	    sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 ||
	    y < 1970 || y > 9999 || m < 1 || m > 12)
		return (time_t)-1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 15;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* Percent of the limit used (a limit of 0 is always reached). */
static long
percent(long count, long limit)
{
	if (limit == 0)
		return 100;		/* may not send: at the limit */
	return (long)((count * 100.0) / (double)limit + 0.5);
}

/* Units left before the limit (none below 0). */
static long
remaining(long count, long limit)
{
	return count >= limit ? 0 : limit - count;
}

/* Mark each row with the highest quota_warn threshold its count reached. */
static void
mark_warned(const char *quota_warn, struct ctl_usage_row *r, size_t n)
{
	int	 pct[SG_WARN_MAX], np, k;
	size_t	 i;

	if (quota_warn == NULL || (np = conf_quota_warn(quota_warn, pct)) <= 0)
		return;
	for (i = 0; i < n; i++)
		for (k = 0; k < np; k++)
			if (r[i].count >= 0 && r[i].limit != LIMIT_NONE &&
			    r[i].limit > 0 &&
			    r[i].count * 100.0 >= (double)pct[k] * r[i].limit)
				r[i].warned = pct[k];
}

/* A row's sending windows, one line each: "rate 100/1m: 40 of 100 used". */
static void
rates_text(FILE *fp, const struct ctl_usage_row *r)
{
	char	 b[32];
	size_t	 i;

	for (i = 0; i < r->nrates; i++) {
		fprintf(fp, "    rate %s: ", rate_str(&r->rates[i], b,
		    sizeof(b)));
		if (r->used[i] < 0)
			fprintf(fp, "? of %ld used\n", r->rates[i].n);
		else
			fprintf(fp, "%ld of %ld used%s\n", r->used[i],
			    r->rates[i].n, rate_full(&r->rates[i], r->used[i],
			    1) ? " FULL" : "");
	}
}

/* The same as a JSON array "rates": [{"rate", "limit", "used", "full"}]. */
static void
rates_json(FILE *fp, const struct ctl_usage_row *r)
{
	char	 b[32];
	size_t	 i;

	fprintf(fp, ", \"rates\": [");
	for (i = 0; i < r->nrates; i++) {
		fprintf(fp, "%s{\"rate\": ", i ? ", " : "");
		ctl_json_str(fp, rate_str(&r->rates[i], b, sizeof(b)));
		fprintf(fp, ", \"limit\": %ld", r->rates[i].n);
		if (r->used[i] < 0)
			fprintf(fp, ", \"used\": null, \"full\": null}");
		else
			fprintf(fp, ", \"used\": %ld, \"full\": %s}",
			    r->used[i], rate_full(&r->rates[i], r->used[i], 1) ?
			    "true" : "false");
	}
	fprintf(fp, "]");
}

/* Rows as a table or JSON. */
void
ctl_usage_print(FILE *fp, const char *month, const struct ctl_usage_row *r,
    size_t n, int json)
{
	char	 bar[BAR_WIDTH + 1], lim[24], cnt[24], rem[24];
	size_t	 i, w = 24, k, fill;
	long	 pc;

	if (json) {
		fprintf(fp, "{\"month\": ");
		ctl_json_str(fp, month);
		fprintf(fp, ", \"rows\": [");
		for (i = 0; i < n; i++) {
			fprintf(fp, "%s\n  {\"kind\": ", i ? "," : "");
			ctl_json_str(fp, r[i].kind);
			fprintf(fp, ", \"name\": ");
			ctl_json_str(fp, r[i].name);
			if (r[i].count < 0)
				fprintf(fp, ", \"count\": null");
			else
				fprintf(fp, ", \"count\": %ld", r[i].count);
			if (r[i].limit == LIMIT_NONE)
				fprintf(fp, ", \"limit\": null, "
				    "\"remaining\": null, \"percent\": null");
			else if (r[i].count < 0)
				fprintf(fp, ", \"limit\": %ld, \"remaining\": "
				    "null, \"percent\": null", r[i].limit);
			else
				fprintf(fp, ", \"limit\": %ld, \"remaining\": "
				    "%ld, \"percent\": %ld", r[i].limit,
				    remaining(r[i].count, r[i].limit),
				    percent(r[i].count, r[i].limit));
			if (r[i].limit != LIMIT_NONE && r[i].count >= 0) {
				if (r[i].warned > 0)
					fprintf(fp, ", \"warned\": %d",
					    r[i].warned);
				else
					fprintf(fp, ", \"warned\": null");
			}
			rates_json(fp, &r[i]);
			fprintf(fp, "}");
		}
		fprintf(fp, "\n]}\n");
		return;
	}
	for (i = 0; i < n; i++)
		if (strlen(r[i].name) + 7 > w)
			w = strlen(r[i].name) + 7;
	fprintf(fp, "month %s\n%-*s %9s %9s %9s %5s\n", month, (int)w, "",
	    "count", "limit", "remaining", "used");
	for (i = 0; i < n; i++) {
		if (r[i].count < 0)
			snprintf(cnt, sizeof(cnt), "?");
		else
			snprintf(cnt, sizeof(cnt), "%ld", r[i].count);
		fprintf(fp, "%s%-*s %9s", strcmp(r[i].kind, "domain") == 0 ?
		    "domain " : "  ", (int)w - (strcmp(r[i].kind, "domain") ==
		    0 ? 7 : 2), r[i].name, cnt);
		if (r[i].limit == LIMIT_NONE) {
			fprintf(fp, " %9s %9s %5s\n", "none", "-", "-");
			rates_text(fp, &r[i]);
			continue;
		}
		snprintf(lim, sizeof(lim), "%ld", r[i].limit);
		if (r[i].count < 0)
			snprintf(rem, sizeof(rem), "?");
		else
			snprintf(rem, sizeof(rem), "%ld",
			    remaining(r[i].count, r[i].limit));
		pc = r[i].count < 0 ? 0 : percent(r[i].count, r[i].limit);
		fill = (size_t)(pc >= 100 ? BAR_WIDTH : pc * BAR_WIDTH / 100);
		for (k = 0; k < BAR_WIDTH; k++)
			bar[k] = k < fill ? '#' : '.';
		bar[BAR_WIDTH] = '\0';
		fprintf(fp, " %9s %9s %4ld%% [%s]%s", lim, rem, pc, bar,
		    r[i].count >= r[i].limit ? " LIMIT REACHED" : "");
		if (r[i].warned > 0 && r[i].count < r[i].limit)
			fprintf(fp, " WARNED %d%%", r[i].warned);
		fprintf(fp, "\n");
		rates_text(fp, &r[i]);
	}
}

/* A limit value as the milter reads it (digits only), or LIMIT_NONE. */
static long
limit_value(const struct ctl_rec *r, const char *who)
{
	const char	*v = ctl_rec_first(r, "sgMonthlyLimit");
	long		 l;

	if (v == NULL)
		return LIMIT_NONE;
	if (dv_limit(v, &l) == -1) {
		fprintf(stderr, "sendergatectl: %s: sgMonthlyLimit \"%s\" is "
		    "not a number\n", who, v);
		return LIMIT_NONE;
	}
	return l;
}

/* The sending rates of a record (sgSendRate), as the milter reads them. */
static size_t
rates_value(const struct ctl_rec *r, struct sg_rate *out)
{
	const struct ctl_attr	*a = r != NULL ?
				    ctl_rec_get(r, "sgSendRate") : NULL;
	size_t			 i, n = 0;

	for (i = 0; a != NULL && i < a->n && n < SG_RATES_MAX; i++)
		if (rate_parse(a->v[i], &out[n]) == 0)
			n++;
	return n;
}

/*
 * Limits and rates of a sender and its domain as the milter applies
 * them; l points into e (the caller's) and the configuration.
 */
static void
limits_of(const struct sg_conf *c, const struct ctl_rec *s,
    const struct ctl_rec *d, struct sg_entry *e, struct pol_limits *l)
{
	memset(e, 0, sizeof(*e));
	e->snd.limit = e->dom.limit = LIMIT_NONE;
	if (s != NULL) {
		e->snd.limit = limit_value(s, s->dn);
		e->snd.nrates = rates_value(s, e->snd.rates);
	}
	if (d != NULL) {
		e->dom.limit = limit_value(d, d->dn);
		e->dom.nrates = rates_value(d, e->dom.rates);
	}
	policy_limits(c, e, l);
}

/* A row's windows: the rates, and how full each is (-1: not read). */
static void
row_rates(struct ctl_usage_row *r, const struct sg_rate *rates, size_t n,
    const long *used, int read)
{
	size_t	 i;

	r->nrates = n < SG_RATES_MAX ? n : SG_RATES_MAX;
	for (i = 0; i < r->nrates; i++) {
		r->rates[i] = rates[i];
		r->used[i] = read ? used[i] : -1;
	}
}

/* Records kept until the rows pointing into them are printed. */
struct pool {
	struct ctl_rec	**r;
	size_t		  n;
};

/* Move the records of v into the pool (v is freed). 0 / -1. */
static int
pool_take(struct pool *p, struct ctl_rec **v, size_t n)
{
	struct ctl_rec	**nr;

	if (n == 0) {
		free(v);
		return 0;
	}
	if ((nr = reallocarray(p->r, p->n + n, sizeof(*nr))) == NULL) {
		ctl_recs_free(v, n);
		return -1;
	}
	p->r = nr;
	memcpy(p->r + p->n, v, n * sizeof(*v));
	p->n += n;
	free(v);
	return 0;
}

/* Rows of one domain: the domain, then its senders (or the one given). */
static int
usage_rows(struct ctl_ctx *x, struct pool *pool, const struct ctl_rec *d,
    const struct ctl_rec *only, time_t t, struct ctl_usage_row **rows,
    size_t *nrows)
{
	struct ctl_rec		**sv = NULL;
	const struct ctl_rec	 *s;
	struct ctl_usage_row	 *nr;
	struct pol_limits	  l;
	struct sg_entry		  e;
	struct ctr_more		  more;
	int			  read;
	const char		 *prim = ctl_rec_first(d, "sgPrimaryDomain");
	const char		 *mail;
	size_t			  ns = 0, i;
	long			  sc, dc;
	int			  ret = 0;

	if (prim == NULL)
		return 0;
	if (only == NULL) {
		if (ctl_domain_senders(x, d->dn, &sv, &ns) == -1)
			return -1;
		if (pool_take(pool, sv, ns) == -1)
			return -1;
		sv = pool->r + pool->n - ns;
	} else
		ns = 1;
	if ((nr = reallocarray(*rows, *nrows + ns + 1, sizeof(*nr))) == NULL)
		return -1;
	*rows = nr;
	limits_of(x->conf, NULL, d, &e, &l);
	nr[*nrows].warned = 0;
	nr[*nrows].kind = "domain";
	nr[*nrows].name = prim;
	nr[*nrows].group = prim;
	nr[*nrows].limit = l.domain;
	memset(&more, 0, sizeof(more));
	more.drates = l.drates;
	more.ndrates = l.ndrates;
	if ((read = ctr_read_more(x->ctrs, prim, "", t, LIMIT_NONE,
	    LIMIT_NONE, &sc, &dc, &more) != CTR_FAILED) == 0) {
		dc = -1;
		ret = -1;
	}
	nr[*nrows].count = dc;
	row_rates(&nr[*nrows], l.drates, l.ndrates, more.dused, read);
	(*nrows)++;
	for (i = 0; i < ns; i++) {
		s = only != NULL ? only : sv[i];
		if ((mail = ctl_rec_first(s, "mail")) == NULL)
			continue;
		limits_of(x->conf, s, d, &e, &l);
		nr[*nrows].warned = 0;
		nr[*nrows].kind = "sender";
		nr[*nrows].name = mail;
		nr[*nrows].group = prim;
		nr[*nrows].limit = l.sender;
		memset(&more, 0, sizeof(more));
		more.srates = l.srates;
		more.nsrates = l.nsrates;
		if ((read = ctr_read_more(x->ctrs, prim, mail, t, LIMIT_NONE,
		    LIMIT_NONE, &sc, &dc, &more) != CTR_FAILED) == 0) {
			sc = -1;
			ret = -1;
		}
		nr[*nrows].count = sc;
		row_rates(&nr[*nrows], l.srates, l.nsrates, more.sused, read);
		(*nrows)++;
	}
	return ret;
}

/* The share of the limit used, for sorting: -1 no limit or unknown. */
static double
use_of(const struct ctl_usage_row *r)
{
	if (r->limit == LIMIT_NONE || r->count < 0)
		return -1;
	if (r->limit == 0)
		return 1;
	return (double)r->count / (double)r->limit;
}

/* The domain row of a row's group (rows of one group are adjacent). */
static const struct ctl_usage_row *
group_head(const struct ctl_usage_row *rows, size_t n, const char *group)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(rows[i].kind, "domain") == 0 &&
		    strcmp(rows[i].group, group) == 0)
			return &rows[i];
	return NULL;
}

struct sort_ctx {
	const struct ctl_usage_row	*rows;	/* unsorted copy */
	size_t				 n;
	int				 by_use;
};

/* Order: groups (domains), the domain first, then its senders. */
static int
row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ctl_usage_row	*a = pa, *b = pb, *ha, *hb;
	const struct sort_ctx		*sc = arg;
	double				 ua, ub;
	int				 c;

	if (strcmp(a->group, b->group) != 0) {
		ha = group_head(sc->rows, sc->n, a->group);
		hb = group_head(sc->rows, sc->n, b->group);
		if (sc->by_use && ha != NULL && hb != NULL &&
		    (ua = use_of(ha)) != (ub = use_of(hb)))
			return ua > ub ? -1 : 1;
		return strcasecmp(a->group, b->group);
	}
	if ((c = (strcmp(b->kind, "domain") == 0) -
	    (strcmp(a->kind, "domain") == 0)) != 0)
		return c;
	if (sc->by_use && (ua = use_of(a)) != (ub = use_of(b)))
		return ua > ub ? -1 : 1;
	return strcasecmp(a->name, b->name);
}

/* Sort the rows by name, or by use (most used first). 0 / -1. */
static int
sort_rows(struct ctl_usage_row *rows, size_t n, int by_use)
{
	struct sort_ctx	 sc;
	struct ctl_usage_row *copy;

	if (n < 2)
		return 0;
	if ((copy = calloc(n, sizeof(*copy))) == NULL)
		return -1;
	memcpy(copy, rows, n * sizeof(*rows));
	sc.rows = copy;
	sc.n = n;
	sc.by_use = by_use;
	qsort_r(rows, n, sizeof(*rows), row_cmp, &sc);
	free(copy);
	return 0;
}

/* The sender's domain (the one claiming its address's domain). */
static int
domain_of(struct ctl_ctx *x, const char *mail, struct ctl_rec **d)
{
	struct ctl_rec	**v;
	size_t		  n;

	*d = NULL;
	if (ctl_find_domain_by_primary(x, addr_domain(mail), &v, &n) == -1)
		return -1;
	if (n == 0) {
		free(v);
		return 0;
	}
	*d = v[0];
	v[0] = NULL;
	ctl_recs_free(v, n);
	return 1;
}

/* The month of --month (or now) into t and month; CTL_OK or CTL_USAGE. */
static int
month_of(const struct ctl_args *a, const char *cmd, time_t *t,
    char month[SG_MONTH_LEN])
{
	*t = time(NULL);
	if (a->month != NULL && (*t = ctl_month_time(a->month)) == (time_t)-1)
		return ctl_usage_error(cmd, "--month %s: expected YYYY-MM",
		    a->month);
	ctr_month(*t, month);
	return CTL_OK;
}

/* A sender operand: its entry and its domain. CTL_OK or an exit code. */
static int
sender_and_domain(struct ctl_ctx *x, const char *arg, char *mail,
    size_t len, struct ctl_rec **one, struct ctl_rec **d)
{
	const char	*dom;
	int		 rc;

	if (addr_parse_envelope(arg, mail, len, &dom) != ADDR_OK ||
	    (rc = ctl_find_sender(x, mail, one)) == 0) {
		fprintf(stderr, "sendergatectl: no sender %s\n", arg);
		return CTL_NOTFOUND;
	}
	if (rc == -1 || (rc = domain_of(x, mail, d)) == -1)
		return CTL_BACKEND;
	if (rc == 0) {
		fprintf(stderr, "sendergatectl: no domain claims %s\n",
		    addr_domain(mail));
		return CTL_NOTFOUND;
	}
	return CTL_OK;
}

/* usage [SENDER|DOMAIN] [--month M] [--json] [--sort address|use] */
int
ctl_cmd_usage(struct ctl_ctx *x, const struct ctl_args *a, char **argv,
    int argc)
{
	struct pool		 pool = { NULL, 0 };
	struct ctl_usage_row	*rows = NULL;
	struct ctl_rec		*one = NULL, *d = NULL, **dv;
	char			 mail[SG_ADDR_MAX + 1], month[SG_MONTH_LEN];
	size_t			 nrows = 0, nd, i;
	time_t			 t;
	int			 rc = 0, ret, by_use;

	if (a->sort != NULL && strcmp(a->sort, "use") != 0 &&
	    strcmp(a->sort, "address") != 0)
		return ctl_usage_error("usage", "--sort %s: expected address "
		    "or use", a->sort);
	by_use = a->sort != NULL && strcmp(a->sort, "use") == 0;
	if ((ret = month_of(a, "usage", &t, month)) != CTL_OK)
		return ret;
	if (ctl_counters_open(x) == -1)
		return CTL_BACKEND;
	ret = CTL_BACKEND;
	if (argc == 1 && strchr(argv[0], '@') != NULL) {
		if ((ret = sender_and_domain(x, argv[0], mail, sizeof(mail),
		    &one, &d)) != CTL_OK)
			goto out;
		ret = CTL_BACKEND;
		rc = usage_rows(x, &pool, d, one, t, &rows, &nrows);
	} else if (argc == 1) {
		if ((rc = ctl_find_domain(x, argv[0], &d)) == 0) {
			fprintf(stderr, "sendergatectl: no domain %s\n",
			    argv[0]);
			ret = CTL_NOTFOUND;
			goto out;
		}
		if (rc == -1)
			goto out;
		rc = usage_rows(x, &pool, d, NULL, t, &rows, &nrows);
	} else {
		if (ctl_search(x, x->conf->ldap_base, LDAP_SCOPE_SUBTREE,
		    "(objectClass=sgDomain)", &dv, &nd) == -1)
			goto out;
		if (pool_take(&pool, dv, nd) == -1)
			goto out;
		for (i = 0; i < nd; i++)
			if (usage_rows(x, &pool, pool.r[i], NULL, t, &rows,
			    &nrows) == -1)
				rc = -1;
	}
	if (sort_rows(rows, nrows, by_use) == -1)
		goto out;
	mark_warned(x->conf->quota_warn, rows, nrows);
	log_debug("usage %s: %zu rows%s", month, nrows,
	    rc == -1 ? ", some counters unavailable" : "");
	ctl_usage_print(stdout, month, rows, nrows, a->json);
	ret = rc == -1 ? CTL_BACKEND : CTL_OK;
out:
	free(rows);
	ctl_recs_free(pool.r, pool.n);
	ctl_rec_free(one);
	ctl_rec_free(d);
	return ret;
}

/* usage reset SENDER --yes [--month M] */
int
ctl_cmd_usage_reset(struct ctl_ctx *x, const struct ctl_args *a,
    char **argv, int argc)
{
	struct ctl_rec	*one = NULL, *d = NULL;
	char		 mail[SG_ADDR_MAX + 1], month[SG_MONTH_LEN];
	time_t		 t;
	long		 was;
	int		 ret;

	(void)argc;
	if ((ret = month_of(a, "usage reset", &t, month)) != CTL_OK)
		return ret;
	if (strchr(argv[0], '@') == NULL)
		return ctl_usage_error("usage reset", "%s: expected a sender "
		    "address", argv[0]);
	if ((ret = sender_and_domain(x, argv[0], mail, sizeof(mail), &one,
	    &d)) != CTL_OK)
		goto out;
	if (!a->yes && !a->dry_run) {
		fprintf(stderr, "sendergatectl: resetting the count of <%s> "
		    "for %s cannot be undone: repeat the command with --yes\n",
		    mail, month);
		ret = CTL_USAGE;
		goto out;
	}
	if (a->dry_run) {
		printf("# dry run: would reset the %s count of <%s>\n", month,
		    mail);
		ret = CTL_OK;
		goto out;
	}
	ret = CTL_BACKEND;
	if (ctl_counters_open(x) == -1 || ctr_reset(x->ctrs,
	    ctl_rec_first(d, "sgPrimaryDomain"), mail, month, &was) == -1) {
		fprintf(stderr, "sendergatectl: cannot reset the count of "
		    "<%s>: see the messages above\n", mail);
		goto out;
	}
	printf("reset <%s> for %s: was %ld\n", mail, month, was);
	ret = CTL_OK;
out:
	ctl_rec_free(one);
	ctl_rec_free(d);
	return ret;
}
