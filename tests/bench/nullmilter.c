/*
 * nullmilter - a libmilter milter that decides nothing: the floor under
 * any milter's cost, for the end-to-end benchmark (tests/bench/e2e.sh).
 *
 * Usage: nullmilter -s socket
 *
 * It negotiates the steps, replies and macros sendergate negotiates
 * (MILTER_STEPS and milter_symlists of milter/daemon/milter.h), answers continue
 * to MAIL FROM, RCPT TO and end of message, and keeps no state. The difference between
 * Postfix with it and Postfix without a milter is what the milter
 * protocol itself costs Postfix, libmilter and the kernel; the difference
 * between it and sendergate is sendergate's own work.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "daemon/milter.h"

static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	*pf0 = f0 & (SMFIF_ADDRCPT | SMFIF_ADDHDRS | SMFIF_ADDRCPT_PAR);
	*pf1 = f1 & MILTER_STEPS;
	*pf2 = *pf3 = 0;
	if (f0 & SMFIF_SETSYMLIST)
		milter_symlists(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
nm_noreply(SMFICTX *ctx, char *a, char *b)
{
	(void)ctx;
	(void)a;
	(void)b;
	return SMFIS_NOREPLY;
}

static sfsistat
nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx;
	(void)host;
	(void)sa;
	return SMFIS_NOREPLY;
}

static sfsistat
nm_args(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_plain(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static struct smfiDesc nm_desc = {
	.xxfi_name = (char[]){ "nullmilter" },
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDRCPT | SMFIF_ADDRCPT_PAR | SMFIF_ADDHDRS,
	.xxfi_connect = nm_connect,
	.xxfi_envfrom = nm_args,
	.xxfi_envrcpt = nm_args,
	.xxfi_header = nm_noreply,
	.xxfi_eom = nm_plain,
	.xxfi_abort = nm_plain,
	.xxfi_close = nm_plain,
	.xxfi_negotiate = nm_negotiate,
};

int
main(int argc, char *argv[])
{
	const char	*sock = NULL;
	int		 ch;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		if (ch != 's') {
			fprintf(stderr, "usage: nullmilter -s socket\n");
			return 2;
		}
		sock = optarg;
	}
	if (sock == NULL || optind != argc) {
		fprintf(stderr, "usage: nullmilter -s socket\n");
		return 2;
	}
	if (smfi_register(nm_desc) == MI_FAILURE ||
	    smfi_setconn((char *)(uintptr_t)sock) == MI_FAILURE ||
	    smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "nullmilter: cannot listen on %s\n", sock);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
