/*
 * milter_neg.c - what was negotiated on each milter connection, for the
 * SMTP sessions that follow on it. libmilter negotiates once a milter
 * connection, but an MTA may run several SMTP sessions on one, each
 * ended by SMFIC_QUIT_NC (Sendmail does after STARTTLS): the sessions
 * after the first begin with connect, not negotiate, and the per-session
 * state made then must still know whether the MTA sends the body.
 *
 * libmilter keeps nothing of ours from one session to the next, and does
 * not say when a context is freed, so the answer is kept by context, in
 * a table of fixed size: NEG_SLOTS slots, found by a hash of the
 * context's address, NEG_PROBE tries from there. A new negotiation
 * takes the context's slot, else a free one, else the oldest of the
 * tries. An entry left by a context that is gone is taken over by the
 * next context at that address (negotiate comes first on a new
 * connection) or by a newer one. An entry pushed out while its
 * connection still runs leaves its later sessions unknown (-1), which
 * the caller takes as no body: no fingerprint, so no retry forgiven and
 * nothing counted less; with NEG_SLOTS far above the connections a relay
 * holds open, it does not happen in practice.
 */
#include <pthread.h>
#include <stdint.h>

#include "daemon/milter.h"

#define NEG_SLOTS	4096		/* a power of two */
#define NEG_PROBE	8

struct neg_slot {
	const void	*ctx;		/* NULL: free */
	uint64_t	 seq;		/* when it was noted: the oldest goes */
	int		 body;
};

static struct neg_slot	 slots[NEG_SLOTS];
static uint64_t		 seq;
static pthread_mutex_t	 mtx = PTHREAD_MUTEX_INITIALIZER;

/* The first slot to try for ctx. */
static size_t
neg_hash(const void *ctx)
{
	uint64_t	 h = (uint64_t)(uintptr_t)ctx;

	/* contexts are malloc'd: the low bits vary least */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h & (NEG_SLOTS - 1);
}

/* Note what ctx's connection negotiated. */
void
neg_note(const void *ctx, int body)
{
	struct neg_slot	*s, *use = NULL;
	size_t		 i, h = neg_hash(ctx);

	pthread_mutex_lock(&mtx);
	for (i = 0; i < NEG_PROBE; i++) {
		s = &slots[(h + i) & (NEG_SLOTS - 1)];
		if (s->ctx == ctx) {
			use = s;
			break;
		}
		if (use == NULL || (use->ctx != NULL &&
		    (s->ctx == NULL || s->seq < use->seq)))
			use = s;
	}
	use->ctx = ctx;
	use->seq = ++seq;
	use->body = body != 0;
	pthread_mutex_unlock(&mtx);
}

/* Whether ctx's connection negotiated the body: 1, 0, or -1 unknown. */
int
neg_body(const void *ctx)
{
	const struct neg_slot *s;
	size_t		 i, h = neg_hash(ctx);
	int		 body = -1;

	pthread_mutex_lock(&mtx);
	for (i = 0; i < NEG_PROBE; i++) {
		s = &slots[(h + i) & (NEG_SLOTS - 1)];
		if (s->ctx == ctx) {
			body = s->body;
			break;
		}
	}
	pthread_mutex_unlock(&mtx);
	return body;
}
