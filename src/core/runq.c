/*
 * runq.c: the deadline-ordered run queue (see runq.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "invariant.h"
#include "runq.h"

static bool
runq_before(const struct runq_node *a, const struct runq_node *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static void
runq_place(struct runq *q, size_t i, struct runq_node *n)
{
	q->heap[i] = n;
	n->index = i;
}

static void
runq_sift_up(struct runq *q, size_t i)
{
	struct runq_node *n = q->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!runq_before(n, q->heap[parent]))
			break;
		runq_place(q, i, q->heap[parent]);
		i = parent;
	}
	runq_place(q, i, n);
}

static void
runq_sift_down(struct runq *q, size_t i)
{
	struct runq_node *n = q->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= q->len)
			break;
		if (child + 1 < q->len &&
		    runq_before(q->heap[child + 1], q->heap[child]))
			child++;
		if (!runq_before(q->heap[child], n))
			break;
		runq_place(q, i, q->heap[child]);
		i = child;
	}
	runq_place(q, i, n);
}

void
runq_init(struct runq *q)
{
	q->heap = NULL;
	q->len = 0;
	q->cap = 0;
	q->next_seq = 0;
}

void
runq_fini(struct runq *q)
{
	free(q->heap);
	runq_init(q);
}

int
runq_reserve(struct runq *q, size_t n)
{
	struct runq_node **heap;
	size_t cap;

	if (n <= q->cap)
		return 0;
	/* Grow geometrically so that attaching N threads costs O(N). */
	cap = q->cap ? q->cap : 8;
	while (cap < n)
		cap *= 2;
	heap = realloc(q->heap, cap * sizeof(*heap));
	if (heap == NULL)
		return ENOMEM;
	q->heap = heap;
	q->cap = cap;
	return 0;
}

void
runq_node_init(struct runq_node *n)
{
	n->deadline = 0;
	n->seq = 0;
	n->index = RUNQ_NOT_QUEUED;
}

void
runq_push(struct runq *q, struct runq_node *n)
{
	BFSGIL_ASSERT(!runq_queued(n));
	BFSGIL_ASSERT(q->len < q->cap);
	n->seq = q->next_seq++;
	q->heap[q->len] = n;
	n->index = q->len;
	q->len++;
	runq_sift_up(q, q->len - 1);
	BFSGIL_DEBUG_ASSERT(runq_is_valid(q));
}

struct runq_node *
runq_peek_earliest(const struct runq *q)
{
	return q->len ? q->heap[0] : NULL;
}

void
runq_remove(struct runq *q, struct runq_node *n)
{
	size_t i = n->index;
	struct runq_node *last;

	BFSGIL_ASSERT(i < q->len && q->heap[i] == n);
	last = q->heap[--q->len];
	n->index = RUNQ_NOT_QUEUED;
	if (last != n) {
		/* The last node fills the hole, then moves whichever way the
		 * order demands: up if it beats the hole's parent, else down. */
		runq_place(q, i, last);
		if (i > 0 && runq_before(last, q->heap[(i - 1) / 2]))
			runq_sift_up(q, i);
		else
			runq_sift_down(q, i);
	}
	BFSGIL_DEBUG_ASSERT(runq_is_valid(q));
}

struct runq_node *
runq_pop_earliest(struct runq *q)
{
	struct runq_node *n = runq_peek_earliest(q);

	if (n != NULL)
		runq_remove(q, n);
	return n;
}

void
runq_clear(struct runq *q)
{
	for (size_t i = 0; i < q->len; i++)
		q->heap[i]->index = RUNQ_NOT_QUEUED;
	q->len = 0;
}

bool
runq_is_valid(const struct runq *q)
{
	for (size_t i = 0; i < q->len; i++) {
		if (q->heap[i]->index != i)
			return false;
		if (i > 0 && runq_before(q->heap[i], q->heap[(i - 1) / 2]))
			return false;
	}
	return true;
}
