/*
 * policy_bfsgil.c: this library, as an interpreter uses it.
 */
#include <bfsgil.h>

#include "policy.h"

static int
bfs_create(void **lockp)
{
	return bfsgil_create((bfsgil_t **)lockp);
}

static void
bfs_destroy(void *lock)
{
	bfsgil_destroy(lock);
}

static int
bfs_attach(void *lock, void **threadp)
{
	return bfsgil_attach(lock, (bfsgil_thread_t **)threadp);
}

static void
bfs_detach(void *thread)
{
	bfsgil_detach(thread);
}

static void
bfs_acquire(void *thread)
{
	bfsgil_acquire(thread);
}

static void
bfs_release(void *thread)
{
	bfsgil_release(thread);
}

static bool
bfs_should_yield(void *thread)
{
	return bfsgil_should_yield(thread);
}

static void
bfs_yield(void *thread)
{
	bfsgil_yield(thread);
}

const struct policy policy_bfsgil = {
	.name = "bfsgil",
	.about = "this library: earliest virtual deadline first, 5 ms slices",
	.create = bfs_create,
	.destroy = bfs_destroy,
	.attach = bfs_attach,
	.detach = bfs_detach,
	.acquire = bfs_acquire,
	.release = bfs_release,
	.should_yield = bfs_should_yield,
	.yield = bfs_yield,
};
