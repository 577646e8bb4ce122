/*
 * conf_diff.c - what a reload changes: two configurations compared key
 * by key (a password file's contents too), each difference with the
 * reload class of its row in the table (conf_params.c).
 */
#include <string.h>

#include "lib/conf_param.h"

/* Equal strings, NULL only equal to NULL. */
static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* 1 if key p has the same value in a and b. */
static int
same_value(const struct param *p, const struct sg_conf *a,
    const struct sg_conf *b)
{
	const struct sg_listener *la, *lb;
	char *const	*ua, *const *ub;
	size_t		 i, n;

	switch (p->type) {
	case T_STR:
		if (!same_str(*(char *const *)conf_cfield(a, p->off),
		    *(char *const *)conf_cfield(b, p->off)))
			return 0;
		return !(p->flags & F_SECRET) ||
		    same_str(*(char *const *)conf_cfield(a, p->aux),
		    *(char *const *)conf_cfield(b, p->aux));
	case T_TIME:
	case T_INT:
	case T_MODE:
		return *(const long *)conf_cfield(a, p->off) ==
		    *(const long *)conf_cfield(b, p->off);
	case T_ENUM:
	case T_BOOL:
		return *(const int *)conf_cfield(a, p->off) ==
		    *(const int *)conf_cfield(b, p->off);
	case T_URIS:
		ua = *(char **const *)conf_cfield(a, p->off);
		ub = *(char **const *)conf_cfield(b, p->off);
		for (i = 0; ua[i] != NULL && ub[i] != NULL; i++)
			if (strcmp(ua[i], ub[i]) != 0)
				return 0;
		return ua[i] == NULL && ub[i] == NULL;
	case T_LISTENERS:
		n = *(const size_t *)conf_cfield(a, p->aux);
		if (n != *(const size_t *)conf_cfield(b, p->aux))
			return 0;
		la = *(struct sg_listener *const *)conf_cfield(a, p->off);
		lb = *(struct sg_listener *const *)conf_cfield(b, p->off);
		for (i = 0; i < n; i++)
			if (la[i].method != lb[i].method ||
			    strcmp(la[i].name, lb[i].name) != 0)
				return 0;
		return 1;
	}
	return 0;
}

/* Compare a and b key by key; see conf.h. */
int
conf_diff(const struct sg_conf *a, const struct sg_conf *b,
    void (*each)(const char *key, int what, void *arg), void *arg)
{
	size_t	 i;
	int	 what, all = 0;

	for (i = 0; i < conf_nparams; i++) {
		if (same_value(&conf_params[i], a, b))
			continue;
		what = conf_params[i].reload;
		all |= what;
		if (each != NULL)
			each(conf_params[i].name, what, arg);
	}
	return all;
}
