/*
 * smtp_submit.h - the smallest SMTP client: one message, one recipient,
 * through a relay (notify_relay), for sendergatectl's reply-to
 * verification mail.
 *
 * Kept apart from issue 14's notify.c (the limit notices) on purpose,
 * with an API of its own, so that the two can be made one at merge.
 */
#ifndef SG_SMTP_SUBMIT_H
#define SG_SMTP_SUBMIT_H

#include <stddef.h>

/*
 * Send msg (header fields, a blank line, the body; LF or CRLF line ends,
 * dot-stuffed here) from envelope sender from to rcpt through relay
 * ("host:port" or "[v6]:port"), plain SMTP, EHLO, each reply awaited at
 * most timeout_ms. 0 when the relay answered 250 to the message, or -1
 * with the step and the relay's reply in err.
 */
int	smtp_submit(const char *relay, const char *from, const char *rcpt,
	    const char *msg, long timeout_ms, char *err, size_t errlen);

#endif
