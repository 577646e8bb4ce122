/*
 * policy.h - the decision table of the SPEC as pure functions.
 *
 * No I/O, no libmilter: the milter callbacks (and sendergatectl explain)
 * gather the facts - the parsed address, the directory answer, the
 * counter values - and call the stage that applies. Each stage fills a
 * struct decision; POL_CONTINUE means "this stage passes".
 */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stddef.h>
#include "lib/addr.h"
#include "lib/cidr.h"
#include "lib/conf.h"
#include "lib/count.h"
#include "lib/entry.h"

enum pol_action {
	POL_CONTINUE = 0,		/* passes; go on */
	POL_ACCEPT,			/* accept the message, skip the rest */
	POL_REJECT,			/* permanent failure, reply set */
	POL_TEMPFAIL			/* temporary failure, reply set */
};

/* The rule that decided, named in the log line by policy_rule_name(). */
enum pol_rule {
	RULE_OK,
	RULE_NULL_SENDER,
	RULE_SYNTAX,
	RULE_DIRECTORY,
	RULE_DOMAIN_UNREGISTERED,
	RULE_SENDER_UNREGISTERED,
	RULE_DISABLED,
	RULE_SUSPENDED,
	RULE_METHOD,
	RULE_NOT_OWNED,
	RULE_AUTH_REQUIRED,
	RULE_IP_NOT_AUTHORIZED,
	RULE_QUOTA,
	RULE_COUNTER,
	RULE_COUNTER_ERROR,
	RULE_RCPT_QUOTA,
	RULE_HEADER_FROM,
	RULE_UNSUBSCRIBE,
	RULE_SUPPRESSED,
	RULE_RCPT_SYNTAX,
	RULE_DMARC,			/* 13d */
	RULE_RATE,			/* 10r */
	RULE_REPUTATION,		/* 10s */
};

struct decision {
	int		 action;	/* enum pol_action */
	enum pol_rule	 rule;		/* which rule decided */
	char		 code[4];	/* "550"; empty when no reply */
	char		 xcode[8];	/* "5.7.1" */
	char		 text[400];	/* reply text after the codes */
};

/* What the session tells about the client. */
struct pol_session {
	const char	*auth;		/* {auth_authen}, or NULL/"" */
	struct sg_ip	 client;	/* family 0 when unknown */
	int		 method;	/* the listener's METHOD_* */
};

/*
 * Effective monthly limits of a sender and its domain (-1 = none), and
 * the sending rates that apply: the sender's sgSendRate (else
 * default_send_rate) and the domain's, pointing into the entry and the
 * configuration (valid while the caller holds both).
 */
struct pol_limits {
	long		 sender;
	long		 domain;
	const struct sg_rate *srates;
	size_t		 nsrates;
	const struct sg_rate *drates;
	size_t		 ndrates;
};

/* What MAIL FROM read of the rates and the reputation (mailfrom.c). */
struct pol_rates {
	long		 sused[SG_RATES_MAX];	/* accepted in each window */
	long		 dused[SG_RATES_MAX];
	const char	*suspended;	/* automatic suspension's reason, or
					   NULL / "" for none */
};

/* What end of message saw in the headers. */
struct pol_headers {
	size_t		 nfrom;		/* From headers seen */
	int		 from_ok;	/* the (single) From parsed */
	char		 from_raw[128];	/* start of its value, for replies */
	char		 (*addrs)[SG_ADDR_MAX + 1];	/* its mailboxes */
	size_t		 naddrs;
	const struct dir_answer *answers;	/* per mailbox, or NULL */
	int		 unsubscribe;	/* List-Unsubscribe present */
	int		 unsubscribe_post;	/* ...-Post is One-Click */
};

/* Rules 1 and 2: r is addr_parse_envelope's result. */
void	policy_envelope(const struct sg_conf *, enum addr_result r,
	    struct decision *);

/* Rules 3 to 9 for the normalised sender addr and its directory answer. */
void	policy_sender(const struct sg_conf *, const char *addr,
	    const char *domain, const struct dir_answer *,
	    const struct pol_session *, struct decision *);

/* The limits that apply to a directory entry. */
void	policy_limits(const struct sg_conf *, const struct sg_entry *,
	    struct pol_limits *);

/* Rules 10 and 11 at MAIL FROM: ok = 0 counters read, -1 failed. */
void	policy_quota(const struct sg_conf *, const char *addr, int ok,
	    long scount, long dcount, const struct pol_limits *,
	    struct decision *);

/*
 * Rules 10r and 10s at MAIL FROM, after rule 10 passed with the counters
 * read: a window of l's rates that holds its N already (one more would
 * pass it), then an automatic suspension (reputation_action = suspend).
 */
void	policy_rates(const struct sg_conf *, const char *addr,
	    const struct pol_limits *, const struct pol_rates *,
	    struct decision *);

/* Rule 10r's reply for rate r (on_rate_exceeded). */
void	policy_rate_full(const struct sg_conf *, const char *addr,
	    const struct sg_rate *r, struct decision *);

/* Rule 10s's reply: as rule 7 (on_suspended), with the reason. */
void	policy_reputation(const struct sg_conf *, const char *addr,
	    const char *reason, struct decision *);

/*
 * RCPT TO with quota_unit = recipient: would one more recipient (after
 * `accepted` already taken in this message) pass a limit? ok as above.
 */
void	policy_rcpt(const struct sg_conf *, const char *addr, int ok,
	    long scount, long dcount, long accepted,
	    const struct pol_limits *, struct decision *);

/* 1 if a From mailbox needs a directory answer under this policy. */
int	policy_from_needs_lookup(const struct sg_conf *, const char *envaddr,
	    const char *fromaddr);

/* Rules 12, 13 and 13d at end of message. */
void	policy_headers(const struct sg_conf *, const char *envaddr,
	    const struct sg_entry *, const struct pol_session *,
	    const struct pol_headers *, struct decision *);

/*
 * Rule 14 (and 11 at commit): r is ctr_commit's result; for CTR_RATE
 * the window that was full (rate), for CTR_SUSPENDED the reason.
 */
void	policy_commit(const struct sg_conf *, const char *addr,
	    enum ctr_result r, const struct sg_rate *rate, const char *reason,
	    struct decision *);

/*
 * A retry (ctr_commit's CTR_RETRY, counts in scount, dcount) of a
 * message whose MAIL FROM did not read the counters (read 0:
 * quota_precheck = known): it gets rule 10 now, as it would have at
 * MAIL FROM, when the count is at a limit. A retry is subject to rule
 * 10 whatever quota_precheck says.
 */
void	policy_retry(const struct sg_conf *, const char *addr, int read,
	    long scount, long dcount, const struct pol_limits *,
	    struct decision *);

/*
 * The copies to add on acceptance: each sgBccAddress, and the archive
 * when sgArchive is TRUE, once each and none already among rcpts
 * (normalised addresses). Up to max pointers into entry/conf go to out;
 * returns the count.
 */
size_t	policy_copies(const struct sg_conf *, const struct sg_entry *,
	    char *const *rcpts, size_t nrcpts, const char **out, size_t max);

/*
 * RCPT TO and the suppression lists: must this message's recipients be
 * looked up (suppression = all, or campaign on a campaign listener)?
 */
int	policy_suppress_applies(const struct sg_conf *, int method);

/*
 * RCPT TO: found is 1 when rcpt (normalised) is on the customer's or
 * the relay-wide list, 0 when on neither, -1 when the lists could not be
 * read: the recipient then passes (the caller logs it).
 */
void	policy_suppressed(const struct sg_conf *, const char *rcpt, int found,
	    struct decision *);

/*
 * RCPT TO, while the suppression lists apply: a recipient that does not
 * parse cannot be looked up, and is refused rather than waved through:
 * 550 5.1.3 Bad recipient address syntax.
 */
void	policy_rcpt_syntax(const struct sg_conf *, struct decision *);

/* Whether end of message adds Reply-To: <sgReplyTo>, and why (not). */
enum pol_replyto {
	REPLYTO_ADD = 0,		/* added */
	REPLYTO_NONE,			/* the sender has no sgReplyTo */
	REPLYTO_UNVERIFIED,		/* sgReplyToVerified is not TRUE */
	REPLYTO_PRESENT			/* the message has a Reply-To */
};

/* has_replyto: the message carries one (-1: unknown, as for explain). */
enum pol_replyto policy_replyto(const struct sg_conf *,
	    const struct sg_sender *, int has_replyto);

/* The reason in words, for explain and sender show. */
const char *policy_replyto_why(enum pol_replyto);

/* Name of a rule for the log line: "not_owned", ... */
const char *policy_rule_name(enum pol_rule);

/* Name of a decision's action for the log: "accept", "reject", ... */
const char *policy_action_name(int action);

#endif
