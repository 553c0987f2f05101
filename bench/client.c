/*
 * client.c: the pinging process (see client.h).
 *
 * Each ping carries its sequence number and send time; the server echoes
 * it unchanged, so a reply alone says which ping it answers and when that
 * was sent.  Pings go out on a fixed schedule whatever the replies do, as
 * a real client's requests would: a slow server builds a backlog, and the
 * backlog shows in the figures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"

struct client_cmd {
	uint16_t port;		/* 0: exit */
	uint64_t duration_ns, interval_ns, grace_ns;
};

struct ping {
	uint64_t seq;
	uint64_t sent_ns;
};

static int cmd_fd = -1, reply_fd = -1;
static pid_t client_pid = -1;

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Wait for replies until @until; record each. */
static void
collect(int fd, uint64_t until, uint64_t *rtt, size_t nsent)
{
	for (;;) {
		uint64_t now = now_ns();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct ping p;

		if (now >= until)
			return;
		struct timespec wait = {
			.tv_sec = (time_t)((until - now) / SEC),
			.tv_nsec = (long)((until - now) % SEC),
		};

		if (ppoll(&pfd, 1, &wait, NULL) <= 0)
			continue;
		while (recv(fd, &p, sizeof(p), MSG_DONTWAIT) == sizeof(p)) {
			if (p.seq < nsent && rtt[p.seq] == 0)
				rtt[p.seq] = now_ns() - p.sent_ns;
		}
	}
}

static void
run_pings(const struct client_cmd *c, uint64_t *rtt)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(c->port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	uint32_t n = 0, lost = 0;
	uint64_t start, end;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0)
		goto report;
	start = now_ns();
	while (n < CLIENT_MAX_PINGS && n * c->interval_ns < c->duration_ns) {
		struct ping p = { .seq = n, .sent_ns = now_ns() };

		rtt[n++] = 0;
		send(fd, &p, sizeof(p), 0);
		collect(fd, start + n * c->interval_ns, rtt, n);
	}
	end = now_ns() + c->grace_ns;
	for (;;) {
		uint32_t missing = 0;

		for (uint32_t i = 0; i < n; i++)
			missing += rtt[i] == 0;
		if (missing == 0 || now_ns() >= end)
			break;
		collect(fd, now_ns() + MS < end ? now_ns() + MS : end, rtt, n);
	}
	end = now_ns();
	for (uint32_t i = 0; i < n; i++) {
		if (rtt[i] == 0) {
			rtt[i] = end - (start + i * c->interval_ns);
			lost++;
		}
	}
report:
	if (fd >= 0)
		close(fd);
	write_all(reply_fd, &n, sizeof(n));
	write_all(reply_fd, &lost, sizeof(lost));
	write_all(reply_fd, rtt, n * sizeof(uint64_t));
}

static void
client_main(void)
{
	static uint64_t rtt[CLIENT_MAX_PINGS];
	struct client_cmd c;

	while (read_all(cmd_fd, &c, sizeof(c)) == 0 && c.port != 0)
		run_pings(&c, rtt);
	_exit(0);
}

int
client_start(void)
{
	int to_client[2], from_client[2];

	if (pipe(to_client) != 0)
		return errno;
	if (pipe(from_client) != 0)
		return errno;
	client_pid = fork();
	if (client_pid < 0)
		return errno;
	if (client_pid == 0) {
		close(to_client[1]);
		close(from_client[0]);
		cmd_fd = to_client[0];
		reply_fd = from_client[1];
		client_main();
	}
	close(to_client[0]);
	close(from_client[1]);
	cmd_fd = to_client[1];
	reply_fd = from_client[0];
	return 0;
}

size_t
client_ping(uint16_t port, uint64_t duration_ns, uint64_t interval_ns,
	    uint64_t grace_ns, uint64_t *rtt_ns, size_t *lost)
{
	struct client_cmd c = { port, duration_ns, interval_ns, grace_ns };
	uint32_t n, nlost;

	if (write_all(cmd_fd, &c, sizeof(c)) != 0 ||
	    read_all(reply_fd, &n, sizeof(n)) != 0 ||
	    read_all(reply_fd, &nlost, sizeof(nlost)) != 0 ||
	    n > CLIENT_MAX_PINGS ||
	    read_all(reply_fd, rtt_ns, n * sizeof(uint64_t)) != 0)
		return 0;
	*lost = nlost;
	return n;
}

pid_t
client_process(void)
{
	return client_pid;
}

void
client_stop(void)
{
	struct client_cmd c = { 0 };

	if (client_pid <= 0)
		return;
	write_all(cmd_fd, &c, sizeof(c));
	close(cmd_fd);
	close(reply_fd);
	waitpid(client_pid, NULL, 0);
	client_pid = -1;
}
