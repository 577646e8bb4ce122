/*
 * fuzz_conf.c - libFuzzer target: the configuration parser (conf_load).
 *
 * conf_load reads a file, so each input is written to a memfd and loaded
 * through /proc/self/fd/N. Checks: success or an error message that names
 * the file; conf_free leaves nothing behind (LeakSanitizer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/conf.h"
#include "lib/log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 mfd = -1;
static char	 mpath[64];

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_conf	 c;
	char		 err[1024];

	if (mfd == -1) {
		log_init("fuzz_conf", 1, LOG_LVL_ERROR);
		if ((mfd = memfd_create("fuzz_conf", MFD_CLOEXEC)) == -1)
			abort();
		snprintf(mpath, sizeof(mpath), "/proc/self/fd/%d", mfd);
	}
	if (ftruncate(mfd, 0) == -1 ||
	    (size > 0 && pwrite(mfd, data, size, 0) != (ssize_t)size))
		abort();
	if (conf_load(mpath, &c, err, sizeof(err)) == 0)
		conf_free(&c);
	else if (strncmp(err, mpath, strlen(mpath)) != 0)
		abort();	/* an error names the file */
	return 0;
}
