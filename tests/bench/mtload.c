/*
 * mtload - a milter load generator: the MTA side of the milter protocol
 * on N concurrent connections, each running whole transactions.
 *
 * Usage: mtload -s socket [-c conns] [-d seconds | -m messages]
 *	  [-w seconds] [-n senders] [-D daemon_name] [-R] [-t seconds]
 *	  [-S seed]
 *
 * Each connection negotiates once (version 6, the actions sendergate
 * needs, every step declinable and every reply skippable, as Postfix
 * offers them) and then, in a loop, runs one transaction the way an MTA
 * runs an SMTP session of one message:
 *
 *	SMFIC_CONNECT (client 198.51.100.7)
 *	SMFIC_HELO, if the milter did not decline it
 *	SMFIC_MAIL <uI@dK.bench> (login uI@dK-bench.relay.example)
 *	SMFIC_RCPT <rcpt@example.net>
 *	SMFIC_DATA, headers From, To, Subject, Date, Message-ID, SMFIC_EOH,
 *	    a 1 KB body (-b: another size, in chunks of 65535 octets
 *	    as Postfix sends it): each unless declined
 *	SMFIC_BODYEOB (macro i): modifications, then the final reply
 *	SMFIC_QUIT_NC (or, with -R, SMFIC_QUIT and a new socket)
 *
 * Senders are drawn uniformly from n (default 1000) senders named as
 * tests/bench/gen_ldif.sh names them: uI@dK.bench, K = I / 100, with the
 * login uI@dK-bench.relay.example; every Message-ID is new. Each step
 * carries the macros the milter asked for in negotiation (else those
 * Postfix sends by default), and packets go out in one write per reply
 * awaited, as Postfix's buffered stream does.
 *
 * A transaction is timed from its SMFIC_CONNECT to its final reply. After
 * the warm-up (-w, default 1 s, not counted) the connections run for -d
 * seconds (default 5); then mtload prints one line on stdout:
 *
 *	mtload conns=8 secs=5.00 msgs=N rate=R p50_us= p99_us= p999_us=
 *	    max_us= accepted= rejected= tempfailed= copies= errors= all=
 *
 * rate is transactions ended per second (any reply); accepted counts a
 * final continue or accept, copies the recipients added (SMFIR_ADDRCPT
 * and SMFIR_ADDRCPT_PAR); all counts the warm-up's transactions too, to
 * divide what the servers counted by. Exit status: 0, 1 when a transaction failed on
 * the wire (errors > 0) or none ended, 2 on a usage error.
 *
 * -m messages	instead of -d: exactly this many transactions in all, then
 *		stop (tests/bench/profile.sh: the same work on every run,
 *		however fast the machine is)
 * -R		a new socket and option negotiation for every transaction
 * -D name	the {daemon_name} macro (default "smtp")
 * -t seconds	time to wait for each reply (default 10)
 * -S seed	random seed (default 1), so runs draw the same senders
 * -b bytes	the body's size (default 1024; lines of 64 octets)
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "milterproto.h"

#define OFFER_ACTIONS	(SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | \
			 SMFIF_DELRCPT | SMFIF_CHGHDRS | SMFIF_QUARANTINE | \
			 SMFIF_CHGFROM | SMFIF_ADDRCPT_PAR | SMFIF_SETSYMLIST)
#define OFFER_PROTOCOL	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | \
			 SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | \
			 SMFIP_NOEOH | SMFIP_NR_HDR | SMFIP_NOUNKNOWN | \
			 SMFIP_NODATA | SMFIP_NR_CONN | SMFIP_NR_HELO | \
			 SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | \
			 SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY)
#define MAX_PACKET	65536U
#define BODY_CHUNK	65535	/* Postfix's MILTER_CHUNK_SIZE */
#define LAT_CHUNK	65536
#define NSTAGES		7	/* SMFIM_CONNECT .. SMFIM_EOH */
#define M_CONNECT	0
#define M_ENVFROM	2
#define M_ENVRCPT	3
#define M_EOM		5

/* What Postfix sends for a stage the milter has no macro list for. */
static const char *const default_macros[NSTAGES] = {
	[M_CONNECT] = "j {daemon_name} v",
	[M_ENVFROM] = "i {auth_type} {auth_authen} {auth_author} {mail_addr}",
	[M_ENVRCPT] = "i {rcpt_addr}",
	[M_EOM] = "i",
};

/* One transaction's macro values. */
struct tx {
	const char	*qid, *login, *from;
};

struct worker {
	pthread_t	 tid;
	int		 id;
	int		 fd;
	uint32_t	 pflags;	/* steps and replies negotiated */
	char		 symlist[NSTAGES][256];	/* macros asked for, or "" */
	uint64_t	 rng;
	unsigned long	 seq;
	unsigned char	 out[8192];	/* packets not yet written */
	size_t		 olen;
	unsigned char	 in[65536];	/* bytes read, not yet taken */
	size_t		 ipos, ilen;
	unsigned char	 pkt[MAX_PACKET];
	/* results, counted only while measuring */
	uint32_t	*lat;		/* microseconds */
	size_t		 nlat, latcap;
	unsigned long	 accepted, rejected, tempfailed, copies, errors;
	unsigned long	 ended;		/* warm-up included */
	char		 err[256];
};

static struct mt_target	 target;
static const char	*spec;
static const char	*daemon_name = "smtp";
static long		 nsenders = 1000;
static int		 reconnect;
static int		 timeout_s = 10;
static unsigned long	 seed = 1;
static int		 measuring;	/* atomic; set after the warm-up */
static int		 stopping;	/* atomic */
static int		 bycount;	/* -m given */
static long		 remaining;	/* atomic; -m: transactions left */
static char		*body;
static size_t		 body_len = 1024;	/* -b */

static long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* xorshift64*: per-thread, no locking. */
static uint64_t
rnd(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1DULL;
}

/* Write len octets of p to the socket. */
static int
write_all(struct worker *w, const void *p, size_t len)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		n = write(w->fd, (const char *)p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(w->err, sizeof(w->err), "write: %s",
			    n == 0 ? "closed" : strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Write what is queued. */
static int
flush_out(struct worker *w)
{
	if (write_all(w, w->out, w->olen) == -1)
		return -1;
	w->olen = 0;
	return 0;
}

/*
 * Queue one packet: length, command, then the parts (NULs included). A
 * packet larger than the queue (a body chunk) is written at once, after
 * what is queued.
 */
static int
put(struct worker *w, int cmd, const void *data, size_t len)
{
	uint32_t	 n = htonl((uint32_t)len + 1);
	unsigned char	 head[5];

	if (w->olen + 5 + len > sizeof(w->out)) {
		if (flush_out(w) == -1)
			return -1;
		if (5 + len > sizeof(w->out)) {
			memcpy(head, &n, 4);
			head[4] = (unsigned char)cmd;
			return write_all(w, head, 5) == -1 ||
			    write_all(w, data, len) == -1 ? -1 : 0;
		}
	}
	memcpy(w->out + w->olen, &n, 4);
	w->out[w->olen + 4] = (unsigned char)cmd;
	if (len > 0)		/* data may be NULL then */
		memcpy(w->out + w->olen + 5, data, len);
	w->olen += 5 + len;
	return 0;
}

/* Queue a packet of NUL-terminated strings (NULL ends the list). */
static int
put_strs(struct worker *w, int cmd, const char *s, ...)
{
	char		 buf[1024];
	size_t		 len = 0, n;
	va_list		 ap;

	va_start(ap, s);
	for (; s != NULL; s = va_arg(ap, const char *)) {
		n = strlen(s) + 1;
		if (len + n > sizeof(buf)) {
			va_end(ap);
			snprintf(w->err, sizeof(w->err), "packet too long");
			return -1;
		}
		memcpy(buf + len, s, n);
		len += n;
	}
	va_end(ap);
	return put(w, cmd, buf, len);
}

/* A macro's value in transaction t; NULL when it has none. */
static const char *
macro_value(const char *name, const struct tx *t)
{
	if (strcmp(name, "i") == 0)
		return t->qid;
	if (strcmp(name, "j") == 0)
		return "relay.bench";
	if (strcmp(name, "v") == 0)
		return "Postfix 3.7.11";
	if (strcmp(name, "{daemon_name}") == 0)
		return daemon_name;
	if (strcmp(name, "{auth_type}") == 0)
		return "PLAIN";
	if (strcmp(name, "{auth_authen}") == 0)
		return t->login;
	if (strcmp(name, "{mail_addr}") == 0)
		return t->from;
	if (strcmp(name, "{rcpt_addr}") == 0)
		return "rcpt@example.net";
	return NULL;
}

/*
 * Queue the macros of a stage, as an MTA does: those the milter listed
 * in negotiation (SMFIF_SETSYMLIST), else the MTA's defaults; nothing
 * when none has a value.
 */
static int
put_macros(struct worker *w, int cmd, int stage, const struct tx *t)
{
	char		 buf[1024], name[64];
	const char	*list = w->symlist[stage][0] != '\0' ?
			    w->symlist[stage] : default_macros[stage];
	const char	*v;
	size_t		 len = 0, n, k;

	buf[len++] = (char)cmd;
	while (list != NULL && *list != '\0') {
		for (n = 0; list[n] != '\0' && list[n] != ' '; n++)
			;
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, list, n);
			name[n] = '\0';
			if ((v = macro_value(name, t)) != NULL &&
			    len + n + strlen(v) + 2 <= sizeof(buf)) {
				memcpy(buf + len, name, n + 1);
				len += n + 1;
				k = strlen(v) + 1;
				memcpy(buf + len, v, k);
				len += k;
			}
		}
		list += n;
		while (*list == ' ')
			list++;
	}
	return len > 1 ? put(w, SMFIC_MACRO, buf, len) : 0;
}

/* Take n bytes from the socket, through the read buffer. */
static int
take(struct worker *w, unsigned char *p, size_t n)
{
	ssize_t	 r;
	size_t	 k;

	while (n > 0) {
		if (w->ipos == w->ilen) {
			r = read(w->fd, w->in, sizeof(w->in));
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0) {
				snprintf(w->err, sizeof(w->err), "read: %s",
				    r == 0 ? "milter closed the connection" :
				    errno == EAGAIN ? "timed out" :
				    strerror(errno));
				return -1;
			}
			w->ipos = 0;
			w->ilen = (size_t)r;
		}
		k = w->ilen - w->ipos < n ? w->ilen - w->ipos : n;
		memcpy(p, w->in + w->ipos, k);
		w->ipos += k;
		p += k;
		n -= k;
	}
	return 0;
}

/* Flush, then read one reply packet; its code, or -1. *len: data bytes. */
static int
reply(struct worker *w, size_t *len)
{
	unsigned char	 h[5];
	uint32_t	 n;

	if (w->olen > 0 && flush_out(w) == -1)
		return -1;
	if (take(w, h, 5) == -1)
		return -1;
	memcpy(&n, h, 4);
	n = ntohl(n);
	if (n == 0 || n > MAX_PACKET) {
		snprintf(w->err, sizeof(w->err), "bad packet length %u", n);
		return -1;
	}
	*len = n - 1;
	if (take(w, w->pkt, n - 1) == -1)
		return -1;
	return h[4];
}

/* Wait for the reply to a step unless no reply was negotiated. */
static int
step_reply(struct worker *w, uint32_t nr, int *final)
{
	size_t	 len;
	int	 code;

	if (w->pflags & nr)
		return 0;
	while ((code = reply(w, &len)) == SMFIR_PROGRESS)
		;
	if (code == -1)
		return -1;
	if (code != SMFIR_CONTINUE)
		*final = code;
	return 0;
}

/* Connect and negotiate. */
static int
open_conn(struct worker *w)
{
	unsigned char	 b[12];
	uint32_t	 v[3] = { htonl(PROT_VERSION), htonl(OFFER_ACTIONS),
			    htonl(OFFER_PROTOCOL) };
	struct timeval	 tv = { timeout_s, 0 };
	size_t		 len, off, n;

	w->ipos = w->ilen = w->olen = 0;
	if ((w->fd = socket(target.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1 || connect(w->fd, (struct sockaddr *)&target.ss,
	    target.len) == -1) {
		snprintf(w->err, sizeof(w->err), "connect %s: %s", spec,
		    strerror(errno));
		return -1;
	}
	setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(w->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memcpy(b, v, sizeof(b));
	if (put(w, SMFIC_OPTNEG, b, sizeof(b)) == -1 ||
	    reply(w, &len) != SMFIC_OPTNEG || len < 12) {
		if (w->err[0] == '\0')
			snprintf(w->err, sizeof(w->err), "bad negotiation");
		return -1;
	}
	memcpy(v, w->pkt, sizeof(v));
	w->pflags = ntohl(v[2]);
	memset(w->symlist, 0, sizeof(w->symlist));
	for (off = 12; off + 5 <= len; off += n + 1) {
		uint32_t	 stage;

		memcpy(&stage, w->pkt + off, 4);
		stage = ntohl(stage);
		off += 4;
		n = strnlen((char *)w->pkt + off, len - off);
		if (off + n == len)
			break;		/* not NUL-terminated: ignored */
		if (stage < NSTAGES && n < sizeof(w->symlist[0]))
			memcpy(w->symlist[stage], w->pkt + off, n + 1);
	}
	return 0;
}

static void
close_conn(struct worker *w, int cmd)
{
	if (w->fd == -1)
		return;
	if (cmd != 0 && put(w, cmd, NULL, 0) == 0)
		(void)flush_out(w);
	close(w->fd);
	w->fd = -1;
}

/* One transaction; 0, or -1 on a wire error (w->err). */
static int
transaction(struct worker *w)
{
	char		 addr[64], from[68], login[80], qid[32], msgid[96];
	const char	*date = "Sun, 22 Nov 2026 12:00:00 +0000";
	struct tx	 t = { qid, login, addr };
	unsigned long	 i = (unsigned long)(rnd(w) % (uint64_t)nsenders);
	long long	 t0 = now_us(), dt;
	size_t		 len, off, chunk;
	int		 final = 0, code, copies = 0;
	unsigned char	 hdr[32];	/* connect: host, family, port, address */
	uint16_t	 port = htons(25);

	w->seq++;
	snprintf(addr, sizeof(addr), "u%lu@d%lu.bench", i, i / 100);
	snprintf(from, sizeof(from), "<%s>", addr);
	snprintf(login, sizeof(login), "u%lu@d%lu-bench.relay.example", i,
	    i / 100);
	snprintf(qid, sizeof(qid), "L%dQ%lu", w->id, w->seq);
	snprintf(msgid, sizeof(msgid), "<%lu.%d.%lu.%llx@load.bench>", seed,
	    w->id, w->seq, (unsigned long long)t0);

	/* connect: macros, then host, family, port, address */
	if (put_macros(w, SMFIC_CONNECT, M_CONNECT, &t) == -1)
		return -1;
	memcpy(hdr, "client.bench\0" "4", 14);
	memcpy(hdr + 14, &port, 2);
	memcpy(hdr + 16, "198.51.100.7", 13);
	if (!(w->pflags & SMFIP_NOCONNECT) &&
	    (put(w, SMFIC_CONNECT, hdr, 29) == -1 ||
	    step_reply(w, SMFIP_NR_CONN, &final) == -1))
		return -1;
	if (!(w->pflags & SMFIP_NOHELO) &&
	    (put_strs(w, SMFIC_HELO, "client.bench", (char *)NULL) == -1 ||
	    step_reply(w, SMFIP_NR_HELO, &final) == -1))
		return -1;
	if (final == 0 && (put_macros(w, SMFIC_MAIL, M_ENVFROM, &t) == -1 ||
	    put_strs(w, SMFIC_MAIL, from, (char *)NULL) == -1 ||
	    step_reply(w, SMFIP_NR_MAIL, &final) == -1))
		return -1;
	if (final == 0 && (put_macros(w, SMFIC_RCPT, M_ENVRCPT, &t) == -1 ||
	    put_strs(w, SMFIC_RCPT, "<rcpt@example.net>", (char *)NULL) == -1 ||
	    step_reply(w, SMFIP_NR_RCPT, &final) == -1))
		return -1;
	if (final == 0 && !(w->pflags & SMFIP_NODATA) &&
	    (put(w, SMFIC_DATA, NULL, 0) == -1 ||
	    step_reply(w, SMFIP_NR_DATA, &final) == -1))
		return -1;
	if (final == 0 && !(w->pflags & SMFIP_NOHDRS)) {
		const char *h[][2] = { { "From", from }, { "To",
		    "<rcpt@example.net>" }, { "Subject", "load test" },
		    { "Date", date }, { "Message-ID", msgid } };
		size_t	 k;

		for (k = 0; k < 5 && final == 0; k++)
			if (put_strs(w, SMFIC_HEADER, h[k][0], h[k][1],
			    (char *)NULL) == -1 ||
			    step_reply(w, SMFIP_NR_HDR, &final) == -1)
				return -1;
	}
	if (final == 0 && !(w->pflags & SMFIP_NOEOH) &&
	    (put(w, SMFIC_EOH, NULL, 0) == -1 ||
	    step_reply(w, SMFIP_NR_EOH, &final) == -1))
		return -1;
	for (off = 0; off < body_len && final == 0 &&
	    !(w->pflags & SMFIP_NOBODY); off += BODY_CHUNK) {
		chunk = body_len - off < BODY_CHUNK ? body_len - off :
		    BODY_CHUNK;
		if (put(w, SMFIC_BODY, body + off, chunk) == -1 ||
		    step_reply(w, SMFIP_NR_BODY, &final) == -1)
			return -1;
	}
	if (final == 0) {
		if (put_macros(w, SMFIC_BODYEOB, M_EOM, &t) == -1 ||
		    put(w, SMFIC_BODYEOB, NULL, 0) == -1)
			return -1;
		for (;;) {
			if ((code = reply(w, &len)) == -1)
				return -1;
			if (code == SMFIR_ADDRCPT || code == SMFIR_ADDRCPT_PAR)
				copies++;
			else if (code != SMFIR_ADDHEADER &&
			    code != SMFIR_INSHEADER && code != SMFIR_PROGRESS)
				break;
		}
		final = code;
	} else if (put(w, SMFIC_ABORT, NULL, 0) == -1)
		return -1;
	dt = now_us() - t0;
	w->ended++;
	if (!__atomic_load_n(&measuring, __ATOMIC_RELAXED))
		return 0;
	if (w->nlat == w->latcap) {
		uint32_t *n = realloc(w->lat, (w->latcap + LAT_CHUNK) *
		    sizeof(*n));
		if (n == NULL) {
			snprintf(w->err, sizeof(w->err), "out of memory");
			return -1;
		}
		w->lat = n;
		w->latcap += LAT_CHUNK;
	}
	w->lat[w->nlat++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
	if (final == SMFIR_CONTINUE || final == SMFIR_ACCEPT)
		w->accepted++;
	else if (final == SMFIR_TEMPFAIL ||
	    (final == SMFIR_REPLYCODE && w->pkt[0] == '4'))
		w->tempfailed++;
	else
		w->rejected++;
	w->copies += (unsigned long)copies;
	return 0;
}

static void *
run(void *arg)
{
	struct worker	*w = arg;

	w->fd = -1;
	while (!__atomic_load_n(&stopping, __ATOMIC_RELAXED)) {
		if (bycount &&
		    __atomic_sub_fetch(&remaining, 1, __ATOMIC_RELAXED) < 0)
			break;
		if (w->fd == -1 && open_conn(w) == -1)
			goto fail;
		if (transaction(w) == -1)
			goto fail;
		if (reconnect)
			close_conn(w, SMFIC_QUIT);
		else if (put(w, SMFIC_QUIT_NC, NULL, 0) == -1)
			goto fail;	/* sent with the next packets */
		continue;
fail:
		if (__atomic_load_n(&measuring, __ATOMIC_RELAXED))
			w->errors++;
		fprintf(stderr, "mtload: connection %d: %s\n", w->id, w->err);
		w->err[0] = '\0';
		close_conn(w, 0);
		if (w->errors > 100)
			break;
		usleep(10000);
	}
	close_conn(w, SMFIC_QUIT);
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static long
num(const char *s, long lo, long hi, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "mtload: %s must be a number from %ld to %ld: "
		    "%s\n", what, lo, hi, s);
		exit(2);
	}
	return v;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: mtload -s socket [-c conns] [-d seconds | "
	    "-m messages] [-w seconds] [-n senders]\n"
	    "              [-D daemon_name] [-R] [-t seconds] [-S seed] "
	    "[-b bytes]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct worker	*w;
	uint32_t	*all;
	size_t		 n = 0, k;
	unsigned long	 acc = 0, rej = 0, tf = 0, cp = 0, errs = 0, ended = 0;
	long		 conns = 1, secs = 5, warm = 1, i;
	long long	 t0, t1;
	double		 el;
	int		 ch;

	while ((ch = getopt(argc, argv, "b:c:D:d:m:n:Rs:S:t:w:")) != -1) {
		switch (ch) {
		case 'b':
			body_len = (size_t)num(optarg, 1, 100000000, "-b");
			break;
		case 'c':
			conns = num(optarg, 1, 4096, "-c");
			break;
		case 'D':
			daemon_name = optarg;
			break;
		case 'd':
			secs = num(optarg, 1, 86400, "-d");
			break;
		case 'm':
			remaining = num(optarg, 1, 100000000, "-m");
			bycount = 1;
			warm = 0;
			break;
		case 'n':
			nsenders = num(optarg, 1, 100000000, "-n");
			break;
		case 'R':
			reconnect = 1;
			break;
		case 's':
			spec = optarg;
			break;
		case 'S':
			seed = (unsigned long)num(optarg, 0, LONG_MAX, "-S");
			break;
		case 't':
			timeout_s = (int)num(optarg, 1, 3600, "-t");
			break;
		case 'w':
			warm = num(optarg, 0, 3600, "-w");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || spec == NULL)
		usage();
	if (strlen(daemon_name) > 64) {
		fprintf(stderr, "mtload: -D: name too long\n");
		return 2;
	}
	if (mt_parse_target(spec, &target) == -1) {
		fprintf(stderr, "mtload: bad socket %s (inet:PORT@HOST, "
		    "inet6:PORT@HOST or unix:PATH)\n", spec);
		return 2;
	}
	if ((body = malloc(body_len)) == NULL) {
		fprintf(stderr, "mtload: out of memory\n");
		return 1;
	}
	memset(body, 'x', body_len);
	for (k = 63; k < body_len; k += 64)
		body[k - 1] = '\r', body[k] = '\n';
	if ((w = calloc((size_t)conns, sizeof(*w))) == NULL) {
		fprintf(stderr, "mtload: out of memory\n");
		return 1;
	}
	for (i = 0; i < conns; i++) {
		w[i].id = (int)i;
		w[i].rng = (seed + 1) * 0x9E3779B97F4A7C15ULL + (uint64_t)i *
		    0xBF58476D1CE4E5B9ULL + 1;
		if (pthread_create(&w[i].tid, NULL, run, &w[i]) != 0) {
			fprintf(stderr, "mtload: cannot start thread %ld\n", i);
			return 1;
		}
	}
	sleep((unsigned)warm);
	t0 = now_us();
	__atomic_store_n(&measuring, 1, __ATOMIC_RELAXED);
	if (!bycount)
		sleep((unsigned)secs);
	else			/* -m: the workers stop when all are sent */
		for (i = 0; i < conns; i++)
			pthread_join(w[i].tid, NULL);
	__atomic_store_n(&measuring, 0, __ATOMIC_RELAXED);
	t1 = now_us();
	__atomic_store_n(&stopping, 1, __ATOMIC_RELAXED);
	for (i = 0; i < conns; i++) {
		if (!bycount)
			pthread_join(w[i].tid, NULL);
		n += w[i].nlat;
	}
	if ((all = malloc((n + 1) * sizeof(*all))) == NULL) {
		fprintf(stderr, "mtload: out of memory\n");
		return 1;
	}
	n = 0;
	for (i = 0; i < conns; i++) {
		if (w[i].nlat > 0)	/* lat is NULL then */
			memcpy(all + n, w[i].lat, w[i].nlat * sizeof(*all));
		n += w[i].nlat;
		acc += w[i].accepted;
		rej += w[i].rejected;
		tf += w[i].tempfailed;
		cp += w[i].copies;
		errs += w[i].errors;
		ended += w[i].ended;
		free(w[i].lat);
	}
	qsort(all, n, sizeof(*all), cmp_u32);
	el = (double)(t1 - t0) / 1e6;
	printf("mtload conns=%ld secs=%.2f msgs=%zu rate=%.0f p50_us=%u "
	    "p99_us=%u p999_us=%u max_us=%u accepted=%lu rejected=%lu "
	    "tempfailed=%lu copies=%lu errors=%lu all=%lu\n", conns, el, n,
	    (double)n / el, n ? all[n / 2] : 0, n ? all[n * 99 / 100] : 0,
	    n ? all[n * 999 / 1000] : 0, n ? all[n - 1] : 0, acc, rej, tf, cp,
	    errs, ended);
	free(all);
	free(w);
	return errs > 0 || n == 0 ? 1 : 0;
}
