/*
 * mirror.h - ldap_mode = mirror: the sender directory kept in memory.
 *
 * Three layers, each its own file:
 *
 *   mirror_index.c  what the libmilter threads read: addresses and primary
 *                   domains to immutable entries, sharded hash tables
 *                   under read-mostly locks, and the current table set
 *                   swapped as a whole after a full refresh.
 *   mirror_model.c  the sync thread's copy of the directory, keyed by
 *                   entryUUID: domains, senders, and the rules (one
 *                   domain per primary domain, a sender directly under
 *                   its domain, malformed entries fail) that decide what
 *                   the index says. No LDAP, no locks of its own: one
 *                   thread drives it, so tests can drive it directly.
 *   mirror_sync.c   one RFC 4533 session (refreshAndPersist) feeding the
 *                   model: callbacks, full loads built aside, cookies.
 *   dir_mirror.c    the backend: the sync thread around the sessions
 *                   (connect, back off), staleness, lookups, and the
 *                   fall-back to query mode.
 *   mirror_cookie.c the sync cookie kept across servers: the newest CSN of
 *                   each serverID, as slapd's multi-provider setups need.
 */
#ifndef SG_MIRROR_H
#define SG_MIRROR_H

#include <ldap.h>
#include <pthread.h>
#include <stddef.h>

#include "dir/dir.h"

#define MIRROR_UUID_LEN	16		/* entryUUID, raw octets */

/* ---- mirror_index.c --------------------------------------------------- */

struct mi_table;			/* one complete set of answers */
struct mirror_index;			/* the set readers use now */

/* A table sized for about hint senders; NULL when out of memory. */
struct mi_table *mi_table_new(size_t hint);
/* Free a table no reader can reach any more (drops its references). */
void	mi_table_free(struct mi_table *);

/*
 * Writer side (one thread at a time). e == NULL marks the address as
 * failing (rule 3); otherwise the table takes its own reference to e.
 * The put functions return 0 or -1 (out of memory: nothing changed).
 */
int	mi_put_sender(struct mi_table *, const char *addr, struct sg_entry *e);
void	mi_del_sender(struct mi_table *, const char *addr);
int	mi_put_domain(struct mi_table *, const char *primary, int ok);
void	mi_del_domain(struct mi_table *, const char *primary);
size_t	mi_count(const struct mi_table *);	/* addresses held */

struct mirror_index *mi_new(void);
void	mi_free(struct mirror_index *);		/* and its current table */
/* Make t current; returns the previous table (NULL at first) to free. */
struct mi_table *mi_swap(struct mirror_index *, struct mi_table *t);

/*
 * Look up like dir_lookup, returning the kind: DIR_SENDER (ans->entry
 * referenced), DIR_NO_DOMAIN, DIR_NO_SENDER, or DIR_FAILED (no table
 * yet, a conflicting or malformed domain, a malformed sender). Any
 * thread, any time.
 */
enum dir_kind mi_lookup(struct mirror_index *, const char *addr,
	    const char *domain, struct dir_answer *ans);

/* ---- mirror_model.c --------------------------------------------------- */

struct mirror_model;

/* A model publishing into t (which it does not own). */
struct mirror_model *mm_new(struct mi_table *t);
void	mm_free(struct mirror_model *);
struct mi_table *mm_table(const struct mirror_model *);

/*
 * An sgDomain or sgSender entry was added or changed (or moved: same
 * uuid, new DN). e is a new entry with refs = 1 whose dom (domain) or
 * snd (sender) part is filled; the model takes it over. bad != NULL: the
 * entry is malformed, bad is the reason (logged once); e still holds what
 * could be read (the DN, the primary domain or the mail, or NULLs).
 * Returns 0, or -1 when out of memory (the answers touched fail safe).
 */
int	mm_put_domain(struct mirror_model *, const unsigned char *uuid,
	    struct sg_entry *e, const char *bad);
int	mm_put_sender(struct mirror_model *, const unsigned char *uuid,
	    struct sg_entry *e, const char *bad);
/* The entry uuid is gone (deleted, or out of the sync's scope). */
void	mm_delete(struct mirror_model *, const unsigned char *uuid);

/*
 * A refresh that may end in a present phase: mm_refresh_begin, then
 * mm_present for each entry the server says is unchanged (puts count as
 * present too), then mm_refresh_end(all_present): when the refresh ended
 * with refreshPresent, every entry not named is deleted.
 */
void	mm_refresh_begin(struct mirror_model *);
void	mm_present(struct mirror_model *, const unsigned char *uuid);
void	mm_refresh_end(struct mirror_model *, int all_present);
size_t	mm_count(const struct mirror_model *);	/* entries held */
/* Domain and sender entries held. */
void	mm_count_kinds(const struct mirror_model *, size_t *domains,
	    size_t *senders);

/* ---- mirror_cookie.c -------------------------------------------------- */

/*
 * The cookie to offer next: have (what we kept, NULL for none) with got
 * (what the server just sent) folded in, per serverID the newest CSN,
 * no sid=. A got not in slapd's form comes back unchanged. A new string
 * the caller frees; NULL when out of memory.
 */
char	*mirror_cookie_merge(const char *have, const char *got);

/* ---- mirror_sync.c ---------------------------------------------------- */

/* How a session ended: connection lost, no sync on the server, close. */
enum session_end { S_LOST, S_FALLBACK, S_STOP };

/* The backend's state: the thread's and the lookups' (dir_mirror.c). */
struct mirror {
	const struct sg_conf	*conf;
	struct mirror_index	*idx;
	pthread_t		 thread;
	pthread_mutex_t		 lock;		/* fd, stop, loaded */
	pthread_cond_t		 cond;
	int			 fd;		/* sync socket, or -1 */
	int			 stop;
	int			 loaded;	/* first copy in place */
	long long		 lost_at;	/* atomic; ms, 0 = current */
	void			*fallback;	/* atomic; query backend */

	/* the sync thread's own */
	struct mirror_model	*live;		/* what the index shows */
	struct mirror_model	*building;	/* a full load, or NULL */
	struct berval		 cookie;
	char			*kept;		/* what we left in ls_cookie */
	char			*uri;		/* the server of this session */
	size_t			 got_entries;	/* this refresh: added, changed */
	size_t			 got_deletes;
	int			 refresh_done;
	int			 present_end;
	int			 search_ended;
	long long		 refresh_start;
};

/* Monotonic milliseconds. */
long long mirror_now_ms(void);
/* 1 once close has begun. */
int	mirror_stopping(struct mirror *);
/* One connection's life: refresh, then persist until something ends it. */
enum session_end mirror_session(struct mirror *, LDAP *);
/* Forget an unfinished full load; drop the cookie (next: a full load). */
void	mirror_building_drop(struct mirror *);
void	mirror_cookie_drop(struct mirror *);

#endif
