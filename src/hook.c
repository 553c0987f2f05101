/*
 * hook.c: registering event callbacks and sending events (bfsgil/hook.h).
 */
#include <errno.h>

#include "gil.h"
#include "hook.h"

void
hook_send_locked(struct hook_table *h, unsigned type, bfsgil_thread_t *thread,
		 uint64_t now, uint64_t deadline)
{
	struct bfsgil_event ev = {
		.type = type,
		.thread = thread,
		.time_ns = now,
		.deadline_ns = deadline,
	};
	int i;

	for (i = 0; i < BFSGIL_HOOKS_MAX; i++)
		if (h->entry[i].mask & type)
			h->entry[i].fn(&ev, h->entry[i].data);
}

/* The slot holding (@fn, @data), or -1 (mutex held). */
static int
hook_find(const struct hook_table *h, bfsgil_hook_fn fn, const void *data)
{
	int i;

	for (i = 0; i < BFSGIL_HOOKS_MAX; i++)
		if (h->entry[i].mask != 0 && h->entry[i].fn == fn &&
		    h->entry[i].data == data)
			return i;
	return -1;
}

static void
hook_update_mask(struct hook_table *h)
{
	unsigned mask = 0;
	int i;

	for (i = 0; i < BFSGIL_HOOKS_MAX; i++)
		mask |= h->entry[i].mask;
	atomic_store_explicit(&h->mask, mask, memory_order_relaxed);
}

int
bfsgil_hook_add(bfsgil_t *gil, unsigned mask, bfsgil_hook_fn fn, void *data)
{
	struct hook_table *h;
	int err = EAGAIN, i;

	if (gil == NULL || fn == NULL || mask == 0 ||
	    (mask & ~BFSGIL_EVENT_ALL) != 0)
		return EINVAL;
	h = &gil->hooks;
	pthread_mutex_lock(&gil->lock);
	if (hook_find(h, fn, data) >= 0) {
		err = EEXIST;
	} else {
		for (i = 0; i < BFSGIL_HOOKS_MAX; i++) {
			if (h->entry[i].mask == 0) {
				h->entry[i] = (struct hook_entry){
					mask, fn, data };
				hook_update_mask(h);
				err = 0;
				break;
			}
		}
	}
	pthread_mutex_unlock(&gil->lock);
	return err;
}

int
bfsgil_hook_remove(bfsgil_t *gil, bfsgil_hook_fn fn, void *data)
{
	struct hook_table *h;
	int i;

	if (gil == NULL || fn == NULL)
		return EINVAL;
	h = &gil->hooks;
	pthread_mutex_lock(&gil->lock);
	i = hook_find(h, fn, data);
	if (i >= 0) {
		h->entry[i] = (struct hook_entry){ 0, NULL, NULL };
		hook_update_mask(h);
	}
	pthread_mutex_unlock(&gil->lock);
	return i >= 0 ? 0 : ENOENT;
}

int
bfsgil_thread_set_data(bfsgil_thread_t *self, void *data)
{
	if (self == NULL)
		return EINVAL;
	atomic_store_explicit(&self->data, data, memory_order_release);
	return 0;
}

void *
bfsgil_thread_data(const bfsgil_thread_t *self)
{
	if (self == NULL)
		return NULL;
	return atomic_load_explicit(&((struct bfsgil_thread *)self)->data,
				    memory_order_acquire);
}
