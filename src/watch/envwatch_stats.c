/*
 * envwatch_stats.c: BFSGIL_STATS (envwatch.h), the report bfsgil-stat
 * prints: per thread, how often it got the lock and how long it waited
 * for it and held it, and how often the lock switched to and from it.
 *
 * The counters are the lock's own (bfsgil/stats.h); the time each thread
 * held the lock is not among them, since an uncontended acquire and
 * release read no clock, so this file's hook measures it, from each
 * thread's ACQUIRED to its RELEASED.  A thread's line is taken when it
 * detaches (the DETACH event, which runs under the lock's mutex), and
 * for the threads still attached when the report is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bfsgil/ctl.h>

#include "clock.h"
#include "envwatch.h"
#include "gil.h"

/* The name of the kernel thread @tid of this process, as it is now, into
 * @name (16 bytes); "" if it has gone. */
static void
row_name(int tid, char *name)
{
	char path[64];
	FILE *f;

	name[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	if (fgets(name, 16, f) != NULL)
		name[strcspn(name, "\n")] = '\0';
	fclose(f);
}

/* @t's record (watch_data), made by its ATTACH callback; NULL if that
 * found no memory. */
static struct envwatch_thread *
thread_record(const struct bfsgil_thread *t)
{
	return atomic_load_explicit(
		&((struct bfsgil_thread *)t)->watch_data, memory_order_acquire);
}

/* @t's line as of @now (the lock's mutex held). */
static void
row_take(struct envwatch_row *r, const struct bfsgil_thread *t, uint64_t now)
{
	const struct envwatch_thread *e = thread_record(t);
	uint64_t since;

	memset(r, 0, sizeof(*r));
	stats_of_thread(t, &r->st);
	if (e == NULL)
		return;
	since = atomic_load_explicit(&e->held_since, memory_order_relaxed);
	r->tid = atomic_load_explicit(&e->tid, memory_order_relaxed);
	r->attached_ns = atomic_load_explicit(&e->attached_ns,
					      memory_order_relaxed);
	r->held_ns = atomic_load_explicit(&e->held_ns, memory_order_relaxed);
	if (since != 0 && now > since)
		r->held_ns += now - since;	/* holding now */
	if (r->tid != 0)
		row_name(r->tid, r->name);
}

void
envwatch_stats_hook(const struct bfsgil_event *ev, void *data)
{
	struct envwatch *w = data;
	struct bfsgil_thread *t = ev->thread;
	struct envwatch_thread *e;
	uint64_t since;

	if (ev->type == BFSGIL_EVENT_ATTACH) {
		/* Own, first of the thread's: its record starts here, and
		 * goes at its DETACH (which the core sends before it frees
		 * the handle, also for the handles a fork child loses). */
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			return;	/* the line is lost, not the run */
		atomic_store_explicit(&t->watch_data, e, memory_order_release);
	}
	e = thread_record(t);
	if (e == NULL)
		return;
	switch (ev->type) {
	case BFSGIL_EVENT_ATTACH:	/* own */
#ifdef SYS_gettid
		atomic_store_explicit(&e->tid, (int)syscall(SYS_gettid),
				      memory_order_relaxed);
#endif
		atomic_store_explicit(&e->attached_ns, ev->time_ns,
				      memory_order_relaxed);
		break;
	case BFSGIL_EVENT_ACQUIRED:	/* own */
		atomic_store_explicit(&e->held_since, ev->time_ns,
				      memory_order_relaxed);
		break;
	case BFSGIL_EVENT_RELEASED:	/* own */
		since = atomic_load_explicit(&e->held_since,
					     memory_order_relaxed);
		if (since != 0 && ev->time_ns > since)
			atomic_store_explicit(
				&e->held_ns,
				atomic_load_explicit(&e->held_ns,
						     memory_order_relaxed) +
					ev->time_ns - since,
				memory_order_relaxed);
		atomic_store_explicit(&e->held_since, 0, memory_order_relaxed);
		break;
	case BFSGIL_EVENT_DETACH:	/* the lock's mutex held */
		if (w->nrows == w->cap) {
			size_t cap = w->cap != 0 ? 2 * w->cap : 16;
			struct envwatch_row *rows =
				realloc(w->rows, cap * sizeof(*rows));

			if (rows == NULL)
				break;	/* the line is lost, not the run */
			w->rows = rows;
			w->cap = cap;
		}
		row_take(&w->rows[w->nrows], t, ev->time_ns);
		w->rows[w->nrows++].detached_ns = ev->time_ns;
		break;
	}
	if (ev->type == BFSGIL_EVENT_DETACH) {
		atomic_store_explicit(&t->watch_data, NULL,
				      memory_order_relaxed);
		free(e);
	}
}

/* @ns in a unit that keeps it short: "812 ns", "41.3 us", "3.41 ms",
 * "2.071 s". */
static const char *
fmt_time(char *buf, size_t size, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, size, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.2f ms", (double)ns / 1e6);
	else
		snprintf(buf, size, "%.3f s", (double)ns / 1e9);
	return buf;
}

static void
report_line(FILE *f, const struct envwatch_row *r, const char *name,
	    uint64_t end_ns)
{
	uint64_t life = (r->detached_ns != 0 ? r->detached_ns : end_ns) -
			r->attached_ns;
	char wait[16], maxw[16], held[16], tid[16];

	if (r->tid != 0)
		snprintf(tid, sizeof(tid), "%d", r->tid);
	else
		snprintf(tid, sizeof(tid), "-");
	fprintf(f, "%-16s %7s %9llu %9llu %10s %10s %10s %5.1f%% %9llu %7llu "
		"%7llu\n", name, tid, (unsigned long long)r->st.acquires,
		(unsigned long long)r->st.contended,
		fmt_time(wait, sizeof(wait), r->st.wait_ns),
		fmt_time(maxw, sizeof(maxw), r->st.max_wait_ns),
		fmt_time(held, sizeof(held), r->held_ns),
		r->attached_ns != 0 && life > 0 ? 100.0 * (double)r->held_ns /
							  (double)life
						: 0.0,
		(unsigned long long)r->st.handoffs,
		(unsigned long long)r->st.preempt_requests,
		(unsigned long long)r->st.slice_expiries);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct envwatch_row *x = a, *y = b;

	return x->attached_ns < y->attached_ns ? -1
	       : x->attached_ns > y->attached_ns;
}

static void
report(FILE *f, struct envwatch *w, struct envwatch_row *rows, size_t n,
       uint64_t now)
{
	struct envwatch_row all = { .attached_ns = w->created_ns };
	long long slice = 0, preempt = 0, spin = 0;
	char name[32];

	bfsgil_ctl_get(w->gil, "slice_us", &slice);
	bfsgil_ctl_get(w->gil, "preempt", &preempt);
	bfsgil_ctl_get(w->gil, "spin_us", &spin);
#ifdef _GNU_SOURCE
	fprintf(f, "bfsgil-stat: pid %ld (%s), lock %d: %zu threads over "
		"%.3f s; slice_us=%lld preempt=%lld spin_us=%lld\n",
		(long)getpid(), program_invocation_short_name, w->index, n,
		(double)(now - w->created_ns) / 1e9, slice, preempt, spin);
#else
	fprintf(f, "bfsgil-stat: pid %ld, lock %d: %zu threads over %.3f s; "
		"slice_us=%lld preempt=%lld spin_us=%lld\n", (long)getpid(),
		w->index, n, (double)(now - w->created_ns) / 1e9, slice,
		preempt, spin);
#endif
	qsort(rows, n, sizeof(*rows), row_cmp);
	fprintf(f, "%-16s %7s %9s %9s %10s %10s %10s %6s %9s %7s %7s\n",
		"thread", "tid", "acquires", "waited", "wait", "max wait",
		"held", "held%", "handoffs", "asked", "slices");
	for (size_t i = 0; i < n; i++) {
		const struct envwatch_row *r = &rows[i];

		if (r->name[0] != '\0')
			snprintf(name, sizeof(name), "%s", r->name);
		else
			snprintf(name, sizeof(name), "thread %zu", i + 1);
		report_line(f, r, name, now);
		all.st.acquires += r->st.acquires;
		all.st.contended += r->st.contended;
		all.st.wait_ns += r->st.wait_ns;
		if (r->st.max_wait_ns > all.st.max_wait_ns)
			all.st.max_wait_ns = r->st.max_wait_ns;
		all.held_ns += r->held_ns;
		all.st.handoffs += r->st.handoffs;
		all.st.preempt_requests += r->st.preempt_requests;
		all.st.slice_expiries += r->st.slice_expiries;
	}
	report_line(f, &all, "(all)", now);
}

void
envwatch_stats_write(struct envwatch *w, const char *path)
{
	struct bfsgil *gil = w->gil;
	struct envwatch_row *rows;
	size_t n = 0;
	uint64_t now;
	FILE *f = stderr;

	/* The detached threads' lines, and the attached ones' as of now;
	 * reported in the order they attached. */
	pthread_mutex_lock(&gil->lock);
	now = clock_now_ns();
	rows = calloc(w->nrows + (size_t)gil->nthreads + 1, sizeof(*rows));
	if (rows != NULL) {
		if (w->nrows != 0)
			memcpy(rows, w->rows, w->nrows * sizeof(*rows));
		n = w->nrows;
		for (struct bfsgil_thread *t = gil->threads; t != NULL;
		     t = t->next)
			row_take(&rows[n++], t, now);
	}
	pthread_mutex_unlock(&gil->lock);
	if (rows == NULL) {
		fprintf(stderr, "bfsgil: BFSGIL_STATS: out of memory\n");
		return;
	}
	if (path != NULL && (f = fopen(path, "a")) == NULL) {
		fprintf(stderr, "bfsgil: BFSGIL_STATS: writing %s: %s\n", path,
			strerror(errno));
		free(rows);
		return;
	}
	report(f, w, rows, n, now);
	if (path != NULL)
		fclose(f);
	else
		fflush(f);
	free(rows);
}
