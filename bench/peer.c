/*
 * peer.c: starting and talking to a peer (see peer.h).
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer.h"

extern char **environ;

/* Spawn @cmd's argv followed by @rest (NULL-terminated), with its
 * stdout on a pipe we read. */
static int
peer_spawn(const struct peer_cmd *cmd, char *const rest[], struct peer *peer)
{
	char *argv[PEER_MAX_ARGS + 16];
	int n = 0;

	for (int i = 0; cmd->argv[i] != NULL; i++)
		argv[n++] = (char *)cmd->argv[i];
	for (int i = 0; rest[i] != NULL && n < (int)(sizeof(argv) /
						     sizeof(argv[0])) - 1; i++)
		argv[n++] = rest[i];
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	int fds[2], err;

	if (pipe(fds) != 0)
		return errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	err = posix_spawnp(&peer->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err != 0) {
		close(fds[0]);
		return err;
	}
	peer->out = fdopen(fds[0], "r");
	if (peer->out == NULL) {
		err = errno;
		close(fds[0]);
		waitpid(peer->pid, NULL, 0);
		return err;
	}
	/* Unbuffered: peer_read_line polls the descriptor, which cannot see
	 * a line already sitting in a stdio buffer. */
	setvbuf(peer->out, NULL, _IONBF, 0);
	return 0;
}

/* Read a line from the peer, waiting at most @timeout_ms for it to come.
 * Returns true with the line, false on end of file or timeout (then
 * *@timed_out says which).  A peer writes each line whole and flushes
 * it, so once some of it can be read, the rest follows. */
static bool
peer_read_line(struct peer *peer, char *line, size_t size, int timeout_ms,
	       bool *timed_out)
{
	struct pollfd pfd = { .fd = fileno(peer->out), .events = POLLIN };
	int n;

	*timed_out = false;
	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		*timed_out = true;
		return false;
	}
	return fgets(line, (int)size, peer->out) != NULL;
}

static int
peer_reap(struct peer *peer)
{
	int status;

	fclose(peer->out);
	if (waitpid(peer->pid, &status, 0) != peer->pid)
		return errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EPROTO;
}

/* Stop a peer that will not finish by itself (@sig), and reap it. */
static void
peer_kill(struct peer *peer, int sig)
{
	kill(peer->pid, sig);
	peer_reap(peer);
}

int
peer_latency_start(const struct peer_cmd *cmd, const char *workload,
		   int threads, struct peer *peer)
{
	char nthreads[16], line[128];
	char *const argv[] = {
		"latency", "--workload", (char *)workload, "--threads",
		nthreads, NULL,
	};
	unsigned port;
	int err;

	snprintf(nthreads, sizeof(nthreads), "%d", threads);
	bool timed_out;

	err = peer_spawn(cmd, argv, peer);
	if (err != 0)
		return err;
	/* Its main thread needs the lock to say ready: one that starves
	 * would hang us. */
	if (!peer_read_line(peer, line, sizeof(line), 30000, &timed_out) ||
	    sscanf(line, "ready %u", &port) != 1 || port == 0 || port > 65535) {
		peer_kill(peer, SIGTERM);
		return EPROTO;
	}
	peer->port = (uint16_t)port;
	return 0;
}

int
peer_finish(struct peer *peer, int timeout_ms)
{
	char line[128];
	bool timed_out;
	int done = peer_read_line(peer, line, sizeof(line), timeout_ms,
				  &timed_out) &&
		   strncmp(line, "done", 4) == 0;
	int err;

	if (timed_out) {
		peer_kill(peer, SIGKILL);
		return ETIMEDOUT;
	}
	err = peer_reap(peer);
	return err != 0 ? err : done ? 0 : EPROTO;
}

int
peer_throughput(const struct peer_cmd *cmd, const char *workload, int threads,
		double seconds, double *ops_per_s, double *one_ops_per_s)
{
	char nthreads[16], secs[32], line[160];
	bool paired = cmd->lua && threads > 1;
	char *const argv[] = {
		"throughput", "--workload", (char *)workload, "--threads",
		nthreads, "--seconds", secs, paired ? "--paired" : NULL, NULL,
	};
	struct peer peer;
	unsigned long long ops, one;
	double elapsed, one_elapsed;
	bool timed_out;
	int err, got = 0;

	snprintf(nthreads, sizeof(nthreads), "%d", threads);
	snprintf(secs, sizeof(secs), "%.3f", seconds);
	err = peer_spawn(cmd, argv, &peer);
	if (err != 0)
		return err;
	/* Calibration, the windows, and the time the measuring thread may
	 * wait for the lock: generous. */
	if (peer_read_line(&peer, line, sizeof(line),
			   (int)(seconds * (paired ? 20e3 : 5e3)) + 4000,
			   &timed_out))
		got = sscanf(line, "ops %llu seconds %lf one %llu seconds %lf",
			     &ops, &elapsed, &one, &one_elapsed);
	if (timed_out) {
		peer_kill(&peer, SIGKILL);
		return ETIMEDOUT;
	}
	err = peer_reap(&peer);
	if (err != 0)
		return err;
	if (got < 2 || !(elapsed > 0) || (paired && (got != 4 ||
						     !(one_elapsed > 0))))
		return EPROTO;
	*ops_per_s = (double)ops / elapsed;
	*one_ops_per_s = paired ? (double)one / one_elapsed : NAN;
	return 0;
}

int
peer_check(const struct peer_cmd *cmd)
{
	char *const argv[] = { "--help", NULL };
	struct peer peer;
	char line[256];
	int err = peer_spawn(cmd, argv, &peer);

	if (err != 0)
		return err;
	while (fgets(line, sizeof(line), peer.out) != NULL)
		;
	return peer_reap(&peer);
}
