/*
 * mtclient - drive a milter from a script, the way an MTA does
 *
 * Usage: mtclient [-ev] [-p flags] [-t seconds] -s socket [script]
 *
 * mtclient speaks the MTA side of the Sendmail milter protocol (version 6)
 * to one milter, so that shell tests can run a milter without an MTA and
 * without libmilter on the client side.  It reads a script (the file named,
 * or standard input), one command a line; blank lines and lines whose first
 * non-blank character is '#' are ignored.  For each protocol step that the
 * milter answers it prints one line "word: reply" on standard output, where
 * word is the command and reply is one of continue, accept, reject,
 * tempfail, discard, skip, shutdown, connfail, or the text of an
 * SMFIR_REPLYCODE as received (e.g. "mail: 550 5.7.1 Sender <a@b> is not
 * registered"; trailing NUL, CR and LF are stripped).  Modification actions
 * come before the final reply, one line each:
 *
 *	eom: addrcpt <x@y>			SMFIR_ADDRCPT
 *	eom: addrcpt <x@y> NOTIFY=NEVER		SMFIR_ADDRCPT_PAR (rcpt, args)
 *	eom: delrcpt <x@y>
 *	eom: addheader Name: value		("Name:" if value is empty)
 *	eom: insheader IDX Name: value
 *	eom: chgheader IDX Name: value		(empty value: delete)
 *	eom: chgfrom <a@b> [args]
 *	eom: quarantine reason
 *	eom: replbody data
 *
 * SMFIR_PROGRESS is skipped.  In everything printed, control characters
 * and backslash are written as \t \r \n \\ or \xHH, the same escapes that
 * the script uses, so one reply is always one line.
 *
 * Socket: inet:PORT@HOST, inet6:PORT@HOST (HOST defaults to 127.0.0.1 or
 * ::1), unix:/path or local:/path.
 *
 * Options:
 *	-e		end the script at the first failed expect (as an MTA
 *			ends a transaction at a refusal: a milter answers no
 *			more steps of a transaction it refused, so going on
 *			would only wait out -t for each)
 *	-p flags	protocol flags offered in option negotiation (default
 *			0x37f: the milter may decline any step it has no
 *			callback for, but must answer every step it takes;
 *			-p 0 offers what libmilter takes as version 1, and
 *			a libmilter milter without an eoh callback then
 *			closes the connection)
 *	-t seconds	time to wait for each reply (default 10, may be
 *			fractional); also bounds each write
 *	-v		print every packet sent (>) and received (<) on stderr
 *
 * Commands (words are separated by blanks; in arguments \t \r \n \\ and
 * \xHH are decoded, any other backslash is a syntax error; "rest" is the
 * rest of the line after the blanks that follow the previous word):
 *
 *	connect HOST IP [PORT]	connect, negotiate options (version 6, all
 *				actions), send SMFIC_CONNECT with family '4',
 *				'6' if IP contains ':', or 'U' if IP is "-";
 *				PORT defaults to 0
 *	macro STAGE NAME [rest]	define macro NAME (e.g. {auth_authen} or i)
 *				for STAGE, one of C H M R T L N B E (the
 *				letters of SMFIC_CONNECT HELO MAIL RCPT DATA
 *				HEADER EOH BODY BODYEOB); it is sent in an
 *				SMFIC_MACRO just before each command of that
 *				stage until the connection ends (quit, close
 *				or error); defining it again replaces it
 *	helo NAME
 *	mail ADDR [ARGS...]	each word sent as a NUL-terminated string
 *	rcpt ADDR [ARGS...]
 *	data
 *	header NAME:VALUE	name up to the first ':' (write \x3a for a
 *				colon in the name), value after it less one
 *				space if there is one
 *	eoh
 *	body [rest]		one body chunk: rest and CRLF (libmilter
 *				drops the connection on a chunk over 65535
 *				bytes)
 *	eom			end of message: prints modifications, then
 *				the final reply
 *	abort			SMFIC_ABORT, no reply
 *	quit			SMFIC_QUIT and close, no reply
 *	quitnc			SMFIC_QUIT_NC, no reply: the session ends (its
 *				macros are forgotten) but the socket and the
 *				negotiated options stay, and the next connect
 *				sends SMFIC_CONNECT on them, as an MTA that
 *				reuses milter connections does
 *	close			close the socket without SMFIC_QUIT
 *	raw CODE [HEX...]	send one packet with command byte CODE and
 *				the data given in hex; print the reply (also
 *				one no step expects, as "reply 'X' data", and
 *				"optneg VERSION ACTIONS FLAGS")
 *	sleep MS
 *	expect [rest]		compare rest, taken literally, with the text
 *				printed for the previous reply (after "word: ");
 *				on a mismatch print "expect: FAIL got X, want Y"
 *
 * The macro lists a milter asks for in option negotiation (SMFIR_SETSYMLIST)
 * are shown with -v only: mtclient sends what the script defines.
 *
 * A step the milter declined in option negotiation (SMFIP_NOHELO, ...) is
 * not sent and prints "continue", as an MTA would go on; so does a step the
 * milter said it would not answer (SMFIP_NR_*, never offered by default).
 *
 * Errors print "word: error reason" (reasons include "not connected",
 * "timeout", "connection closed by milter", "protocol: ...").  After a
 * connection error the connection is dropped; the script goes on, and the
 * commands that need a connection report "error not connected" until the
 * next connect.
 *
 * The whole script is checked before anything runs.  Exit status: 0 when
 * the script ran to its end without an error or a failed expect, 1 when
 * there was one, 2 on a usage or script syntax error ("line N: reason" on
 * stderr) or when mtclient itself cannot run.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "milterproto.h"

/* What mtclient offers: every action; steps may be declined. */
#define OFFER_ACTIONS	(SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | \
			 SMFIF_DELRCPT | SMFIF_CHGHDRS | SMFIF_QUARANTINE | \
			 SMFIF_CHGFROM | SMFIF_ADDRCPT_PAR | SMFIF_SETSYMLIST)
#define OFFER_PROTOCOL	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | \
			 SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | \
			 SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA)

#define MACRO_STAGES	"CHMRTLNBE"	/* stages a macro may be defined for */
#define SYMLIST_STAGES	"CHMRTEN"	/* SMFIM_CONNECT .. SMFIM_EOH */
#define MAX_PACKET	(16U * 1024 * 1024)	/* sanity bound on replies */
#define ERRLEN		256

/* A byte string; s has a NUL after its len bytes. */
struct arg {
	char		*s;
	size_t		 len;
};

/* A growing byte buffer. */
struct buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 size;
};

enum type {
	T_CONNECT, T_MACRO, T_HELO, T_MAIL, T_RCPT, T_DATA, T_HEADER, T_EOH,
	T_BODY, T_EOM, T_ABORT, T_QUIT, T_QUITNC, T_CLOSE, T_RAW, T_SLEEP,
	T_EXPECT
};

/* The script commands, with the protocol step each sends. */
static const struct cmdinfo {
	const char	*word;
	enum type	 type;
	int		 code;		/* SMFIC_* sent; also the macro stage */
	uint32_t	 nosend;	/* SMFIP_NO*: milter declines step */
	uint32_t	 noreply;	/* SMFIP_NR_*: milter won't answer */
} cmdinfo[] = {
	{ "connect", T_CONNECT, SMFIC_CONNECT, SMFIP_NOCONNECT, SMFIP_NR_CONN },
	{ "macro", T_MACRO, 0, 0, 0 },
	{ "helo", T_HELO, SMFIC_HELO, SMFIP_NOHELO, SMFIP_NR_HELO },
	{ "mail", T_MAIL, SMFIC_MAIL, SMFIP_NOMAIL, SMFIP_NR_MAIL },
	{ "rcpt", T_RCPT, SMFIC_RCPT, SMFIP_NORCPT, SMFIP_NR_RCPT },
	{ "data", T_DATA, SMFIC_DATA, SMFIP_NODATA, SMFIP_NR_DATA },
	{ "header", T_HEADER, SMFIC_HEADER, SMFIP_NOHDRS, SMFIP_NR_HDR },
	{ "eoh", T_EOH, SMFIC_EOH, SMFIP_NOEOH, SMFIP_NR_EOH },
	{ "body", T_BODY, SMFIC_BODY, SMFIP_NOBODY, SMFIP_NR_BODY },
	{ "eom", T_EOM, SMFIC_BODYEOB, 0, 0 },
	{ "abort", T_ABORT, SMFIC_ABORT, 0, 0 },
	{ "quit", T_QUIT, SMFIC_QUIT, 0, 0 },
	{ "quitnc", T_QUITNC, SMFIC_QUIT_NC, 0, 0 },
	{ "close", T_CLOSE, 0, 0, 0 },
	{ "raw", T_RAW, 0, 0, 0 },
	{ "sleep", T_SLEEP, 0, 0, 0 },
	{ "expect", T_EXPECT, 0, 0, 0 },
};

/* One parsed script line.  Owns argv and its strings. */
struct cmd {
	const struct cmdinfo *info;
	int		 lineno;
	long		 num;		/* port, ms, macro stage, raw code */
	struct arg	*argv;
	size_t		 argc;
};

/* A macro definition; points into the script's commands. */
struct macro {
	int		 stage;
	const struct arg *name;
	const struct arg *value;
};

/* The session.  Errors of the last I/O call live in err. */
struct client {
	struct mt_target target;
	const char	*spec;		/* -s argument, for messages */
	int		 timeout;	/* per reply, milliseconds */
	int		 verbose;
	int		 stop_on_fail;	/* -e: end at the first failed expect */
	uint32_t	 offer;		/* protocol flags offered */
	int		 fd;		/* -1 when not connected */
	int		 reuse;		/* after quitnc: connect reuses fd */
	uint32_t	 aflags;	/* actions the milter asked for */
	uint32_t	 pflags;	/* protocol flags milter asked for */
	struct macro	*mac;
	size_t		 nmac;
	char		*last;		/* previous reply as printed */
	int		 status;	/* exit status so far */
	int		 failed_expect;	/* with -e: stop here */
	char		 err[ERRLEN];
};

static void	*xrealloc(void *, size_t);
static void	 buf_add(struct buf *, const void *, size_t);
static void	 buf_addstr(struct buf *, const char *);
static void	 buf_add32(struct buf *, uint32_t);
static uint32_t	 get32(const unsigned char *);
static char	*escape(const unsigned char *, size_t, int);
static int	 hexval(int);
static int	 unescape(const char *, size_t, struct arg *, char *);
static char	*next_word(char **);
static char	*skip_blanks(char *);
static int	 parse_num(const char *, long, long, long *);
static int	 parse_line(char *, struct cmd *, char *);
static void	 cmd_free(struct cmd *);
static long long now_ms(void);
static void	 seterr(struct client *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 dump(const struct client *, int, int, const unsigned char *,
		    size_t);
static int	 wait_fd(struct client *, short, long long);
static int	 send_packet(struct client *, int, const unsigned char *,
		    size_t);
static int	 read_full(struct client *, unsigned char *, size_t,
		    long long);
static int	 read_packet(struct client *, int *, struct buf *);
static void	 say(struct client *, const char *, const unsigned char *,
		    size_t);
static void	 fail(struct client *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 disconnect(struct client *);
static void	 drop(struct client *, const char *);
static int	 take_str(const unsigned char *, size_t, size_t *,
		    const unsigned char **, size_t *);
static int	 format_reply(int, const unsigned char *, size_t, int,
		    struct buf *, char *);
static void	 answer(struct client *, const char *, int);
static int	 send_macros(struct client *, int);
static void	 step(struct client *, const struct cmd *, const struct buf *);
static int	 check_symlist(const struct client *, const unsigned char *,
		    size_t);
static int	 negotiate(struct client *);
static void	 do_connect(struct client *, const struct cmd *);
static void	 do_macro(struct client *, const struct cmd *);
static void	 run(struct client *, const struct cmd *);
static int	 read_script(FILE *, struct cmd **, size_t *);
static void	 usage(void) __attribute__((noreturn));

/* realloc that gives up the whole run when memory is short. */
static void *
xrealloc(void *p, size_t n)
{
	void	*q;

	if ((q = realloc(p, n == 0 ? 1 : n)) == NULL) {
		fprintf(stderr, "mtclient: out of memory\n");
		exit(2);
	}
	return q;
}

/* Append n bytes to b. */
static void
buf_add(struct buf *b, const void *p, size_t n)
{
	size_t	 size;

	if (n > b->size - b->len) {
		size = b->size ? b->size : 64;
		while (size - b->len < n)
			size *= 2;
		b->data = xrealloc(b->data, size);
		b->size = size;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* Append a C string to b, without its NUL. */
static void
buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append v to b in network byte order. */
static void
buf_add32(struct buf *b, uint32_t v)
{
	unsigned char	 p[4];

	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	buf_add(b, p, 4);
}

/* Read a 32-bit integer in network byte order. */
static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Escape p[0..n): controls, backslash, all: 8-bit too; caller frees. */
static char *
escape(const unsigned char *p, size_t n, int all)
{
	static const char hex[] = "0123456789abcdef";
	char	*s, *q;
	size_t	 i;

	q = s = xrealloc(NULL, 4 * n + 1);
	for (i = 0; i < n; i++) {
		if (p[i] == '\\') {
			*q++ = '\\';
			*q++ = '\\';
		} else if (p[i] == '\t') {
			*q++ = '\\';
			*q++ = 't';
		} else if (p[i] == '\r') {
			*q++ = '\\';
			*q++ = 'r';
		} else if (p[i] == '\n') {
			*q++ = '\\';
			*q++ = 'n';
		} else if (p[i] < 0x20 || p[i] == 0x7f ||
		    (all && p[i] > 0x7f)) {
			*q++ = '\\';
			*q++ = 'x';
			*q++ = hex[p[i] >> 4];
			*q++ = hex[p[i] & 0xf];
		} else
			*q++ = (char)p[i];
	}
	*q = '\0';
	return s;
}

/* The value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the escapes of s[0..n) into a; -1 with err set on a bad one. */
static int
unescape(const char *s, size_t n, struct arg *a, char *err)
{
	char		*q;
	size_t		 i;
	int		 h, l;

	q = a->s = xrealloc(NULL, n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] != '\\') {
			*q++ = s[i];
			continue;
		}
		if (++i == n) {
			snprintf(err, ERRLEN, "backslash at end of argument");
			goto bad;
		}
		switch (s[i]) {
		case 't':
			*q++ = '\t';
			break;
		case 'r':
			*q++ = '\r';
			break;
		case 'n':
			*q++ = '\n';
			break;
		case '\\':
			*q++ = '\\';
			break;
		case 'x':
			if (n - i < 3 || (h = hexval(s[i + 1])) == -1 ||
			    (l = hexval(s[i + 2])) == -1) {
				snprintf(err, ERRLEN,
				    "\\x needs two hex digits");
				goto bad;
			}
			*q++ = (char)(h << 4 | l);
			i += 2;
			break;
		default:
			snprintf(err, ERRLEN, "unknown escape \\%c", s[i]);
			goto bad;
		}
	}
	*q = '\0';
	a->len = (size_t)(q - a->s);
	return 0;
bad:
	free(a->s);
	a->s = NULL;
	return -1;
}

/* Cut the next blank-separated word off *pp; NULL when none is left. */
static char *
next_word(char **pp)
{
	char	*p, *w;

	p = skip_blanks(*pp);
	if (*p == '\0') {
		*pp = p;
		return NULL;
	}
	w = p;
	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*pp = p;
	return w;
}

/* Skip spaces and tabs. */
static char *
skip_blanks(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parse a decimal number in [lo, hi]; -1 if it is not one. */
static int
parse_num(const char *s, long lo, long hi, long *v)
{
	char	*end;
	long	 n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return -1;
	*v = n;
	return 0;
}

/* Parse one non-blank, non-comment script line into c; -1 with err. */
static int
parse_line(char *line, struct cmd *c, char *err)
{
	struct buf	 hex = { NULL, 0, 0 };
	struct arg	*a;
	const char	*colon;
	char		*p, *w, *rest;
	size_t		 i, nargs;

	p = line;
	w = next_word(&p);
	for (i = 0; i < sizeof(cmdinfo) / sizeof(cmdinfo[0]); i++)
		if (strcmp(w, cmdinfo[i].word) == 0)
			break;
	if (i == sizeof(cmdinfo) / sizeof(cmdinfo[0])) {
		snprintf(err, ERRLEN, "unknown command \"%s\"", w);
		return -1;
	}
	c->info = &cmdinfo[i];
	rest = skip_blanks(p);

	/* Commands whose last argument is the rest of the line. */
	switch (c->info->type) {
	case T_MACRO:
		if ((w = next_word(&p)) == NULL || strlen(w) != 1 ||
		    strchr(MACRO_STAGES, *w) == NULL) {
			snprintf(err, ERRLEN, "macro: stage must be one of %s",
			    MACRO_STAGES);
			return -1;
		}
		c->num = *w;
		if ((w = next_word(&p)) == NULL) {
			snprintf(err, ERRLEN, "macro: name missing");
			return -1;
		}
		rest = skip_blanks(p);
		c->argv = xrealloc(NULL, 2 * sizeof(*c->argv));
		if (unescape(w, strlen(w), &c->argv[0], err) == -1)
			return -1;
		c->argc = 1;
		if (unescape(rest, strlen(rest), &c->argv[1], err) == -1)
			return -1;
		c->argc = 2;
		return 0;
	case T_HEADER:
		if ((colon = strchr(rest, ':')) == NULL) {
			snprintf(err, ERRLEN, "header: no ':' after the name");
			return -1;
		}
		c->argv = xrealloc(NULL, 2 * sizeof(*c->argv));
		if (unescape(rest, (size_t)(colon - rest), &c->argv[0],
		    err) == -1)
			return -1;
		c->argc = 1;
		if (*++colon == ' ')
			colon++;
		if (unescape(colon, strlen(colon), &c->argv[1], err) == -1)
			return -1;
		c->argc = 2;
		return 0;
	case T_BODY:
		c->argv = xrealloc(NULL, sizeof(*c->argv));
		if (unescape(rest, strlen(rest), &c->argv[0], err) == -1)
			return -1;
		c->argc = 1;
		a = &c->argv[0];
		a->s = xrealloc(a->s, a->len + 3);
		memcpy(a->s + a->len, "\r\n", 3);
		a->len += 2;
		return 0;
	case T_EXPECT:
		c->argv = xrealloc(NULL, sizeof(*c->argv));
		c->argv[0].len = strlen(rest);
		c->argv[0].s = xrealloc(NULL, c->argv[0].len + 1);
		memcpy(c->argv[0].s, rest, c->argv[0].len + 1);
		c->argc = 1;
		return 0;
	default:
		break;
	}

	/* The others take words. */
	for (nargs = 0; (w = next_word(&p)) != NULL; nargs++) {
		if (c->info->type == T_RAW && nargs > 0) {
			buf_addstr(&hex, w);
			continue;
		}
		c->argv = xrealloc(c->argv, (nargs + 1) * sizeof(*c->argv));
		if (unescape(w, strlen(w), &c->argv[nargs], err) == -1) {
			free(hex.data);
			return -1;
		}
		c->argc = nargs + 1;
	}

	switch (c->info->type) {
	case T_CONNECT:
		if (c->argc < 2 || c->argc > 3) {
			snprintf(err, ERRLEN, "usage: connect HOST IP [PORT]");
			return -1;
		}
		c->num = 0;
		if (c->argc == 3 &&
		    parse_num(c->argv[2].s, 0, 65535, &c->num) == -1) {
			snprintf(err, ERRLEN, "connect: bad port \"%s\"",
			    c->argv[2].s);
			return -1;
		}
		return 0;
	case T_HELO:
		if (c->argc != 1) {
			snprintf(err, ERRLEN, "usage: helo NAME");
			return -1;
		}
		return 0;
	case T_MAIL:
	case T_RCPT:
		if (c->argc < 1) {
			snprintf(err, ERRLEN, "usage: %s ADDR [ARGS...]",
			    c->info->word);
			return -1;
		}
		return 0;
	case T_RAW:
		if (c->argc != 1 || c->argv[0].len != 1) {
			free(hex.data);
			snprintf(err, ERRLEN, "usage: raw CODE [HEX...]");
			return -1;
		}
		c->num = (unsigned char)c->argv[0].s[0];
		/* Replace the code by the decoded data. */
		free(c->argv[0].s);
		c->argv[0].s = xrealloc(NULL, hex.len / 2 + 1);
		c->argv[0].len = 0;
		if (hex.len % 2 != 0) {
			free(hex.data);
			snprintf(err, ERRLEN, "raw: odd number of hex digits");
			return -1;
		}
		for (i = 0; i < hex.len; i += 2) {
			int	 h, l;

			if ((h = hexval(hex.data[i])) == -1 ||
			    (l = hexval(hex.data[i + 1])) == -1) {
				free(hex.data);
				snprintf(err, ERRLEN, "raw: bad hex digit");
				return -1;
			}
			c->argv[0].s[c->argv[0].len++] = (char)(h << 4 | l);
		}
		c->argv[0].s[c->argv[0].len] = '\0';
		free(hex.data);
		return 0;
	case T_SLEEP:
		if (c->argc != 1 ||
		    parse_num(c->argv[0].s, 0, 3600000, &c->num) == -1) {
			snprintf(err, ERRLEN, "usage: sleep MS");
			return -1;
		}
		return 0;
	default:
		if (c->argc != 0) {
			snprintf(err, ERRLEN, "%s takes no arguments",
			    c->info->word);
			return -1;
		}
		return 0;
	}
}

/* Free what a command owns. */
static void
cmd_free(struct cmd *c)
{
	size_t	 i;

	for (i = 0; i < c->argc; i++)
		free(c->argv[i].s);
	free(c->argv);
	c->argv = NULL;
	c->argc = 0;
}

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Record the reason of an I/O failure in the session. */
static void
seterr(struct client *cl, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(cl->err, sizeof(cl->err), fmt, ap);
	va_end(ap);
}

/* In verbose mode, show a packet on stderr: dir is '>' or '<'. */
static void
dump(const struct client *cl, int dir, int code, const unsigned char *d,
    size_t n)
{
	unsigned char	 c;
	char		*ec, *ed;

	if (!cl->verbose)
		return;
	c = (unsigned char)code;
	ec = escape(&c, 1, 1);
	ed = escape(d, n, 1);
	fprintf(stderr, "mtclient: %c %s [%zu] %s\n", dir, ec, n, ed);
	free(ec);
	free(ed);
}

/* Wait until fd is ready for events or the deadline passes. */
static int
wait_fd(struct client *cl, short events, long long deadline)
{
	struct pollfd	 pfd;
	long long	 left;
	int		 r;

	for (;;) {
		if ((left = deadline - now_ms()) < 0)
			left = 0;
		pfd.fd = cl->fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			seterr(cl, "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			seterr(cl, "timeout");
			return -1;
		}
		return 0;
	}
}

/* Send one packet: length, command byte, data. */
static int
send_packet(struct client *cl, int code, const unsigned char *data,
    size_t len)
{
	struct buf	 b = { NULL, 0, 0 };
	unsigned char	 c;
	long long	 deadline;
	ssize_t		 n;
	size_t		 off;
	int		 ret = -1;

	if (len >= MAX_PACKET) {
		seterr(cl, "packet too long");
		return -1;
	}
	dump(cl, '>', code, data, len);
	c = (unsigned char)code;
	buf_add32(&b, (uint32_t)len + 1);
	buf_add(&b, &c, 1);
	buf_add(&b, data, len);
	deadline = now_ms() + cl->timeout;
	for (off = 0; off < b.len; off += (size_t)n) {
		n = send(cl->fd, b.data + off, b.len - off, MSG_NOSIGNAL);
		if (n >= 0)
			continue;
		n = 0;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET) {
			seterr(cl, "connection closed by milter");
			goto out;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			seterr(cl, "write: %s", strerror(errno));
			goto out;
		}
		if (wait_fd(cl, POLLOUT, deadline) == -1)
			goto out;
	}
	ret = 0;
out:
	free(b.data);
	return ret;
}

/* Read exactly n bytes before the deadline. */
static int
read_full(struct client *cl, unsigned char *p, size_t n, long long deadline)
{
	ssize_t	 r;

	while (n > 0) {
		if (wait_fd(cl, POLLIN, deadline) == -1)
			return -1;
		r = recv(cl->fd, p, n, 0);
		if (r == 0) {
			seterr(cl, "connection closed by milter");
			return -1;
		}
		if (r == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			if (errno == ECONNRESET)
				seterr(cl, "connection closed by milter");
			else
				seterr(cl, "read: %s", strerror(errno));
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read one packet within the reply timeout: its code and data in d. */
static int
read_packet(struct client *cl, int *code, struct buf *d)
{
	unsigned char	 hdr[5];
	long long	 deadline;
	uint32_t	 len;

	deadline = now_ms() + cl->timeout;
	if (read_full(cl, hdr, 4, deadline) == -1)
		return -1;
	len = get32(hdr);
	if (len == 0 || len > MAX_PACKET) {
		seterr(cl, "protocol: packet length %lu", (unsigned long)len);
		return -1;
	}
	if (read_full(cl, hdr + 4, 1, deadline) == -1)
		return -1;
	*code = hdr[4];
	d->len = 0;
	if (d->size < len - 1) {
		d->data = xrealloc(d->data, len - 1);
		d->size = len - 1;
	}
	if (read_full(cl, d->data, len - 1, deadline) == -1)
		return -1;
	d->len = len - 1;
	dump(cl, '<', *code, d->data, d->len);
	return 0;
}

/* Print "word: text" with text escaped, and remember it for expect. */
static void
say(struct client *cl, const char *word, const unsigned char *text,
    size_t len)
{
	free(cl->last);
	cl->last = escape(text, len, 0);
	printf("%s: %s\n", word, cl->last);
	fflush(stdout);
}

/* Print "word: error reason" and mark the run failed. */
static void
fail(struct client *cl, const char *word, const char *fmt, ...)
{
	char	 msg[ERRLEN + 16];
	va_list	 ap;
	int	 n;

	n = snprintf(msg, sizeof(msg), "error ");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	say(cl, word, (const unsigned char *)msg, strlen(msg));
	cl->status = 1;
}

/* End the connection, if any; its macros go with it. */
static void
disconnect(struct client *cl)
{
	if (cl->fd != -1)
		close(cl->fd);
	cl->fd = -1;
	cl->reuse = 0;
	cl->nmac = 0;
	cl->aflags = cl->pflags = 0;
}

/* Report the session's I/O error for word and drop the connection. */
static void
drop(struct client *cl, const char *word)
{
	fail(cl, word, "%s", cl->err);
	disconnect(cl);
}

/* Take a NUL-terminated string at *off of d[0..n); -1 if unterminated. */
static int
take_str(const unsigned char *d, size_t n, size_t *off,
    const unsigned char **s, size_t *len)
{
	const unsigned char *end;

	if (*off >= n ||
	    (end = memchr(d + *off, '\0', n - *off)) == NULL)
		return -1;
	*s = d + *off;
	*len = (size_t)(end - *s);
	*off += *len + 1;
	return 0;
}

/*
 * Render the reply code/d[0..n) as the text to print, into out.  Returns 1
 * for a final reply, 0 for a modification, 2 for one to skip, -1 with err
 * set when the reply is malformed or unexpected (raw: show it instead).
 */
static int
format_reply(int code, const unsigned char *d, size_t n, int raw,
    struct buf *out, char *err)
{
	const unsigned char *s1, *s2;
	size_t		 l1, l2, off = 0;
	char		 num[64];
	const char	*what;

	switch (code) {
	case SMFIR_PROGRESS:
		return 2;
	case SMFIR_CONTINUE:
		buf_addstr(out, "continue");
		return 1;
	case SMFIR_ACCEPT:
		buf_addstr(out, "accept");
		return 1;
	case SMFIR_REJECT:
		buf_addstr(out, "reject");
		return 1;
	case SMFIR_TEMPFAIL:
		buf_addstr(out, "tempfail");
		return 1;
	case SMFIR_DISCARD:
		buf_addstr(out, "discard");
		return 1;
	case SMFIR_SKIP:
		buf_addstr(out, "skip");
		return 1;
	case SMFIR_SHUTDOWN:
		buf_addstr(out, "shutdown");
		return 1;
	case SMFIR_CONN_FAIL:
		buf_addstr(out, "connfail");
		return 1;
	case SMFIR_REPLYCODE:
		while (n > 0 && (d[n - 1] == '\0' || d[n - 1] == '\r' ||
		    d[n - 1] == '\n'))
			n--;
		buf_add(out, d, n);
		return 1;
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
	case SMFIR_QUARANTINE:
		what = code == SMFIR_ADDRCPT ? "addrcpt " :
		    code == SMFIR_DELRCPT ? "delrcpt " : "quarantine ";
		if (take_str(d, n, &off, &s1, &l1) == -1 || off != n)
			break;
		buf_addstr(out, what);
		buf_add(out, s1, l1);
		return 0;
	case SMFIR_ADDRCPT_PAR:
	case SMFIR_CHGFROM:
		what = code == SMFIR_CHGFROM ? "chgfrom " : "addrcpt ";
		if (take_str(d, n, &off, &s1, &l1) == -1)
			break;
		buf_addstr(out, what);
		buf_add(out, s1, l1);
		if (off == n)
			return 0;
		if (take_str(d, n, &off, &s2, &l2) == -1 || off != n)
			break;
		if (l2 > 0) {
			buf_addstr(out, " ");
			buf_add(out, s2, l2);
		}
		return 0;
	case SMFIR_ADDHEADER:
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
		if (code == SMFIR_ADDHEADER) {
			buf_addstr(out, "addheader ");
		} else {
			if (n < 4)
				break;
			snprintf(num, sizeof(num), "%s %lu ",
			    code == SMFIR_INSHEADER ? "insheader" :
			    "chgheader", (unsigned long)get32(d));
			buf_addstr(out, num);
			off = 4;
		}
		if (take_str(d, n, &off, &s1, &l1) == -1 ||
		    take_str(d, n, &off, &s2, &l2) == -1 || off != n)
			break;
		buf_add(out, s1, l1);
		buf_addstr(out, ":");
		if (l2 > 0) {
			buf_addstr(out, " ");
			buf_add(out, s2, l2);
		}
		return 0;
	case SMFIR_REPLBODY:
		buf_addstr(out, "replbody ");
		buf_add(out, d, n);
		return 0;
	default:
		if (!raw) {
			snprintf(err, ERRLEN, "protocol: unexpected reply '%c'",
			    code >= 0x20 && code < 0x7f ? code : '?');
			return -1;
		}
		if (code == SMFIC_OPTNEG && n >= 12) {
			snprintf(num, sizeof(num), "optneg %lu 0x%lx 0x%lx",
			    (unsigned long)get32(d),
			    (unsigned long)get32(d + 4),
			    (unsigned long)get32(d + 8));
			buf_addstr(out, num);
			return 1;
		}
		snprintf(num, sizeof(num), "reply '%c' ", code);
		buf_addstr(out, num);
		buf_add(out, d, n);
		return 1;
	}
	snprintf(err, ERRLEN, "protocol: malformed reply '%c'", code);
	return -1;
}

/* Read and print the milter's answer to one step, up to the final reply. */
static void
answer(struct client *cl, const char *word, int raw)
{
	struct buf	 d = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	int		 code, r;

	do {
		if (read_packet(cl, &code, &d) == -1) {
			drop(cl, word);
			break;
		}
		out.len = 0;
		r = format_reply(code, d.data, d.len, raw, &out, cl->err);
		if (r == -1) {
			drop(cl, word);
			break;
		}
		if (r != 2)
			say(cl, word, out.data, out.len);
	} while (r != 1);
	free(d.data);
	free(out.data);
}

/* Send the macros defined for stage, if any, in one SMFIC_MACRO. */
static int
send_macros(struct client *cl, int stage)
{
	struct buf	 b = { NULL, 0, 0 };
	unsigned char	 c;
	size_t		 i;
	int		 r = 0;

	c = (unsigned char)stage;
	buf_add(&b, &c, 1);
	for (i = 0; i < cl->nmac; i++) {
		if (cl->mac[i].stage != stage)
			continue;
		buf_add(&b, cl->mac[i].name->s, cl->mac[i].name->len + 1);
		buf_add(&b, cl->mac[i].value->s, cl->mac[i].value->len + 1);
	}
	if (b.len > 1)
		r = send_packet(cl, SMFIC_MACRO, b.data, b.len);
	free(b.data);
	return r;
}

/* Run one protocol step: macros, the command, and the answer. */
static void
step(struct client *cl, const struct cmd *c, const struct buf *data)
{
	const struct cmdinfo *ci = c->info;
	static const unsigned char cont[] = "continue";

	if (cl->fd == -1) {
		fail(cl, ci->word, "not connected");
		return;
	}
	if (cl->pflags & ci->nosend) {
		if (cl->verbose)
			fprintf(stderr, "mtclient: %s not sent: milter "
			    "declined it\n", ci->word);
		say(cl, ci->word, cont, sizeof(cont) - 1);
		return;
	}
	if (send_macros(cl, ci->code) == -1 ||
	    send_packet(cl, ci->code, data->data, data->len) == -1) {
		drop(cl, ci->word);
		return;
	}
	if (cl->pflags & ci->noreply)
		say(cl, ci->word, cont, sizeof(cont) - 1);
	else
		answer(cl, ci->word, 0);
}

/* Check, and show if verbose, the macro lists (stage, names) of optneg. */
static int
check_symlist(const struct client *cl, const unsigned char *d, size_t n)
{
	const unsigned char *s;
	uint32_t	 stage;
	size_t		 off, len;

	for (off = 0; off < n; ) {
		if (n - off < 4)
			return -1;
		stage = get32(d + off);
		off += 4;
		if (stage >= sizeof(SYMLIST_STAGES) - 1 ||
		    take_str(d, n, &off, &s, &len) == -1)
			return -1;
		if (cl->verbose)
			fprintf(stderr, "mtclient: < symlist %c: %.*s\n",
			    SYMLIST_STAGES[stage], (int)len,
			    (const char *)s);
	}
	return 0;
}

/* Negotiate options on a fresh connection. */
static int
negotiate(struct client *cl)
{
	struct buf	 b = { NULL, 0, 0 }, d = { NULL, 0, 0 };
	uint32_t	 version, offered;
	int		 code, ret = -1;

	buf_add32(&b, PROT_VERSION);
	buf_add32(&b, OFFER_ACTIONS);
	buf_add32(&b, cl->offer);
	if (send_packet(cl, SMFIC_OPTNEG, b.data, b.len) == -1 ||
	    read_packet(cl, &code, &d) == -1)
		goto out;
	if (code != SMFIC_OPTNEG || d.len < 12) {
		seterr(cl, "protocol: bad option negotiation reply");
		goto out;
	}
	version = get32(d.data);
	cl->aflags = get32(d.data + 4);
	cl->pflags = get32(d.data + 8);
	offered = cl->offer != 0 ? cl->offer : SMFI_V1_PROT;
	if (cl->verbose)
		fprintf(stderr, "mtclient: < optneg version %lu actions 0x%lx "
		    "protocol 0x%lx\n", (unsigned long)version,
		    (unsigned long)cl->aflags, (unsigned long)cl->pflags);
	if (version < PROT_VERSION_MIN || version > PROT_VERSION) {
		seterr(cl, "protocol: milter speaks version %lu",
		    (unsigned long)version);
		goto out;
	}
	if (cl->aflags & ~(uint32_t)OFFER_ACTIONS) {
		seterr(cl, "protocol: milter wants actions 0x%lx",
		    (unsigned long)(cl->aflags & ~(uint32_t)OFFER_ACTIONS));
		goto out;
	}
	if (cl->pflags & ~offered) {
		seterr(cl, "protocol: milter wants protocol flags 0x%lx",
		    (unsigned long)(cl->pflags & ~offered));
		goto out;
	}
	if (check_symlist(cl, d.data + 12, d.len - 12) == -1) {
		seterr(cl, "protocol: bad macro list in option negotiation");
		goto out;
	}
	ret = 0;
out:
	free(b.data);
	free(d.data);
	return ret;
}

/* connect HOST IP [PORT]: open the socket, negotiate, send SMFIC_CONNECT. */
static void
do_connect(struct client *cl, const struct cmd *c)
{
	struct buf	 b = { NULL, 0, 0 };
	unsigned char	 p[2];
	const struct arg *ip = &c->argv[1];
	int		 fd;

	if (cl->fd != -1 && cl->reuse) {
		cl->reuse = 0;
		goto send;
	}
	if (cl->fd != -1) {
		fail(cl, "connect", "already connected");
		return;
	}
	fd = socket(cl->target.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		fail(cl, "connect", "socket: %s", strerror(errno));
		return;
	}
	if (connect(fd, (struct sockaddr *)&cl->target.ss,
	    cl->target.len) == -1) {
		fail(cl, "connect", "cannot connect to %s: %s", cl->spec,
		    strerror(errno));
		close(fd);
		return;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		fail(cl, "connect", "fcntl: %s", strerror(errno));
		close(fd);
		return;
	}
	cl->fd = fd;
	if (negotiate(cl) == -1) {
		drop(cl, "connect");
		return;
	}
send:
	buf_add(&b, c->argv[0].s, c->argv[0].len + 1);
	if (strcmp(ip->s, "-") == 0)
		buf_add(&b, "U", 1);
	else {
		buf_add(&b, memchr(ip->s, ':', ip->len) ? "6" : "4", 1);
		p[0] = (unsigned char)(c->num >> 8);
		p[1] = (unsigned char)c->num;
		buf_add(&b, p, 2);
		buf_add(&b, ip->s, ip->len + 1);
	}
	step(cl, c, &b);
	free(b.data);
}

/* macro STAGE NAME VALUE: define, or redefine, a macro for a stage. */
static void
do_macro(struct client *cl, const struct cmd *c)
{
	const struct arg *name = &c->argv[0];
	size_t		 i;

	for (i = 0; i < cl->nmac; i++)
		if (cl->mac[i].stage == c->num &&
		    cl->mac[i].name->len == name->len &&
		    memcmp(cl->mac[i].name->s, name->s, name->len) == 0)
			break;
	if (i == cl->nmac) {
		cl->mac = xrealloc(cl->mac, (cl->nmac + 1) * sizeof(*cl->mac));
		cl->nmac++;
	}
	cl->mac[i].stage = (int)c->num;
	cl->mac[i].name = name;
	cl->mac[i].value = &c->argv[1];
}

/* Run one script command. */
static void
run(struct client *cl, const struct cmd *c)
{
	struct buf	 b = { NULL, 0, 0 };
	struct timespec	 ts;
	const char	*got;
	size_t		 i;

	switch (c->info->type) {
	case T_CONNECT:
		do_connect(cl, c);
		break;
	case T_MACRO:
		do_macro(cl, c);
		break;
	case T_HELO:
	case T_MAIL:
	case T_RCPT:
	case T_HEADER:
		for (i = 0; i < c->argc; i++)
			buf_add(&b, c->argv[i].s, c->argv[i].len + 1);
		step(cl, c, &b);
		break;
	case T_BODY:
		buf_add(&b, c->argv[0].s, c->argv[0].len);
		step(cl, c, &b);
		break;
	case T_DATA:
	case T_EOH:
	case T_EOM:
		step(cl, c, &b);
		break;
	case T_ABORT:
	case T_QUIT:
		if (cl->fd == -1) {
			fail(cl, c->info->word, "not connected");
			break;
		}
		if (send_packet(cl, c->info->code, NULL, 0) == -1)
			drop(cl, c->info->word);
		else if (c->info->type == T_QUIT)
			disconnect(cl);
		break;
	case T_QUITNC:
		if (cl->fd == -1) {
			fail(cl, c->info->word, "not connected");
			break;
		}
		if (send_packet(cl, c->info->code, NULL, 0) == -1)
			drop(cl, c->info->word);
		else {
			cl->nmac = 0;
			cl->reuse = 1;
		}
		break;
	case T_CLOSE:
		disconnect(cl);
		break;
	case T_RAW:
		if (cl->fd == -1) {
			fail(cl, "raw", "not connected");
			break;
		}
		if (send_packet(cl, (int)c->num,
		    (const unsigned char *)c->argv[0].s,
		    c->argv[0].len) == -1)
			drop(cl, "raw");
		else
			answer(cl, "raw", 1);
		break;
	case T_SLEEP:
		ts.tv_sec = c->num / 1000;
		ts.tv_nsec = c->num % 1000 * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		break;
	case T_EXPECT:
		got = cl->last != NULL ? cl->last : "";
		if (strlen(got) != c->argv[0].len ||
		    memcmp(got, c->argv[0].s, c->argv[0].len) != 0) {
			printf("expect: FAIL got %s, want %s\n", got,
			    c->argv[0].s);
			fflush(stdout);
			cl->status = 1;
			cl->failed_expect = cl->stop_on_fail;
		}
		break;
	}
	free(b.data);
}

/* Read and check the whole script; -1 after reporting a syntax error. */
static int
read_script(FILE *fp, struct cmd **cmds, size_t *ncmds)
{
	struct cmd	 c;
	char		 err[ERRLEN];
	char		*line = NULL, *p;
	size_t		 size = 0;
	ssize_t		 n;
	int		 lineno = 0, ret = 0;

	while ((n = getline(&line, &size, fp)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (strlen(line) != (size_t)n) {
			fprintf(stderr, "line %d: NUL byte in line\n", lineno);
			ret = -1;
			break;
		}
		p = skip_blanks(line);
		if (*p == '\0' || *p == '#')
			continue;
		memset(&c, 0, sizeof(c));
		c.lineno = lineno;
		if (parse_line(p, &c, err) == -1) {
			fprintf(stderr, "line %d: %s\n", lineno, err);
			cmd_free(&c);
			ret = -1;
			break;
		}
		*cmds = xrealloc(*cmds, (*ncmds + 1) * sizeof(**cmds));
		(*cmds)[(*ncmds)++] = c;
	}
	if (ret == 0 && ferror(fp)) {
		fprintf(stderr, "mtclient: read script: %s\n", strerror(errno));
		ret = -1;
	}
	free(line);
	return ret;
}

/* Explain the command line and exit 2. */
static void
usage(void)
{
	fprintf(stderr, "usage: mtclient [-ev] [-p flags] [-t seconds] "
	    "-s inet:PORT@HOST|unix:PATH [script]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct client	 cl;
	struct cmd	*cmds = NULL;
	FILE		*fp = stdin;
	unsigned long	 offer;
	double		 t;
	size_t		 i, ncmds = 0;
	char		*end;
	int		 ch, ret;

	memset(&cl, 0, sizeof(cl));
	cl.fd = -1;
	cl.timeout = 10000;
	cl.offer = OFFER_PROTOCOL;
	while ((ch = getopt(argc, argv, "ep:s:t:v")) != -1) {
		switch (ch) {
		case 'e':
			cl.stop_on_fail = 1;
			break;
		case 'p':
			errno = 0;
			offer = strtoul(optarg, &end, 0);
			if (errno != 0 || *optarg == '\0' || *end != '\0' ||
			    offer > 0xffffffffUL)
				usage();
			cl.offer = (uint32_t)offer;
			break;
		case 's':
			cl.spec = optarg;
			break;
		case 't':
			t = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(t > 0) ||
			    t > 86400)
				usage();
			cl.timeout = (int)(t * 1000);
			if (cl.timeout == 0)
				cl.timeout = 1;
			break;
		case 'v':
			cl.verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (cl.spec == NULL || argc > 1)
		usage();
	if (mt_parse_target(cl.spec, &cl.target) == -1) {
		fprintf(stderr, "mtclient: bad socket \"%s\"\n", cl.spec);
		exit(2);
	}
	if (argc == 1 && (fp = fopen(argv[0], "r")) == NULL) {
		fprintf(stderr, "mtclient: %s: %s\n", argv[0], strerror(errno));
		exit(2);
	}

	if (read_script(fp, &cmds, &ncmds) == -1)
		ret = 2;
	else {
		for (i = 0; i < ncmds && !cl.failed_expect; i++)
			run(&cl, &cmds[i]);
		disconnect(&cl);
		ret = cl.status;
	}

	if (fp != stdin)
		fclose(fp);
	for (i = 0; i < ncmds; i++)
		cmd_free(&cmds[i]);
	free(cmds);
	free(cl.mac);
	free(cl.last);
	return ret;
}
