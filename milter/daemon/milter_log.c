/*
 * milter_log.c - the one log line of each decision (SPEC: queue id,
 * rule, sender, login, client, method, and the reply or the counts), the
 * decisions' metrics, and the text of a reply made safe for libmilter.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "daemon/milter.h"
#include "lib/dirval.h"
#include "lib/log.h"
#include "lib/metrics.h"

/* Copy s, printable ASCII only ('?' for the rest), '"' as '\''. */
void
milter_printable(const char *s, char *out, size_t len)
{
	size_t	 i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < len; i++)
		out[i] = !isprint((unsigned char)s[i]) ? '?' :
		    s[i] == '"' ? '\'' : s[i];
	out[i] = '\0';
}

/* Text for smfi_setreply: '%' doubled, as libmilter requires. */
void
milter_reply_escape(const char *in, char *out, size_t len)
{
	size_t	 o = 0;

	for (; *in != '\0' && o + 2 < len; in++) {
		if (*in == '%')
			out[o++] = '%';
		out[o++] = isprint((unsigned char)*in) ? *in : '?';
	}
	out[o] = '\0';
}

/*
 * The log line of a decision; see milter.h. Made piece by piece (no
 * format to parse: once a message), the same octets as
 * "%s: %s rule=%s from=<%s> auth=%s client=%s method=%s%s%s%s%s%s"
 * would give, cut at the same LOG_MSG_MAX.
 */
void
milter_log_decision(const char *qid, const struct decision *d,
    const struct sg_entry *e, const char *from, const char *auth,
    const char *client, int method, const char *extra)
{
	const char		*reason = NULL;
	char			 why[256];
	char			 shown[SG_LOGIN_SHOW_MAX];
	struct log_line		 ll;
	struct strbuf		*sb = &ll.sb;
	int			 st = -1;

	/* the reason of the status that decided: the sender's first */
	if (e != NULL && d->rule == RULE_DISABLED)
		st = STATUS_DISABLED;
	else if (e != NULL && d->rule == RULE_SUSPENDED)
		st = STATUS_SUSPENDED;
	if (st != -1) {
		reason = e->snd.status == st ? e->snd.reason : e->dom.reason;
		if (reason != NULL) {
			milter_printable(reason, why, sizeof(why));
			reason = why;
		}
	}
	metrics_decision(d->rule, d->action);
	/* a refusal at the limit is a warning: someone should hear of it */
	if (!log_begin(&ll, d->rule == RULE_QUOTA ||
	    d->rule == RULE_RCPT_QUOTA ? LOG_LVL_WARNING : LOG_LVL_INFO))
		return;
	sb_str(sb, qid[0] ? qid : "NOQUEUE");
	sb_lit(sb, ": ");
	sb_str(sb, policy_action_name(d->action));
	sb_lit(sb, " rule=");
	sb_str(sb, policy_rule_name(d->rule));
	sb_lit(sb, " from=<");
	sb_str(sb, from);
	sb_lit(sb, "> auth=");
	sb_str(sb, auth[0] ? dv_login_show(auth, shown, sizeof(shown)) : "-");
	sb_lit(sb, " client=");
	sb_str(sb, client);
	sb_lit(sb, " method=");
	sb_str(sb, conf_method_name(method));
	if (reason != NULL) {
		sb_lit(sb, " reason=\"");
		sb_str(sb, reason);
		sb_lit(sb, "\"");
	}
	sb_str(sb, extra);
	/* the reply (at most 3 + 7 + 399 octets: never cut but here) */
	if (d->code[0] != '\0') {
		sb_lit(sb, ": ");
		sb_str(sb, d->code);
		sb_lit(sb, " ");
		sb_str(sb, d->xcode);
		sb_lit(sb, " ");
		sb_str(sb, d->text);
	}
	log_end(&ll);
}
