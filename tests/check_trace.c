/*
 * check_trace.c: the recorder (bfsgil/trace.h) and what it writes.
 *
 * The tracks are checked through the timeline the writers draw from
 * (src/watch/trace.h, hence the convenience library): which states each
 * thread was in, in order, and where the marks went.  The files are
 * checked for their shape here, and parsed whole by tests/trace_check.py
 * (tests/watch_env.sh).  The environment's BFSGIL_TRACE and
 * BFSGIL_STATS, at destroy; at exit and across fork, watch_env.sh.
 */
#define _GNU_SOURCE	/* pthread_setname_np */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "fixture_lock.h"
#include "trace.h"


/* The states of track @t as letters: r(unning) w(aiting) o(ff lock). */
static const char *
states(const struct tl_track *t)
{
	static char out[256];
	size_t k = 0;

	for (size_t i = 0; i < t->nspan && k + 1 < sizeof(out); i++)
		out[k++] = "owr"[t->span[i].state];
	out[k] = '\0';
	return out;
}

/* The track named @name in @tl. */
static const struct tl_track *
track_named(const struct timeline *tl, const char *name)
{
	for (size_t i = 0; i < tl->ntrack; i++)
		if (strcmp(tl->track[i].name, name) == 0)
			return &tl->track[i];
	ck_abort_msg("no track named %s", name);
	return NULL;
}

/* What @tr writes as @format, in a string to free. */
static char *
written(const bfsgil_trace_t *tr, enum bfsgil_trace_format format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(bfsgil_trace_write(&tr, 1, f, format), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static int
count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

START_TEST(bad_trace_calls_are_refused_and_change_nothing)
{
	bfsgil_trace_t *tr = NULL, *none = NULL;
	const bfsgil_trace_t *list[2];

	ck_assert_int_eq(bfsgil_trace_create(NULL, "x", 0), EINVAL);
	ck_assert_int_eq(bfsgil_trace_create(&tr, "x",
					     BFSGIL_TRACE_EVENTS_MAX + 1),
			 ERANGE);
	ck_assert_ptr_null(tr);
	ck_assert_int_eq(bfsgil_trace_create(&tr, NULL, 0), 0);
	ck_assert_int_eq(bfsgil_trace_attach(NULL, gil), EINVAL);
	ck_assert_int_eq(bfsgil_trace_attach(tr, NULL), EINVAL);
	ck_assert_int_eq(bfsgil_trace_detach(tr, gil), ENOENT);
	ck_assert_int_eq(bfsgil_trace_detach(NULL, gil), EINVAL);
	ck_assert_int_eq(bfsgil_trace_attach(tr, gil), 0);
	ck_assert_int_eq(bfsgil_trace_attach(tr, gil), EEXIST);
	/* Attached: not freed. */
	ck_assert_int_eq(bfsgil_trace_destroy(tr), EBUSY);
	ck_assert_int_eq(bfsgil_trace_detach(tr, gil), 0);
	list[0] = tr;
	list[1] = none;
	ck_assert_int_eq(bfsgil_trace_write(NULL, 1, stdout,
					    BFSGIL_TRACE_JSON), EINVAL);
	ck_assert_int_eq(bfsgil_trace_write(list, 0, stdout,
					    BFSGIL_TRACE_JSON), EINVAL);
	ck_assert_int_eq(bfsgil_trace_write(list, 2, stdout,
					    BFSGIL_TRACE_JSON), EINVAL);
	ck_assert_int_eq(bfsgil_trace_write(list, 1, NULL,
					    BFSGIL_TRACE_JSON), EINVAL);
	ck_assert_int_eq(bfsgil_trace_write(list, 1, stdout,
					    (enum bfsgil_trace_format)3),
			 EINVAL);
	ck_assert_int_eq(bfsgil_trace_save(NULL, "x.json"), EINVAL);
	ck_assert_int_eq(bfsgil_trace_save(tr, NULL), EINVAL);
	ck_assert_int_eq(bfsgil_trace_save(tr, "/nonexistent/dir/x.json"),
			 ENOENT);
	ck_assert_int_eq(bfsgil_trace_destroy(NULL), EINVAL);
	ck_assert_int_eq(bfsgil_trace_destroy(tr), 0);
}
END_TEST

/* A thread named "holder" takes the free lock, holds it until the main
 * thread waits, hands it over, detaches. */
static atomic_int holding;

static void *
holder_main(void *arg)
{
	bfsgil_thread_t *t;

	(void)arg;
	pthread_setname_np(pthread_self(), "holder");
	ck_assert_int_eq(bfsgil_attach(gil, &t), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	atomic_store(&holding, 1);
	harness_wait_for_waiters(gil, 1);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

START_TEST(a_handoff_shows_as_running_waiting_and_off_lock)
{
	const struct tl_track *h, *m;
	struct timeline tl;
	bfsgil_trace_t *tr;
	pthread_t w;
	char *json;

	pthread_setname_np(pthread_self(), "main");
	atomic_store(&holding, 0);
	ck_assert_int_eq(bfsgil_trace_create(&tr, "one handoff", 0), 0);
	ck_assert_int_eq(bfsgil_trace_attach(tr, gil), 0);
	w = harness_spawn(holder_main, NULL);
	while (!atomic_load(&holding))
		sched_yield();
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	harness_join(w);
	ck_assert_int_eq(bfsgil_trace_detach(tr, gil), 0);

	ck_assert_int_eq(timeline_build(&tl, tr), 0);
	ck_assert_uint_eq(tl.ntrack, 2);
	ck_assert_uint_eq(tl.lost, 0);
	ck_assert_uint_eq(tl.overwritten, 0);
	h = track_named(&tl, "holder");
	m = track_named(&tl, "main");
	/* Attached (off), ran, released (off) until it detached. */
	ck_assert_str_eq(states(h), "oro");
	/* Waited, was handed the lock by the holder, then off until the
	 * recording stopped. */
	ck_assert_str_eq(states(m), "wro");
	ck_assert_int_eq(m->span[1].other, (int)(h - tl.track));
	/* One thread's hold ends before the other's starts. */
	ck_assert_uint_le(h->span[1].to, m->span[1].from);
	/* The open state ran to the detach. */
	ck_assert_uint_eq(m->span[2].to, tl.end_ns);
	ck_assert_uint_gt(m->span[1].deadline_ns, 0);
	timeline_free(&tl);

	json = written(tr, BFSGIL_TRACE_JSON);
	ck_assert_int_eq(count(json, "\"process_name\""), 1);
	ck_assert_int_eq(count(json, "\"thread_name\""), 2);
	ck_assert_int_eq(count(json, "\"name\":\"running\""), 2);
	ck_assert_int_eq(count(json, "\"ph\":\"s\""), 1);	/* one handoff */
	ck_assert_int_eq(count(json, "\"ph\":\"f\""), 1);
	ck_assert_int_eq(count(json, "\"name\":\"handoff\""), 2);
	ck_assert_ptr_nonnull(strstr(json, "\"label\":\"one handoff\""));
	free(json);
	ck_assert_int_eq(bfsgil_trace_destroy(tr), 0);
}
END_TEST

/* An event made by hand, as a host with a lock of its own sends it. */
static void
feed(bfsgil_trace_t *tr, unsigned type, const void *who, uint64_t t,
     const void *other, unsigned reason)
{
	struct bfsgil_event ev = {
		.type = type,
		.thread = (bfsgil_thread_t *)who,
		.time_ns = t,
		.deadline_ns = t + 5000000,
		.other = (bfsgil_thread_t *)other,
		.reason = reason,
	};

	bfsgil_trace_hook(&ev, tr);
}

START_TEST(the_ring_keeps_each_threads_last_events_and_counts_the_rest)
{
	struct timeline tl;
	bfsgil_trace_t *tr;
	int me;
	uint64_t t0;

	ck_assert_int_eq(bfsgil_trace_create(&tr, "ring", 4), 0);
	t0 = harness_now_ns();
	/* 10 events: wait, run, off, wait, run, off, wait, run, off, wait. */
	for (int i = 0; i < 10; i++)
		feed(tr, i % 3 == 0   ? BFSGIL_EVENT_WAIT
			 : i % 3 == 1 ? BFSGIL_EVENT_ACQUIRED
				      : BFSGIL_EVENT_RELEASED,
		     &me, t0 + (uint64_t)i * 1000, NULL, 0);
	ck_assert_int_eq(timeline_build(&tl, tr), 0);
	ck_assert_uint_eq(tl.ntrack, 1);
	ck_assert_uint_eq(tl.events, 10);
	ck_assert_uint_eq(tl.overwritten, 6);
	/* Only the last four (events 6..9): wait, run, off, then waiting
	 * to the end of what was seen, which is event 9 itself. */
	ck_assert_str_eq(states(&tl.track[0]), "wro");
	ck_assert_uint_eq(tl.track[0].span[0].from, t0 + 6000);
	ck_assert_uint_eq(tl.track[0].first, t0 + 6000);
	timeline_free(&tl);
	ck_assert_int_eq(bfsgil_trace_destroy(tr), 0);
}
END_TEST

/* Two threads feeding one recorder by hand: B asks A to give way. */
struct fed {
	bfsgil_trace_t *tr;
	uint64_t t0;
	atomic_int step;
};

static int thread_a, thread_b;	/* their identities: addresses */

static void *
fed_b(void *arg)
{
	struct fed *f = arg;

	while (atomic_load(&f->step) != 1)
		sched_yield();
	pthread_setname_np(pthread_self(), "B");
	feed(f->tr, BFSGIL_EVENT_WAIT, &thread_b, f->t0 + 2000, NULL, 0);
	feed(f->tr, BFSGIL_EVENT_ASKED, &thread_a, f->t0 + 2000, &thread_b,
	     BFSGIL_ASK_PREEMPT);
	atomic_store(&f->step, 2);
	while (atomic_load(&f->step) != 3)
		sched_yield();
	feed(f->tr, BFSGIL_EVENT_ACQUIRED, &thread_b, f->t0 + 4000, &thread_a,
	     0);
	feed(f->tr, BFSGIL_EVENT_RELEASED, &thread_b, f->t0 + 5000, NULL, 0);
	return NULL;
}

START_TEST(events_fed_by_a_host_make_tracks_and_marks_on_the_asked_thread)
{
	struct fed f = { .step = 0 };
	const struct tl_track *a, *b;
	struct timeline tl;
	pthread_t w;

	pthread_setname_np(pthread_self(), "A");
	ck_assert_int_eq(bfsgil_trace_create(&f.tr, "fed", 0), 0);
	f.t0 = harness_now_ns();
	w = harness_spawn(fed_b, &f);
	feed(f.tr, BFSGIL_EVENT_ACQUIRED, &thread_a, f.t0 + 1000, NULL, 0);
	atomic_store(&f.step, 1);
	while (atomic_load(&f.step) != 2)
		sched_yield();
	feed(f.tr, BFSGIL_EVENT_RELEASED, &thread_a, f.t0 + 3000, &thread_b, 0);
	atomic_store(&f.step, 3);
	harness_join(w);

	ck_assert_int_eq(timeline_build(&tl, f.tr), 0);
	ck_assert_uint_eq(tl.ntrack, 2);
	a = track_named(&tl, "A");
	b = track_named(&tl, "B");
	ck_assert_uint_eq(a->nself, 1);
	ck_assert_ptr_eq(a->self[0].who, &thread_a);
	ck_assert_str_eq(states(a), "ro");
	ck_assert_str_eq(states(b), "wr");
	ck_assert_int_eq(b->span[1].other, (int)(a - tl.track));
	/* The ask, recorded by B, is on A's track, for B. */
	ck_assert_uint_eq(a->nmark, 1);
	ck_assert_uint_eq(b->nmark, 0);
	ck_assert_uint_eq(a->mark[0].type, BFSGIL_EVENT_ASKED);
	ck_assert_uint_eq(a->mark[0].reason, BFSGIL_ASK_PREEMPT);
	ck_assert_uint_eq(a->mark[0].at, f.t0 + 2000);
	ck_assert_int_eq(a->mark[0].other, (int)(b - tl.track));
	timeline_free(&tl);
	ck_assert_int_eq(bfsgil_trace_destroy(f.tr), 0);
}
END_TEST

/* A lock taken back from a thread that never ran (bfsgil_acquire) names
 * that thread, but nothing was handed over: no handoff is drawn. */
START_TEST(a_take_back_is_not_drawn_as_a_handoff)
{
	struct timeline tl;
	bfsgil_trace_t *tr;
	int me;
	uint64_t t0;

	ck_assert_int_eq(bfsgil_trace_create(&tr, "take back", 0), 0);
	t0 = harness_now_ns();
	/* One thread, naming itself as the other to have a track to name:
	 * what matters is whether it waited before its ACQUIRED. */
	feed(tr, BFSGIL_EVENT_WAIT, &me, t0, NULL, 0);
	feed(tr, BFSGIL_EVENT_ACQUIRED, &me, t0 + 1000, &me, 0);
	feed(tr, BFSGIL_EVENT_RELEASED, &me, t0 + 2000, NULL, 0);
	feed(tr, BFSGIL_EVENT_ACQUIRED, &me, t0 + 3000, &me, 0);
	feed(tr, BFSGIL_EVENT_RELEASED, &me, t0 + 4000, NULL, 0);
	ck_assert_int_eq(timeline_build(&tl, tr), 0);
	ck_assert_str_eq(states(&tl.track[0]), "wror");
	/* After waiting: handed over. */
	ck_assert_int_eq(tl.track[0].span[1].other, 0);
	/* From off the lock: taken back, not handed over. */
	ck_assert_int_eq(tl.track[0].span[3].other, -1);
	timeline_free(&tl);
	ck_assert_int_eq(bfsgil_trace_destroy(tr), 0);
}
END_TEST

/* B's part: wait, ask A's second handle (for B), be handed the lock. */
struct handles {
	bfsgil_trace_t *tr;
	uint64_t t0;
	int *hb, *h2;
};

static void *
asker_b(void *arg)
{
	struct handles *f = arg;

	pthread_setname_np(pthread_self(), "B");
	feed(f->tr, BFSGIL_EVENT_WAIT, f->hb, f->t0 + 5500, NULL, 0);
	feed(f->tr, BFSGIL_EVENT_ASKED, f->h2, f->t0 + 6000, f->hb,
	     BFSGIL_ASK_PREEMPT);
	feed(f->tr, BFSGIL_EVENT_ACQUIRED, f->hb, f->t0 + 8000, f->h2, 0);
	feed(f->tr, BFSGIL_EVENT_RELEASED, f->hb, f->t0 + 9000, NULL, 0);
	return NULL;
}

/*
 * A thread that detaches and attaches again gets a new handle (a host
 * that attaches per call does this all the time): its track must still
 * get the asks aimed at the new handle, and its handoffs their giver.
 * Fed by hand, two handles of A one after the other; B asks the second.
 */
START_TEST(a_thread_with_a_new_handle_keeps_one_track_and_its_marks)
{
	struct timeline tl;
	bfsgil_trace_t *tr;
	int h1, h2, hb;
	uint64_t t0;
	struct handles f;

	ck_assert_int_eq(bfsgil_trace_create(&tr, "handles", 0), 0);
	t0 = harness_now_ns();
	pthread_setname_np(pthread_self(), "A");
	feed(tr, BFSGIL_EVENT_ATTACH, &h1, t0, NULL, 0);
	feed(tr, BFSGIL_EVENT_ACQUIRED, &h1, t0 + 1000, NULL, 0);
	feed(tr, BFSGIL_EVENT_RELEASED, &h1, t0 + 2000, NULL, 0);
	feed(tr, BFSGIL_EVENT_DETACH, &h1, t0 + 3000, NULL, 0);
	feed(tr, BFSGIL_EVENT_ATTACH, &h2, t0 + 4000, NULL, 0);
	feed(tr, BFSGIL_EVENT_ACQUIRED, &h2, t0 + 5000, NULL, 0);
	/* B, on a thread of its own, asks A's second handle. */
	f = (struct handles){ tr, t0, &hb, &h2 };
	harness_join(harness_spawn(asker_b, &f));
	feed(tr, BFSGIL_EVENT_RELEASED, &h2, t0 + 7000, &hb, 0);
	ck_assert_int_eq(timeline_build(&tl, tr), 0);
	ck_assert_uint_eq(tl.ntrack, 2);
	{
		const struct tl_track *a = track_named(&tl, "A");
		const struct tl_track *b = track_named(&tl, "B");

		ck_assert_uint_eq(a->nself, 2);
		ck_assert_ptr_eq(a->self[1].who, &h2);
		/* Off, running, off; detached; off, running, off. */
		ck_assert_str_eq(states(a), "orooro");
		ck_assert_uint_eq(a->nmark, 1);
		ck_assert_uint_eq(a->mark[0].at, t0 + 6000);
		/* B waited and was handed the lock by A's second handle. */
		ck_assert_str_eq(states(b), "wr");
		ck_assert_int_eq(b->span[1].other, (int)(a - tl.track));
	}
	timeline_free(&tl);
	ck_assert_int_eq(bfsgil_trace_destroy(tr), 0);
}
END_TEST

/* A lock destroyed with a recorder still attached detaches it: the
 * recorder can then be written and destroyed. */
START_TEST(destroying_a_lock_detaches_its_recorder)
{
	bfsgil_trace_t *tr;
	bfsgil_thread_t *t;
	bfsgil_t *g2;
	char *json;

	ck_assert_int_eq(bfsgil_create(&g2), 0);
	ck_assert_int_eq(bfsgil_trace_create(&tr, "destroyed", 0), 0);
	ck_assert_int_eq(bfsgil_trace_attach(tr, g2), 0);
	ck_assert_int_eq(bfsgil_attach(g2, &t), 0);
	ck_assert_int_eq(bfsgil_acquire(t), 0);
	ck_assert_int_eq(bfsgil_release(t), 0);
	ck_assert_int_eq(bfsgil_detach(t), 0);
	ck_assert_int_eq(bfsgil_destroy(g2), 0);
	json = written(tr, BFSGIL_TRACE_JSON);
	ck_assert_int_eq(count(json, "\"name\":\"running\""), 1);
	free(json);
	ck_assert_int_eq(bfsgil_trace_destroy(tr), 0);
}
END_TEST

/* Thread names are any bytes; what is written must still parse: '?' for
 * what is not UTF-8 (or not allowed in XML), and real UTF-8 kept. */
START_TEST(names_that_are_not_utf8_are_written_as_question_marks)
{
	bfsgil_trace_t *tr;
	char *svg, *json;
	int me;

	ck_assert_int_eq(bfsgil_trace_create(&tr, "bad \xff\xfe, overlong "
					     "\xc0\xaf, surrogate \xed\xa0\x80, "
					     "good \xc3\xa9", 0), 0);
	feed(tr, BFSGIL_EVENT_ACQUIRED, &me, harness_now_ns(), NULL, 0);
	svg = written(tr, BFSGIL_TRACE_SVG);
	json = written(tr, BFSGIL_TRACE_JSON);
	ck_assert_ptr_nonnull(strstr(svg, "bad ??, overlong ??, surrogate "
				     "???, good \xc3\xa9"));
	ck_assert_ptr_nonnull(strstr(json, "bad ??, overlong ??, surrogate "
				     "???, good \xc3\xa9"));
	free(svg);
	free(json);
	ck_assert_int_eq(bfsgil_trace_destroy(tr), 0);
}
END_TEST

/* A handle left behind by an exited thread and detached by another: its
 * track ends at the detach, marked. */
static void *
attach_and_exit(void *arg)
{
	pthread_setname_np(pthread_self(), "gone");
	ck_assert_int_eq(bfsgil_attach(gil, (bfsgil_thread_t **)arg), 0);
	return NULL;
}

START_TEST(a_thread_detached_by_another_ends_at_the_detach)
{
	bfsgil_thread_t *gone;
	const struct tl_track *g;
	struct timeline tl;
	bfsgil_trace_t *tr;

	ck_assert_int_eq(bfsgil_trace_create(&tr, "gone", 0), 0);
	ck_assert_int_eq(bfsgil_trace_attach(tr, gil), 0);
	harness_join(harness_spawn(attach_and_exit, &gone));
	ck_assert_int_eq(bfsgil_detach(gone), 0);
	/* Later events, so that the end of the trace is after the detach. */
	ck_assert_int_eq(bfsgil_acquire(self), 0);
	ck_assert_int_eq(bfsgil_release(self), 0);
	ck_assert_int_eq(bfsgil_trace_detach(tr, gil), 0);
	ck_assert_int_eq(timeline_build(&tl, tr), 0);
	g = track_named(&tl, "gone");
	ck_assert_str_eq(states(g), "o");
	ck_assert_uint_eq(g->nmark, 1);
	ck_assert_uint_eq(g->mark[0].type, BFSGIL_EVENT_DETACH);
	ck_assert_uint_eq(g->span[0].to, g->mark[0].at);
	ck_assert_uint_lt(g->span[0].to, tl.end_ns);
	timeline_free(&tl);
	ck_assert_int_eq(bfsgil_trace_destroy(tr), 0);
}
END_TEST

START_TEST(an_svg_row_has_at_most_a_rectangle_per_pixel_per_state)
{
	bfsgil_trace_t *tr;
	char *svg;
	int me;
	uint64_t t0;

	ck_assert_int_eq(bfsgil_trace_create(&tr, "many <spans> & more", 1u << 18), 0);
	t0 = harness_now_ns();
	/* 200,000 states of 1 us each: far more than pixels. */
	for (int i = 0; i < 200000; i++)
		feed(tr, i % 2 ? BFSGIL_EVENT_RELEASED : BFSGIL_EVENT_ACQUIRED,
		     &me, t0 + (uint64_t)i * 1000, NULL, 0);
	feed(tr, BFSGIL_EVENT_ASKED, &me, t0 + 5000, NULL, BFSGIL_ASK_SLICE_END);
	svg = written(tr, BFSGIL_TRACE_SVG);
	ck_assert_ptr_nonnull(strstr(svg, "<svg xmlns="));
	ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
	/* The label, escaped for XML. */
	ck_assert_ptr_nonnull(strstr(svg, "many &lt;spans&gt; &amp; more"));
	/* Three layers of at most one rectangle per pixel, the legend, the
	 * axis and the ask's tick: a few thousand at most. */
	ck_assert_int_lt(count(svg, "<rect"), 3 * 960 + 100);
	ck_assert_int_gt(count(svg, "<rect"), 3);
	free(svg);
	ck_assert_int_eq(bfsgil_trace_destroy(tr), 0);
}
END_TEST

/* Several recorders in one file: a process each, made-up thread ids. */
START_TEST(recorders_written_together_are_a_process_each)
{
	bfsgil_trace_t *tr[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int me;

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(bfsgil_trace_create(&tr[i], i ? "two" : "one",
						     0), 0);
		feed(tr[i], BFSGIL_EVENT_ACQUIRED, &me, harness_now_ns(), NULL,
		     0);
		feed(tr[i], BFSGIL_EVENT_RELEASED, &me, harness_now_ns(), NULL,
		     0);
	}
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(bfsgil_trace_write((const bfsgil_trace_t *const *)tr,
					    2, f, BFSGIL_TRACE_JSON), 0);
	fclose(f);
	ck_assert_int_eq(count(buf, "\"process_name\""), 2);
	ck_assert_ptr_nonnull(strstr(buf, "\"pid\":1,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"pid\":2,"));
	/* The same OS thread in both, under two made-up tids. */
	ck_assert_ptr_nonnull(strstr(buf, "\"tid\":1048577"));
	ck_assert_ptr_nonnull(strstr(buf, "\"tid\":2097153"));
	free(buf);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(bfsgil_trace_destroy(tr[i]), 0);
}
END_TEST

/* BFSGIL_TRACE: a lock made with it is traced, and the file written when
 * it is destroyed; the next lock writes FILE.2. */
START_TEST(bfsgil_trace_writes_each_locks_file_when_it_is_destroyed)
{
	char dir[] = "/tmp/check_trace.XXXXXX", path[64], second[64];
	bfsgil_t *g2;
	struct stat st;
	FILE *f;
	char buf[4096];
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.json", dir);
	snprintf(second, sizeof(second), "%s/t.2.json", dir);
	ck_assert_int_eq(setenv("BFSGIL_TRACE", path, 1), 0);
	ck_assert_int_eq(bfsgil_create(&g2), 0);
	/* Made at create, so that a bad name is an error then. */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	{
		bfsgil_thread_t *t;

		ck_assert_int_eq(bfsgil_attach(g2, &t), 0);
		ck_assert_int_eq(bfsgil_acquire(t), 0);
		ck_assert_int_eq(bfsgil_release(t), 0);
		ck_assert_int_eq(bfsgil_detach(t), 0);
	}
	ck_assert_int_eq(bfsgil_destroy(g2), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"traceEvents\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"name\":\"running\""));
	/* The next lock of the process writes its own file. */
	ck_assert_int_eq(bfsgil_create(&g2), 0);
	ck_assert_int_eq(stat(second, &st), 0);
	ck_assert_int_eq(bfsgil_destroy(g2), 0);
	ck_assert_int_eq(unsetenv("BFSGIL_TRACE"), 0);
	unlink(path);
	unlink(second);
	rmdir(dir);
}
END_TEST

START_TEST(a_bad_trace_setting_makes_create_fail_and_changes_nothing)
{
	bfsgil_t *g2 = (bfsgil_t *)&g2;	/* must stay untouched */

	ck_assert_int_eq(setenv("BFSGIL_TRACE", "/nonexistent/dir/t.json", 1),
			 0);
	ck_assert_int_eq(bfsgil_create(&g2), ENOENT);
	ck_assert_ptr_eq(g2, (bfsgil_t *)&g2);
	ck_assert_int_eq(setenv("BFSGIL_TRACE", "/tmp/check_trace.json", 1),
			 0);
	ck_assert_int_eq(setenv("BFSGIL_TRACE_EVENTS", "12x", 1), 0);
	ck_assert_int_eq(bfsgil_create(&g2), EINVAL);
	ck_assert_int_eq(setenv("BFSGIL_TRACE_EVENTS", "0", 1), 0);
	ck_assert_int_eq(bfsgil_create(&g2), EINVAL);
	ck_assert_int_eq(setenv("BFSGIL_TRACE_EVENTS", "99999999999999", 1), 0);
	ck_assert_int_eq(bfsgil_create(&g2), EINVAL);
	ck_assert_ptr_eq(g2, (bfsgil_t *)&g2);
	ck_assert_int_eq(unsetenv("BFSGIL_TRACE_EVENTS"), 0);
	ck_assert_int_eq(setenv("BFSGIL_STATS", "/nonexistent/dir/s.txt", 1),
			 0);
	ck_assert_int_eq(bfsgil_create(&g2), ENOENT);
	ck_assert_int_eq(unsetenv("BFSGIL_STATS"), 0);
	ck_assert_int_eq(unsetenv("BFSGIL_TRACE"), 0);
	unlink("/tmp/check_trace.json");
	/* And with nothing set, no file is touched. */
	ck_assert_int_eq(bfsgil_create(&g2), 0);
	ck_assert_int_eq(bfsgil_destroy(g2), 0);
}
END_TEST

/* BFSGIL_STATS: a line per thread with what it did. */
static void *
counted_main(void *arg)
{
	bfsgil_t *g = arg;
	bfsgil_thread_t *t;

	pthread_setname_np(pthread_self(), "counted");
	ck_assert_int_eq(bfsgil_attach(g, &t), 0);
	for (int i = 0; i < 7; i++) {
		ck_assert_int_eq(bfsgil_acquire(t), 0);
		harness_burn_ns(200000);
		ck_assert_int_eq(bfsgil_release(t), 0);
	}
	ck_assert_int_eq(bfsgil_detach(t), 0);
	return NULL;
}

START_TEST(bfsgil_stats_reports_each_thread_when_the_lock_is_destroyed)
{
	char path[] = "/tmp/check_stats.XXXXXX", line[256];
	char name[32], tid[16], w1[16], w2[16], m1[16], m2[16], h1[16], h2[16];
	unsigned long long acquires = 0, waited;
	bool header = false, found = false;
	bfsgil_t *g2;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(setenv("BFSGIL_STATS", path, 1), 0);
	ck_assert_int_eq(bfsgil_create(&g2), 0);
	ck_assert_int_eq(unsetenv("BFSGIL_STATS"), 0);
	harness_join(harness_spawn(counted_main, g2));
	ck_assert_int_eq(bfsgil_destroy(g2), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		header |= strncmp(line, "bfsgil-stat: pid ", 17) == 0;
		if (sscanf(line, "%31s %15s %llu %llu %15s %15s %15s %15s %15s "
			   "%15s", name, tid, &acquires, &waited, w1, w2, m1,
			   m2, h1, h2) == 10 &&
		    strcmp(name, "counted") == 0) {
			found = true;
			ck_assert_uint_eq(acquires, 7);
			ck_assert_uint_eq(waited, 0);
			/* Held 7 x 0.2 ms at least: the hook's timing. */
			ck_assert_msg(strcmp(h2, "ms") == 0 &&
					      strtod(h1, NULL) >= 1.4,
				      "held %s %s", h1, h2);
		}
	}
	fclose(f);
	unlink(path);
	ck_assert(header);
	ck_assert(found);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("trace");
	const struct harness_case cases[] = {
		{ "bad_trace_calls_are_refused_and_change_nothing",
		  bad_trace_calls_are_refused_and_change_nothing, 10 },
		{ "a_handoff_shows_as_running_waiting_and_off_lock",
		  a_handoff_shows_as_running_waiting_and_off_lock, 20 },
		{ "the_ring_keeps_each_threads_last_events_and_counts_the_rest",
		  the_ring_keeps_each_threads_last_events_and_counts_the_rest,
		  10 },
		{ "events_fed_by_a_host_make_tracks_and_marks_on_the_asked_thread",
		  events_fed_by_a_host_make_tracks_and_marks_on_the_asked_thread,
		  10 },
		{ "a_take_back_is_not_drawn_as_a_handoff",
		  a_take_back_is_not_drawn_as_a_handoff, 10 },
		{ "a_thread_with_a_new_handle_keeps_one_track_and_its_marks",
		  a_thread_with_a_new_handle_keeps_one_track_and_its_marks, 10 },
		{ "destroying_a_lock_detaches_its_recorder",
		  destroying_a_lock_detaches_its_recorder, 10 },
		{ "names_that_are_not_utf8_are_written_as_question_marks",
		  names_that_are_not_utf8_are_written_as_question_marks, 10 },
		{ "a_thread_detached_by_another_ends_at_the_detach",
		  a_thread_detached_by_another_ends_at_the_detach, 10 },
		{ "an_svg_row_has_at_most_a_rectangle_per_pixel_per_state",
		  an_svg_row_has_at_most_a_rectangle_per_pixel_per_state, 20 },
		{ "recorders_written_together_are_a_process_each",
		  recorders_written_together_are_a_process_each, 10 },
		{ "bfsgil_trace_writes_each_locks_file_when_it_is_destroyed",
		  bfsgil_trace_writes_each_locks_file_when_it_is_destroyed, 10 },
		{ "a_bad_trace_setting_makes_create_fail_and_changes_nothing",
		  a_bad_trace_setting_makes_create_fail_and_changes_nothing,
		  10 },
		{ "bfsgil_stats_reports_each_thread_when_the_lock_is_destroyed",
		  bfsgil_stats_reports_each_thread_when_the_lock_is_destroyed,
		  20 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
