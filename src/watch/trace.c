/*
 * trace.c: the recorder (bfsgil/trace.h): rings of events, one per OS
 * thread, and the calls that make, feed, save and free it.  Turning
 * rings into tracks is trace_timeline.c's; drawing them, trace_json.c's
 * and trace_svg.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "annotate.h"
#include "clock.h"
#include "gil.h"
#include "trace.h"

/* Recorder ids and thread tokens: never reused, so a thread's cache of
 * "my ring in recorder N" can never be taken for a later recorder that
 * happens to get the same address, and a ring is never taken for a
 * later thread's. */
static _Atomic uint64_t trace_next_id = 1;
static _Atomic uint64_t trace_next_token = 1;

/* Per OS thread: its token, and its rings in the last few recorders it
 * recorded into (a thread rarely records into more than one). */
#define TRACE_CACHE 4
static _Thread_local uint64_t trace_token;
static _Thread_local struct {
	uint64_t id;
	struct trace_ring *ring;
} trace_cache[TRACE_CACHE];
static _Thread_local unsigned trace_cache_next;

static uint64_t
trace_my_token(void)
{
	if (trace_token == 0)
		trace_token = atomic_fetch_add_explicit(&trace_next_token, 1,
							memory_order_relaxed);
	return trace_token;
}

/* The calling thread's kernel id and name, for its track's label. */
static void
trace_ring_name(struct trace_ring *r)
{
#ifdef SYS_gettid
	r->tid = (int)syscall(SYS_gettid);
#else
	r->tid = 0;
#endif
	r->name[0] = '\0';
#if defined(__linux__) && defined(_GNU_SOURCE)
	pthread_getname_np(pthread_self(), r->name, sizeof(r->name));
#endif
}

/*
 * The calling thread's ring in @tr, made if it has none (NULL if there
 * is no memory).  Slow path: a look through the list, which only grows
 * and whose entries are immutable but for their records.
 */
static struct trace_ring *
trace_ring_slow(struct bfsgil_trace *tr)
{
	uint64_t token = trace_my_token();
	struct trace_ring *r, *head;
	unsigned slot;

	r = atomic_load_explicit(&tr->rings, memory_order_acquire);
	/* Every ring's header was written before the push that published
	 * it (below): tell valgrind's checkers, which see no atomics. */
	BFSGIL_HAPPENS_AFTER(&tr->rings);
	for (; r != NULL; r = r->next)
		if (r->token == token)
			break;
	if (r == NULL) {
		r = malloc(sizeof(*r) + tr->cap * sizeof(r->rec[0]));
		if (r == NULL)
			return NULL;
		r->token = token;
		r->n = 0;
		trace_ring_name(r);
		r->order = atomic_fetch_add_explicit(&tr->nrings, 1,
						     memory_order_relaxed);
		head = atomic_load_explicit(&tr->rings, memory_order_relaxed);
		do {
			r->next = head;
			BFSGIL_HAPPENS_BEFORE(&tr->rings);
		} while (!atomic_compare_exchange_weak_explicit(
			&tr->rings, &head, r, memory_order_release,
			memory_order_relaxed));
	}
	slot = trace_cache_next++ % TRACE_CACHE;
	trace_cache[slot].id = tr->id;
	trace_cache[slot].ring = r;
	return r;
}

void
bfsgil_trace_hook(const struct bfsgil_event *ev, void *arg)
{
	struct bfsgil_trace *tr = arg;
	struct trace_ring *r = NULL;
	struct trace_rec *x;

	if (tr == NULL || ev == NULL)
		return;
	for (int i = 0; i < TRACE_CACHE; i++)
		if (trace_cache[i].id == tr->id) {
			r = trace_cache[i].ring;
			break;
		}
	if (r == NULL && (r = trace_ring_slow(tr)) == NULL) {
		atomic_fetch_add_explicit(&tr->lost, 1, memory_order_relaxed);
		return;
	}
	x = &r->rec[r->n & (tr->cap - 1)];
	x->time_ns = ev->time_ns;
	x->deadline_ns = ev->deadline_ns;
	x->thread = ev->thread;
	x->other = ev->other;
	x->type = ev->type;
	x->reason = ev->reason;
	r->n++;
	/* A thread names itself when it starts, often after its first
	 * event: look again as it attaches and leaves. */
	if (ev->type & (BFSGIL_EVENT_ATTACH | BFSGIL_EVENT_DETACH))
		trace_ring_name(r);
}

int
bfsgil_trace_create(bfsgil_trace_t **trp, const char *label,
		    size_t events_per_thread)
{
	struct bfsgil_trace *tr;
	uint64_t cap = 1;

	if (trp == NULL)
		return EINVAL;
	if (events_per_thread > BFSGIL_TRACE_EVENTS_MAX)
		return ERANGE;
	if (events_per_thread == 0)
		events_per_thread = BFSGIL_TRACE_EVENTS_DEFAULT;
	/* A power of two, so that a ring's slot is a mask, not a divide. */
	while (cap < events_per_thread)
		cap <<= 1;
	tr = calloc(1, sizeof(*tr));
	if (tr == NULL)
		return ENOMEM;
	tr->id = atomic_fetch_add_explicit(&trace_next_id, 1,
					   memory_order_relaxed);
	tr->cap = cap;
	atomic_init(&tr->rings, NULL);
	atomic_init(&tr->nrings, 0);
	atomic_init(&tr->lost, 0);
	atomic_init(&tr->attached, 0);
	atomic_init(&tr->detached_ns, 0);
	tr->origin_ns = clock_now_ns();
	snprintf(tr->label, sizeof(tr->label), "%s",
		 label != NULL ? label : "bfsgil");
	/* The ring list is pushed to with a CAS from any thread, which
	 * valgrind's checkers cannot follow (annotate.h). */
	BFSGIL_RACY_BY_DESIGN(&tr->rings, sizeof(tr->rings));
	BFSGIL_RACY_BY_DESIGN(&tr->nrings, sizeof(tr->nrings));
	BFSGIL_RACY_BY_DESIGN(&tr->lost, sizeof(tr->lost));
	*trp = tr;
	return 0;
}

int
bfsgil_trace_attach(bfsgil_trace_t *tr, bfsgil_t *gil)
{
	int err;

	if (tr == NULL || gil == NULL)
		return EINVAL;
	err = bfsgil_hook_add(gil, BFSGIL_EVENT_ALL, bfsgil_trace_hook, tr);
	if (err == 0)
		atomic_fetch_add(&tr->attached, 1);
	return err;
}

int
bfsgil_trace_detach(bfsgil_trace_t *tr, bfsgil_t *gil)
{
	int err;

	if (tr == NULL || gil == NULL)
		return EINVAL;
	err = bfsgil_hook_remove(gil, bfsgil_trace_hook, tr);
	if (err == 0) {
		/* Open states run to here when written out. */
		atomic_store(&tr->detached_ns, clock_now_ns());
		atomic_fetch_sub(&tr->attached, 1);
	}
	return err;
}

void
trace_lock_gone(struct bfsgil *gil)
{
	for (int i = 0; i < BFSGIL_HOOKS_MAX; i++) {
		struct hook_entry *e = &gil->hooks.entry[i];
		struct bfsgil_trace *tr;

		if (atomic_load(&e->mask) == 0 ||
		    atomic_load(&e->fn) != bfsgil_trace_hook)
			continue;
		tr = atomic_load(&e->data);
		atomic_store(&tr->detached_ns, clock_now_ns());
		atomic_fetch_sub(&tr->attached, 1);
	}
}

int
bfsgil_trace_write(const bfsgil_trace_t *const *trs, size_t n, FILE *out,
		   enum bfsgil_trace_format format)
{
	struct timeline *tl;
	size_t built = 0;
	int err = 0;

	if (trs == NULL || out == NULL || n == 0 || n > 64 ||
	    (format != BFSGIL_TRACE_JSON && format != BFSGIL_TRACE_SVG))
		return EINVAL;
	for (size_t i = 0; i < n; i++)
		if (trs[i] == NULL)
			return EINVAL;
	tl = calloc(n, sizeof(*tl));
	if (tl == NULL)
		return ENOMEM;
	for (; built < n && err == 0; built++)
		err = timeline_build(&tl[built], trs[built]);
	if (err == 0)
		err = format == BFSGIL_TRACE_JSON ? trace_write_json(out, tl, n)
						  : trace_write_svg(out, tl, n);
	for (size_t i = 0; i < built; i++)
		timeline_free(&tl[i]);
	free(tl);
	return err;
}

int
bfsgil_trace_save(const bfsgil_trace_t *tr, const char *path)
{
	size_t len;
	FILE *f;
	int err, err2;

	if (tr == NULL || path == NULL)
		return EINVAL;
	len = strlen(path);
	f = fopen(path, "w");
	if (f == NULL)
		return errno;
	err = bfsgil_trace_write(&tr, 1, f,
				 len >= 4 && strcmp(path + len - 4, ".svg") == 0
					 ? BFSGIL_TRACE_SVG
					 : BFSGIL_TRACE_JSON);
	err2 = fclose(f) == 0 ? 0 : errno;
	return err != 0 ? err : err2;
}

int
bfsgil_trace_destroy(bfsgil_trace_t *tr)
{
	struct trace_ring *r, *next;

	if (tr == NULL)
		return EINVAL;
	if (atomic_load(&tr->attached) != 0)
		return EBUSY;
	for (r = atomic_load(&tr->rings); r != NULL; r = next) {
		next = r->next;
		free(r);
	}
	free(tr);
	return 0;
}
