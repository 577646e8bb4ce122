/*
 * conf_secret.c - the files of the *_password_file keys: one line, read
 * once, refused when others may read it; wiped when freed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/conf_param.h"

/* Wipe and free a secret; *s becomes NULL. */
void
conf_secret_free(char **s)
{
	if (*s == NULL)
		return;
	explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

/*
 * Read the first line of a password file into *out (malloc'd; the caller
 * wipes and frees it). Refuses files that are not regular, or that others
 * may read, or that group or others may write. 0, or -1 with buf.
 */
int
conf_secret_read(const char *file, char **out, char *buf, size_t len)
{
	char		 data[PASSWORD_MAX + 2];
	struct stat	 st;
	const char	*nl;
	size_t		 n = 0, pl;
	ssize_t		 r;
	int		 fd, ret = -1;

	fd = open(file, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return conf_why(buf, len, "cannot open password file %s: %s", file,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		conf_why(buf, len, "cannot stat password file %s: %s", file,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_why(buf, len, "password file %s is not a regular file", file);
		goto out;
	}
	if (st.st_mode & S_IROTH) {
		conf_why(buf, len, "password file %s is readable by others "
		    "(chmod o-r)", file);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		conf_why(buf, len, "password file %s is writable by group or "
		    "others (chmod go-w)", file);
		goto out;
	}
	while (n < sizeof(data) && memchr(data, '\n', n) == NULL) {
		if ((r = read(fd, data + n, sizeof(data) - n)) == -1) {
			if (errno == EINTR)
				continue;
			conf_why(buf, len, "cannot read password file %s: %s", file,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if ((nl = memchr(data, '\n', n)) != NULL)
		pl = (size_t)(nl - data);
	else if (n == sizeof(data)) {
		conf_why(buf, len, "password file %s: first line longer than %d "
		    "octets", file, PASSWORD_MAX);
		goto out;
	} else
		pl = n;
	while (pl > 0 && data[pl - 1] == '\r')
		pl--;
	if (pl == 0) {
		conf_why(buf, len, "password file %s is empty", file);
		goto out;
	}
	if (pl > PASSWORD_MAX) {
		conf_why(buf, len, "password file %s: first line longer than %d "
		    "octets", file, PASSWORD_MAX);
		goto out;
	}
	if (memchr(data, '\0', pl) != NULL) {
		conf_why(buf, len, "password file %s holds a NUL octet", file);
		goto out;
	}
	if ((*out = malloc(pl + 1)) == NULL) {
		conf_why(buf, len, "out of memory");
		goto out;
	}
	memcpy(*out, data, pl);
	(*out)[pl] = '\0';
	ret = 0;
out:
	explicit_bzero(data, sizeof(data));
	close(fd);
	return ret;
}

/* Read a password file under the same rules as the *_password_file keys. */
int
conf_read_secret(const char *file, char **out, char *err, size_t errlen)
{
	return conf_secret_read(file, out, err, errlen);
}
