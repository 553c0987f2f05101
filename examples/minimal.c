/* minimal.c: two interpreter threads share one bfsgil lock. */
#include <bfsgil.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static bfsgil_t *gil;
static long counter; /* interpreter state: touched only with the lock held */

static void *
interpreter_thread(void *arg)
{
	bfsgil_thread_t *self;

	(void)arg;
	if (bfsgil_attach(gil, &self) != 0) /* once per OS thread */
		return NULL;
	bfsgil_acquire(self);
	for (int op = 0; op < 1000000; op++) {
		if (bfsgil_should_yield(self)) /* one load per opcode */
			bfsgil_yield(self);
		counter++; /* "execute the opcode" */
		if (op % 100000 == 0) {
			bfsgil_release(self);
			/* a blocking call: read(), recv(), sleep()... */
			bfsgil_acquire(self);
		}
	}
	bfsgil_release(self);
	bfsgil_detach(self);
	return NULL;
}

int
main(void)
{
	struct bfsgil_stats st;
	pthread_t t[2];
	int err;

	err = bfsgil_create(&gil); /* BFSGIL=slice_us=2000 would tune it */
	if (err != 0) {
		fprintf(stderr, "bfsgil_create: %s\n", strerror(err));
		return 1;
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, interpreter_thread, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	bfsgil_stats(gil, &st);
	printf("counter %ld, %llu acquisitions, %llu handoffs\n", counter,
	       (unsigned long long)st.acquires, (unsigned long long)st.handoffs);
	bfsgil_destroy(gil);
	return counter == 2000000 ? 0 : 1;
}
