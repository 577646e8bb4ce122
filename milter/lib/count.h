/*
 * count.h - what the counters answer (redis/counter.c), as the policy
 * decides on it (lib/policy.c): one enum, so that neither needs the
 * other's header.
 */
#ifndef SG_COUNT_H
#define SG_COUNT_H

enum ctr_result {
	CTR_FAILED = -1,		/* Redis failed; nothing known */
	CTR_LIMIT = 0,			/* a limit would be passed; not counted */
	CTR_COUNTED = 1,		/* counted (commit), or read (read) */
	CTR_RETRY = 2,			/* a forgiven retry; not counted */
	CTR_RATE = 3,			/* a sending rate's window is full */
	CTR_SUSPENDED = 4		/* suspended for its reputation */
};

#endif
