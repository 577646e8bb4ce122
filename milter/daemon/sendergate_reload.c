/*
 * sendergate_reload.c - SIGHUP: read the configuration file again and
 * put it in force for new messages, or keep the running one.
 *
 * The new file must pass what -n checks (conf_load, check_conf); if not,
 * the reason is logged and nothing changes. Otherwise conf_diff says what
 * changed: keys that need a restart are logged as such (their running
 * values stay in effect); when a directory key changed, a new directory
 * is opened with the new settings (mirror mode: a full load beside the
 * running copy) and put in force only once it answers (within
 * READY_TIMEOUTS times the new ldap_timeout, else the reload is given
 * up), the old one
 * closed when the last message using it ends; when a key of the counters
 * changed (conf.c's CONF_REDIS: Redis, Sentinel, WAIT, dedupe,
 * quota_precheck), new counters are opened (new connections, a new
 * memo) for the new snapshot, and the old ones closed with the last
 * message that uses them. Everything else takes effect for the next
 * message: a message in progress finishes under the snapshot of its MAIL
 * FROM (snap.h), and no session is dropped.
 *
 * Runs on the main thread, between signals.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "redis/counter.h"
#include "dir/dir.h"
#include "lib/log.h"
#include "daemon/sendergate.h"

#define READY_TIMEOUTS	20		/* ldap_timeouts for a new directory */
#define READY_MIN	1000		/* ms, at least */
#define READY_POLL	100		/* ms between two tries */

static char		*reload_path;

struct changes {			/* what conf_diff found */
	char	 keys[1024];		/* "a, b, c" */
	size_t	 len;
};

/* Remember the file. */
void
reload_init(const char *path)
{
	if ((reload_path = strdup(path)) == NULL)
		fatal("strdup");
}

/* Forget it (at stop). */
void
reload_end(void)
{
	free(reload_path);
	reload_path = NULL;
}

/* Note a key that changed; say so now if it waits for a restart. */
static void
note_key(const char *key, int what, void *arg)
{
	struct changes	*ch = arg;
	int		 n;

	if (what & CONF_RESTART)
		log_warnx("reload: %s changed: it takes effect at the next "
		    "restart; the running value stays", key);
	n = snprintf(ch->keys + ch->len, sizeof(ch->keys) - ch->len, "%s%s",
	    ch->len > 0 ? ", " : "", key);
	if (n > 0 && (size_t)n < sizeof(ch->keys) - ch->len)
		ch->len += (size_t)n;
}

/* Does the directory answer (its copy loaded, or LDAP reachable)? */
static int
dir_answers(struct directory *d)
{
	struct dir_answer	 ans;
	int			 r;

	r = dir_lookup(d, "reload-probe@reload.invalid", "reload.invalid",
	    &ans);
	dir_answer_release(&ans);
	return r != DIR_FAILED;
}

/*
 * Wait for a new directory to answer, up to READY_TIMEOUTS ldap_timeouts;
 * 1 when it does, 0 if not, -1 when a signal arrived on sigfd meanwhile
 * (left unread).
 */
static int
dir_wait(struct directory *d, long ldap_timeout, int sigfd)
{
	struct pollfd	 pfd;
	long		 waited, limit;

	limit = ldap_timeout * READY_TIMEOUTS;
	if (limit < READY_MIN)
		limit = READY_MIN;
	pfd.fd = sigfd;
	pfd.events = POLLIN;
	for (waited = 0; waited < limit; waited += READY_POLL) {
		if (dir_answers(d))
			return 1;
		if (poll(&pfd, 1, READY_POLL) > 0)
			return -1;
	}
	return dir_answers(d);
}

/* Read the file again; put it in force or keep the old. See above. */
void
reload(int sigfd)
{
	struct snap	*s, *old = NULL;
	struct changes	 ch;
	char		 err[1024];
	int		 what, r;

	sd_notify(0, "RELOADING=1");
	log_info("reloading %s", reload_path);
	if ((s = snap_new()) == NULL) {
		log_error("reload: out of memory: keeping the running "
		    "configuration");
		goto out;
	}
	if (conf_load(reload_path, &s->conf, err, sizeof(err)) == -1 ||
	    check_conf(&s->conf, err, sizeof(err)) == -1) {
		log_error("reload: %s: keeping the running configuration",
		    err);
		goto out;
	}
	old = snap_current();
	memset(&ch, 0, sizeof(ch));
	what = conf_diff(&old->conf, &s->conf, note_key, &ch);
	/* what needs a restart keeps its running value, so that the next
	   reload compares with what runs, not with this file */
	if ((what & CONF_RESTART) &&
	    conf_keep(&s->conf, &old->conf, CONF_RESTART) == -1) {
		log_error("reload: out of memory: keeping the running "
		    "configuration");
		goto out;
	}
	if (what & CONF_DIR) {
		if ((s->dir = dir_open(&s->conf, err, sizeof(err))) == NULL) {
			log_error("reload: directory: %s: keeping the running "
			    "configuration", err);
			goto out;
		}
		if ((r = dir_wait(s->dir, s->conf.ldap_timeout, sigfd)) != 1) {
			log_error("reload: %s: keeping the running "
			    "configuration", r == -1 ? "interrupted by a "
			    "signal" : "the directory with the new settings "
			    "does not answer");
			goto out;
		}
	} else
		snap_share_dir(s, old);

	if (what & CONF_REDIS) {
		if ((s->ctrs = ctr_open(&s->conf, err, sizeof(err))) == NULL) {
			log_error("reload: counters: %s: keeping the running "
			    "configuration", err);
			goto out;
		}
	} else
		snap_share_ctrs(s, old);

	log_setlevel(s->conf.log_level);
	snap_publish(s);
	s = NULL;
	log_info("reloaded %s: %s%s%s", reload_path,
	    ch.len > 0 ? "changed " : "nothing changed", ch.keys,
	    what & CONF_DIR ? "; directory opened anew" :
	    what & CONF_REDIS ? "; Redis connections made anew" : "");
	if ((what & (CONF_DIR | CONF_REDIS)) == (CONF_DIR | CONF_REDIS))
		log_info("reload: Redis connections made anew");
out:
	snap_release(s);
	snap_release(old);
	sd_notify(0, "READY=1");
}
