/*
 * envwatch.h: what the environment asks to be watched on every lock the
 * process creates, with no change to the program (bfsgil(7)):
 *
 *   BFSGIL_TRACE=FILE         record a trace (bfsgil/trace.h) and write it
 *                             to FILE when the lock is destroyed or the
 *                             process exits: SVG if FILE ends in .svg,
 *                             else Perfetto's JSON.  "%p" in FILE is the
 *                             pid; a second lock writes FILE with ".2"
 *                             before its extension, and so on.
 *   BFSGIL_TRACE_EVENTS=N     events kept per thread (the last N).
 *   BFSGIL_STATS=FILE|-       print per-thread wait, hold and switch
 *                             figures at the same moments, appended to
 *                             FILE, or to stderr for "-" (bfsgil-stat).
 *
 * A fork child writes neither unless it called bfsgil_after_fork_child
 * and FILE has "%p": it would overwrite or repeat its parent's.
 *
 * Each watched lock has a struct envwatch (gil->watch); the watched locks
 * of the process are on one list, which an atexit handler walks.
 */
#ifndef BFSGIL_ENVWATCH_H
#define BFSGIL_ENVWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bfsgil/stats.h>
#include <bfsgil/trace.h>

struct bfsgil;
struct bfsgil_thread;

/* One thread's line of the stats report. */
struct envwatch_row {
	char name[16];
	int tid;
	uint64_t attached_ns, detached_ns;	/* detached 0: still attached */
	uint64_t held_ns;
	struct bfsgil_stats st;
};

struct envwatch {
	struct bfsgil *gil;
	struct envwatch *next;		/* the process's list */
	pid_t creator;
	uint64_t created_ns;
	int index;			/* 1, 2, ... among watched locks */
	bool done;			/* written: not again */
	bool inherited;			/* a fork child's copy (envwatch.c) */
	bfsgil_trace_t *trace;
	char *trace_path;		/* as given, %p not yet expanded */
	bool stats;
	char *stats_path;		/* NULL: stderr */
	/* Threads that detached, for the report (lock's mutex). */
	struct envwatch_row *rows;
	size_t nrows, cap;
};

/* Per thread, for the stats report: written by the thread's own
 * callbacks, read under the mutex; atomics, as those run without it. */
struct envwatch_thread {
	_Atomic uint64_t held_ns;	/* total, up to its last release */
	_Atomic uint64_t held_since;	/* 0 unless holding */
	_Atomic uint64_t attached_ns;
	_Atomic int tid;
};

/* At bfsgil_create, once the lock works: watch it if the environment
 * asks.  0, or an errno value after saying on stderr what was wrong (a
 * file that cannot be written, a bad BFSGIL_TRACE_EVENTS), the lock then
 * not to be created. */
int envwatch_start(struct bfsgil *gil);

/* At bfsgil_destroy, with nobody attached: write what was watched, stop,
 * free.  Nothing if the lock is not watched. */
void envwatch_finish(struct bfsgil *gil);

/* At bfsgil_after_fork_child: the child has made the lock its own, so
 * its watch is the child's to write (to a file whose name has %p). */
void envwatch_after_fork_child(struct bfsgil *gil);

/* envwatch_stats.c: the stats hook and the report. */
void envwatch_stats_hook(const struct bfsgil_event *ev, void *data);
void envwatch_stats_write(struct envwatch *w, const char *path);

#endif /* BFSGIL_ENVWATCH_H */
