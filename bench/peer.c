/*
 * peer.c: starting and talking to gilpeer.py (see peer.h).
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer.h"

extern char **environ;

/* Spawn @argv with its stdout on a pipe we read. */
static int
peer_spawn(char *const argv[], struct peer *peer)
{
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
	return 0;
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

int
peer_latency_start(const struct plan *p, const char *workload, int threads,
		   struct peer *peer)
{
	char nthreads[16], line[128];
	char *const argv[] = {
		(char *)p->python, (char *)p->peer_script, "latency",
		"--workload", (char *)workload, "--threads", nthreads, NULL,
	};
	unsigned port;
	int err;

	snprintf(nthreads, sizeof(nthreads), "%d", threads);
	err = peer_spawn(argv, peer);
	if (err != 0)
		return err;
	if (fgets(line, sizeof(line), peer->out) == NULL ||
	    sscanf(line, "ready %u", &port) != 1 || port == 0 || port > 65535) {
		kill(peer->pid, SIGTERM);
		peer_reap(peer);
		return EPROTO;
	}
	peer->port = (uint16_t)port;
	return 0;
}

int
peer_finish(struct peer *peer)
{
	char line[128];
	int done = fgets(line, sizeof(line), peer->out) != NULL &&
		   strncmp(line, "done", 4) == 0;
	int err = peer_reap(peer);

	return err != 0 ? err : done ? 0 : EPROTO;
}

int
peer_throughput(const struct plan *p, const char *workload, int threads,
		double seconds, double *ops_per_s)
{
	char nthreads[16], secs[32], line[128];
	char *const argv[] = {
		(char *)p->python, (char *)p->peer_script, "throughput",
		"--workload", (char *)workload, "--threads", nthreads,
		"--seconds", secs, NULL,
	};
	struct peer peer;
	unsigned long long ops;
	double elapsed;
	int err, ok;

	snprintf(nthreads, sizeof(nthreads), "%d", threads);
	snprintf(secs, sizeof(secs), "%.3f", seconds);
	err = peer_spawn(argv, &peer);
	if (err != 0)
		return err;
	ok = fgets(line, sizeof(line), peer.out) != NULL &&
	     sscanf(line, "ops %llu seconds %lf", &ops, &elapsed) == 2 &&
	     elapsed > 0;
	err = peer_reap(&peer);
	if (err != 0)
		return err;
	if (!ok)
		return EPROTO;
	*ops_per_s = (double)ops / elapsed;
	return 0;
}

int
peer_check(const char *python, const char *script)
{
	char *const argv[] = { (char *)python, (char *)script, "--help", NULL };
	struct peer peer;
	char line[256];
	int err = peer_spawn(argv, &peer);

	if (err != 0)
		return err;
	while (fgets(line, sizeof(line), peer.out) != NULL)
		;
	return peer_reap(&peer);
}
