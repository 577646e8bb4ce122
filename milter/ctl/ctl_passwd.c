/*
 * ctl_passwd.c - SMTP AUTH secrets for the MTA's SASL.
 *
 * New passwords are written as {CRYPT} with a yescrypt salt from
 * libcrypt's crypt_gensalt ("$y$..."): slapd's {CRYPT} scheme and
 * Dovecot's CRYPT both hand the value to the same crypt(3), so a simple
 * bind and a Dovecot passdb verify it natively. {SSHA} (salted SHA-1:
 * SHA-1 over the password and an 8-octet salt, then the salt, in
 * base64) is still read: ctl_password_check accepts both.
 * Salts and generated passwords come from OpenSSL's RAND_bytes.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "ctl/ctl.h"

#define SALT_LEN	8

/* SHA-1 of pw and salt into md; -1 if too long. */
static int
ssha_digest(const char *pw, const unsigned char *salt, size_t slen,
    unsigned char md[SHA_DIGEST_LENGTH])
{
	unsigned char	 buf[1024 + 64];
	size_t		 pl = strlen(pw);

	if (pl + slen > sizeof(buf))
		return -1;
	memcpy(buf, pw, pl);
	memcpy(buf + pl, salt, slen);
	SHA1(buf, pl + slen, md);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* Check a password against an {SSHA} value. */
int
ctl_ssha_check(const char *hash, const char *pw)
{
	unsigned char	 raw[128], md[SHA_DIGEST_LENGTH];
	size_t		 len, pad = 0;
	int		 n;

	if (strncmp(hash, "{SSHA}", 6) != 0)
		return 0;
	hash += 6;
	len = strlen(hash);
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof(raw))
		return 0;
	if ((n = EVP_DecodeBlock(raw, (const unsigned char *)hash,
	    (int)len)) < 0)
		return 0;
	pad = (hash[len - 1] == '=') + (hash[len - 2] == '=');
	n -= (int)pad;
	if (n <= SHA_DIGEST_LENGTH)
		return 0;
	if (ssha_digest(pw, raw + SHA_DIGEST_LENGTH,
	    (size_t)n - SHA_DIGEST_LENGTH, md) == -1)
		return 0;
	return CRYPTO_memcmp(md, raw, SHA_DIGEST_LENGTH) == 0;
}

/* "{CRYPT}" and a yescrypt hash of pw (with a new salt). */
int
ctl_hash_password(const char *pw, char *out, size_t outlen)
{
	struct crypt_data	*cd;
	unsigned char		 rnd[32];
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	int			 ret = -1;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    crypt_gensalt_rn(CTL_CRYPT_PREFIX, 0, (const char *)rnd,
	    (int)sizeof(rnd), salt, (int)sizeof(salt)) == NULL)
		return -1;
	/* struct crypt_data is 32 KB: not on the stack */
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	if (crypt_r(pw, salt, cd) != NULL && cd->output[0] != '*' &&
	    (size_t)snprintf(out, outlen, "{CRYPT}%s", cd->output) < outlen)
		ret = 0;
	OPENSSL_cleanse(cd, sizeof(*cd));
	OPENSSL_cleanse(rnd, sizeof(rnd));
	free(cd);
	return ret;
}

/* Check pw against a {CRYPT} value: crypt(3) with the value as salt. */
static int
crypt_check(const char *hash, const char *pw)
{
	struct crypt_data	*cd;
	size_t			 len;
	int			 ok = 0;

	if (strncasecmp(hash, "{CRYPT}", 7) != 0)
		return 0;
	hash += 7;
	len = strlen(hash);
	if (len == 0 || (cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	if (crypt_r(pw, hash, cd) != NULL && cd->output[0] != '*' &&
	    strlen(cd->output) == len)
		ok = CRYPTO_memcmp(cd->output, hash, len) == 0;
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return ok;
}

/* 1 if pw matches a {CRYPT} or {SSHA} userPassword value, 0 if not. */
int
ctl_password_check(const char *hash, const char *pw)
{
	if (strncasecmp(hash, "{CRYPT}", 7) == 0)
		return crypt_check(hash, pw);
	return ctl_ssha_check(hash, pw);
}

/* A random password: letters and digits, without look-alikes. */
int
ctl_genpw(char *out, size_t len)
{
	static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	    "abcdefghijkmnopqrstuvwxyz23456789";
	const size_t	 nset = sizeof(set) - 1;	/* 57 */
	unsigned char	 b;
	size_t		 i = 0;

	if (len == 0)
		return -1;
	while (i + 1 < len) {
		if (RAND_bytes(&b, 1) != 1)
			return -1;
		if (b >= 256 - 256 % nset)
			continue;		/* no modulo bias */
		out[i++] = set[b % nset];
	}
	out[i] = '\0';
	return 0;
}

/* Read one line from fd into out without its newline. 0 / -1. */
static int
read_line(int fd, char *out, size_t len)
{
	size_t	 n = 0;
	ssize_t	 r;
	char	 ch;

	for (;;) {
		if ((r = read(fd, &ch, 1)) == -1)
			return -1;
		if (r == 0 || ch == '\n')
			break;
		if (n + 1 >= len)
			return -1;
		out[n++] = ch;
	}
	while (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	return r == 0 && n == 0 ? -1 : 0;
}

/* Prompt on the terminal with echo off. */
static int
ask(const char *prompt, char *out, size_t len)
{
	struct termios	 old, quiet;
	int		 ret;

	if (tcgetattr(STDIN_FILENO, &old) == -1)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1)
		return -1;
	ret = read_line(STDIN_FILENO, out, len);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fprintf(stderr, "\n");
	return ret;
}

/* A password from the terminal (twice) or the first line of stdin. */
int
ctl_readpw(char *out, size_t len)
{
	char	 again[1024];
	int	 ret;

	if (!isatty(STDIN_FILENO))
		return read_line(STDIN_FILENO, out, len) == -1 ||
		    out[0] == '\0' ? -1 : 0;
	if (ask("New password: ", out, len) == -1 || out[0] == '\0')
		return -1;
	if (ask("Retype new password: ", again, sizeof(again)) == -1)
		return -1;
	ret = strcmp(out, again) == 0 ? 0 : -1;
	if (ret == -1)
		fprintf(stderr, "sendergatectl: the passwords differ\n");
	OPENSSL_cleanse(again, sizeof(again));
	return ret;
}
