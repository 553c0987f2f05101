/*
 * toy_interp.c: a toy interpreter on bfsgil, and the project's demo.
 *
 * Each OS thread runs a little bytecode program in an eval loop that, like
 * CPython's or Ruby's, checks bfsgil_should_yield() before every opcode and
 * releases the lock around a blocking call.  Two threads run CPU-bound
 * programs; a third runs an "I/O" program that blocks 1 ms off-lock (its
 * recv()), then does a little work with the lock.  We measure how long the
 * I/O thread waits to get the lock back after each blocking call.
 *
 * The same programs run under two policies, interleaved round by round on
 * this noisy machine: bfsgil as designed (preempt=1), and the same lock
 * with preemption off (preempt=0), where a waiter asks the holder to give
 * way only when its 5 ms slice ends: the time-sliced behaviour of
 * CPython's "new GIL", and its convoy effect.
 *
 * Usage: toy_interp [--quick]
 */
#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bfsgil.h>

/* The bytecode. */
enum opcode {
	OP_WORK,	/* ~100 ns of arithmetic */
	OP_BLOCK,	/* a blocking call: release, block 1 ms, re-acquire */
	OP_LOOP,	/* jump back to the start */
};

static const enum opcode cpu_program[] = { OP_WORK, OP_WORK, OP_WORK, OP_LOOP };
static const enum opcode io_program[] = {
	OP_BLOCK, OP_WORK, OP_WORK, OP_WORK, OP_WORK, OP_LOOP,
};

#define MAX_SAMPLES 20000

struct vm {
	bfsgil_t *gil;
	const enum opcode *program;
	atomic_int *stop;	/* set by main when the round ends */
	uint64_t ops;			/* opcodes executed */
	uint64_t samples[MAX_SAMPLES];	/* I/O: ns to get the lock back */
	size_t nsamples;
	pthread_t thread;
	int error;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile uint64_t work_sink;

static void
do_work(void)
{
	uint64_t x = work_sink;

	for (int i = 0; i < 40; i++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	work_sink = x;
}

/* A blocking call, made the way an interpreter makes one: let go of the
 * lock first, so other threads run while this one waits. */
static int
blocking_call(struct vm *vm, bfsgil_thread_t *self)
{
	struct timespec one_ms = { 0, 1000000 };
	uint64_t asked;
	int err;

	err = bfsgil_release(self);
	if (err != 0)
		return err;
	nanosleep(&one_ms, NULL);
	asked = now_ns();
	err = bfsgil_acquire(self);
	if (err == 0 && vm->nsamples < MAX_SAMPLES)
		vm->samples[vm->nsamples++] = now_ns() - asked;
	return err;
}

/* The eval loop. */
static void *
eval_thread(void *arg)
{
	struct vm *vm = arg;
	bfsgil_thread_t *self;
	size_t pc = 0;
	int err;

	err = bfsgil_attach(vm->gil, &self);
	if (err == 0)
		err = bfsgil_acquire(self);
	while (err == 0 && !atomic_load_explicit(vm->stop, memory_order_relaxed)) {
		/* The one check per opcode: a single load. */
		if (bfsgil_should_yield(self)) {
			err = bfsgil_yield(self);
			if (err != 0)
				break;
		}
		switch (vm->program[pc]) {
		case OP_WORK:
			do_work();
			pc++;
			break;
		case OP_BLOCK:
			err = blocking_call(vm, self);
			pc++;
			break;
		case OP_LOOP:
			pc = 0;
			break;
		}
		vm->ops++;
	}
	if (err == 0)
		err = bfsgil_release(self);
	if (err == 0)
		err = bfsgil_detach(self);
	vm->error = err;
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct round_result {
	double io_median_us;
	double io_p99_us;
	double cpu_mops;
};

/* Run two CPU threads and one I/O thread for @ms under @preempt. */
static int
run_round(int preempt, unsigned ms, struct round_result *out)
{
	static struct vm vms[3];
	atomic_int stop = 0;
	struct timespec run = { ms / 1000, (long)(ms % 1000) * 1000000 };
	bfsgil_t *gil;
	uint64_t cpu_ops = 0;
	int err;

	err = bfsgil_create(&gil);
	if (err == 0)
		err = bfsgil_ctl_set(gil, "preempt", preempt);
	if (err != 0)
		return err;
	for (int i = 0; i < 3; i++) {
		memset(&vms[i], 0, sizeof(vms[i]));
		vms[i].gil = gil;
		vms[i].stop = &stop;
		vms[i].program = i == 0 ? io_program : cpu_program;
		if (pthread_create(&vms[i].thread, NULL, eval_thread, &vms[i]) != 0)
			return EAGAIN;
	}
	nanosleep(&run, NULL); /* the length of the run, not a wait */
	atomic_store(&stop, 1);
	for (int i = 0; i < 3; i++) {
		pthread_join(vms[i].thread, NULL);
		if (vms[i].error != 0)
			return vms[i].error;
		if (i > 0)
			cpu_ops += vms[i].ops;
	}
	err = bfsgil_destroy(gil);
	if (err != 0 || vms[0].nsamples == 0)
		return err ? err : EIO;
	qsort(vms[0].samples, vms[0].nsamples, sizeof(uint64_t), cmp_u64);
	out->io_median_us = vms[0].samples[vms[0].nsamples / 2] / 1e3;
	out->io_p99_us = vms[0].samples[vms[0].nsamples * 99 / 100] / 1e3;
	out->cpu_mops = cpu_ops / (ms * 1e3);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int
main(int argc, char **argv)
{
	static const char *const names[2] = { "bfsgil (preempt=1)",
					      "time-sliced (preempt=0)" };
	int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	int rounds = quick ? 1 : 5;
	unsigned ms = quick ? 300 : 1000;
	double med[2][8], p99[2][8], mops[2][8];
	struct utsname uts;
	time_t t = time(NULL);
	long long slice;

	if (argc > 1 && !quick) {
		fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
		return 2;
	}
	uname(&uts);
	bfsgil_ctl_get(NULL, "slice_us", &slice);
	printf("bfsgil toy interpreter: 2 CPU-bound threads + 1 I/O thread "
	       "(1 ms blocking call), slice_us=%lld\n", slice);
	printf("command: %s%s\nmachine: %ld cores, %s %s %s\ndate: %s\n",
	       "toy_interp", quick ? " --quick" : "", sysconf(_SC_NPROCESSORS_ONLN),
	       uts.sysname, uts.release, uts.machine, ctime(&t));
	printf("%-6s %-24s %14s %12s %14s\n", "round", "policy",
	       "io median us", "io p99 us", "cpu Mops/s");
	/* A B A B ...: the machine's speed drifts, so the policies take
	 * turns rather than running one after the other. */
	for (int r = 0; r < rounds; r++) {
		for (int p = 0; p < 2; p++) {
			struct round_result res;
			int err = run_round(p == 0, ms, &res);

			if (err != 0) {
				fprintf(stderr, "round failed: %s\n", strerror(err));
				return 1;
			}
			med[p][r] = res.io_median_us;
			p99[p][r] = res.io_p99_us;
			mops[p][r] = res.cpu_mops;
			printf("%-6d %-24s %14.1f %12.1f %14.2f\n", r + 1,
			       names[p], res.io_median_us, res.io_p99_us,
			       res.cpu_mops);
			fflush(stdout);
		}
	}
	{
		double m0 = median_of(med[0], rounds), m1 = median_of(med[1], rounds);
		double q0 = median_of(p99[0], rounds), q1 = median_of(p99[1], rounds);
		double c0 = median_of(mops[0], rounds), c1 = median_of(mops[1], rounds);

		printf("\nmedians over %d round(s):\n", rounds);
		printf("  io thread gets the lock back in %.1f us (bfsgil) vs "
		       "%.1f us (time-sliced): %.0fx faster\n", m0, m1,
		       m0 > 0 ? m1 / m0 : 0);
		printf("  io p99 %.1f us vs %.1f us; cpu threads %.2f vs %.2f "
		       "Mops/s\n", q0, q1, c0, c1);
	}
	return 0;
}
