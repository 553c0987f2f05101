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
bfs_attach(void *lock, void **threadp, void *udata)
{
	int err = bfsgil_attach(lock, (bfsgil_thread_t **)threadp);

	if (err == 0)
		bfsgil_thread_set_data(*threadp, udata);
	return err;
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

/* The library's ASKED event, passed on with the host's udata. */
static void
bfs_on_asked(const struct bfsgil_event *ev, void *data)
{
	const struct policy_asker *a = data;

	a->asked(bfsgil_thread_data(ev->thread));
}

static int
bfs_set_nice(void *thread, int nice)
{
	return bfsgil_set_nice(thread, nice);
}

static int
bfs_set_asker(void *lock, const struct policy_asker *a)
{
	return bfsgil_hook_add(lock, BFSGIL_EVENT_ASKED, bfs_on_asked,
			       (void *)a);
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
	.set_asker = bfs_set_asker,
	.set_nice = bfs_set_nice,
};
