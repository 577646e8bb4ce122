/*
 * ctl_rec.c - an LDAP entry in memory: a DN and attribute -> values.
 *
 * sendergatectl reads an entry into a record, edits a copy with the
 * command's options, validates the copy, and writes the difference.
 * Attribute names compare without case, as LDAP's do; so do values
 * (every sendergate attribute matches case-insensitively).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl.h"

/* A new empty record; dn may be NULL. */
struct ctl_rec *
ctl_rec_new(const char *dn)
{
	struct ctl_rec	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if (dn != NULL && (r->dn = strdup(dn)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

/* A deep copy; NULL when out of memory. */
struct ctl_rec *
ctl_rec_dup(const struct ctl_rec *src)
{
	struct ctl_rec	*r;
	size_t		 i, j;

	if ((r = ctl_rec_new(src->dn)) == NULL)
		return NULL;
	for (i = 0; i < src->n; i++) {
		if (src->a[i].n == 0 &&
		    ctl_rec_set(r, src->a[i].name, NULL) == -1)
			goto fail;
		for (j = 0; j < src->a[i].n; j++)
			if (ctl_rec_add(r, src->a[i].name, src->a[i].v[j]) ==
			    -1)
				goto fail;
	}
	return r;
fail:
	ctl_rec_free(r);
	return NULL;
}

/* Free the values of one attribute. */
static void
attr_free(struct ctl_attr *a)
{
	size_t	 i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	free(a->name);
}

/* Free a record (NULL is fine). */
void
ctl_rec_free(struct ctl_rec *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		attr_free(&r->a[i]);
	free(r->a);
	free(r->dn);
	free(r);
}

/* The attribute, writable, or NULL. */
static struct ctl_attr *
attr_find(struct ctl_rec *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->a[i].name, name) == 0)
			return &r->a[i];
	return NULL;
}

/* The attribute, or NULL. */
const struct ctl_attr *
ctl_rec_get(const struct ctl_rec *r, const char *name)
{
	size_t	 i;

	if (r == NULL)
		return NULL;
	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->a[i].name, name) == 0)
			return &r->a[i];
	return NULL;
}

/* The first value, or NULL when absent. */
const char *
ctl_rec_first(const struct ctl_rec *r, const char *name)
{
	const struct ctl_attr	*a = ctl_rec_get(r, name);

	return a != NULL && a->n > 0 ? a->v[0] : NULL;
}

/* Number of values. */
size_t
ctl_rec_count(const struct ctl_rec *r, const char *name)
{
	const struct ctl_attr	*a = ctl_rec_get(r, name);

	return a != NULL ? a->n : 0;
}

/* The attribute, made when missing; NULL when out of memory. */
static struct ctl_attr *
attr_make(struct ctl_rec *r, const char *name)
{
	struct ctl_attr	*a;
	size_t		 i;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->a[i].name, name) == 0)
			return &r->a[i];
	if ((a = reallocarray(r->a, r->n + 1, sizeof(*a))) == NULL)
		return NULL;
	r->a = a;
	a = &r->a[r->n];
	memset(a, 0, sizeof(*a));
	if ((a->name = strdup(name)) == NULL)
		return NULL;
	r->n++;
	return a;
}

/* Add a value unless present. */
int
ctl_rec_add(struct ctl_rec *r, const char *name, const char *value)
{
	struct ctl_attr	*a;
	char		**v;
	size_t		 i;

	if ((a = attr_make(r, name)) == NULL)
		return -1;
	for (i = 0; i < a->n; i++)
		if (strcasecmp(a->v[i], value) == 0)
			return 0;
	if ((v = reallocarray(a->v, a->n + 1, sizeof(*v))) == NULL)
		return -1;
	a->v = v;
	if ((a->v[a->n] = strdup(value)) == NULL)
		return -1;
	a->n++;
	return 0;
}

/* Remove a value; 1 if it was there, 0 if not. */
int
ctl_rec_remove(struct ctl_rec *r, const char *name, const char *value)
{
	struct ctl_attr	*a = attr_find(r, name);
	size_t		 i;

	if (a == NULL)
		return 0;
	for (i = 0; i < a->n; i++) {
		if (strcasecmp(a->v[i], value) != 0)
			continue;
		free(a->v[i]);
		memmove(&a->v[i], &a->v[i + 1], (a->n - i - 1) *
		    sizeof(a->v[0]));
		a->n--;
		return 1;
	}
	return 0;
}

/* Drop every value of the attribute (it stays, empty: "delete it"). */
void
ctl_rec_clear(struct ctl_rec *r, const char *name)
{
	struct ctl_attr	*a = attr_find(r, name);
	size_t		 i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* Replace all values by one (NULL or "": none). */
int
ctl_rec_set(struct ctl_rec *r, const char *name, const char *value)
{
	if (attr_make(r, name) == NULL)
		return -1;
	ctl_rec_clear(r, name);
	if (value == NULL || value[0] == '\0')
		return 0;
	return ctl_rec_add(r, name, value);
}

/* 1 if every value of one is in the other and the counts agree. */
int
ctl_rec_same(const struct ctl_rec *x, const struct ctl_rec *y,
    const char *name)
{
	const struct ctl_attr	*a = ctl_rec_get(x, name);
	const struct ctl_attr	*b = ctl_rec_get(y, name);
	size_t			 na = a ? a->n : 0, nb = b ? b->n : 0, i, j;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (strcmp(a->v[i], b->v[j]) == 0)
				break;
		if (j == nb)
			return 0;
	}
	return 1;
}

/* The parent of a DN: after the first comma not escaped. */
const char *
ctl_parent_dn(const char *dn)
{
	const char	*p;

	for (p = dn; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == ',')
			return p + 1;
	}
	return "";
}

/* Does the sender authenticate with user (sgAuthMethod absent = user)? */
int
ctl_sender_uses_user_auth(const struct ctl_rec *r)
{
	const struct ctl_attr	*a = ctl_rec_get(r, "sgAuthMethod");
	size_t			 i;

	if (a == NULL || a->n == 0)
		return 1;
	for (i = 0; i < a->n; i++)
		if (strcasecmp(a->v[i], "user") == 0)
			return 1;
	return 0;
}
