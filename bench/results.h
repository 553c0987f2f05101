/*
 * results.h: every figure the benchmark measures, kept as flat records
 * (test, policy, workload, threads, then named numbers with their units
 * in their names) so that the targets, the table and --json all read the
 * same data.
 */
#ifndef BENCH_RESULTS_H
#define BENCH_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#define RESULT_MAX_FIELDS 32
#define RESULT_MAX_STRINGS 6
#define RESULT_MAX_ARRAY 16

struct result {
	const char *test;	/* latency, throughput, fairness, cost, many,
				 * target */
	char policy[32];
	char workload[32];
	int threads;
	size_t nfields;
	struct { const char *name; double value; } fields[RESULT_MAX_FIELDS];
	size_t nstrings;
	struct { const char *name; char value[128]; } strings[RESULT_MAX_STRINGS];
	const char *array_name;	/* an optional list of numbers */
	size_t narray;
	double array[RESULT_MAX_ARRAY];
};

/* A new record, kept until exit.  Never NULL (exits if the table is
 * full: a fixed table, sized for the largest run). */
struct result *result_new(const char *test, const char *policy,
			  const char *workload, int threads);
void result_set(struct result *r, const char *name, double value);
void result_set_string(struct result *r, const char *name, const char *value);
void result_set_array(struct result *r, const char *name, const double *v,
		      size_t n);

/* A field's value, or NaN if the record or the field is missing. */
double result_get(const struct result *r, const char *name);

/* The first record matching all four keys, or NULL. */
const struct result *result_find(const char *test, const char *policy,
				 const char *workload, int threads);

/* The machine, as the table and the JSON describe it. */
struct machine {
	long cores;
	char kernel[3 * 65 + 3];	/* sysname release machine */
	char cpu[160];
	char date[32];		/* UTC, ISO 8601 */
};

void machine_read(struct machine *m);

/* Write every record as JSON to @path.  Returns 0 or an errno value. */
int results_write_json(const char *path, const char *command,
		       const struct machine *m, bool quick);

#endif /* BENCH_RESULTS_H */
