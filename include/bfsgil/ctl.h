/*
 * bfsgil/ctl.h: tunables, read and written by name, sysctl style.
 *
 * Every tunable is an integer with a name, a range and a default:
 *
 *   slice_us  (10..10000000, default 5000)  the time slice, in microseconds:
 *             how long a thread may hold the lock before its deadline is
 *             reissued; a waiter whose deadline is then the earlier asks
 *             it to give way.  5000 matches CPython's 5 ms switch interval.
 *   preempt   (0..1, default 1)  1: a waiter whose deadline is earlier
 *             than the holder's asks it to give way at once (BFS).  0:
 *             waiters ask only when the holder's slice ends, as a purely
 *             time-sliced GIL does; useful to see what preemption buys.
 *   spin_us   (0..10000, default 100)  once the holder has been asked to
 *             give way, the waiter next in line polls for the lock for
 *             up to this long before it sleeps, so a holder that answers
 *             within it hands over to a thread that is awake (no wake-up,
 *             tens of microseconds on a VM).  Costs at most this much CPU
 *             per request when the holder does not answer.  0: never
 *             poll.  One waiter polls at a time, and nobody on a lock
 *             created by a thread that may run on one CPU only.  Raise
 *             it for a host whose holders take longer than 100 us to
 *             answer (bfsgil-lua, which signals its holder, takes 30-70).
 *             Read at every wait, so a change applies from the next.
 *
 * bfsgil_ctl_describe() lists them at run time.  Changes take effect from
 * every thread's next slice (spin_us: its next wait): a slice in progress
 * keeps its length.
 *
 * Passing a NULL lock to the setters and getters reads or writes the
 * process defaults that later bfsgil_create() calls start from.  The
 * environment variable BFSGIL, in bfsgil_ctl_parse() syntax, is applied on
 * top of those defaults at create.
 *
 * All of these are safe to call from any thread at any time; none blocks.
 */
#ifndef BFSGIL_CTL_H
#define BFSGIL_CTL_H

#include <stddef.h>
#include <bfsgil/export.h>
#include <bfsgil/lock.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * bfsgil_ctl_set - set tunable @name of @gil (or the process default).
 *
 * Returns 0; EINVAL if @name is NULL; ENOENT if no tunable has that name;
 * ERANGE if @value is outside the tunable's range.
 */
BFSGIL_API int bfsgil_ctl_set(bfsgil_t *gil, const char *name, long long value);

/**
 * bfsgil_ctl_get - read tunable @name of @gil (or the process default)
 * into @value.
 *
 * Returns 0; EINVAL if @name or @value is NULL; ENOENT if no tunable has
 * that name.
 */
BFSGIL_API int bfsgil_ctl_get(const bfsgil_t *gil, const char *name,
			      long long *value);

/**
 * bfsgil_ctl_parse - apply a list of settings, all or nothing.
 * @settings: "name=value[,name=value...]", no spaces; the empty string
 *   is an empty list.  A name is one or more of a-z, 0-9 and _; a value
 *   is a decimal integer with an optional sign (+ or -) and any number of
 *   leading zeros.
 *
 * Every item is checked before any is applied, so on error nothing
 * changes.  When several items are wrong, the first one decides the
 * error; within one item, a malformed form (EINVAL) is reported before
 * an unknown name (ENOENT), and that before a value out of range
 * (ERANGE).  A later item for the same name wins.  The items are then
 * stored one by one: a thread reading the tunables at that moment may
 * see some applied and not others (each tunable is read on its own, so
 * nothing in the lock depends on two being consistent).  May change
 * errno.
 *
 * Returns 0; EINVAL if @settings is NULL or not of that form (including a
 * value that is not a decimal integer); ENOENT if an item names no
 * tunable; ERANGE if a value is outside its tunable's range.
 */
BFSGIL_API int bfsgil_ctl_parse(bfsgil_t *gil, const char *settings);

/**
 * bfsgil_ctl_describe - the @index'th tunable (from 0), for --help output
 * and tools.  Any output pointer may be NULL.  The strings are static.
 *
 * Returns 0; ENOENT when @index is past the last tunable.
 */
BFSGIL_API int bfsgil_ctl_describe(size_t index, const char **name,
				   const char **description, long long *min,
				   long long *max, long long *def);

#ifdef __cplusplus
}
#endif

#endif /* BFSGIL_CTL_H */
