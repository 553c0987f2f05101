/*
 * client.h: the latency test's client, a separate process forked at
 * start-up (while the benchmark is still single-threaded) that pings a
 * UDP server on 127.0.0.1 at a fixed rate and reports each round trip.
 */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define CLIENT_MAX_PINGS 4096

/* Fork the client process.  Call before any thread exists.  Returns 0 or
 * an errno value. */
int client_start(void);

/*
 * Ping 127.0.0.1:@port every @interval_ns for @duration_ns, then wait up
 * to @grace_ns for late replies.  Stores one round trip per ping sent
 * into @rtt_ns (at most CLIENT_MAX_PINGS); a ping never answered counts
 * as the time from its sending to the end of the grace period, a lower
 * bound, and is counted in *@lost.  Returns the number of pings, or 0 if
 * the client failed.
 */
size_t client_ping(uint16_t port, uint64_t duration_ns, uint64_t interval_ns,
		   uint64_t grace_ns, uint64_t *rtt_ns, size_t *lost);

/* Tell the client process to exit, and reap it. */
void client_stop(void);

/* The pinging process's id, or -1 before client_start. */
#include <sys/types.h>
pid_t client_process(void);

#endif /* BENCH_CLIENT_H */
