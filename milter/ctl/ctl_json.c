/*
 * ctl_json.c - sendergatectl's JSON for scripts: strings, records (show,
 * list) and explain's "key: value" lines as one object. One JSON text
 * per command, on stdout, ending in a newline.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

/* One JSON string, escaped. */
void
ctl_json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

/* {"dn": "...", "attr": ["v", ...], ...} */
void
ctl_json_rec(FILE *fp, const struct ctl_rec *r)
{
	size_t	 i, j;

	fprintf(fp, "{\"dn\": ");
	ctl_json_str(fp, r->dn != NULL ? r->dn : "");
	for (i = 0; i < r->n; i++) {
		if (r->a[i].n == 0)
			continue;
		fprintf(fp, ", ");
		ctl_json_str(fp, r->a[i].name);
		fprintf(fp, ": [");
		for (j = 0; j < r->a[i].n; j++) {
			if (j > 0)
				fprintf(fp, ", ");
			ctl_json_str(fp, r->a[i].v[j]);
		}
		fprintf(fp, "]");
	}
	fprintf(fp, "}");
}

/*
 * Lines "key: value" as {"key": "value", ...}; the key with blanks made
 * underscores ("auth ids" -> "auth_ids"); a line without ": " is skipped.
 */
void
ctl_json_lines(FILE *fp, const char *text, int passes, int exit_code)
{
	const char	*line, *nl, *colon;
	char		 key[64], val[4096];
	size_t		 k;

	fprintf(fp, "{");
	for (line = text; *line != '\0'; line = *nl ? nl + 1 : nl) {
		nl = line + strcspn(line, "\n");
		colon = strstr(line, ": ");
		if (colon == NULL || colon > nl ||
		    (size_t)(colon - line) >= sizeof(key))
			continue;
		for (k = 0; line + k < colon; k++)
			key[k] = line[k] == ' ' ? '_' : line[k];
		key[k] = '\0';
		snprintf(val, sizeof(val), "%.*s", (int)(nl - colon - 2),
		    colon + 2);
		ctl_json_str(fp, key);
		fprintf(fp, ": ");
		ctl_json_str(fp, val);
		fprintf(fp, ", ");
	}
	fprintf(fp, "\"passes\": %s, \"exit\": %d}\n",
	    passes ? "true" : "false", exit_code);
}
