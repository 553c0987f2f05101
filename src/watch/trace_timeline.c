/*
 * trace_timeline.c: a recorder's rings turned into tracks, one per ring
 * (per OS thread): spans of one state each, from the thread's own events,
 * and marks where another thread's event concerned it (ASKED; DETACH of
 * a thread that had exited).  What the JSON and SVG writers draw.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

const char *
timeline_state_name(enum tl_state s)
{
	switch (s) {
	case TL_RUN:
		return "running";
	case TL_WAIT:
		return "waiting";
	default:
		return "off lock";
	}
}

const char *
timeline_reason_name(unsigned reason)
{
	switch (reason) {
	case BFSGIL_ASK_PREEMPT:
		return "preempted";
	case BFSGIL_ASK_SLICE_END:
		return "slice end";
	default:
		return "asked";
	}
}

size_t
timeline_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t c;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (len == 0 || len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF, and U+FFFE and U+FFFF,
	 * which XML does not allow either. */
	if (c < (len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff || c == 0xfffe ||
	    c == 0xffff)
		return 0;
	return len;
}

/* Grow *@p (of *@cap elements of @size) to hold one more than @n. */
static int
grow(void *p, size_t *cap, size_t n, size_t size)
{
	void *q;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap != 0 ? *cap * 2 : 64;
	q = realloc(*(void **)p, c * size);
	if (q == NULL)
		return ENOMEM;
	*(void **)p = q;
	*cap = c;
	return 0;
}

/* Events a thread sends about itself, which drive its own state. */
#define OWN_EVENTS (BFSGIL_EVENT_WAIT | BFSGIL_EVENT_ACQUIRED | \
		    BFSGIL_EVENT_RELEASED | BFSGIL_EVENT_ATTACH | \
		    BFSGIL_EVENT_LEFT)

/* The index of the first record kept, and how many. */
static void
ring_window(const struct trace_ring *r, uint64_t cap, uint64_t *first,
	    uint64_t *count)
{
	*first = r->n > cap ? r->n - cap : 0;
	*count = r->n - *first;
}

/*
 * The track of the thread whose handle was @who at time @at, or -1:
 * among the tracks whose own events named @who, the one that used it
 * over a span holding @at, else the one that began using it latest
 * before @at (a handle's address is reused once it is freed, by the
 * same thread attaching again or by another).
 */
static int
timeline_find(const struct timeline *tl, const void *who, uint64_t at)
{
	uint64_t best_first = 0;
	int best = -1;

	if (who == NULL)
		return -1;
	for (size_t i = 0; i < tl->ntrack; i++) {
		const struct tl_track *t = &tl->track[i];

		for (size_t k = 0; k < t->nself; k++) {
			const struct tl_self *e = &t->self[k];

			if (e->who != who || e->first > at)
				continue;
			if (at <= e->last)
				return (int)i;
			if (best < 0 || e->first > best_first) {
				best = (int)i;
				best_first = e->first;
			}
		}
	}
	return best;
}

/* One state from @from (@state < 0: none known); @self the handle the
 * thread's own events name now. */
struct cursor {
	int state;
	uint64_t from, deadline;
	int other;
	const void *self;
};

static int
track_close(struct tl_track *t, struct cursor *c, uint64_t at)
{
	int err;

	if (c->state >= 0 && at > c->from) {
		err = grow(&t->span, &t->spancap, t->nspan, sizeof(*t->span));
		if (err != 0)
			return err;
		t->span[t->nspan++] = (struct tl_span){
			.from = c->from,
			.to = at,
			.state = (enum tl_state)c->state,
			.deadline_ns = c->deadline,
			.other = c->other,
		};
	}
	c->state = -1;
	return 0;
}

static int
track_mark(struct tl_track *t, uint64_t at, unsigned type, unsigned reason,
	   int other)
{
	int err = grow(&t->mark, &t->markcap, t->nmark, sizeof(*t->mark));

	if (err == 0)
		t->mark[t->nmark++] = (struct tl_mark){ at, type, reason, other };
	return err;
}

static int
cmp_mark(const void *a, const void *b)
{
	const struct tl_mark *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* Pass 1: who each ring's thread is (the handles its own events name,
 * and when), its name and time range. */
static int
track_init(struct tl_track *t, const struct trace_ring *r, uint64_t cap)
{
	uint64_t first, count;
	int err;

	ring_window(r, cap, &first, &count);
	t->tid = r->tid;
	if (r->name[0] != '\0')
		snprintf(t->name, sizeof(t->name), "%s", r->name);
	else
		snprintf(t->name, sizeof(t->name), "thread %d", r->tid);
	t->first = UINT64_MAX;
	for (uint64_t k = first; k < first + count; k++) {
		const struct trace_rec *x = &r->rec[k & (cap - 1)];
		struct tl_self *e = t->nself ? &t->self[t->nself - 1] : NULL;

		if (x->time_ns < t->first)
			t->first = x->time_ns;
		if (x->time_ns > t->last)
			t->last = x->time_ns;
		/* Its own DETACH names the handle in use, and ends it. */
		if (e != NULL && x->thread == e->who &&
		    (x->type & (OWN_EVENTS | BFSGIL_EVENT_DETACH))) {
			e->last = x->time_ns;
			continue;
		}
		if (!(x->type & OWN_EVENTS))
			continue;
		err = grow(&t->self, &t->selfcap, t->nself, sizeof(*t->self));
		if (err != 0)
			return err;
		t->self[t->nself++] = (struct tl_self){ x->thread, x->time_ns,
							x->time_ns };
	}
	return 0;
}

/* Pass 2: the spans of a ring's own events, the marks of its others. */
static int
track_fill(struct timeline *tl, size_t i, const struct trace_ring *r,
	   uint64_t cap, struct cursor *c)
{
	struct tl_track *t = &tl->track[i];
	uint64_t first, count;
	int err = 0;

	ring_window(r, cap, &first, &count);
	for (uint64_t k = first; k < first + count && err == 0; k++) {
		const struct trace_rec *x = &r->rec[k & (cap - 1)];
		int next = -1, target, giver;

		if (x->type & OWN_EVENTS)
			c->self = x->thread;
		if (x->type == BFSGIL_EVENT_ASKED ||
		    (x->type == BFSGIL_EVENT_DETACH && x->thread != c->self)) {
			/* About another thread: a mark on its track. */
			target = timeline_find(tl, x->thread, x->time_ns);
			if (target >= 0)
				err = track_mark(&tl->track[target], x->time_ns,
						 x->type, x->reason,
						 timeline_find(tl, x->other,
							       x->time_ns));
			continue;
		}
		switch (x->type) {
		case BFSGIL_EVENT_ATTACH:
		case BFSGIL_EVENT_RELEASED:
		case BFSGIL_EVENT_LEFT:	/* stopped waiting, without it */
			next = TL_OFF;
			break;
		case BFSGIL_EVENT_WAIT:
			next = TL_WAIT;
			break;
		case BFSGIL_EVENT_ACQUIRED:
			next = TL_RUN;
			break;
		default:	/* its own DETACH: gone */
			break;
		}
		/* A handoff is to a waiter; an ACQUIRED naming a thread
		 * while not waiting took the lock back from one that never
		 * ran, which gave nothing. */
		giver = next == TL_RUN && c->state == TL_WAIT
				? timeline_find(tl, x->other, x->time_ns)
				: -1;
		err = track_close(t, c, x->time_ns);
		c->state = next;
		c->from = x->time_ns;
		c->deadline = x->deadline_ns;
		c->other = giver;
	}
	return err;
}

int
timeline_build(struct timeline *tl, const struct bfsgil_trace *tr)
{
	const struct trace_ring *r;
	struct cursor *cur;
	uint64_t detached;
	size_t n = atomic_load(&tr->nrings);
	int err = 0;

	memset(tl, 0, sizeof(*tl));
	tl->label = tr->label;
	tl->origin_ns = tr->origin_ns;
	tl->lost = atomic_load(&tr->lost);
	tl->track = calloc(n != 0 ? n : 1, sizeof(*tl->track));
	cur = calloc(n != 0 ? n : 1, sizeof(*cur));
	if (tl->track == NULL || cur == NULL) {
		free(cur);
		free(tl->track);
		tl->track = NULL;
		return ENOMEM;
	}
	tl->ntrack = n;
	/* Ring i of the list is the one made i-th: tracks in that order. */
	for (r = atomic_load(&tr->rings); r != NULL; r = r->next) {
		if (r->order >= n)	/* made after nrings was read */
			continue;
		err = track_init(&tl->track[r->order], r, tr->cap);
		if (err != 0)
			break;
		tl->events += r->n;
		if (r->n > tr->cap)
			tl->overwritten += r->n - tr->cap;
		if (tl->track[r->order].last > tl->end_ns)
			tl->end_ns = tl->track[r->order].last;
	}
	/* Open states run to the end of what was seen, or to when the
	 * recorder stopped recording a lock, if that was later. */
	detached = atomic_load(&tr->detached_ns);
	if (detached > tl->end_ns)
		tl->end_ns = detached;
	for (size_t i = 0; i < n; i++)
		cur[i].state = -1;
	for (r = atomic_load(&tr->rings); r != NULL && err == 0; r = r->next)
		if (r->order < n)
			err = track_fill(tl, r->order, r, tr->cap, &cur[r->order]);
	for (size_t i = 0; i < n && err == 0; i++) {
		struct tl_track *t = &tl->track[i];
		uint64_t end = tl->end_ns;

		if (t->nmark > 1)
			qsort(t->mark, t->nmark, sizeof(*t->mark), cmp_mark);
		/* Detached by another thread (it had exited): ends there. */
		for (size_t m = 0; m < t->nmark; m++)
			if (t->mark[m].type == BFSGIL_EVENT_DETACH &&
			    cur[i].state >= 0 && t->mark[m].at >= cur[i].from) {
				end = t->mark[m].at;
				break;
			}
		err = track_close(t, &cur[i], end);
	}
	free(cur);
	if (err != 0)
		timeline_free(tl);
	return err;
}

void
timeline_free(struct timeline *tl)
{
	for (size_t i = 0; i < tl->ntrack; i++) {
		free(tl->track[i].span);
		free(tl->track[i].mark);
		free(tl->track[i].self);
	}
	free(tl->track);
	tl->track = NULL;
	tl->ntrack = 0;
}
