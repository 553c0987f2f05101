/*
 * trace_json.c: timelines as Chrome trace-event JSON, the "JSON Object
 * Format" that Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *
 * Each recorder is a process (its label the process name), each of its
 * threads a track: its states as complete ("X") events named "running",
 * "waiting" and "off lock", each request to give way an instant ("i")
 * event, and each handoff a flow arrow from the giver's running slice to
 * the receiver's.  Times are microseconds from the recorder's creation.
 *
 * With one recorder, pids and tids are the real ones, so the trace lines
 * up with other tools'.  With several, each is process 1, 2, ... and its
 * threads get made-up tids: Perfetto takes a tid to name one thread
 * wherever it appears, and the same thread may be in two recorders.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif
#ifndef PACKAGE_VERSION
# define PACKAGE_VERSION "?"
#endif

/* @s as a JSON string: quotes, backslashes and control characters
 * escaped, invalid UTF-8 (a thread name is any bytes) replaced by '?'. */
static void
json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', f);
	while (n > 0) {
		size_t len = 1;

		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else if (*p < 0x80)
			fputc(*p, f);
		else if ((len = timeline_utf8_len(p, n)) != 0)
			fwrite(p, 1, len, f);
		else {
			fputc('?', f);
			len = 1;
		}
		p += len;
		n -= len;
	}
	fputc('"', f);
}

/*
 * @v / @unit with three decimals, in integer arithmetic: printf's %f
 * would write a comma as the decimal point in a host that set a locale
 * with one (setlocale LC_NUMERIC), and the JSON would not parse.
 */
static void
json_fixed(FILE *f, int64_t v, int64_t unit)
{
	uint64_t a = v < 0 ? (uint64_t)-v : (uint64_t)v;
	uint64_t frac = (a % (uint64_t)unit) * 1000 / (uint64_t)unit;

	fprintf(f, "%s%llu.%03llu", v < 0 ? "-" : "",
		(unsigned long long)(a / (uint64_t)unit),
		(unsigned long long)frac);
}

/* Nanoseconds of @t from @tl's time zero (negative before it). */
static int64_t
json_rel(const struct timeline *tl, uint64_t t)
{
	return t >= tl->origin_ns ? (int64_t)(t - tl->origin_ns)
				  : -(int64_t)(tl->origin_ns - t);
}

/* Every event but the first is preceded by a comma and a newline. */
struct json_out {
	FILE *f;
	bool first;
	unsigned long flow;
	int pid;
	bool real_ids;		/* one recorder: the real pid and tids */
	size_t recorder;	/* which one, from 0 */
};

static int
json_tid(const struct json_out *o, const struct tl_track *t, size_t k)
{
	return o->real_ids ? t->tid
			   : (int)((o->recorder + 1) << 20 | (k + 1));
}

static void
json_begin(struct json_out *o)
{
	fputs(o->first ? "\n" : ",\n", o->f);
	o->first = false;
}

static void
json_metadata(struct json_out *o, int pid, int tid, const char *what,
	      const char *key, const char *str, long num)
{
	json_begin(o);
	fprintf(o->f, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"%s\","
		"\"args\":{\"%s\":", pid, tid, what, key);
	if (str != NULL)
		json_string(o->f, str);
	else
		fprintf(o->f, "%ld", num);
	fputs("}}", o->f);
}

static void
json_span(struct json_out *o, const struct timeline *tl, int tid,
	  const struct tl_span *s)
{
	json_begin(o);
	fprintf(o->f, "{\"ph\":\"X\",\"cat\":\"bfsgil\",\"name\":\"%s\","
		"\"pid\":%d,\"tid\":%d,\"ts\":", timeline_state_name(s->state),
		o->pid, tid);
	json_fixed(o->f, json_rel(tl, s->from), 1000);
	fputs(",\"dur\":", o->f);
	json_fixed(o->f, (int64_t)(s->to - s->from), 1000);
	if (s->state != TL_OFF) {
		fputs(",\"args\":{\"deadline_ms\":", o->f);
		json_fixed(o->f, json_rel(tl, s->deadline_ns), 1000000);
		if (s->other >= 0) {
			fputs(",\"from\":", o->f);
			json_string(o->f, tl->track[s->other].name);
		}
		fputc('}', o->f);
	}
	fputc('}', o->f);
}

static void
json_mark(struct json_out *o, const struct timeline *tl, int tid,
	  const struct tl_mark *m)
{
	json_begin(o);
	fprintf(o->f, "{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"bfsgil\",\"name\":"
		"\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":",
		m->type == BFSGIL_EVENT_ASKED ? "asked to give way"
					      : "detached by another thread",
		o->pid, tid);
	json_fixed(o->f, json_rel(tl, m->at), 1000);
	if (m->type == BFSGIL_EVENT_ASKED) {
		fprintf(o->f, ",\"args\":{\"reason\":\"%s\"",
			timeline_reason_name(m->reason));
		if (m->other >= 0) {
			fputs(",\"for\":", o->f);
			json_string(o->f, tl->track[m->other].name);
		}
		fputc('}', o->f);
	}
	fputc('}', o->f);
}

/*
 * The giver's running span that ended last at or before @at on track
 * @g, or NULL.  Spans are in time order and do not overlap, so their
 * ends are sorted too.
 */
static const struct tl_span *
json_giver_span(const struct tl_track *g, uint64_t at)
{
	size_t lo = 0, hi = g->nspan;

	while (lo < hi) {	/* the first span ending after @at */
		size_t mid = lo + (hi - lo) / 2;

		if (g->span[mid].to <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0 && g->span[lo - 1].state != TL_RUN)
		lo--;
	return lo > 0 ? &g->span[lo - 1] : NULL;
}

/*
 * A handoff: an arrow from the end of the giver's running slice to the
 * start of @s, which the handoff began.  Flow events bind to the slice
 * open on their track at their time, so each goes a nanosecond inside
 * its slice rather than on the edge it shares with the next one.
 */
static void
json_flow(struct json_out *o, const struct timeline *tl, int tid,
	  const struct tl_span *s)
{
	const struct tl_track *g = &tl->track[s->other];
	const struct tl_span *gs = json_giver_span(g, s->from);
	uint64_t from, to;

	if (gs == NULL)
		return;
	from = gs->to - gs->from > 1 ? gs->to - 1 : gs->from;
	to = s->to - s->from > 1 ? s->from + 1 : s->from;
	o->flow++;
	json_begin(o);
	fprintf(o->f, "{\"ph\":\"s\",\"cat\":\"bfsgil\",\"name\":\"handoff\","
		"\"id\":%lu,\"pid\":%d,\"tid\":%d,\"ts\":", o->flow, o->pid,
		json_tid(o, g, (size_t)s->other));
	json_fixed(o->f, json_rel(tl, from), 1000);
	fputs("}", o->f);
	json_begin(o);
	fprintf(o->f, "{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"bfsgil\","
		"\"name\":\"handoff\",\"id\":%lu,\"pid\":%d,\"tid\":%d,"
		"\"ts\":", o->flow, o->pid, tid);
	json_fixed(o->f, json_rel(tl, to), 1000);
	fputs("}", o->f);
}

int
trace_write_json(FILE *f, const struct timeline *tl, size_t n)
{
	struct json_out o = { .f = f, .first = true };

	fprintf(f, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"generator\":"
		"\"bfsgil %s\",\"recorders\":[", PACKAGE_VERSION);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", f);
		fputs("{\"label\":", f);
		json_string(f, tl[i].label);
		fprintf(f, ",\"threads\":%zu,\"events\":%llu,\"overwritten\":"
			"%llu,\"lost\":%llu}", tl[i].ntrack,
			(unsigned long long)tl[i].events,
			(unsigned long long)tl[i].overwritten,
			(unsigned long long)tl[i].lost);
	}
	fputs("]},\n\"traceEvents\":[", f);
	o.real_ids = n == 1;
	for (size_t i = 0; i < n; i++) {
		o.recorder = i;
		o.pid = o.real_ids ? (int)getpid() : (int)i + 1;
		json_metadata(&o, o.pid, 0, "process_name", "name", tl[i].label,
			      0);
		json_metadata(&o, o.pid, 0, "process_sort_index", "sort_index",
			      NULL, (long)i);
		for (size_t k = 0; k < tl[i].ntrack; k++) {
			const struct tl_track *t = &tl[i].track[k];
			int tid = json_tid(&o, t, k);

			json_metadata(&o, o.pid, tid, "thread_name", "name",
				      t->name, 0);
			json_metadata(&o, o.pid, tid, "thread_sort_index",
				      "sort_index", NULL, (long)k);
			for (size_t s = 0; s < t->nspan; s++) {
				json_span(&o, &tl[i], tid, &t->span[s]);
				if (t->span[s].state == TL_RUN &&
				    t->span[s].other >= 0)
					json_flow(&o, &tl[i], tid, &t->span[s]);
			}
			for (size_t m = 0; m < t->nmark; m++)
				json_mark(&o, &tl[i], tid, &t->mark[m]);
		}
	}
	fputs("\n]}\n", f);
	if (fflush(f) != 0 || ferror(f))
		return errno != 0 ? errno : EIO;
	return 0;
}
