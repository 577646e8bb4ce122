/*
 * log.h - the one small logging API of sendergate.
 *
 * Messages go to stderr (foreground, -f) or to syslog (mail facility).
 * log_warn() appends strerror(errno); log_warnx() does not; fatal() and
 * fatalx() log and exit(1). All are safe to call from any thread.
 */
#ifndef SG_LOG_H
#define SG_LOG_H

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

#endif
