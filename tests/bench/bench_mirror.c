/*
 * bench_mirror.c - ldap_mode = mirror against a loaded slapd: time of the
 * first full load, resident memory per sender, lookup cost, and the time
 * from an LDAP modify to the directory answering with the new value.
 *
 *	bench_mirror -c sendergate.conf -n SENDERS -D ADMIN_DN -w ADMIN_PW
 *
 * The directory is the one tests/bench/gen_ldif.sh writes (senders
 * uI@dK.bench, 100 per domain). Prints "name value unit" lines.
 */
#include <ldap.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/conf.h"
#include "dir/dir.h"
#include "lib/log.h"

static struct directory	*dir;
static long		 nsenders;

/* Monotonic nanoseconds. */
static long long
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* VmRSS of this process in KiB. */
static long
rss_kib(void)
{
	FILE	*f = fopen("/proc/self/status", "r");
	char	 line[256];
	long	 kib = -1;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

/* Sender i's address (and its domain, pointing into it). */
static const char *
addr_of(long i, char *buf, size_t len)
{
	snprintf(buf, len, "u%ld@d%ld.bench", i, i / 100);
	return strchr(buf, '@') + 1;
}

/* Look sender i up: its limit, or -1 when not found. */
static long
limit_of(long i)
{
	struct dir_answer	 a;
	char			 buf[64];
	const char		*d = addr_of(i, buf, sizeof(buf));
	long			 lim = -1;

	if (dir_lookup(dir, buf, d, &a) == DIR_SENDER)
		lim = a.entry->snd.limit;
	dir_answer_release(&a);
	return lim;
}

struct worker {
	long		 n;
	unsigned	 seed;
	long long	 ns;
	long		 found;
};

/* n random lookups. */
static void *
work(void *arg)
{
	struct worker	*w = arg;
	long long	 t0 = now_ns();
	long		 k;

	for (k = 0; k < w->n; k++)
		if (limit_of((long)(rand_r(&w->seed) % (unsigned)nsenders)) >= 0)
			w->found++;
	w->ns = now_ns() - t0;
	return NULL;
}

/* Lookups per thread count: mean ns per lookup, per thread. */
static void
bench_lookups(int threads, long per)
{
	struct worker	 w[16];
	pthread_t	 th[16];
	long long	 t0 = now_ns(), wall;
	long		 found = 0;
	int		 i;

	for (i = 0; i < threads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].n = per;
		w[i].seed = (unsigned)(i + 1) * 7919u;
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		found += w[i].found;
	}
	wall = now_ns() - t0;
	printf("lookup_threads_%d %.0f ns/lookup (%.2f M lookups/s, "
	    "%ld of %ld found)\n", threads, (double)wall * threads /
	    ((double)per * threads), (double)per * threads * 1000.0 / wall,
	    found, per * threads);
}

/* Modify sender i's limit over LDAP, wait for the directory to show it. */
static double
change_ms(LDAP *ld, const char *base, long i, long value)
{
	char		 dn[256], val[32], buf[64];
	char		*vals[2] = { val, NULL };
	LDAPMod		 mod, *mods[2] = { &mod, NULL };
	long long	 t0, deadline;

	addr_of(i, buf, sizeof(buf));
	snprintf(dn, sizeof(dn), "mail=%s,sgDomainName=d%ld-bench.relay."
	    "example,%s", buf, i / 100, base);
	snprintf(val, sizeof(val), "%ld", value);
	mod.mod_op = LDAP_MOD_REPLACE;
	mod.mod_type = (char *)(uintptr_t)"sgMonthlyLimit";
	mod.mod_values = vals;
	t0 = now_ns();
	if (ldap_modify_ext_s(ld, dn, mods, NULL, NULL) != LDAP_SUCCESS) {
		fprintf(stderr, "modify %s failed\n", dn);
		return -1;
	}
	deadline = t0 + 10000000000LL;
	while (limit_of(i) != value && now_ns() < deadline)
		usleep(100);
	return (double)(now_ns() - t0) / 1e6;
}

int
main(int argc, char *argv[])
{
	struct sg_conf	 c;
	struct berval	 cred;
	LDAP		*ld;
	const char	*conf = NULL, *admin = NULL, *pw = NULL;
	char		 err[1024];
	long		 rss0, rss1, per;
	long long	 t0;
	double		 ms;
	int		 ch, i;

	while ((ch = getopt(argc, argv, "c:n:D:w:")) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'n': nsenders = atol(optarg); break;
		case 'D': admin = optarg; break;
		case 'w': pw = optarg; break;
		default: return 2;
		}
	}
	if (conf == NULL || nsenders <= 0 || admin == NULL || pw == NULL) {
		fprintf(stderr, "usage: bench_mirror -c CONF -n N -D DN -w PW\n");
		return 2;
	}
	if (conf_load(conf, &c, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	log_init("bench_mirror", 1, LOG_LVL_WARNING);
	signal(SIGPIPE, SIG_IGN);	/* as the daemon does */

	rss0 = rss_kib();
	t0 = now_ns();
	if ((dir = dir_open(&c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* loaded when the last sender answers */
	while (limit_of(nsenders - 1) < 0) {
		if (now_ns() - t0 > 1800000000000LL) {
			fprintf(stderr, "not loaded in 30 min\n");
			return 1;
		}
		usleep(1000);
	}
	printf("load %.2f s\n", (double)(now_ns() - t0) / 1e9);
	sleep(1);
	rss1 = rss_kib();
	printf("rss_before %ld KiB\nrss_after %ld KiB\n", rss0, rss1);
	printf("rss_per_sender %.0f bytes\n",
	    (double)(rss1 - rss0) * 1024.0 / (double)nsenders);

	per = 2000000;
	bench_lookups(1, per);
	bench_lookups(2, per);

	if (ldap_initialize(&ld, c.ldap_uri[0]) != LDAP_SUCCESS)
		return 1;
	i = LDAP_VERSION3;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &i);
	cred.bv_val = (char *)(uintptr_t)pw;
	cred.bv_len = strlen(pw);
	if (ldap_sasl_bind_s(ld, admin, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL) != LDAP_SUCCESS) {
		fprintf(stderr, "admin bind failed\n");
		return 1;
	}
	for (i = 0; i < 7; i++) {
		ms = change_ms(ld, c.ldap_base, (nsenders / 7) * i, 6000 + i);
		printf("change_visible %.2f ms\n", ms);
	}
	ldap_unbind_ext_s(ld, NULL, NULL);
	dir_close(dir);
	conf_free(&c);
	return 0;
}
