/*
 * milter.h - the libmilter callbacks of sendergate: thin glue that
 * gathers facts, asks policy.c, and obeys.
 */
#ifndef SG_MILTER_H
#define SG_MILTER_H

#include <libmilter/mfapi.h>
#include "lib/conf.h"
#include "redis/counter.h"
#include "dir/dir.h"
#include "lib/policy.h"

/*
 * The callbacks take the configuration and directory in force from
 * snap.h: a message keeps the snapshot of its MAIL FROM until it ends.
 */

/* Sessions open now: connect (or negotiate) seen, close not yet. */
unsigned milter_sessions(void);

/*
 * The drain at stop (milter_drain.c): drain_enter at MAIL FROM (0: refused
 * with 451 4.3.2, draining), drain_leave when that transaction ends;
 * drain_begin refuses new ones; drain_open counts those still open.
 */
int	drain_enter(SMFICTX *ctx);
void	drain_leave(void);

/*
 * What each milter connection negotiated, for the sessions after the
 * first on it (milter_neg.c): neg_note at negotiate, neg_body at a
 * session's start (1 the MTA sends the body, 0 not, -1 unknown).
 */
void	neg_note(const void *ctx, int body);
int	neg_body(const void *ctx);
void	drain_begin(void);
unsigned drain_open(void);

/*
 * What sendergate asks of the MTA in option negotiation: the steps it
 * declines and the replies it goes without (MILTER_STEPS, masked by the
 * MTA's offer), and the macros of each stage (milter_symlists, when the
 * MTA takes SMFIF_SETSYMLIST). Connect and headers never decide, so they
 * need no reply; callbacks return SMFIS_NOREPLY there, and libmilter
 * answers CONTINUE for them to an MTA that did not agree to go without.
 * tests/bench/nullmilter asks the same, to measure the floor under them.
 */
#define MILTER_STEPS	(SMFIP_NOHELO | SMFIP_NOBODY | SMFIP_NOUNKNOWN | \
			 SMFIP_NODATA | SMFIP_NOEOH | SMFIP_NR_CONN | \
			 SMFIP_NR_HDR)

/*
 * While dedupe is on, the body too (for the fingerprint of a message,
 * milter.c), with no reply to each chunk.
 */
#define MILTER_STEPS_BODY ((MILTER_STEPS & ~SMFIP_NOBODY) | SMFIP_NR_BODY)

static inline void
milter_symlists(SMFICTX *ctx)
{
	smfi_setsymlist(ctx, SMFIM_CONNECT, (char[]){ "{daemon_name}" });
	smfi_setsymlist(ctx, SMFIM_ENVFROM,
	    (char[]){ "i {auth_authen} {daemon_name}" });
	smfi_setsymlist(ctx, SMFIM_ENVRCPT, (char[]){ "i" });
	smfi_setsymlist(ctx, SMFIM_EOM, (char[]){ "i" });
}

/*
 * After a message was accepted (milter_notice.c): its metrics, and the
 * quota_warn thresholds it crossed, logged and told by mail to the
 * contacts (sgNotifyAddress) and notify_operator. r is ctr_commit's
 * result; copies the recipients added.
 */
void	milter_accepted(const struct sg_conf *, const struct sg_entry *,
	    const char *qid, enum ctr_result r, const struct ctr_warned *,
	    long scount, long dcount, const struct pol_limits *,
	    const char *const *copies, size_t ncopies);

/*
 * milter_log.c: the log line of a decision (and its metrics): queue id
 * (or NOQUEUE), rule, sender, login (shown escaped; "" = none), client,
 * method, the status reason of a disabled or suspended sender, extra
 * (may be ""), and the reply.
 */
void	milter_log_decision(const char *qid, const struct decision *,
	    const struct sg_entry *, const char *from, const char *auth,
	    const char *client, int method, const char *extra);
/* Text for smfi_setreply: printable, '%' doubled as libmilter needs. */
void	milter_reply_escape(const char *in, char *out, size_t len);
/* Copy s, printable ASCII only ('?' for the rest), '"' as '\''. */
void	milter_printable(const char *s, char *out, size_t len);

/* The filter description to pass to smfi_register(). */
extern struct smfiDesc milter_desc;

#endif
