/*
 * snap.h - the configuration in force, as reference-counted snapshots.
 *
 * A snapshot is a configuration and the directory and counters opened
 * for it. A
 * message takes a reference at MAIL FROM (snap_current) and drops it
 * when it ends, so a message is decided under one configuration from
 * start to end. A reload publishes a new snapshot (snap_publish); the old
 * one is freed, with its directory, when its last holder drops it.
 *
 * A snapshot whose directory keys did not change shares the directory of
 * the one before (snap_share_dir): it then holds a reference to the
 * snapshot that opened the directory (dir_from), whose configuration the
 * directory goes on reading; the configuration a directory reads is thus
 * never freed before the directory.
 */
#ifndef SG_SNAP_H
#define SG_SNAP_H

#include "lib/conf.h"
#include "redis/counter.h"
#include "dir/dir.h"

struct snap {
	int		 refs;		/* atomic */
	struct sg_conf	 conf;
	struct directory *dir;		/* opened for conf, or dir_from's */
	struct snap	*dir_from;	/* a reference; NULL: dir is ours */
	struct counters	*ctrs;		/* opened for conf, or ctrs_from's */
	struct snap	*ctrs_from;	/* a reference; NULL: ctrs is ours */
};

/* A new snapshot (one reference, the caller's); NULL when out of memory. */
struct snap *snap_new(void);

/* Another reference to s. */
struct snap *snap_ref(struct snap *s);

/* Drop a reference; the last frees conf and closes (or lets go of) dir. */
void	snap_release(struct snap *s);

/* Let to use from's directory (to has none yet). */
void	snap_share_dir(struct snap *to, struct snap *from);

/* Let to use from's counters (to has none yet). */
void	snap_share_ctrs(struct snap *to, struct snap *from);

/* A reference to the snapshot in force; NULL before the first publish. */
struct snap *snap_current(void);

/*
 * Put s in force, taking over the caller's reference (NULL: none in
 * force, at stop); the one before is released.
 */
void	snap_publish(struct snap *s);

#endif
