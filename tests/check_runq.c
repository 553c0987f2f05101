/*
 * check_runq.c: the run queue alone: order by deadline, ties FIFO,
 * removal from the middle, and ten thousand entries.
 */
#include <errno.h>
#include <stdlib.h>

#include "harness.h"
#include "runq.h"

#define MANY 10000

static struct runq q;
static struct runq_node nodes[MANY];

static void
setup(void)
{
	runq_init(&q);
	ck_assert_int_eq(runq_reserve(&q, MANY), 0);
	for (size_t i = 0; i < MANY; i++)
		runq_node_init(&nodes[i]);
}

static void
teardown(void)
{
	runq_fini(&q);
}

static void
push(size_t i, uint64_t deadline)
{
	nodes[i].deadline = deadline;
	runq_push(&q, &nodes[i]);
}

START_TEST(empty_queue_has_no_earliest)
{
	ck_assert_ptr_null(runq_peek_earliest(&q));
	ck_assert_ptr_null(runq_pop_earliest(&q));
	ck_assert_uint_eq(runq_len(&q), 0);
}
END_TEST

START_TEST(pops_in_deadline_order)
{
	static const uint64_t deadlines[] = { 50, 10, 40, 30, 20, 60, 5 };
	static const size_t expect[] = { 6, 1, 4, 3, 2, 0, 5 };
	size_t n = sizeof(deadlines) / sizeof(deadlines[0]);

	for (size_t i = 0; i < n; i++)
		push(i, deadlines[i]);
	ck_assert(runq_is_valid(&q));
	for (size_t i = 0; i < n; i++) {
		struct runq_node *e = runq_pop_earliest(&q);

		ck_assert_ptr_eq(e, &nodes[expect[i]]);
		ck_assert(!runq_queued(e));
	}
	ck_assert_uint_eq(runq_len(&q), 0);
}
END_TEST

START_TEST(equal_deadlines_pop_first_in_first_out)
{
	/* Interleave two deadlines so that heap moves cannot keep arrival
	 * order by accident. */
	for (size_t i = 0; i < 64; i++)
		push(i, i % 2 ? 7 : 3);
	for (size_t i = 0; i < 64; i += 2)
		ck_assert_ptr_eq(runq_pop_earliest(&q), &nodes[i]);
	for (size_t i = 1; i < 64; i += 2)
		ck_assert_ptr_eq(runq_pop_earliest(&q), &nodes[i]);
}
END_TEST

START_TEST(removal_from_the_middle_keeps_the_order)
{
	for (size_t i = 0; i < 100; i++)
		push(i, (i * 37) % 100);
	/* Remove every third, wherever it sits in the heap. */
	for (size_t i = 0; i < 100; i += 3) {
		runq_remove(&q, &nodes[i]);
		ck_assert(!runq_queued(&nodes[i]));
		ck_assert(runq_is_valid(&q));
	}
	ck_assert_uint_eq(runq_len(&q), 100 - 34);
	for (uint64_t last = 0; runq_len(&q) > 0;) {
		struct runq_node *e = runq_pop_earliest(&q);
		size_t i = (size_t)(e - nodes);

		ck_assert_uint_ne(i % 3, 0);
		ck_assert_uint_ge(e->deadline, last);
		last = e->deadline;
	}
}
END_TEST

START_TEST(removed_node_can_queue_again)
{
	push(0, 10);
	push(1, 20);
	runq_remove(&q, &nodes[0]);
	push(0, 30);
	ck_assert_ptr_eq(runq_pop_earliest(&q), &nodes[1]);
	ck_assert_ptr_eq(runq_pop_earliest(&q), &nodes[0]);
}
END_TEST

START_TEST(ten_thousand_entries_stay_ordered)
{
	unsigned seed = 12345;
	uint64_t last = 0;
	size_t popped = 0;

	for (size_t i = 0; i < MANY; i++)
		push(i, (uint64_t)rand_r(&seed) % 1000); /* many ties */
	ck_assert(runq_is_valid(&q));
	for (size_t i = 0; i < MANY; i += 7)
		runq_remove(&q, &nodes[i]);
	ck_assert(runq_is_valid(&q));
	while (runq_len(&q) > 0) {
		struct runq_node *e = runq_pop_earliest(&q);
		static uint64_t last_seq;

		if (e->deadline == last && popped > 0)
			ck_assert_uint_gt(e->seq, last_seq); /* ties FIFO */
		ck_assert_uint_ge(e->deadline, last);
		last = e->deadline;
		last_seq = e->seq;
		popped++;
	}
	ck_assert_uint_eq(popped, MANY - (MANY + 6) / 7);
}
END_TEST

START_TEST(clear_marks_every_node_unqueued)
{
	for (size_t i = 0; i < 10; i++)
		push(i, i);
	runq_clear(&q);
	ck_assert_uint_eq(runq_len(&q), 0);
	for (size_t i = 0; i < 10; i++)
		ck_assert(!runq_queued(&nodes[i]));
}
END_TEST

START_TEST(reserve_grows_and_keeps_entries)
{
	struct runq small;
	struct runq_node a, b;

	runq_init(&small);
	ck_assert_int_eq(runq_reserve(&small, 1), 0);
	runq_node_init(&a);
	runq_node_init(&b);
	a.deadline = 2;
	runq_push(&small, &a);
	ck_assert_int_eq(runq_reserve(&small, 1000), 0);
	ck_assert_uint_ge(small.cap, 1000);
	b.deadline = 1;
	runq_push(&small, &b);
	ck_assert_ptr_eq(runq_pop_earliest(&small), &b);
	ck_assert_ptr_eq(runq_pop_earliest(&small), &a);
	runq_fini(&small);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("runq");
	const struct harness_case cases[] = {
		{ "empty", empty_queue_has_no_earliest, 10 },
		{ "deadline_order", pops_in_deadline_order, 10 },
		{ "ties_fifo", equal_deadlines_pop_first_in_first_out, 10 },
		{ "remove_middle", removal_from_the_middle_keeps_the_order, 10 },
		{ "requeue", removed_node_can_queue_again, 10 },
		{ "ten_thousand", ten_thousand_entries_stay_ordered, 10 },
		{ "clear", clear_marks_every_node_unqueued, 10 },
		{ "reserve", reserve_grows_and_keeps_entries, 10 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
