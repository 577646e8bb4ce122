/*
 * metrics.c - the daemon's figures as atomic counters, and their text
 * for Prometheus.
 *
 * Every figure is a process-wide 64-bit counter or gauge changed with
 * relaxed atomic operations: the message path takes no lock and
 * allocates nothing for them. A scrape reads each one atomically; the
 * figures of one scrape are not one instant's, which Prometheus does not
 * ask of them. Rules are counted by their enum pol_rule value and named
 * at the scrape with policy_rule_name(), so a new rule needs nothing
 * here.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/metrics.h"
#include "lib/policy.h"

#define RULES_MAX	64		/* enum pol_rule values counted */
#define ACTIONS		4		/* enum pol_action values */

/* The decision_duration_seconds buckets, in seconds. */
static const double buckets[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5
};
#define NBUCKETS	(sizeof(buckets) / sizeof(buckets[0]))

static const char *const stage_names[MET_NSTAGES] = { "mail", "rcpt", "eom" };
static const char *const cache_names[MET_NCACHE] = {
	"hit", "miss", "stale", "failed"
};

static uint64_t	 decisions[RULES_MAX][ACTIONS];
static uint64_t	 counted, duplicates, copies_bcc, copies_archive;
static uint64_t	 dur_bucket[MET_NSTAGES][NBUCKETS + 1];	/* last: +Inf */
static uint64_t	 dur_ns[MET_NSTAGES], dur_count[MET_NSTAGES];
static uint64_t	 redis_requests, redis_errors;
static int	 redis_up = -1;		/* -1: no command yet */
static uint64_t	 ldap_errors;
static uint64_t	 cache[MET_NCACHE];
static int64_t	 dir_domains = -1, dir_senders = -1;	/* -1: no mirror */
static int64_t	 dir_lost_ms = -1;	/* -1: no mirror; 0: current */
static uint64_t	 notices_queued, notices_dropped;	/* notice queue */
static double	 start_time;

/* The process's start (a constructor: before main runs). */
static void __attribute__((constructor))
note_start(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	start_time = (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Add n to a counter. */
static void
add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* Read a counter. */
static uint64_t
get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* A decision, by rule and action. */
void
metrics_decision(int rule, int action)
{
	if (rule < 0 || rule >= RULES_MAX || action < 0 || action >= ACTIONS)
		return;
	add(&decisions[rule][action], 1);
}

/* A message counted. */
void
metrics_counted(void)
{
	add(&counted, 1);
}

/* A retry forgiven. */
void
metrics_duplicate(void)
{
	add(&duplicates, 1);
}

/* Copies added. */
void
metrics_copies(size_t bcc, size_t archive)
{
	if (bcc > 0)
		add(&copies_bcc, bcc);
	if (archive > 0)
		add(&copies_archive, archive);
}

/* A stage's time since start, into its histogram. */
void
metrics_duration(enum met_stage stage, const struct timespec *start)
{
	struct timespec	 now;
	int64_t		 ns;
	double		 s;
	size_t		 b;

	if ((unsigned)stage >= MET_NSTAGES)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (int64_t)(now.tv_sec - start->tv_sec) * 1000000000 +
	    (now.tv_nsec - start->tv_nsec);
	if (ns < 0)
		ns = 0;
	s = ns / 1e9;
	for (b = 0; b < NBUCKETS && s > buckets[b]; b++)
		;
	add(&dur_bucket[stage][b], 1);
	add(&dur_ns[stage], (uint64_t)ns);
	add(&dur_count[stage], 1);
}

/* A Redis command's outcome. */
void
metrics_redis(int ok)
{
	add(&redis_requests, 1);
	if (!ok)
		add(&redis_errors, 1);
	__atomic_store_n(&redis_up, ok ? 1 : 0, __ATOMIC_RELAXED);
}

/* An LDAP failure. */
void
metrics_ldap_error(void)
{
	add(&ldap_errors, 1);
}

/* A query-mode lookup's source. */
void
metrics_cache(enum met_cache result)
{
	if ((unsigned)result < MET_NCACHE)
		add(&cache[result], 1);
}

/* The mirror's size. */
void
metrics_dir_entries(size_t domains, size_t senders)
{
	__atomic_store_n(&dir_domains, (int64_t)domains, __ATOMIC_RELAXED);
	__atomic_store_n(&dir_senders, (int64_t)senders, __ATOMIC_RELAXED);
}

/* The mirror's currency: current, or lost since the first call saying so. */
void
metrics_dir_sync(int current)
{
	struct timespec	 ts;
	int64_t		 was, now;

	if (current) {
		__atomic_store_n(&dir_lost_ms, 0, __ATOMIC_RELAXED);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	was = __atomic_load_n(&dir_lost_ms, __ATOMIC_RELAXED);
	if (was <= 0)
		(void)__atomic_compare_exchange_n(&dir_lost_ms, &was, now, 0,
		    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* The notice queue holds len notices now. */
void
metrics_notice_queue(size_t len)
{
	__atomic_store_n(&notices_queued, (uint64_t)len, __ATOMIC_RELAXED);
}

/* A notice was given up. */
void
metrics_notice_dropped(void)
{
	__atomic_add_fetch(&notices_dropped, 1, __ATOMIC_RELAXED);
}

/* The HELP and TYPE lines of a family. */
static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The decision_duration_seconds histogram. */
static void
durations(FILE *f)
{
	uint64_t	 cum;
	size_t		 st, b;

	family(f, "sendergate_decision_duration_seconds", "histogram",
	    "Time the milter took to answer, per SMTP stage.");
	for (st = 0; st < MET_NSTAGES; st++) {
		cum = 0;
		for (b = 0; b < NBUCKETS; b++) {
			cum += get(&dur_bucket[st][b]);
			fprintf(f, "sendergate_decision_duration_seconds_bucket"
			    "{stage=\"%s\",le=\"%g\"} %llu\n", stage_names[st],
			    buckets[b], (unsigned long long)cum);
		}
		cum += get(&dur_bucket[st][NBUCKETS]);
		fprintf(f, "sendergate_decision_duration_seconds_bucket"
		    "{stage=\"%s\",le=\"+Inf\"} %llu\n", stage_names[st],
		    (unsigned long long)cum);
		fprintf(f, "sendergate_decision_duration_seconds_sum"
		    "{stage=\"%s\"} %.9f\n", stage_names[st],
		    get(&dur_ns[st]) / 1e9);
		/* the count from the buckets: never below a bucket's */
		fprintf(f, "sendergate_decision_duration_seconds_count"
		    "{stage=\"%s\"} %llu\n", stage_names[st],
		    (unsigned long long)cum);
	}
}

/* The directory's figures. */
static void
directory(FILE *f)
{
	struct timespec	 now;
	int64_t		 d, s, lost;
	size_t		 i;
	double		 age;

	d = __atomic_load_n(&dir_domains, __ATOMIC_RELAXED);
	s = __atomic_load_n(&dir_senders, __ATOMIC_RELAXED);
	lost = __atomic_load_n(&dir_lost_ms, __ATOMIC_RELAXED);
	if (d >= 0) {
		family(f, "sendergate_directory_entries", "gauge",
		    "Entries in the mirror of the directory, by kind.");
		fprintf(f, "sendergate_directory_entries{kind=\"domain\"} "
		    "%lld\n", (long long)d);
		fprintf(f, "sendergate_directory_entries{kind=\"sender\"} "
		    "%lld\n", (long long)s);
	}
	if (lost >= 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		age = lost == 0 ? 0 : ((double)now.tv_sec * 1000 +
		    now.tv_nsec / 1000000 - (double)lost) / 1000;
		family(f, "sendergate_directory_sync_age_seconds", "gauge",
		    "Seconds since the mirror was last known current "
		    "(0 while current).");
		fprintf(f, "sendergate_directory_sync_age_seconds %.3f\n",
		    age < 0 ? 0 : age);
	}
	family(f, "sendergate_directory_cache_lookups_total", "counter",
	    "Query mode lookups, by where the answer came from.");
	for (i = 0; i < MET_NCACHE; i++)
		fprintf(f, "sendergate_directory_cache_lookups_total"
		    "{result=\"%s\"} %llu\n", cache_names[i],
		    (unsigned long long)get(&cache[i]));
	family(f, "sendergate_ldap_errors_total", "counter",
	    "LDAP operations that failed.");
	fprintf(f, "sendergate_ldap_errors_total %llu\n",
	    (unsigned long long)get(&ldap_errors));
}

/* Every figure, in the text exposition format. */
int
metrics_format(FILE *f, unsigned sessions, const char *version)
{
	static const char *const actions[ACTIONS] = {
		NULL, "accept", "reject", "tempfail"
	};
	const char	*name;
	uint64_t	 v;
	int		 r, a, up;

	family(f, "sendergate_decisions_total", "counter",
	    "Decisions logged, by rule and action.");
	for (r = 0; r < RULES_MAX; r++) {
		name = policy_rule_name((enum pol_rule)r);
		if (strcmp(name, "unknown") == 0)
			break;
		for (a = 1; a < ACTIONS; a++)
			if ((v = get(&decisions[r][a])) > 0)
				fprintf(f, "sendergate_decisions_total{rule=\"%s"
				    "\",action=\"%s\"} %llu\n", name,
				    actions[a], (unsigned long long)v);
	}
	family(f, "sendergate_messages_counted_total", "counter",
	    "Accepted messages counted against the monthly limits.");
	fprintf(f, "sendergate_messages_counted_total %llu\n",
	    (unsigned long long)get(&counted));
	family(f, "sendergate_duplicates_total", "counter",
	    "Retries of a counted message accepted without counting.");
	fprintf(f, "sendergate_duplicates_total %llu\n",
	    (unsigned long long)get(&duplicates));
	family(f, "sendergate_recipients_added_total", "counter",
	    "Recipients added to accepted messages, by kind.");
	fprintf(f, "sendergate_recipients_added_total{kind=\"bcc\"} %llu\n",
	    (unsigned long long)get(&copies_bcc));
	fprintf(f, "sendergate_recipients_added_total{kind=\"archive\"} "
	    "%llu\n", (unsigned long long)get(&copies_archive));
	durations(f);
	family(f, "sendergate_sessions_open", "gauge",
	    "Milter sessions open.");
	fprintf(f, "sendergate_sessions_open %u\n", sessions);
	directory(f);
	family(f, "sendergate_redis_requests_total", "counter",
	    "Redis commands sent.");
	fprintf(f, "sendergate_redis_requests_total %llu\n",
	    (unsigned long long)get(&redis_requests));
	family(f, "sendergate_redis_errors_total", "counter",
	    "Redis commands that failed.");
	fprintf(f, "sendergate_redis_errors_total %llu\n",
	    (unsigned long long)get(&redis_errors));
	up = __atomic_load_n(&redis_up, __ATOMIC_RELAXED);
	family(f, "sendergate_redis_up", "gauge",
	    "1 if the last Redis command succeeded, 0 if it failed.");
	fprintf(f, "sendergate_redis_up %d\n", up == 0 ? 0 : 1);
	family(f, "sendergate_notice_queue_length", "gauge",
	    "Notices by mail waiting to be sent (or sent again).");
	fprintf(f, "sendergate_notice_queue_length %llu\n",
	    (unsigned long long)get(&notices_queued));
	family(f, "sendergate_notices_dropped_total", "counter",
	    "Notices given up: the queue full, or out of tries.");
	fprintf(f, "sendergate_notices_dropped_total %llu\n",
	    (unsigned long long)get(&notices_dropped));
	family(f, "sendergate_build_info", "gauge",
	    "The version of sendergate, as a label; always 1.");
	fprintf(f, "sendergate_build_info{version=\"%s\"} 1\n", version);
	family(f, "process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch in seconds.");
	fprintf(f, "process_start_time_seconds %.3f\n", start_time);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
