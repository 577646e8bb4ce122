/*
 * bench_hash.c - hash flooding: addresses built to collide under the
 * unkeyed FNV-1a hash the directory tables once used, against random
 * addresses, looked up in the mirror index (the same dir_hash keys the
 * query cache).
 *
 *	bench_hash [-n ADDRESSES] [-r ROUNDS]
 *
 * The colliding set is built as FNV-1a's iterative structure allows:
 * find two 6-character blocks that take FNV's state to the same value
 * (a birthday search, some 2^16 tries), then two more from that state,
 * and so on; any choice of one block of each pair, followed by
 * "@flood.test", has the same 32-bit FNV-1a hash. k pairs give 2^k
 * addresses. The table is filled with the colliding set and as many
 * random addresses; then each set is looked up, every address once a
 * round. Prints "name value unit" lines: the buckets the colliding set
 * would fill under FNV-1a (1: one chain holds them all) and under
 * dir_hash, the median ns a lookup for each set, and their ratio.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dir/dir.h"
#include "dir/mirror.h"

#define BLOCK	6
#define SLOTS	(1u << 20)		/* birthday table */
static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789";

/* FNV-1a's step over len octets from state h. */
static uint32_t
fnv(uint32_t h, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* A random block. */
static void
block(char *b)
{
	int	 i;

	for (i = 0; i < BLOCK; i++)
		b[i] = alpha[random() % (sizeof(alpha) - 1)];
}

/* Two different blocks a, b that take state h to one state; returns it. */
static uint32_t
pair(uint32_t h, char *a, char *b)
{
	static uint32_t	*key;
	static char	(*val)[BLOCK];
	static unsigned char *used;
	char		 c[BLOCK];
	uint32_t	 v, i;

	if (key == NULL && ((key = malloc(SLOTS * sizeof(*key))) == NULL ||
	    (val = malloc(SLOTS * sizeof(*val))) == NULL ||
	    (used = malloc(SLOTS)) == NULL)) {
		perror("malloc");
		exit(1);
	}
	memset(used, 0, SLOTS);
	for (;;) {
		block(c);
		v = fnv(h, c, BLOCK);
		for (i = v & (SLOTS - 1); used[i]; i = (i + 1) & (SLOTS - 1))
			if (key[i] == v && memcmp(val[i], c, BLOCK) != 0) {
				memcpy(a, val[i], BLOCK);
				memcpy(b, c, BLOCK);
				return v;
			}
		used[i] = 1;
		key[i] = v;
		memcpy(val[i], c, BLOCK);
	}
}

/* Monotonic nanoseconds. */
static long long
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Distinct buckets of a table of nb buckets that the set's hashes fill. */
static size_t
buckets(char **set, size_t n, size_t nb, int use_fnv)
{
	unsigned char	*seen = calloc(nb, 1);
	size_t		 i, k = 0;
	unsigned	 h;

	if (seen == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		h = use_fnv ? fnv(2166136261u, set[i], strlen(set[i])) :
		    dir_hash(set[i]);
		if (!seen[h % nb]) {
			seen[h % nb] = 1;
			k++;
		}
	}
	free(seen);
	return k;
}

/* ns a lookup, looking up every address of the set once. */
static double
time_set(struct mirror_index *mi, char **set, size_t n)
{
	struct dir_answer ans;
	long long	 t0 = now_ns();
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (mi_lookup(mi, set[i], strchr(set[i], '@') + 1, &ans) != DIR_SENDER) {
			fprintf(stderr, "bench_hash: %s not found\n", set[i]);
			exit(1);
		}
		dir_answer_release(&ans);
	}
	return (double)(now_ns() - t0) / (double)n;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	char		 pa[32][BLOCK], pb[32][BLOCK];
	char		**flood, **rnd, b[BLOCK];
	struct sg_entry	 e;
	struct mi_table	*t;
	struct mirror_index *mi;
	double		*tf, *tr;
	uint32_t	 h = 2166136261u;
	size_t		 n = 8192, i, rounds = 9;
	int		 k, j, ch;

	while ((ch = getopt(argc, argv, "n:r:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench_hash [-n N] [-r R]\n");
			return 2;
		}
	}
	for (k = 0; (1ul << k) < n && k < 31; k++)
		;
	n = 1ul << k;
	if (rounds == 0)
		rounds = 1;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	/* k colliding pairs, one after another */
	for (j = 0; j < k; j++)
		h = pair(h, pa[j], pb[j]);
	flood = calloc(n, sizeof(*flood));
	rnd = calloc(n, sizeof(*rnd));
	if (flood == NULL || rnd == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		if ((flood[i] = calloc(1, k * BLOCK + 16)) == NULL ||
		    (rnd[i] = calloc(1, k * BLOCK + 16)) == NULL)
			return 1;
		for (j = 0; j < k; j++) {
			memcpy(flood[i] + j * BLOCK, (i >> j) & 1 ? pb[j] :
			    pa[j], BLOCK);
			block(b);
			memcpy(rnd[i] + j * BLOCK, b, BLOCK);
		}
		strcat(flood[i], "@flood.test");
		strcat(rnd[i], "@flood.test");
	}

	/* one table holding both sets */
	memset(&e, 0, sizeof(e));
	e.refs = 1;
	if ((t = mi_table_new(2 * n)) == NULL ||
	    mi_put_domain(t, "flood.test", 1) == -1)
		return 1;
	for (i = 0; i < n; i++)
		if (mi_put_sender(t, flood[i], &e) == -1 ||
		    mi_put_sender(t, rnd[i], &e) == -1)
			return 1;
	mi = mi_new();
	(void)mi_swap(mi, t);

	tf = calloc(rounds, sizeof(*tf));
	tr = calloc(rounds, sizeof(*tr));
	for (i = 0; i < rounds; i++) {	/* alternating, side by side */
		tf[i] = time_set(mi, flood, n);
		tr[i] = time_set(mi, rnd, n);
	}
	qsort(tf, rounds, sizeof(*tf), cmp_double);
	qsort(tr, rounds, sizeof(*tr), cmp_double);
	printf("addresses_each_set %zu\n", n);
	printf("flood_buckets_fnv1a_of_4096 %zu\n", buckets(flood, n, 4096, 1));
	printf("flood_buckets_dir_hash_of_4096 %zu\n",
	    buckets(flood, n, 4096, 0));
	printf("random_buckets_dir_hash_of_4096 %zu\n",
	    buckets(rnd, n, 4096, 0));
	printf("lookup_flood_median %.0f ns\n", tf[rounds / 2]);
	printf("lookup_random_median %.0f ns\n", tr[rounds / 2]);
	printf("flood_over_random %.2f\n", tf[rounds / 2] / tr[rounds / 2]);
	mi_free(mi);
	for (i = 0; i < n; i++) {
		free(flood[i]);
		free(rnd[i]);
	}
	free(flood);
	free(rnd);
	free(tf);
	free(tr);
	return 0;
}
