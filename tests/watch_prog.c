/*
 * watch_prog.c: a small program for tests/watch_env.sh, which runs it
 * under BFSGIL_TRACE and BFSGIL_STATS to see what the files hold when a
 * program ends the ways real ones do.
 *
 *   watch_prog exit      two threads share a lock; the program exits
 *                        with one of them still attached and holding,
 *                        never destroying the lock (an interpreter's
 *                        usual end)
 *   watch_prog fork      a lock with a thread; the program forks, and
 *                        the child makes a thread of its own, then both
 *                        exit without destroying the lock
 *   watch_prog two       two locks, each used by a thread, both destroyed
 *   watch_prog forkexit  two threads take turns without a pause while the
 *                        main thread forks 40 children that exit() at
 *                        once, never calling bfsgil_after_fork_child (a
 *                        fork whose exec failed): none may hang at exit
 *                        on the lock's mutex or its hooks, none may write
 *                        the parent's files
 *
 * Prints "watch_prog: <mode> ok" on success; exit status 0, 1 on error.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bfsgil.h>

#define CHECK(call) do { \
	int err_ = (call); \
	if (err_ != 0) { \
		fprintf(stderr, "watch_prog: %s: %s\n", #call, strerror(err_)); \
		exit(1); \
	} \
} while (0)

static atomic_int holding;

struct turns {
	bfsgil_t *gil;
	const char *name;
};

/* Take turns with the lock a hundred times, named as told (by the thread
 * itself, before anything: named from outside, it might have finished
 * first). */
static void *
turns(void *arg)
{
	struct turns *a = arg;
	bfsgil_thread_t *t;

	pthread_setname_np(pthread_self(), a->name);
	CHECK(bfsgil_attach(a->gil, &t));
	for (int i = 0; i < 100; i++) {
		CHECK(bfsgil_acquire(t));
		for (volatile int k = 0; k < 20000; k++)
			;
		CHECK(bfsgil_release(t));
	}
	CHECK(bfsgil_detach(t));
	return NULL;
}

/* Attach, take the lock and keep it: the process exits meanwhile. */
static void *
keeper(void *arg)
{
	bfsgil_t *gil = *(bfsgil_t **)arg;
	bfsgil_thread_t *t;

	pthread_setname_np(pthread_self(), "keeper");
	CHECK(bfsgil_attach(gil, &t));
	CHECK(bfsgil_acquire(t));
	atomic_store(&holding, 1);
	for (;;)
		pause();
	return NULL;
}

/* Take turns until told to stop.  Each counts itself in @spinning once
 * its first turn is over: by then it has made every allocation it will
 * make before its detach (its handle, its trace ring, its stats record). */
static atomic_int stop_spinning, spinning;

static void *
spinner(void *arg)
{
	bfsgil_t *gil = *(bfsgil_t **)arg;
	bfsgil_thread_t *t;

	CHECK(bfsgil_attach(gil, &t));
	for (int turn = 0; !atomic_load(&stop_spinning); turn++) {
		CHECK(bfsgil_acquire(t));
		if (bfsgil_should_yield(t))
			CHECK(bfsgil_yield(t));
		CHECK(bfsgil_release(t));
		if (turn == 0)
			atomic_fetch_add(&spinning, 1);
	}
	CHECK(bfsgil_detach(t));
	return NULL;
}

static void
run_turns(bfsgil_t **gil, const char *name)
{
	struct turns a = { *gil, name };
	pthread_t t;

	CHECK(pthread_create(&t, NULL, turns, &a));
	CHECK(pthread_join(t, NULL));
}

int
main(int argc, char **argv)
{
	static bfsgil_t *gil, *other;
	pthread_t k;
	pid_t pid;
	int status;

	if (argc != 2)
		return 2;
	CHECK(bfsgil_create(&gil));
	if (strcmp(argv[1], "exit") == 0) {
		run_turns(&gil, "worker");
		CHECK(pthread_create(&k, NULL, keeper, &gil));
		while (!atomic_load(&holding))
			sched_yield();
	} else if (strcmp(argv[1], "fork") == 0) {
		bfsgil_thread_t *self;

		CHECK(bfsgil_attach(gil, &self));
		run_turns(&gil, "parent-worker");
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			CHECK(bfsgil_after_fork_child(gil, self));
			CHECK(bfsgil_release(self));
			run_turns(&gil, "child-worker");
			CHECK(bfsgil_detach(self));
			exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			return 1;
		CHECK(bfsgil_detach(self));
	} else if (strcmp(argv[1], "forkexit") == 0) {
		pthread_t sp[2];

		for (int i = 0; i < 2; i++)
			CHECK(pthread_create(&sp[i], NULL, spinner, &gil));
		/* Fork only once both spin: a fork while a thread is inside
		 * malloc leaves the child a held allocator lock.  glibc's
		 * fork takes its malloc's locks first, but ASan's allocator
		 * (GCC 12) has no such handler, and its leak check at the
		 * child's exit() then waits forever on that lock.  That
		 * hang is the sanitizer's, not the lock's: this test is
		 * after the lock's. */
		while (atomic_load(&spinning) < 2)
			sched_yield();
		fflush(stdout);
		for (int i = 0; i < 40; i++) {
			pid = fork();
			if (pid < 0)
				return 1;
			if (pid == 0)
				exit(0);
			if (waitpid(pid, &status, 0) != pid ||
			    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
				return 1;
		}
		atomic_store(&stop_spinning, 1);
		for (int i = 0; i < 2; i++)
			CHECK(pthread_join(sp[i], NULL));
	} else if (strcmp(argv[1], "two") == 0) {
		CHECK(bfsgil_create(&other));
		run_turns(&gil, "first-lock");
		run_turns(&other, "second-lock");
		CHECK(bfsgil_destroy(other));
		CHECK(bfsgil_destroy(gil));
	} else {
		return 2;
	}
	printf("watch_prog: %s ok\n", argv[1]);
	return 0;
}
