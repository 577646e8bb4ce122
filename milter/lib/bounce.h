/*
 * bounce.h - a bounce judged against the record of the messages the
 * relay accepted (counter.h: "the record"): did the relay accept, within
 * bounce_window, a message from this sender, under this Message-ID (or
 * queue id), to this recipient? Only then may a bounce teach anything.
 *
 * Pure: the record's entries, as Redis returns them, in; an answer and
 * its reason out. No I/O.
 */
#ifndef SG_BOUNCE_H
#define SG_BOUNCE_H

#include <stddef.h>
#include <time.h>

/*
 * entries: the n entries of the record lists of one sender and one
 * Message-ID or queue id, each "<unix time>\n<queue id>\n<recipient>\n..."
 * (len[i] octets; not NUL-terminated necessarily). rcpt: the recipient
 * the MTA reported as failed (the Final-Recipient, normalised like the
 * milter's recipients). An entry older than window_ms at now, or not of
 * that form, does not count.
 *
 * 1: an entry within the window lists rcpt. 0: none does; *why says
 * which of: nothing recorded, recorded too long ago, not a recipient.
 */
int	bounce_match(const char *const *entries, const size_t *len, size_t n,
	    time_t now, long window_ms, const char *rcpt, const char **why);

#endif
