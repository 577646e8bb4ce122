/*
 * milter_drain.c - a stop that cuts no message: libmilter aborts every
 * session still in a transaction when it is stopped, so on SIGTERM the
 * daemon first drains. From drain_begin() on, a new MAIL FROM (on a new
 * connection or an open one) gets a temporary failure, and the
 * transactions already open run to their end; the stop waits for none
 * to be open (up to STOP_WAIT s, sendergate.c) before stopping libmilter.
 *
 * The count: a MAIL FROM enters (drain_enter) before it is decided and
 * stays counted while its message is open; it leaves (drain_leave) when
 * it was refused, or when the message ends (end of message, abort,
 * close). Both the count and the flag are sequentially consistent: either
 * the MAIL FROM sees the flag and is refused, or the stop sees it counted.
 */
#include <libmilter/mfapi.h>

#include "lib/log.h"
#include "daemon/milter.h"

static int	 draining;	/* atomic: set once, at stop */
static unsigned	 open_txns;	/* atomic: MAIL FROMs deciding or open */

/* A MAIL FROM arrives: 1 to go on (counted), 0 refused (draining). */
int
drain_enter(SMFICTX *ctx)
{
	__atomic_add_fetch(&open_txns, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&draining, __ATOMIC_SEQ_CST))
		return 1;
	__atomic_sub_fetch(&open_txns, 1, __ATOMIC_SEQ_CST);
	smfi_setreply(ctx, (char[]){ "451" }, (char[]){ "4.3.2" },
	    (char[]){ "Service shutting down, try again later" });
	return 0;
}

/* A counted MAIL FROM was refused, or its message ended. */
void
drain_leave(void)
{
	__atomic_sub_fetch(&open_txns, 1, __ATOMIC_SEQ_CST);
}

/* From now on, refuse new transactions. */
void
drain_begin(void)
{
	__atomic_store_n(&draining, 1, __ATOMIC_SEQ_CST);
}

/* Transactions open (or being decided) now. */
unsigned
drain_open(void)
{
	return __atomic_load_n(&open_txns, __ATOMIC_SEQ_CST);
}
