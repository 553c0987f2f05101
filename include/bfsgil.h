/*
 * bfsgil.h: the umbrella header.  Include this one.
 *
 * bfsgil is a deadline-scheduled global interpreter lock: threads are
 * served earliest virtual deadline first, as in Con Kolivas' BFS, so a
 * thread that gives the lock up early (for I/O) gets it back at once
 * instead of waiting out a CPU-bound holder's time slice.
 *
 *   bfsgil/lock.h   the lock, thread handles, acquire/release/yield, fork
 *   bfsgil/ctl.h    tunables by name (slice_us, preempt), BFSGIL variable
 *   bfsgil/stats.h  counters per lock and per thread
 *   bfsgil/hook.h   event callbacks (a thread waits, gets the lock, gives
 *                   it up, is asked to give way...), and the host's own
 *                   pointer on each thread handle
 *   bfsgil/trace.h  a recorder of those events, written out for
 *                   Perfetto or as an SVG timeline
 *   bfsgil/version.h BFSGIL_VERSION, bfsgil_version()
 */
#ifndef BFSGIL_H
#define BFSGIL_H

#include <bfsgil/lock.h>
#include <bfsgil/ctl.h>
#include <bfsgil/stats.h>
#include <bfsgil/hook.h>
#include <bfsgil/trace.h>
#include <bfsgil/version.h>

#endif /* BFSGIL_H */
