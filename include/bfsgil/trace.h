/*
 * bfsgil/trace.h: a flight recorder of the scheduler's events, written
 * out as a trace to open in Perfetto (https://ui.perfetto.dev, or
 * chrome://tracing) or as a timeline picture (SVG).
 *
 * The quickest way needs no code: run a program that uses bfsgil with
 * BFSGIL_TRACE=trace.json in its environment, and every lock it creates
 * is traced until it is destroyed or the program exits, when the file
 * is written (bfsgil(7) has the details; trace.svg writes the picture).
 *
 * A recorder keeps, for every OS thread that sends it events, a ring of
 * that thread's last events: each thread writes only its own ring, with
 * no lock and no shared cache line, so recording costs about what one
 * event's hook call does (measured: bfsgil-bench --tests cost).  Rings
 * are allocated on a thread's first event.  Written out, each thread is
 * one track, in one of three states at every moment: "running" (holding
 * the lock), "waiting" (for it) and "off lock"; an "asked" mark shows
 * each request to give way, with its reason.
 */
#ifndef BFSGIL_TRACE_H
#define BFSGIL_TRACE_H

#include <stddef.h>
#include <stdio.h>
#include <bfsgil/export.h>
#include <bfsgil/hook.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A recorder.  Opaque. */
typedef struct bfsgil_trace bfsgil_trace_t;

/** What bfsgil_trace_write() writes. */
enum bfsgil_trace_format {
	/* Chrome trace-event JSON ("JSON Object Format"): one process per
	 * recorder, named after its label, one thread track per OS thread. */
	BFSGIL_TRACE_JSON = 1,
	/* An SVG picture: one panel per recorder, one row per thread,
	 * coloured by state, on one time scale for every panel. */
	BFSGIL_TRACE_SVG = 2,
};

/** Events kept per thread unless told otherwise. */
#define BFSGIL_TRACE_EVENTS_DEFAULT 65536
/** The most events per thread a recorder may keep. */
#define BFSGIL_TRACE_EVENTS_MAX (1u << 24)

/**
 * bfsgil_trace_create - make a recorder.
 * @label: names it in what is written (a process in Perfetto, a panel's
 *   title); copied, at most 127 bytes kept.  NULL: "bfsgil".
 * @events_per_thread: how many events each thread's ring keeps at least
 *   (its last ones; older ones are overwritten and counted), rounded up to
 *   a power of two; 0 for BFSGIL_TRACE_EVENTS_DEFAULT.  Each event takes
 *   40 bytes, allocated on the thread's first event; memory is touched
 *   only as it fills.
 *
 * Its times count from this call.  Does not block.
 * Returns 0; EINVAL if @trp is NULL; ERANGE if @events_per_thread is over
 * BFSGIL_TRACE_EVENTS_MAX; ENOMEM.
 */
BFSGIL_API int bfsgil_trace_create(bfsgil_trace_t **trp, const char *label,
				   size_t events_per_thread);

/**
 * bfsgil_trace_attach - record every event of @gil (bfsgil_hook_add with
 * bfsgil_trace_hook) from now until bfsgil_trace_detach().  A recorder
 * may record several locks at once; their threads then share its tracks.
 * Returns 0; EINVAL if an argument is NULL; EEXIST if already attached to
 * @gil; EAGAIN if @gil has BFSGIL_HOOKS_MAX hooks already.
 */
BFSGIL_API int bfsgil_trace_attach(bfsgil_trace_t *tr, bfsgil_t *gil);

/**
 * bfsgil_trace_detach - stop recording @gil's events.  Once it returns,
 * no callback of @gil is writing to @tr (bfsgil_hook_remove's promise),
 * so @tr may be written out.  Must not be called from a hook callback.
 * Destroying @gil (bfsgil_destroy) detaches @tr as well; @gil must not
 * be used after that, here or anywhere.
 * Returns 0; EINVAL if an argument is NULL; ENOENT if not attached.
 */
BFSGIL_API int bfsgil_trace_detach(bfsgil_trace_t *tr, bfsgil_t *gil);

/**
 * bfsgil_trace_hook - the recorder's callback: record @ev in the ring of
 * the calling OS thread.  @tr is the recorder (a bfsgil_trace_t *).
 *
 * bfsgil_trace_attach() registers it; a host that runs threads under a
 * lock of its own may call it directly with events it makes, as
 * bfsgil-bench does for the GILs it compares: @ev->thread then only has
 * to name each thread consistently, and a thread's own events (WAIT,
 * ACQUIRED, RELEASED, ATTACH) must come from that thread.  Takes no lock
 * of its own and never waits for another thread, but a thread's first
 * event allocates its ring (malloc; an event that finds no memory is
 * counted as lost), and ATTACH and DETACH read the thread's name (a
 * system call).  Safe to call from any thread, at the same time as other
 * threads.
 */
BFSGIL_API void bfsgil_trace_hook(const struct bfsgil_event *ev, void *tr);

/**
 * bfsgil_trace_write - write @n recorders to @out as one document in
 * @format.  Nothing may be recording into them meanwhile: detach them
 * first (or stop the threads that call bfsgil_trace_hook), or what is
 * read is undefined.  Writes with stdio and does not close @out.
 *
 * Returns 0; EINVAL if @trs or @out is NULL, @n is 0 or over 64, an
 * element is NULL, or @format is not a bfsgil_trace_format; EIO (or the
 * errno stdio left) if writing failed; ENOMEM.
 */
BFSGIL_API int bfsgil_trace_write(const bfsgil_trace_t *const *trs, size_t n,
				  FILE *out, enum bfsgil_trace_format format);

/**
 * bfsgil_trace_save - write @tr to the file @path, as SVG if @path ends
 * in ".svg", else as JSON; the file is replaced.  The same rule about
 * recording as bfsgil_trace_write().
 *
 * Returns 0; EINVAL if an argument is NULL; the errno of fopen or of
 * writing (the file may then be partly written).
 */
BFSGIL_API int bfsgil_trace_save(const bfsgil_trace_t *tr, const char *path);

/**
 * bfsgil_trace_destroy - free @tr and everything it recorded.
 * Returns 0; EINVAL if @tr is NULL; EBUSY while it is attached to a lock
 * (nothing is freed).
 */
BFSGIL_API int bfsgil_trace_destroy(bfsgil_trace_t *tr);

#ifdef __cplusplus
}
#endif

#endif /* BFSGIL_TRACE_H */
