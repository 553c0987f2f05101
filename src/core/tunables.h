/*
 * tunables.h: the one table of tunables.  Adding a tunable is one line in
 * BFSGIL_TUNABLES; the setter, getter, parser, environment override and
 * bfsgil_ctl_describe() all read the table.
 *
 * Values live in atomics so that readers on hot paths (a waiter reading
 * slice_us) never need the mutex, and setters never block.
 */
#ifndef BFSGIL_TUNABLES_H
#define BFSGIL_TUNABLES_H

#include <stdatomic.h>
#include <stdbool.h>

/* X(ID, name, description, min, max, default) */
#define BFSGIL_TUNABLES(X)                                                    \
	X(SLICE_US, "slice_us",                                               \
	  "time slice in microseconds: how long a thread may hold the lock "  \
	  "before its deadline is reissued and an earlier waiter may ask it " \
	  "to give way", 10, 10000000, 5000)                                  \
	X(PREEMPT, "preempt",                                                 \
	  "1: a waiter with an earlier deadline than the holder's asks it to " \
	  "give way at once; 0: waiters ask only at the end of its slice",     \
	  0, 1, 1)                                                            \
	X(SPIN_US, "spin_us",                                                 \
	  "once the holder has been asked to give way, how long the waiter "  \
	  "next in line polls for the handoff before it sleeps: a holder "    \
	  "that answers within it costs no wake-up; 0 never polls",           \
	  0, 10000, 100)

enum tunable_id {
#define TUNABLE_ENUM(id, name, desc, min, max, def) TUNABLE_##id,
	BFSGIL_TUNABLES(TUNABLE_ENUM)
#undef TUNABLE_ENUM
	TUNABLE_COUNT
};

struct tunable_def {
	const char *name;
	const char *description;
	long long min;
	long long max;
	long long def;
};

extern const struct tunable_def tunable_table[TUNABLE_COUNT];

struct tunable_values {
	_Atomic long long v[TUNABLE_COUNT];
};

/* A parsed but not yet applied list of settings. */
struct tunable_staging {
	long long value[TUNABLE_COUNT];
	bool present[TUNABLE_COUNT];
};

static inline long long
tunable_get(const struct tunable_values *t, enum tunable_id id)
{
	return atomic_load_explicit(&t->v[id], memory_order_relaxed);
}

/* @values of a new lock: the process defaults, then $BFSGIL.  Returns 0 or
 * EINVAL if $BFSGIL does not parse. */
int tunables_init_for_create(struct tunable_values *values, bool use_env);
/* The process defaults, or @t itself. */
struct tunable_values *tunables_target(struct tunable_values *t);
/* Look @name up.  Returns 0 or ENOENT. */
int tunables_lookup(const char *name, enum tunable_id *id);
/* Parse "name=value,..." into @stage.  Returns 0, EINVAL, ENOENT or
 * ERANGE; on error @stage is garbage. */
/* What was wrong with a list that did not parse: the item (not
 * NUL-terminated), and why, in a few words. */
struct tunable_error {
	const char *item;
	size_t len;
	const char *why;
};

int tunables_parse(const char *settings, struct tunable_staging *stage,
		   struct tunable_error *err);
void tunables_apply(struct tunable_values *t,
		    const struct tunable_staging *stage);

#endif /* BFSGIL_TUNABLES_H */
