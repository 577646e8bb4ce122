/*
 * log.c - logging to stderr (foreground) or syslog (mail facility).
 *
 * The destination is set at start-up, before any thread exists; the
 * level may change later (a reload), read and written atomically. When
 * standard error is the systemd journal (JOURNAL_STREAM names it), each
 * line starts with its syslog priority, "<3>" and so on, which the
 * journal takes as the line's level.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "lib/log.h"

static int log_foreground = 1;
static int log_level = LOG_LVL_INFO;	/* atomic */
static int log_journal;			/* stderr is the journal */
static char log_ident[64] = "sendergate";	/* openlog keeps the pointer */

static const int log_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
static const char *const log_tag[] = { "error", "warning", "info", "debug" };

/* Choose the destination and level; open syslog unless in foreground. */
void
log_init(const char *ident, int foreground, int level)
{
	log_foreground = foreground;
	log_setlevel(level);
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* 1 if standard error is the stream JOURNAL_STREAM ("DEV:INODE") names. */
static int
stderr_is_journal(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	struct stat		 st;
	unsigned long long	 dev, ino;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/*
 * Open syslog under ident and facility whatever the destination, so that
 * libmilter's own messages go there too; ours go to stderr when
 * foreground, where libmilter's are copied as well (LOG_PERROR).
 */
void
log_open(const char *ident, int facility, int foreground, int level)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_foreground = foreground;
	log_journal = foreground && stderr_is_journal();
	log_setlevel(level);
	closelog();
	openlog(log_ident, LOG_PID | LOG_NDELAY |
	    (foreground && !log_journal ? LOG_PERROR : 0),
	    facility);
}

/* Change the least important level logged (any thread). */
void
log_setlevel(int level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

/* Write one message at level lvl, with ": strerror" when err != 0. */
static void
log_vwrite(int lvl, int err, const char *fmt, va_list ap)
{
	char	 msg[2048];
	size_t	 len;

	if (lvl > __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err != 0) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(err));
	}
	if (log_journal) {
		fprintf(stderr, "<%d>%s: %s\n", log_prio[lvl], log_tag[lvl],
		    msg);
		fflush(stderr);
	} else if (log_foreground) {
		/* One fprintf per line keeps lines whole across threads. */
		fprintf(stderr, "sendergate: %s: %s\n", log_tag[lvl], msg);
		fflush(stderr);
	} else
		syslog(log_prio[lvl], "%s", msg);
}

/* An error, without errno. */
void
log_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
}

/* A warning with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARNING, 0, fmt, ap);
	va_end(ap);
}

/* Information: decisions are logged at this level. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_INFO, 0, fmt, ap);
	va_end(ap);
}

/* Debugging detail. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* Log an error with strerror(errno) and exit. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log an error and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
