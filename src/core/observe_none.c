/*
 * observe_none.c: the core alone (observe.h): nothing watches a lock.
 * Linked into libbfsgil-corealone instead of src/watch/observe.c; the
 * BFSGIL_TRACE and BFSGIL_STATS variables then mean nothing.
 */
#include "observe.h"

int
observe_create(struct bfsgil *gil)
{
	(void)gil;
	return 0;
}

void
observe_destroy(struct bfsgil *gil)
{
	(void)gil;
}

void
observe_after_fork_child(struct bfsgil *gil)
{
	(void)gil;
}
