/*
 * notify.c - a minimal SMTP client (RFC 5321) that submits one mail to
 * notify_relay and waits for the answer. See notify.h.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netdb.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "lib/hostport.h"
#include "lib/notify.h"

#define LINE_MAX_SMTP	1000		/* RFC 5321 4.5.3.1.5, with CRLF */

struct smtp {
	int		 fd;
	char		 buf[4096];	/* what was read, not yet used */
	size_t		 len;
	char		*err;
	size_t		 errlen;
	int		 temporary;
};

/* Connect to "host:port"; the fd, or -1 with the reason. */
static int
smtp_connect(struct smtp *s, const char *relay)
{
	struct addrinfo	 hints, *res, *ai;
	struct timeval	 tv = { NOTIFY_TIMEOUT, 0 };
	char		 host[256], port[8];
	int		 p, rc, fd = -1;

	if (hostport_split(relay, strlen(relay), host, sizeof(host), &p) ==
	    -1) {
		snprintf(s->err, s->errlen, "notify_relay %s: not host:port",
		    relay);
		return -1;
	}
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(s->err, s->errlen, "notify_relay %s: %s", relay,
		    gai_strerror(rc));
		s->temporary = 1;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(s->err, s->errlen, "notify_relay %s: cannot connect: "
		    "%s", relay, strerror(errno));
		s->temporary = 1;
	}
	return fd;
}

/* Write all of len octets; 0 or -1. */
static int
smtp_write(struct smtp *s, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = send(s->fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(s->err, s->errlen, "write: %s",
			    n == 0 ? "closed" : strerror(errno));
			s->temporary = 1;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One reply line into line (CRLF removed); 0 or -1. */
static int
smtp_line(struct smtp *s, char *line, size_t linelen)
{
	char	*nl;
	size_t	 k;
	ssize_t	 n;

	while ((nl = memchr(s->buf, '\n', s->len)) == NULL) {
		if (s->len == sizeof(s->buf)) {
			snprintf(s->err, s->errlen, "reply line too long");
			return -1;
		}
		n = recv(s->fd, s->buf + s->len, sizeof(s->buf) - s->len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(s->err, s->errlen, "read: %s", n == 0 ?
			    "connection closed" : strerror(errno));
			s->temporary = 1;
			return -1;
		}
		s->len += (size_t)n;
	}
	k = (size_t)(nl - s->buf);
	if (k > 0 && s->buf[k - 1] == '\r')
		k--;
	snprintf(line, linelen, "%.*s", (int)k, s->buf);
	s->len -= (size_t)(nl - s->buf) + 1;
	memmove(s->buf, nl + 1, s->len);
	return 0;
}

/*
 * Read a (multi-line) reply; its code, or -1. want: the first digit
 * that means success; another sets the error (what: the command).
 */
static int
smtp_reply(struct smtp *s, char want, const char *what)
{
	char	 line[LINE_MAX_SMTP + 2];

	do {
		if (smtp_line(s, line, sizeof(line)) == -1)
			return -1;
		if (strlen(line) < 3 || line[0] < '2' || line[0] > '5') {
			snprintf(s->err, s->errlen, "%s: bad reply \"%.80s\"",
			    what, line);
			s->temporary = 1;
			return -1;
		}
	} while (line[3] == '-');
	if (line[0] != want) {
		snprintf(s->err, s->errlen, "%s: %.200s", what, line);
		s->temporary = line[0] == '4';
		return -1;
	}
	return atoi(line);
}

/* Send a command line (CRLF added) and read its reply. */
static int
smtp_cmd(struct smtp *s, char want, const char *what, const char *fmt, ...)
{
	char	 line[LINE_MAX_SMTP + 2];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2) {
		snprintf(s->err, s->errlen, "%s: line too long", what);
		return -1;
	}
	memcpy(line + n, "\r\n", 3);
	if (smtp_write(s, line, (size_t)n + 2) == -1)
		return -1;
	return smtp_reply(s, want, what);
}

/* Is a an address that fits in a command line, with no CR, LF or <>? */
static int
addr_ok(const char *a)
{
	return strlen(a) <= 254 && strpbrk(a, "\r\n<> ") == NULL;
}

/* The message: headers, then body dot-stuffed, CRLF line ends. */
static int
smtp_data(struct smtp *s, const char *from, const char *const *to,
    size_t nto, const char *subject, const char *body, const char *host)
{
	char		 date[64], id[33];
	unsigned char	 rnd[16];
	struct tm	 tm;
	time_t		 now = time(NULL);
	FILE		*f;
	char		*msg = NULL, *p;
	size_t		 len = 0, i;
	int		 ret, bol = 1;

	if ((f = open_memstream(&msg, &len)) == NULL)
		return -1;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	fprintf(f, "From: %s\r\nTo: ", from[0] ? from : "sendergate");
	for (i = 0; i < nto; i++)
		fprintf(f, "%s<%s>", i ? ",\r\n " : "", to[i]);
	fprintf(f, "\r\nSubject: ");
	for (p = (char *)(uintptr_t)subject; *p; p++)
		fputc(*p == '\r' || *p == '\n' ? ' ' : *p, f);
	fprintf(f, "\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n"
	    "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n", date, id, host);
	for (p = (char *)(uintptr_t)body; *p; p++) {
		if (bol && *p == '.')
			fputc('.', f);
		if (*p == '\n')
			fputc('\r', f);
		if (*p != '\r')
			fputc(*p, f);
		bol = *p == '\n';
	}
	fputs(bol ? ".\r\n" : "\r\n.\r\n", f);
	if (fclose(f) != 0) {
		free(msg);
		return -1;
	}
	ret = smtp_write(s, msg, len);
	free(msg);
	return ret == -1 ? -1 : smtp_reply(s, '2', "end of data");
}

/* Submit one mail to relay. */
int
notify_send(const char *relay, const char *from, const char *const *to,
    size_t nto, const char *subject, const char *body, int *temporary,
    char *err, size_t errlen)
{
	struct smtp	 s;
	char		 host[256], scratch[256];
	size_t		 i, took = 0;
	int		 ret = -1;

	memset(&s, 0, sizeof(s));
	s.err = err;
	s.errlen = errlen;
	err[0] = '\0';
	if (temporary != NULL)
		*temporary = 0;
	if (relay == NULL || relay[0] == '\0' || nto == 0) {
		snprintf(err, errlen, relay == NULL || relay[0] == '\0' ?
		    "no notify_relay" : "no recipient");
		return -1;
	}
	if (from == NULL)
		from = "";
	if (!addr_ok(from)) {
		snprintf(err, errlen, "bad sender address");
		return -1;
	}
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0' ||
	    strpbrk(host, " \r\n") != NULL)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if ((s.fd = smtp_connect(&s, relay)) == -1)
		goto out;
	if (smtp_reply(&s, '2', "greeting") == -1 ||
	    smtp_cmd(&s, '2', "EHLO", "EHLO %s", host) == -1 ||
	    smtp_cmd(&s, '2', "MAIL FROM", "MAIL FROM:<%s>", from) == -1)
		goto quit;
	for (i = 0; i < nto; i++) {
		if (!addr_ok(to[i]))
			continue;
		if (smtp_cmd(&s, '2', "RCPT TO", "RCPT TO:<%s>", to[i]) != -1)
			took++;
		else if (s.fd == -1 || s.temporary)
			goto quit;	/* transport or 4xx: all again later */
	}
	if (took == 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "no valid recipient");
		goto quit;
	}
	err[0] = '\0';
	if (smtp_cmd(&s, '3', "DATA", "DATA") == -1 ||
	    smtp_data(&s, from, to, nto, subject, body, host) == -1)
		goto quit;
	ret = 0;
quit:
	if (temporary != NULL)
		*temporary = ret == -1 && s.temporary;
	/* QUIT's own failure tells nothing about the mail */
	s.err = scratch;
	s.errlen = sizeof(scratch);
	(void)smtp_cmd(&s, '2', "QUIT", "QUIT");
	close(s.fd);
	return ret;
out:
	if (temporary != NULL)
		*temporary = s.temporary;
	return ret;
}

/* Submit one mail through c's notify_relay. */
int
notify_send_now(const struct sg_conf *c, const char *const *to, size_t nto,
    const char *subject, const char *body, char *err, size_t errlen)
{
	return notify_send(c->notify_relay, c->notify_from, to, nto, subject,
	    body, NULL, err, errlen);
}
