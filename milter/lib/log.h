/*
 * log.h - the one small logging API of sendergate.
 *
 * Messages go to stderr (foreground, -f) or to syslog (mail facility).
 * log_warn() appends strerror(errno); log_warnx() does not; fatal() and
 * fatalx() log and exit(1). All are safe to call from any thread.
 */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <stddef.h>

#include "lib/strbuf.h"

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARNING, LOG_LVL_INFO, LOG_LVL_DEBUG };

#define SG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Choose stderr (foreground != 0) or syslog under ident, and the level. */
void	log_init(const char *ident, int foreground, int level);
/*
 * The daemon's: syslog opened under ident and facility (a LOG_* value) in
 * any case (libmilter logs there), our messages to stderr when foreground.
 */
void	log_open(const char *ident, int facility, int foreground, int level);
/* Change the level (any thread, any time). */
void	log_setlevel(int level);

void	log_error(const char *, ...) SG_PRINTF(1, 2);	/* error, no errno */
void	log_warn(const char *, ...) SG_PRINTF(1, 2);	/* warning + strerror */
void	log_warnx(const char *, ...) SG_PRINTF(1, 2);	/* warning */
void	log_info(const char *, ...) SG_PRINTF(1, 2);
void	log_debug(const char *, ...) SG_PRINTF(1, 2);
void	fatal(const char *, ...) SG_PRINTF(1, 2) __attribute__((noreturn));
void	fatalx(const char *, ...) SG_PRINTF(1, 2) __attribute__((noreturn));

/*
 * A line made piece by piece (strbuf.h) rather than from a format, for
 * the lines logged once a message: log_begin answers 0 when lvl is not
 * logged (make nothing then), else 1 with ll->sb ready for the message,
 * which keeps LOG_MSG_MAX - 1 octets as log_info does; log_end writes
 * it (prefix, message and newline in one write on stderr). The caller
 * escapes what it appends.
 */
#define LOG_MSG_MAX	2048		/* a message's octets, and NUL */
#define LOG_PREFIX_MAX	32		/* "sendergate: warning: " and less */

struct log_line {
	struct strbuf	 sb;		/* the message: append to it */
	int		 lvl;
	size_t		 pre;		/* octets of prefix in buf */
	char		 buf[LOG_PREFIX_MAX + LOG_MSG_MAX];
};

int	log_begin(struct log_line *, int lvl);
void	log_end(struct log_line *);

#endif
