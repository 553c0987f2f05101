/*
 * trace.h: the recorder's layout (bfsgil/trace.h), shared by the files
 * that record (trace.c), turn rings into tracks (trace_timeline.c) and
 * write tracks out (trace_json.c, trace_svg.c).
 *
 * Who may touch what:
 *  - A ring belongs to one OS thread, found through that thread's own
 *    thread-local cache (trace.c), and only that thread writes it.
 *  - Rings are pushed onto the recorder's list with a CAS and never
 *    leave it until the recorder is destroyed; a ring's header is
 *    written before the push publishes it, so the list can be walked
 *    without a lock.  No mutex anywhere: a thread that was recording
 *    when another forked leaves nothing locked in the child.
 *  - Readers (the writers of files) run only once recording has
 *    stopped: bfsgil_hook_remove, or joining the threads, orders every
 *    event before them.
 */
#ifndef BFSGIL_SRC_TRACE_H
#define BFSGIL_SRC_TRACE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <bfsgil/trace.h>

/* One event as recorded: 40 bytes. */
struct trace_rec {
	uint64_t time_ns;
	uint64_t deadline_ns;
	const void *thread;
	const void *other;
	uint32_t type;
	uint32_t reason;
};

struct trace_ring {
	struct trace_ring *next;	/* the recorder's list */
	uint64_t token;			/* the owning OS thread (trace.c) */
	uint32_t order;			/* 0, 1, ... in order of creation */
	int tid;			/* the owner's kernel thread id */
	char name[16];			/* the owner's name, as it was set */
	uint64_t n;			/* events ever recorded here */
	struct trace_rec rec[];		/* cap of them, the last cap kept */
};

struct bfsgil_trace {
	uint64_t id;			/* never reused: thread caches key on it */
	_Atomic(struct trace_ring *) rings;
	_Atomic uint32_t nrings;
	uint64_t cap;			/* events per ring, a power of two */
	_Atomic uint64_t lost;		/* events with no ring to go to */
	_Atomic int attached;		/* locks recording into it */
	uint64_t origin_ns;		/* when it was created: time zero */
	_Atomic uint64_t detached_ns;	/* when last detached from a lock */
	char label[128];
};

/* The states a track shows. */
enum tl_state { TL_OFF, TL_WAIT, TL_RUN };

/* A stretch of one state, [from, to). */
struct tl_span {
	uint64_t from, to;
	enum tl_state state;
	uint64_t deadline_ns;	/* the thread's, while waiting or running */
	int other;		/* running: the track that handed over, -1 */
};

/* A moment on a track: asked to give way, or detached by another. */
struct tl_mark {
	uint64_t at;
	unsigned type;		/* BFSGIL_EVENT_ASKED or _DETACH */
	unsigned reason;	/* ASKED: a bfsgil_ask_reason */
	int other;		/* ASKED: the waiter's track, or -1 */
};

/* A handle a track's own events named, from @first to @last: a thread
 * that detaches and attaches again names a new one. */
struct tl_self {
	const void *who;
	uint64_t first, last;
};

struct tl_track {
	struct tl_self *self;	/* in the order the thread used them */
	size_t nself, selfcap;
	char name[32];		/* the thread's name, or "thread <tid>" */
	int tid;
	uint64_t first, last;	/* the times of its first and last events */
	struct tl_span *span;
	size_t nspan, spancap;
	struct tl_mark *mark;
	size_t nmark, markcap;
};

/* One recorder's events as tracks, in the order their rings were made. */
struct timeline {
	const char *label;
	uint64_t origin_ns;	/* time zero */
	uint64_t end_ns;	/* where open spans end */
	uint64_t events, overwritten, lost;
	struct tl_track *track;
	size_t ntrack;
};

struct bfsgil;

/* trace.c: @gil is being destroyed (nobody attached, so no callback runs):
 * every recorder still attached to it is detached. */
void trace_lock_gone(struct bfsgil *gil);

/* trace_timeline.c: build @tl from @tr (0, or ENOMEM with @tl empty). */
int timeline_build(struct timeline *tl, const struct bfsgil_trace *tr);
void timeline_free(struct timeline *tl);
const char *timeline_state_name(enum tl_state s);
/* The length of the valid UTF-8 character at @s (at most @n bytes, n > 0;
 * U+FFFE and U+FFFF count as invalid, as XML will not have them), or 0.
 * Names are any bytes; both writers put '?' for a byte that is not. */
size_t timeline_utf8_len(const unsigned char *s, size_t n);
const char *timeline_reason_name(unsigned reason);

/* trace_json.c, trace_svg.c: write @n timelines to @out; 0 or an errno
 * value. */
int trace_write_json(FILE *out, const struct timeline *tl, size_t n);
int trace_write_svg(FILE *out, const struct timeline *tl, size_t n);

#endif /* BFSGIL_SRC_TRACE_H */
