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
 * the one before (snap_share_dir), and one whose Redis keys did not
 * change shares its counters (snap_share_ctrs): it takes a reference to
 * that object, not to the older snapshot. The directory and the counters
 * copied what they read of the configuration they were opened with, so
 * an old snapshot, its directory and its counters each go as soon as
 * nothing uses them: a directory that a reload replaced is closed (its
 * sync thread and its copy of the directory with it) when the last
 * message that took it ends, whatever became of the counters.
 */
#ifndef SG_SNAP_H
#define SG_SNAP_H

#include "lib/conf.h"
#include "redis/counter.h"
#include "dir/dir.h"

struct snap {
	int		 refs;		/* atomic */
	struct sg_conf	 conf;
	struct directory *dir;		/* a reference (or NULL: none opened) */
	struct counters	*ctrs;		/* a reference (or NULL) */
};

/* A new snapshot (one reference, the caller's); NULL when out of memory. */
struct snap *snap_new(void);

/* Another reference to s. */
struct snap *snap_ref(struct snap *s);

/* Drop a reference; the last frees conf and drops dir's and ctrs's. */
void	snap_release(struct snap *s);

/* Let to use from's directory, taking a reference (to has none yet). */
void	snap_share_dir(struct snap *to, struct snap *from);

/* Let to use from's counters, taking a reference (to has none yet). */
void	snap_share_ctrs(struct snap *to, struct snap *from);

/* A reference to the snapshot in force; NULL before the first publish. */
struct snap *snap_current(void);

/*
 * Put s in force, taking over the caller's reference (NULL: none in
 * force, at stop); the one before is released.
 */
void	snap_publish(struct snap *s);

#endif
