/*
 * latency.c: does an I/O thread still answer fast while CPU-bound threads
 * run?  A thread answers UDP pings on 127.0.0.1: it holds the lock for a
 * little work per packet and releases it while blocked in recvfrom(), as
 * an interpreter does around a blocking call.  The client, a separate
 * process, pings every 10 ms and times each round trip.  Background
 * threads run one of the CPU workloads beside it.
 *
 * Every policy (and the CPython peer) runs once per round, interleaved,
 * so that the machine's drift hits them all alike; a policy's figures are
 * percentiles over all its rounds' pings, with the spread of its
 * per-round medians.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"
#include "peer.h"
#include "plan.h"
#include "results.h"
#include "sample.h"
#include "work.h"

#define PING_INTERVAL_NS LATENCY_PING_INTERVAL_NS
#define IO_OPCODES 20		/* the work done per packet, with the lock */
#define MAX_BACKGROUND 4
#define MAX_ENTRIES (PLAN_MAX_POLICIES + PLAN_MAX_PEERS)

struct io_server {
	const struct policy *pol;
	void *lock;
	int fd;
	pthread_barrier_t *start;
	pthread_t thread;
	uint64_t kernel_slice_ns;	/* plan's io_kernel_slice_ns */
};

/*
 * Ask the kernel for a time slice of @ns for the calling thread
 * (sched_setattr's sched_runtime for SCHED_OTHER, Linux 6.12 and later,
 * EEVDF): BFSGIL_BENCH_IO_SLICE_US, for the I/O thread under every
 * policy alike.  A shorter slice than a CPU-bound thread's gives it an
 * earlier EEVDF deadline, so that its wake-up preempts the thread on the
 * CPU it was woken onto instead of waiting for the next tick (4 ms at
 * 250 Hz): what is left of the I/O thread's tail once the lock has
 * handed it the lock at once (doc/design.md, section 6).  Not the lock's to
 * do: an experiment that tells the kernel's part of the tail from the
 * lock's.
 */
static void
io_set_kernel_slice(uint64_t ns)
{
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
	} attr = { .size = 48, .runtime = ns };

	if (ns != 0 && syscall(SYS_sched_setattr, 0, &attr, 0) != 0)
		bench_fail("sched_setattr (BFSGIL_BENCH_IO_SLICE_US)", errno);
}

/* The I/O thread: an interpreter thread whose Python would be
 * `while True: data, addr = s.recvfrom(); s.sendto(work(data), addr)`. */
static void *
io_main(void *arg)
{
	struct io_server *io = arg;
	uint64_t x = 1;
	void *t;

	pthread_setname_np(pthread_self(), "io");
	io_set_kernel_slice(io->kernel_slice_ns);
	BENCH_CHECK(io->pol->attach(io->lock, &t, NULL));
	pthread_barrier_wait(io->start);
	io->pol->acquire(t);
	for (;;) {
		char buf[64];
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t n;

		io->pol->release(t);
		n = recvfrom(io->fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &fromlen);
		io->pol->acquire(t);
		if (n < 0 || (n == 4 && memcmp(buf, "quit", 4) == 0))
			break;
		for (int i = 0; i < IO_OPCODES; i++) {
			if (io->pol->should_yield(t))
				io->pol->yield(t);
			work_opcode(&x);
		}
		sendto(io->fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
		       fromlen);
	}
	io->pol->release(t);
	io->pol->detach(t);
	return NULL;
}

static int
udp_bind_loopback(uint16_t *port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		perror("bfsgil-bench: udp socket");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void
send_quit(uint16_t port)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd >= 0) {
		sendto(fd, "quit", 4, 0, (struct sockaddr *)&to, sizeof(to));
		close(fd);
	}
}

static uint64_t
grace_ns(const struct plan *p)
{
	return p->quick ? 100 * MS : 250 * MS;
}

size_t
latency_run(const struct plan *p, const struct policy *pol, enum workload wl,
	    int nthreads, uint64_t duration_ns, uint64_t *rtt, size_t *lost)
{
	struct worker w[MAX_BACKGROUND];
	struct io_server io = { .pol = pol,
				.kernel_slice_ns = p->io_kernel_slice_ns };
	pthread_barrier_t start;
	atomic_int stop = 0;
	uint16_t port;
	size_t n;

	BENCH_CHECK(pol->create(&io.lock));
	io.fd = udp_bind_loopback(&port);
	BENCH_CHECK(pthread_barrier_init(&start, NULL, (unsigned)nthreads + 2));
	io.start = &start;
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .pol = pol, .lock = io.lock, .kind = wl,
					.stop = &stop, .start = &start,
					.index = i };
		worker_start(&w[i]);
	}
	io.thread = thread_spawn(io_main, &io);
	pthread_barrier_wait(&start);
	n = client_ping(port, duration_ns, PING_INTERVAL_NS, grace_ns(p), rtt,
			lost);
	atomic_store(&stop, 1);
	/* Again every 100 ms until it is read: behind a lock that starves
	 * the I/O thread (fifo beside a CPU-bound thread), 5 s of pings
	 * overflow the socket's buffer, and a quit sent once can be
	 * dropped with them (a full run hung so). */
	for (;;) {
		struct timespec until;

		send_quit(port);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(io.thread, NULL, &until) == 0)
			break;
	}
	for (int i = 0; i < nthreads; i++)
		worker_join(&w[i]);
	pthread_barrier_destroy(&start);
	close(io.fd);
	pol->destroy(io.lock);
	return n;
}

/* One run of a peer (a real interpreter). */
static size_t
run_peer(const struct plan *p, const struct peer_cmd *cmd, enum workload wl,
	 int nthreads, uint64_t *rtt, size_t *lost)
{
	struct peer peer;
	size_t n;
	int err = peer_latency_start(cmd, workload_name(wl), nthreads, &peer);

	if (err != 0)
		bench_fail(cmd->name, err);
	n = client_ping(peer.port, wl == WL_CPU ? p->latency_cpu_ns
					       : p->latency_ns,
			PING_INTERVAL_NS, grace_ns(p), rtt, lost);
	send_quit(peer.port);
	err = peer_finish(&peer, 2000);
	if (err == ETIMEDOUT)
		progress("%s %s x%d: its echo thread never got the lock to "
			 "read quit; killed", cmd->name, workload_name(wl),
			 nthreads);
	else if (err != 0)
		bench_fail(cmd->name, err);
	return n;
}

struct entry {
	const char *name;
	const struct policy *pol;	/* NULL: a peer */
	const struct peer_cmd *peer;
	double *pool;			/* every ping of every round, us */
	size_t npool, lost;
	double round_median[64];
};

static void
report(const struct plan *p, struct entry *e, enum workload wl, int nthreads)
{
	struct result *r = result_new("latency", e->name, workload_name(wl),
				      nthreads);
	double med, p90, p99, max;

	max = max_of(e->pool, e->npool);
	p90 = percentile(e->pool, e->npool, 90);
	p99 = percentile(e->pool, e->npool, 99);
	med = median(e->pool, e->npool);
	result_set(r, "pings", (double)e->npool);
	result_set(r, "lost", (double)e->lost);
	result_set(r, "median_us", med);
	result_set(r, "p90_us", p90);
	result_set(r, "p99_us", p99);
	result_set(r, "max_us", max);
	result_set(r, "median_min_us", min_of(e->round_median, (size_t)p->rounds));
	result_set(r, "median_max_us", max_of(e->round_median, (size_t)p->rounds));
	result_set(r, "rounds", p->rounds);
	printf("  %-9s %7d  %-10s %9.0f [%.0f..%.0f] %9.0f %9.0f %9.0f %6zu/%zu\n",
	       workload_name(wl), nthreads, e->name, med,
	       result_get(r, "median_min_us"), result_get(r, "median_max_us"),
	       p90, p99, max, e->lost, e->npool);
}

/* CPU time in ns: every CPU's busy time (/proc/stat, steal apart), and
 * ours plus the client's, so that a run can say how much of the machine
 * other processes took while it pinged (a shared VM's builds). */
struct cpu_use {
	uint64_t wall, busy, ours;
};

static uint64_t
proc_cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return 0;
	return (ut + st) * (SEC / (uint64_t)sysconf(_SC_CLK_TCK));
}

static void
cpu_use_read(struct cpu_use *u)
{
	unsigned long long v[8] = { 0 };
	struct timespec ts;
	FILE *f = fopen("/proc/stat", "r");

	u->busy = 0;
	if (f != NULL) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8)
			/* user nice system irq softirq: not idle, iowait
			 * or steal */
			u->busy = (v[0] + v[1] + v[2] + v[5] + v[6]) *
				  (SEC / (uint64_t)sysconf(_SC_CLK_TCK));
		fclose(f);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	u->ours = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec +
		  proc_cpu_ns(client_process());
	u->wall = now_ns();
}

/* Other processes' share of the machine between @a and @b, percent of
 * all CPUs. */
static double
cpu_use_foreign(const struct cpu_use *a, const struct cpu_use *b)
{
	double other = (double)(b->busy - a->busy) - (double)(b->ours - a->ours);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (other < 0)
		other = 0;
	return 100.0 * other / ((double)(b->wall - a->wall) *
				(double)(ncpu > 0 ? ncpu : 1));
}

static void
measure(const struct plan *p, struct entry *entries, int nentries,
	enum workload wl, int nthreads)
{
	static uint64_t rtt[CLIENT_MAX_PINGS];
	static double us[CLIENT_MAX_PINGS];

	progress("latency: %s x%d (%d rounds)", workload_name(wl), nthreads,
		 p->rounds);
	for (int e = 0; e < nentries; e++)
		entries[e].npool = entries[e].lost = 0;
	for (int round = 0; round < p->rounds; round++) {
		for (int e = 0; e < nentries; e++) {
			struct entry *en = &entries[e];
			struct cpu_use u0, u1;
			size_t lost = 0, n;

			cpu_use_read(&u0);
			n = en->pol != NULL
				? latency_run(p, en->pol, wl, nthreads,
					      wl == WL_CPU ? p->latency_cpu_ns
							   : p->latency_ns,
					      rtt, &lost)
				: run_peer(p, en->peer, wl, nthreads, rtt,
					   &lost);

			if (n == 0)
				bench_fail("the ping client", EPROTO);
			for (size_t i = 0; i < n; i++)
				us[i] = en->pool[en->npool + i] =
					(double)rtt[i] / 1e3;
			en->npool += n;
			en->lost += lost;
			en->round_median[round] = median(us, n);
			cpu_use_read(&u1);
			progress("  round %d %-8s x%d: median %.0f p99 %.0f "
				 "max %.0f us, %zu pings; other processes %.0f%% "
				 "of the CPUs", round + 1, en->name, nthreads,
				 median(us, n), percentile(us, n, 99),
				 max_of(us, n), n, cpu_use_foreign(&u0, &u1));
		}
	}
	for (int e = 0; e < nentries; e++)
		report(p, &entries[e], wl, nthreads);
}

void
test_latency(const struct plan *p)
{
	static const enum workload workloads[] = { WL_CPU, WL_CNOGIL, WL_CRELEASE };
	static const int counts[] = { 1, 2, 4 };
	struct entry entries[MAX_ENTRIES];
	int n = 0;

	for (int i = 0; i < p->npolicies; i++)
		entries[n++] = (struct entry){ .name = p->policies[i]->name,
					       .pol = p->policies[i] };
	for (int i = 0; i < p->npeers; i++)
		entries[n++] = (struct entry){ .name = p->peers[i].name,
					       .peer = &p->peers[i] };
	for (int e = 0; e < n; e++) {
		entries[e].pool = calloc((size_t)p->rounds * CLIENT_MAX_PINGS,
					 sizeof(double));
		if (entries[e].pool == NULL)
			bench_fail("calloc", ENOMEM);
	}
	printf("\nLatency: an I/O thread answers UDP pings sent every 10 ms by "
	       "another process,\nbeside N background threads; round trip "
	       "in us (median [per-round medians], p90, p99, max).\n");
	if (p->io_kernel_slice_ns != 0)
		printf("The I/O thread asks the kernel for a %llu us time slice "
		       "(BFSGIL_BENCH_IO_SLICE_US).\n",
		       (unsigned long long)(p->io_kernel_slice_ns / 1000));
	printf("  %-9s %7s  %-10s %9s %-13s %9s %9s %9s %s\n", "workload",
	       "threads", "policy", "median", " [spread]", "p90", "p99", "max",
	       " lost/pings");
	if (p->nlatency_counts > 0) {
		for (int c = 0; c < p->nlatency_counts; c++)
			measure(p, entries, n, WL_CPU, p->latency_counts[c]);
		goto done;
	}
	measure(p, entries, n, WL_NONE, 0);
	for (size_t w = 0; w < sizeof(workloads) / sizeof(workloads[0]); w++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			measure(p, entries, n, workloads[w], counts[c]);
done:
	for (int e = 0; e < n; e++)
		free(entries[e].pool);
	fflush(stdout);
}
