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
#include <unistd.h>

#include "lib/log.h"

static int log_foreground = 1;
static int log_level = LOG_LVL_INFO;	/* atomic */
static int log_journal;			/* stderr is the journal */
static char log_ident[64] = "sendergate";	/* openlog keeps the pointer */

static const int log_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

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

/*
 * What starts a line on stderr, by level: one copy, no format. The
 * journal's priority is syslog's (LOG_ERR 3 ... LOG_DEBUG 7).
 */
static const struct log_prefix {
	const char	*s;
	size_t		 len;
} log_fg[] = {
#define P(s)	{ s, sizeof(s) - 1 }
	P("sendergate: error: "), P("sendergate: warning: "),
	P("sendergate: info: "), P("sendergate: debug: ")
}, log_jn[] = {
	P("<3>error: "), P("<4>warning: "), P("<6>info: "), P("<7>debug: ")
#undef P
};
_Static_assert(LOG_ERR == 3 && LOG_WARNING == 4 && LOG_INFO == 6 &&
    LOG_DEBUG == 7, "the journal's prefixes above");

/* Start a line at level lvl; see log.h. */
int
log_begin(struct log_line *ll, int lvl)
{
	const struct log_prefix	*pre = NULL;

	if (lvl < LOG_LVL_ERROR || lvl > LOG_LVL_DEBUG ||
	    lvl > __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		return 0;
	ll->lvl = lvl;
	ll->pre = 0;
	if (log_journal)
		pre = &log_jn[lvl];
	else if (log_foreground)
		pre = &log_fg[lvl];
	if (pre != NULL) {
		memcpy(ll->buf, pre->s, pre->len);
		ll->pre = pre->len;
	}
	sb_init(&ll->sb, ll->buf + ll->pre, LOG_MSG_MAX);
	return 1;
}

/*
 * Write a line begun with log_begin: one write(2) of prefix, message
 * and newline on stderr (a line stays whole across threads and
 * processes: under PIPE_BUF octets), or syslog.
 */
void
log_end(struct log_line *ll)
{
	const char	*p = ll->buf;
	size_t		 left;
	ssize_t		 n;

	if (!log_journal && !log_foreground) {
		syslog(log_prio[ll->lvl], "%s", ll->sb.p);
		return;
	}
	left = ll->pre + ll->sb.len;
	ll->buf[left++] = '\n';	/* where the NUL was */
	while (left > 0) {
		if ((n = write(STDERR_FILENO, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			return;		/* nowhere to say it */
		}
		p += n;
		left -= (size_t)n;
	}
}

/* Write one message at level lvl, with ": strerror" when err != 0. */
static void
log_vwrite(int lvl, int err, const char *fmt, va_list ap)
{
	struct log_line	 ll;
	int		 saved = errno;

	if (!log_begin(&ll, lvl))
		return;
	vsnprintf(ll.sb.p, ll.sb.size, fmt, ap);
	ll.sb.len = strnlen(ll.sb.p, ll.sb.size - 1);
	ll.sb.p[ll.sb.len] = '\0';
	if (err != 0) {
		sb_str(&ll.sb, ": ");
		sb_str(&ll.sb, strerror(err));
	}
	log_end(&ll);
	errno = saved;
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
