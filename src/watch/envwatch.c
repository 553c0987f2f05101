/*
 * envwatch.c: BFSGIL_TRACE and BFSGIL_STATS (envwatch.h): starting the
 * watch at create, writing it at destroy or exit, and the process's list
 * of watched locks that exit walks.
 *
 * The list has a mutex of its own, held across fork() (pthread_atfork),
 * so that a child never inherits it locked.  Writing at exit happens
 * while other threads may still run: a trace is detached first, which
 * waits for callbacks running elsewhere (bfsgil_hook_remove), and the
 * stats are read under the lock's mutex.
 *
 * In a fork child every watched lock is inherited: its mutex may have
 * been held at fork() by a thread the child does not have, and a hook
 * remover would wait for that thread's callbacks.  So a child leaves an
 * inherited lock's watch alone at exit, never touching the lock, unless
 * bfsgil_after_fork_child made the lock the child's own (and then writes
 * only to a file whose name has %p).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "env.h"
#include "envwatch.h"
#include "gil.h"

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct envwatch *watch_list;	/* watch_lock */
static int watch_count;			/* watch_lock: locks ever watched */
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;

static void watch_at_exit(void);

static void
watch_prefork(void)
{
	pthread_mutex_lock(&watch_lock);
}

static void
watch_postfork_parent(void)
{
	pthread_mutex_unlock(&watch_lock);
}

static void
watch_postfork_child(void)
{
	for (struct envwatch *w = watch_list; w != NULL; w = w->next)
		w->inherited = true;
	pthread_mutex_unlock(&watch_lock);
}

static void
watch_init_once(void)
{
	pthread_atfork(watch_prefork, watch_postfork_parent,
		       watch_postfork_child);
	atexit(watch_at_exit);
}

void
envwatch_after_fork_child(struct bfsgil *gil)
{
	pthread_mutex_lock(&watch_lock);
	if (gil->watch != NULL)
		gil->watch->inherited = false;
	pthread_mutex_unlock(&watch_lock);
}

/* Does @pattern name the pid ("%p", not "%%p")? */
static bool
watch_names_pid(const char *pattern)
{
	for (const char *p = pattern; p[0] != '\0'; p++)
		if (p[0] == '%' && (p[1] == 'p' || p[1] == '%')) {
			if (p[1] == 'p')
				return true;
			p++;
		}
	return false;
}

/* The name @w writes @pattern to, in @out: "%p" the pid, "%%" a %, and
 * for the second lock on, ".N" before the extension.  False if it does
 * not fit. */
static bool
watch_file_name(const struct envwatch *w, const char *pattern, char *out,
		size_t size)
{
	char buf[PATH_MAX];
	const char *base, *dot;
	size_t len = 0;
	int n;

	for (const char *p = pattern; *p != '\0' && len < sizeof(buf); p++) {
		if (p[0] == '%' && p[1] == 'p') {
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%ld", (long)getpid());
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			buf[len++] = '%';
			p++;
		} else {
			buf[len++] = *p;
		}
	}
	if (len >= sizeof(buf))
		return false;
	buf[len] = '\0';
	if (w->index <= 1)
		return snprintf(out, size, "%s", buf) < (int)size;
	base = strrchr(buf, '/');
	base = base != NULL ? base + 1 : buf;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		dot = buf + len;
	n = snprintf(out, size, "%.*s.%d%s", (int)(dot - buf), buf, w->index,
		     dot);
	return n >= 0 && n < (int)size;
}

/* Is @w's file to be written by this process?  Not by a fork child, unless
 * the name tells the processes apart (standard error never does). */
static bool
watch_ours(const struct envwatch *w, const char *pattern)
{
	return w->creator == getpid() ||
	       (pattern != NULL && watch_names_pid(pattern));
}

/* Write what @w watched, once (watch_lock held, or @w off the list). */
static void
watch_write(struct envwatch *w)
{
	char path[PATH_MAX];
	int err;

	if (w->done)
		return;
	w->done = true;
	if (w->inherited)
		return;	/* a fork child's copy: hands off (see the top) */
	if (w->trace != NULL) {
		bfsgil_trace_detach(w->trace, w->gil);
		if (watch_ours(w, w->trace_path) &&
		    watch_file_name(w, w->trace_path, path, sizeof(path)) &&
		    (err = bfsgil_trace_save(w->trace, path)) != 0)
			fprintf(stderr, "bfsgil: BFSGIL_TRACE: writing %s: %s\n",
				path, strerror(err));
	}
	if (w->stats) {
		bfsgil_hook_remove(w->gil, envwatch_stats_hook, w);
		if (w->stats_path == NULL) {
			if (watch_ours(w, NULL))
				envwatch_stats_write(w, NULL);
		}
		else if (watch_ours(w, w->stats_path) &&
			 watch_file_name(w, w->stats_path, path, sizeof(path)))
			envwatch_stats_write(w, path);
	}
}

static void
watch_at_exit(void)
{
	pthread_mutex_lock(&watch_lock);
	for (struct envwatch *w = watch_list; w != NULL; w = w->next)
		watch_write(w);
	pthread_mutex_unlock(&watch_lock);
}

static void
watch_free(struct envwatch *w)
{
	if (w->trace != NULL)
		bfsgil_trace_destroy(w->trace);
	free(w->trace_path);
	free(w->stats_path);
	free(w->rows);
	free(w);
}

/* Can @w write @pattern's file?  Creates it now (empty), so that a
 * wrong path is an error at create rather than a lost file at exit. */
static int
watch_check_file(const struct envwatch *w, const char *var,
		 const char *pattern, const char *mode)
{
	char path[PATH_MAX];
	FILE *f;
	int err;

	if (!watch_file_name(w, pattern, path, sizeof(path))) {
		fprintf(stderr, "bfsgil: %s: file name too long\n", var);
		return ENAMETOOLONG;
	}
	f = fopen(path, mode);
	if (f == NULL) {
		err = errno;
		fprintf(stderr, "bfsgil: %s: cannot write %s: %s\n", var, path,
			strerror(err));
		return err;
	}
	fclose(f);
	return 0;
}

/* BFSGIL_TRACE_EVENTS, if set: a decimal count in range. */
static int
watch_trace_events(size_t *n)
{
	const char *s = env_get("BFSGIL_TRACE_EVENTS");
	unsigned long long v = 0;

	*n = 0;
	if (s == NULL || *s == '\0')
		return 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > BFSGIL_TRACE_EVENTS_MAX) {
			v = ULLONG_MAX;
			break;
		}
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v == 0 || v > BFSGIL_TRACE_EVENTS_MAX) {
		fprintf(stderr, "bfsgil: BFSGIL_TRACE_EVENTS=%s: want a count "
			"from 1 to %u\n", s, BFSGIL_TRACE_EVENTS_MAX);
		return EINVAL;
	}
	*n = (size_t)v;
	return 0;
}

static int
watch_start_trace(struct envwatch *w, const char *pattern)
{
	char label[64];
	size_t events;
	int err;

	err = watch_trace_events(&events);
	if (err == 0)
		err = watch_check_file(w, "BFSGIL_TRACE", pattern, "w");
	if (err != 0)
		return err;
	w->trace_path = strdup(pattern);
	if (w->trace_path == NULL)
		return ENOMEM;
#ifdef _GNU_SOURCE
	snprintf(label, sizeof(label), "%s", program_invocation_short_name);
#else
	snprintf(label, sizeof(label), "bfsgil");
#endif
	if (w->index > 1) {
		size_t len = strlen(label);

		snprintf(label + len, sizeof(label) - len, " (lock %d)",
			 w->index);
	}
	err = bfsgil_trace_create(&w->trace, label, events);
	if (err == 0)
		err = bfsgil_trace_attach(w->trace, w->gil);
	return err;
}

static int
watch_start_stats(struct envwatch *w, const char *pattern)
{
	int err;

	w->stats = true;
	if (strcmp(pattern, "-") != 0) {
		err = watch_check_file(w, "BFSGIL_STATS", pattern, "a");
		if (err != 0)
			return err;
		w->stats_path = strdup(pattern);
		if (w->stats_path == NULL)
			return ENOMEM;
	}
	return bfsgil_hook_add(w->gil, BFSGIL_EVENT_ATTACH |
			       BFSGIL_EVENT_ACQUIRED | BFSGIL_EVENT_RELEASED |
			       BFSGIL_EVENT_DETACH, envwatch_stats_hook, w);
}

int
envwatch_start(struct bfsgil *gil)
{
	const char *trace = env_get("BFSGIL_TRACE");
	const char *stats = env_get("BFSGIL_STATS");
	struct envwatch *w;
	int err = 0;

	gil->watch = NULL;
	if ((trace == NULL || *trace == '\0') &&
	    (stats == NULL || *stats == '\0'))
		return 0;
	pthread_once(&watch_once, watch_init_once);
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return ENOMEM;
	w->gil = gil;
	w->creator = getpid();
	w->created_ns = clock_now_ns();
	/* Held throughout, so that the lock's number is taken only if it is
	 * watched.  The stats file first: opened to append, it loses
	 * nothing if the trace's then fails. */
	pthread_mutex_lock(&watch_lock);
	w->index = watch_count + 1;
	if (stats != NULL && *stats != '\0')
		err = watch_start_stats(w, stats);
	if (err == 0 && trace != NULL && *trace != '\0')
		err = watch_start_trace(w, trace);
	if (err != 0) {
		pthread_mutex_unlock(&watch_lock);
		/* Nobody is attached yet: removing hooks waits for no one. */
		if (w->trace != NULL)
			bfsgil_trace_detach(w->trace, gil);
		bfsgil_hook_remove(gil, envwatch_stats_hook, w);
		watch_free(w);
		return err;
	}
	watch_count = w->index;
	w->next = watch_list;
	watch_list = w;
	pthread_mutex_unlock(&watch_lock);
	gil->watch = w;
	return 0;
}

void
envwatch_finish(struct bfsgil *gil)
{
	struct envwatch *w = gil->watch, **pp;

	if (w == NULL)
		return;
	pthread_mutex_lock(&watch_lock);
	for (pp = &watch_list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	watch_write(w);
	pthread_mutex_unlock(&watch_lock);
	gil->watch = NULL;
	watch_free(w);
}
