/*
 * mime.h - the little of MIME that reading a report needs (a delivery
 * status notification, dsn.c; a feedback report, arf.c): a cursor over
 * a message's lines, header fields unfolded, a Content-Type's type and
 * parameters, a boundary line. One boundary level, 7bit or 8bit parts:
 * what MTAs and feedback loops send.
 *
 * Pure: the text in memory, read in place; nothing is allocated.
 */
#ifndef SG_MIME_H
#define SG_MIME_H

#include <stddef.h>

#define MIME_LINE_MAX	4096		/* a longer line is cut */

/* A cursor over the lines (LF or CRLF) of [p, end). */
struct mime_cur {
	const char	*p, *end;
};

/* The next line without its end into buf (cut to len); 0, or -1 at end. */
int	mime_line(struct mime_cur *, char *buf, size_t len);

/*
 * One header field, unfolded, into name and value (value as written,
 * after the colon); lines that are no field are skipped. 0, 1 at the
 * blank line that ends the block, -1 at the end of the text.
 */
int	mime_field(struct mime_cur *, char *name, size_t nlen, char *value,
	    size_t vlen);

/* Is the cursor at a line "--bound" (a boundary, or the closing one)? */
int	mime_at_boundary(const struct mime_cur *, const char *bound);

/* The value of parameter param= in a Content-Type value into out, or "". */
void	mime_ct_param(const char *v, const char *param, char *out, size_t len);

/* Does a Content-Type value name type (case-insensitive, before ';')? */
int	mime_ct_is(const char *v, const char *type);

/*
 * The top of a report (RFC 6522): its header block must say
 * multipart/report with report-type rtype and a boundary, which goes
 * into bound (blen octets). 0, or -1 with why: "not a multipart/report",
 * or wrong (the caller's words for another report-type).
 */
int	mime_report_open(struct mime_cur *, const char *rtype,
	    const char *wrong, char *bound, size_t blen, char *why,
	    size_t whylen);

/*
 * The next part of a report: past the next boundary line, its header
 * block read, its Content-Type into ctype ("" when none); the cursor
 * then at the part's body. 0, or -1 at the closing boundary or the end.
 */
int	mime_next_part(struct mime_cur *, const char *bound, char *ctype,
	    size_t len);

#endif
