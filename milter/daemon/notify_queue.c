/*
 * notify_queue.c - the daemon's notices, sent by a thread of their own.
 *
 * notify_queue copies a mail (relay, sender, recipients, subject, body:
 * one allocation) onto a list under a mutex and signals the thread; a
 * full queue (NOTIFY_QUEUE_MAX) refuses, logged. The thread sends the
 * one due first; after a temporary failure (transport, 4xx) it puts it
 * back to be tried after 1, 2, 4, 8 s, NOTIFY_TRIES attempts in all; a
 * permanent failure (5xx) or the last attempt drops it. Every failure
 * is logged, every notice sent too.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/notify.h"

struct job {
	struct job	*next;
	time_t		 due;
	int		 tries;
	char		*relay, *from, *subject, *body;
	const char	**to;
	size_t		 nto;
	char		 mem[];		/* the strings and to[] */
};

static pthread_mutex_t	 qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 qcond;
static struct job	*queue;		/* unordered; small */
static size_t		 qlen;
static int		 qstop, qstarted;
static pthread_t	 qthread;

/* Copy s to *p, moving *p past it; the copy. */
static char *
put(char **p, const char *s)
{
	char	*r = *p;
	size_t	 n = strlen(s) + 1;

	memcpy(r, s, n);
	*p += n;
	return r;
}

/* Queue a copy of the mail. */
int
notify_queue(const struct sg_conf *c, const char *const *to, size_t nto,
    const char *subject, const char *body)
{
	struct job	*j;
	size_t		 size, i;
	char		*p;

	if (c->notify_relay == NULL || c->notify_relay[0] == '\0' ||
	    nto == 0)
		return -1;
	size = sizeof(*j) + strlen(c->notify_relay) + strlen(c->notify_from) +
	    strlen(subject) + strlen(body) + 4 + nto * sizeof(char *) +
	    sizeof(char *);
	for (i = 0; i < nto; i++)
		size += strlen(to[i]) + 1;
	if ((j = calloc(1, size)) == NULL) {
		log_warnx("notice \"%s\": out of memory: not sent", subject);
		return -1;
	}
	/* to[] first: pointers aligned after the header */
	j->to = (const char **)(void *)j->mem;
	p = j->mem + nto * sizeof(char *);
	j->nto = nto;
	for (i = 0; i < nto; i++)
		j->to[i] = put(&p, to[i]);
	j->relay = put(&p, c->notify_relay);
	j->from = put(&p, c->notify_from);
	j->subject = put(&p, subject);
	j->body = put(&p, body);
	j->due = time(NULL);
	pthread_mutex_lock(&qlock);
	if (!qstarted || qstop || qlen >= NOTIFY_QUEUE_MAX) {
		pthread_mutex_unlock(&qlock);
		metrics_notice_dropped();
		log_warnx("notice \"%s\": %s: not sent", subject, !qstarted ||
		    qstop ? "no sending thread" : "the queue is full");
		free(j);
		return -1;
	}
	j->next = queue;
	queue = j;
	metrics_notice_queue(++qlen);
	pthread_cond_signal(&qcond);
	pthread_mutex_unlock(&qlock);
	return 0;
}

/* Take the job due first, waiting for it; NULL at stop. */
static struct job *
take(void)
{
	struct job	**pp, **first;
	struct timespec	 ts;
	struct job	*j;

	pthread_mutex_lock(&qlock);
	for (;;) {
		if (qstop) {
			pthread_mutex_unlock(&qlock);
			return NULL;
		}
		first = NULL;
		for (pp = &queue; *pp != NULL; pp = &(*pp)->next)
			if (first == NULL || (*pp)->due < (*first)->due)
				first = pp;
		if (first != NULL && (*first)->due <= time(NULL)) {
			j = *first;
			*first = j->next;
			metrics_notice_queue(--qlen);
			pthread_mutex_unlock(&qlock);
			return j;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += first != NULL ? (*first)->due - time(NULL) : 60;
		(void)pthread_cond_timedwait(&qcond, &qlock, &ts);
	}
}

/* Put a job back to be tried again at due. */
static void
requeue(struct job *j)
{
	pthread_mutex_lock(&qlock);
	j->next = queue;
	queue = j;
	metrics_notice_queue(++qlen);
	pthread_mutex_unlock(&qlock);
}

/* The thread: send what is due. */
static void *
sender_main(void *arg)
{
	struct job	*j;
	char		 err[512];
	int		 temporary;

	(void)arg;
	(void)pthread_setname_np(pthread_self(), "sg-notify");
	while ((j = take()) != NULL) {
		j->tries++;
		if (notify_send(j->relay, j->from, j->to, j->nto, j->subject,
		    j->body, &temporary, err, sizeof(err)) == 0) {
			log_info("notice \"%s\" sent to %zu recipient(s) via %s",
			    j->subject, j->nto, j->relay);
			free(j);
			continue;
		}
		if (temporary && j->tries < NOTIFY_TRIES) {
			log_warnx("notice \"%s\" via %s: %s: trying again in "
			    "%d s", j->subject, j->relay, err,
			    1 << (j->tries - 1));
			j->due = time(NULL) + (1 << (j->tries - 1));
			requeue(j);
			continue;
		}
		log_error("notice \"%s\" via %s: %s: given up after %d "
		    "attempt(s)", j->subject, j->relay, err, j->tries);
		metrics_notice_dropped();
		free(j);
	}
	return NULL;
}

/* Start the thread. */
int
notify_start(void)
{
	pthread_condattr_t	 ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&qcond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&qlock);
	qstarted = 1;
	pthread_mutex_unlock(&qlock);
	if (pthread_create(&qthread, NULL, sender_main, NULL) != 0) {
		pthread_mutex_lock(&qlock);
		qstarted = 0;
		pthread_mutex_unlock(&qlock);
		return -1;
	}
	return 0;
}

/* Stop the thread; drop what is queued. */
void
notify_stop(void)
{
	struct job	*j;
	size_t		 n = 0;

	pthread_mutex_lock(&qlock);
	if (!qstarted) {
		pthread_mutex_unlock(&qlock);
		return;
	}
	qstop = 1;
	pthread_cond_broadcast(&qcond);
	pthread_mutex_unlock(&qlock);
	pthread_join(qthread, NULL);
	while ((j = queue) != NULL) {
		queue = j->next;
		free(j);
		n++;
	}
	qlen = 0;
	if (n > 0)
		log_warnx("stopping: %zu notice(s) not sent", n);
}
