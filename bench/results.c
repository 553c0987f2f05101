/*
 * results.c: the record table and its JSON form (see results.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "results.h"

#define RESULTS_MAX 1024

static struct result table[RESULTS_MAX];
static size_t nresults;

struct result *
result_new(const char *test, const char *policy, const char *workload,
	   int threads)
{
	struct result *r;

	if (nresults == RESULTS_MAX) {
		fprintf(stderr, "bfsgil-bench: more than %d results\n",
			RESULTS_MAX);
		exit(1);
	}
	r = &table[nresults++];
	memset(r, 0, sizeof(*r));
	r->test = test;
	snprintf(r->policy, sizeof(r->policy), "%s", policy);
	snprintf(r->workload, sizeof(r->workload), "%s", workload);
	r->threads = threads;
	return r;
}

void
result_set(struct result *r, const char *name, double value)
{
	for (size_t i = 0; i < r->nfields; i++) {
		if (strcmp(r->fields[i].name, name) == 0) {
			r->fields[i].value = value;
			return;
		}
	}
	if (r->nfields == RESULT_MAX_FIELDS) {
		fprintf(stderr, "bfsgil-bench: too many fields (%s)\n", name);
		exit(1);
	}
	r->fields[r->nfields].name = name;
	r->fields[r->nfields++].value = value;
}

void
result_set_string(struct result *r, const char *name, const char *value)
{
	if (r->nstrings == RESULT_MAX_STRINGS) {
		fprintf(stderr, "bfsgil-bench: too many strings (%s)\n", name);
		exit(1);
	}
	r->strings[r->nstrings].name = name;
	snprintf(r->strings[r->nstrings++].value,
		 sizeof(r->strings[0].value), "%s", value);
}

void
result_set_array(struct result *r, const char *name, const double *v,
		 size_t n)
{
	r->array_name = name;
	r->narray = n < RESULT_MAX_ARRAY ? n : RESULT_MAX_ARRAY;
	memcpy(r->array, v, r->narray * sizeof(double));
}

double
result_get(const struct result *r, const char *name)
{
	if (r == NULL)
		return NAN;
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return r->fields[i].value;
	return NAN;
}

const struct result *
result_find(const char *test, const char *policy, const char *workload,
	    int threads)
{
	for (size_t i = 0; i < nresults; i++) {
		const struct result *r = &table[i];

		if (strcmp(r->test, test) == 0 && strcmp(r->policy, policy) == 0 &&
		    strcmp(r->workload, workload) == 0 && r->threads == threads)
			return r;
	}
	return NULL;
}

static void
read_cpu_model(char *out, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, size, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			colon += 1 + strspn(colon + 1, " \t");
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(out, size, "%s", colon);
			break;
		}
	}
	fclose(f);
}

void
machine_read(struct machine *m)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	m->cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s %s %s", u.sysname,
			 u.release, u.machine);
	else
		snprintf(m->kernel, sizeof(m->kernel), "unknown");
	read_cpu_model(m->cpu, sizeof(m->cpu));
	gmtime_r(&now, &tm);
	strftime(m->date, sizeof(m->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A JSON number; NaN and infinities, which JSON lacks, become null. */
static void
json_number(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static void
json_result(FILE *f, const struct result *r)
{
	fputs("{\"test\": ", f);
	json_string(f, r->test);
	fputs(", \"policy\": ", f);
	json_string(f, r->policy);
	fputs(", \"workload\": ", f);
	json_string(f, r->workload);
	fprintf(f, ", \"threads\": %d", r->threads);
	for (size_t i = 0; i < r->nfields; i++) {
		fputs(", ", f);
		json_string(f, r->fields[i].name);
		fputs(": ", f);
		json_number(f, r->fields[i].value);
	}
	for (size_t i = 0; i < r->nstrings; i++) {
		fputs(", ", f);
		json_string(f, r->strings[i].name);
		fputs(": ", f);
		json_string(f, r->strings[i].value);
	}
	if (r->array_name != NULL) {
		fputs(", ", f);
		json_string(f, r->array_name);
		fputs(": [", f);
		for (size_t i = 0; i < r->narray; i++) {
			if (i)
				fputs(", ", f);
			json_number(f, r->array[i]);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

int
results_write_json(const char *path, const char *command,
		   const struct machine *m, bool quick)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (f == NULL)
		return errno;
	fprintf(f, "{\n \"machine\": {\"cores\": %ld, \"kernel\": ", m->cores);
	json_string(f, m->kernel);
	fputs(", \"cpu\": ", f);
	json_string(f, m->cpu);
	fputs(", \"date\": ", f);
	json_string(f, m->date);
	fputs(", \"libbfsgil\": ", f);
	json_string(f, PACKAGE_VERSION);
	fputs("},\n \"command\": ", f);
	json_string(f, command);
	fprintf(f, ",\n \"quick\": %s,\n \"results\": [\n", quick ? "true" : "false");
	for (size_t i = 0; i < nresults; i++) {
		fputs("  ", f);
		json_result(f, &table[i]);
		fputs(i + 1 < nresults ? ",\n" : "\n", f);
	}
	fputs(" ]\n}\n", f);
	if (ferror(f))
		err = EIO;
	if (fclose(f) != 0 && err == 0)
		err = errno;
	return err;
}
