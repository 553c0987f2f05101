/*
 * runq.h: the run queue, waiters ordered by virtual deadline, ties FIFO.
 *
 * A binary min-heap of pointers to nodes embedded in the waiters, each node
 * remembering its index so that it can be removed from the middle in
 * O(log n) (a waiter that gives up).  Insert and remove-earliest are
 * O(log n), peek O(1).  Pushing never allocates: capacity is reserved when
 * a thread attaches (runq_reserve), so a waiter can always queue.
 * doc/design.md argues the choice against a skip list.
 *
 * Not thread-safe: the lock's internal mutex protects it.
 */
#ifndef BFSGIL_RUNQ_H
#define BFSGIL_RUNQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RUNQ_NOT_QUEUED SIZE_MAX

struct runq_node {
	uint64_t deadline;	/* set by the caller before runq_push */
	uint64_t seq;		/* arrival order, set by runq_push: breaks ties */
	size_t index;		/* place in the heap, or RUNQ_NOT_QUEUED */
};

struct runq {
	struct runq_node **heap;
	size_t len;
	size_t cap;
	uint64_t next_seq;
};

void runq_init(struct runq *q);
void runq_fini(struct runq *q);
/* Make room for @n nodes in all.  Returns 0 or ENOMEM (queue unchanged). */
int runq_reserve(struct runq *q, size_t n);
void runq_node_init(struct runq_node *n);

static inline bool
runq_queued(const struct runq_node *n)
{
	return n->index != RUNQ_NOT_QUEUED;
}

static inline size_t
runq_len(const struct runq *q)
{
	return q->len;
}

/* Queue @n (its deadline already set); capacity must have been reserved. */
void runq_push(struct runq *q, struct runq_node *n);
/* The earliest node, or NULL when empty. */
struct runq_node *runq_peek_earliest(const struct runq *q);
/* Remove and return the earliest node, or NULL when empty. */
struct runq_node *runq_pop_earliest(struct runq *q);
/* Remove @n, which must be queued in @q, from wherever it is. */
void runq_remove(struct runq *q, struct runq_node *n);
/* Empty the queue, marking every node not queued. */
void runq_clear(struct runq *q);
/* Walk the heap: true if ordered and every index matches.  O(n). */
bool runq_is_valid(const struct runq *q);

#endif /* BFSGIL_RUNQ_H */
