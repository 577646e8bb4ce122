/*
 * notify.h - mail to people: limit warnings (the daemon) and anything
 * else a tool must tell by mail, submitted over SMTP to notify_relay.
 *
 * notify_send_now (notify.c) is a plain RFC 5321 client: it connects,
 * says EHLO, MAIL FROM:<notify_from> (<> when empty), RCPT TO for each
 * recipient, DATA with a text/plain message (From, To, Subject, Date,
 * Message-ID, Auto-Submitted: auto-generated), QUIT. It blocks (each
 * reply waited for up to NOTIFY_TIMEOUT seconds): for tools.
 *
 * The daemon queues instead (notify_queue.c): notify_queue copies the
 * mail and returns at once; one thread of its own sends, and tries again
 * a bounded number of times after a temporary failure, logging each
 * failure. A message path never waits for a notice and never fails
 * because of one.
 */
#ifndef SG_NOTIFY_H
#define SG_NOTIFY_H

#include <stddef.h>
#include "lib/conf.h"

#define NOTIFY_TIMEOUT	10		/* seconds, per SMTP reply */
#define NOTIFY_TRIES	5		/* attempts of a queued notice */
#define NOTIFY_QUEUE_MAX 1000		/* notices waiting, at most */

/*
 * Send a mail now through c->notify_relay to the nto addresses in to
 * (accepted when the relay takes at least one of them). 0, or -1 with
 * the reason in err; *temporary (if not NULL) tells a 4xx or transport
 * failure (worth trying again) from a 5xx or a bad argument.
 */
int	notify_send_now(const struct sg_conf *c, const char *const *to,
	    size_t nto, const char *subject, const char *body, char *err,
	    size_t errlen);

/* notify_send_now, and whether the failure was temporary. */
int	notify_send(const char *relay, const char *from,
	    const char *const *to, size_t nto, const char *subject,
	    const char *body, int *temporary, char *err, size_t errlen);

/* Start the sending thread (the daemon, once). 0, or -1. */
int	notify_start(void);

/*
 * Queue a mail to be sent through c->notify_relay (copied: c, to, subject
 * and body may go away). 0 queued, -1 not (no relay configured, no
 * recipient, the queue full or out of memory: logged).
 */
int	notify_queue(const struct sg_conf *c, const char *const *to,
	    size_t nto, const char *subject, const char *body);

/* Stop the thread: what is still queued is dropped, and logged. */
void	notify_stop(void);

#endif
