/*
 * sendergate_try.c - -n -t: after the file checks, try the servers the
 * configuration names, as the daemon would use them: each ldap_uri with
 * its TLS settings and the bind DN and password, then a base search of
 * ldap_base (it must exist); and Redis (or the master the sentinels
 * name) with redis_password_file's AUTH and redis_db, answering PING.
 * A wrong password is found here, before a start, instead of every
 * message getting rule 3 or 11 afterwards. Failures are logged to
 * standard error as the daemon logs them.
 *
 * Also start_wait: the daemon tells systemd it is ready only once the
 * directory answers.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <ldap.h>

#include "lib/log.h"
#include "dir/dir_ldap.h"
#include "redis/counter.h"
#include "dir/dir.h"
#include "daemon/sendergate.h"

#define START_POLL	100		/* ms between two lookups at start */

/* Bind to one URI and read ldap_base; 0, or -1 (the reason printed). */
static int
try_uri(const struct sg_conf *c, char *uri)
{
	struct sg_conf	 one = *c;
	char		*uris[2] = { uri, NULL };
	LDAPMessage	*res = NULL;
	struct timeval	 tv;
	LDAP		*ld;
	int		 rc;

	one.ldap_uri = uris;
	one.ldap_nuri = 1;
	if ((ld = dir_ldap_connect(&one)) == NULL) {
		fprintf(stderr, "sendergate: ldap_uri %s: cannot connect or "
		    "bind as \"%s\" (see above)\n", uri, c->ldap_bind_dn);
		return -1;
	}
	tv.tv_sec = c->ldap_timeout / 1000;
	tv.tv_usec = (c->ldap_timeout % 1000) * 1000;
	rc = ldap_search_ext_s(ld, c->ldap_base, LDAP_SCOPE_BASE,
	    "(objectClass=*)", NULL, 1, NULL, NULL, &tv, 1, &res);
	ldap_msgfree(res);
	ldap_unbind_ext_s(ld, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		fprintf(stderr, "sendergate: ldap_uri %s: ldap_base %s: %s\n",
		    uri, c->ldap_base, ldap_err2string(rc));
		return -1;
	}
	printf("sendergate: ldap_uri %s: bound as \"%s\", ldap_base found\n",
	    uri, c->ldap_bind_dn[0] != '\0' ? c->ldap_bind_dn : "anonymous");
	return 0;
}

/* PING through the counters' own connection rules; 0, or -1. */
static int
try_redis(const struct sg_conf *c)
{
	const char		*argv[] = { "PING" };
	struct counters		*ctrs;
	struct redisReply	*r;
	char			 err[1024];

	if ((ctrs = ctr_open(c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sendergate: counters: %s\n", err);
		return -1;
	}
	r = ctr_command(ctrs, 1, argv, 1);
	ctr_close(ctrs);
	if (r == NULL) {
		fprintf(stderr, "sendergate: redis %s: no answer to PING "
		    "(see above)\n", c->redis_sentinels[0] != '\0' ?
		    c->redis_master_name : c->redis_address);
		return -1;
	}
	freeReplyObject(r);
	printf("sendergate: redis %s: answered PING\n",
	    c->redis_sentinels[0] != '\0' ? c->redis_master_name :
	    c->redis_address);
	return 0;
}

/* Try every ldap_uri and Redis; 0 if all answered, else -1. */
int
try_servers(const struct sg_conf *c)
{
	size_t	 i;
	int	 ret = 0;

	log_open(c->syslog_name, c->syslog_facility, 1, c->log_level);
	for (i = 0; i < c->ldap_nuri; i++)
		if (try_uri(c, c->ldap_uri[i]) == -1)
			ret = -1;
	if (try_redis(c) == -1)
		ret = -1;
	return ret;
}

/* 1 if d answers a lookup (found or not), 0 if it fails. */
static int
dir_answers(struct directory *d)
{
	struct dir_answer	 ans;
	enum dir_kind		 r;

	r = dir_lookup(d, "start-probe@start.invalid", "start.invalid", &ans);
	dir_answer_release(&ans);
	return r != DIR_FAILED;
}

/*
 * At start, before READY: wait up to ms for d to answer, polling sigfd;
 * 1 when it answers, 0 if it did not in time, -1 when a signal arrived
 * (left unread).
 */
int
start_wait(struct directory *d, long ms, int sigfd)
{
	struct pollfd	 pfd;
	long		 waited;

	pfd.fd = sigfd;
	pfd.events = POLLIN;
	for (waited = 0; waited < ms; waited += START_POLL) {
		if (dir_answers(d))
			return 1;
		if (poll(&pfd, 1, START_POLL) > 0)
			return -1;
	}
	return dir_answers(d);
}
