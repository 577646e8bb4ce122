/*
 * conf_copy.c - copies of a configuration, walking the table
 * (conf_params.c): a deep copy for a module that outlives its snapshot
 * (the directory), and the running values of the keys a reload cannot
 * apply put back into the new configuration.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/conf_param.h"

/* Set p's pointers in c to NULL without freeing (c is a shallow copy). */
static void
clear_pointers(const struct param *p, struct sg_conf *c)
{
	switch (p->type) {
	case T_STR:
		*(char **)conf_field(c, p->off) = NULL;
		if (p->flags & F_SECRET)
			*(char **)conf_field(c, p->aux) = NULL;
		break;
	case T_URIS:
		*(char ***)conf_field(c, p->off) = NULL;
		break;
	case T_LISTENERS:
		*(struct sg_listener **)conf_field(c, p->off) = NULL;
		*(size_t *)conf_field(c, p->aux) = 0;
		break;
	default:
		break;
	}
}

/* *dst = a copy of string src (NULL stays NULL): 0, or -1. */
static int
copy_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL)
		return -1;
	return 0;
}

/* Copy p's storage from src into dst, whose pointers are NULL: 0, -1. */
static int
copy_value(const struct param *p, struct sg_conf *dst,
    const struct sg_conf *src)
{
	char *const		*sv;
	char			***dv;
	const struct sg_listener *sl;
	struct sg_listener	**dl;
	size_t			 i, n;

	switch (p->type) {
	case T_STR:
		if (copy_str(conf_field(dst, p->off),
		    *(char *const *)conf_cfield(src, p->off)))
			return -1;
		if ((p->flags & F_SECRET) && copy_str(conf_field(dst, p->aux),
		    *(char *const *)conf_cfield(src, p->aux)))
			return -1;
		return 0;
	case T_URIS:
		sv = *(char **const *)conf_cfield(src, p->off);
		dv = conf_field(dst, p->off);
		*dv = NULL;
		if (sv == NULL)
			return 0;
		for (n = 0; sv[n] != NULL; n++)
			;
		if ((*dv = calloc(n + 1, sizeof(**dv))) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (copy_str(&(*dv)[i], sv[i]) == -1)
				return -1;
		return 0;
	case T_LISTENERS:
		sl = *(struct sg_listener *const *)conf_cfield(src, p->off);
		dl = conf_field(dst, p->off);
		n = *(const size_t *)conf_cfield(src, p->aux);
		*dl = NULL;
		*(size_t *)conf_field(dst, p->aux) = 0;
		if (sl == NULL || n == 0)
			return 0;
		if ((*dl = calloc(n, sizeof(**dl))) == NULL)
			return -1;
		*(size_t *)conf_field(dst, p->aux) = n;
		for (i = 0; i < n; i++) {
			(*dl)[i].method = sl[i].method;
			if (copy_str(&(*dl)[i].name, sl[i].name) == -1)
				return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/* A deep copy of src into dst: 0, or -1 (out of memory; dst empty). */
int
conf_copy(struct sg_conf *dst, const struct sg_conf *src)
{
	size_t	 i;

	*dst = *src;
	/* no pointer of src's stays in dst before copy_value replaces it */
	for (i = 0; i < conf_nparams; i++)
		clear_pointers(&conf_params[i], dst);
	dst->path = NULL;
	for (i = 0; i < conf_nparams; i++)
		if (copy_value(&conf_params[i], dst, src) == -1)
			goto fail;
	if (copy_str(&dst->path, src->path) == -1)
		goto fail;
	return 0;
fail:
	conf_free(dst);
	return -1;
}

/* Exchange field off (size octets) of a and b. */
static void
swap_field(struct sg_conf *a, struct sg_conf *b, size_t off, size_t size)
{
	unsigned char	 t[sizeof(long double)];

	memcpy(t, conf_field(a, off), size);
	memcpy(conf_field(a, off), conf_field(b, off), size);
	memcpy(conf_field(b, off), t, size);
}

/* Exchange the storage of key p between a and b (and its aux field). */
static void
swap_value(const struct param *p, struct sg_conf *a, struct sg_conf *b)
{
	switch (p->type) {
	case T_STR:
		swap_field(a, b, p->off, sizeof(char *));
		if (p->flags & F_SECRET)
			swap_field(a, b, p->aux, sizeof(char *));
		break;
	case T_TIME:
	case T_INT:
	case T_MODE:
		swap_field(a, b, p->off, sizeof(long));
		break;
	case T_ENUM:
	case T_BOOL:
		swap_field(a, b, p->off, sizeof(int));
		break;
	case T_URIS:
		swap_field(a, b, p->off, sizeof(char **));
		swap_field(a, b, p->aux, sizeof(size_t));
		break;
	case T_LISTENERS:
		swap_field(a, b, p->off, sizeof(struct sg_listener *));
		swap_field(a, b, p->aux, sizeof(size_t));
		break;
	}
}

/* Put src's values of the keys of reload class what into dst; see conf.h. */
int
conf_keep(struct sg_conf *dst, const struct sg_conf *src, int what)
{
	struct sg_conf	 tmp;
	size_t		 i;

	if (conf_copy(&tmp, src) == -1)
		return -1;
	for (i = 0; i < conf_nparams; i++)
		if (conf_params[i].reload & what)
			swap_value(&conf_params[i], dst, &tmp);
	conf_free(&tmp);		/* with dst's values of those keys */
	return 0;
}
