/*
 * milter.h - the libmilter callbacks of sendergate: thin glue that
 * gathers facts, asks policy.c, and obeys.
 */
#ifndef SG_MILTER_H
#define SG_MILTER_H

#include <libmilter/mfapi.h>
#include "conf.h"
#include "dir.h"

/* Set the configuration and directory the callbacks use (before smfi_main). */
void	milter_setup(const struct sg_conf *, struct directory *);

/* Sessions open now: connect (or negotiate) seen, close not yet. */
unsigned milter_sessions(void);

/* The filter description to pass to smfi_register(). */
extern struct smfiDesc milter_desc;

#endif
