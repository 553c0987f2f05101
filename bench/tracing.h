/*
 * tracing.h: bfsgil-bench --trace and --trace-svg (tracing.c): a short
 * scene under each policy of the plan, every thread's states recorded.
 */
#ifndef BENCH_TRACING_H
#define BENCH_TRACING_H

#include <stdint.h>

#include "plan.h"

enum trace_scene {
	SCENE_CONVOY,	/* an I/O thread beside CPU-bound threads */
	SCENE_FAIR,	/* CPU-bound threads alone */
};

/* The CPU-bound threads @s has unless told: 2 and 4. */
int trace_scene_threads(enum trace_scene s);

/* Run @scene with @nthreads CPU-bound threads (1 to 8) for @ns under each
 * policy of @p, in turn, and write the recordings to @json (Perfetto's
 * format) and/or @svg (a picture); either may be NULL.  Exits through
 * bench_fail if a file cannot be written. */
void trace_scenes(const struct plan *p, enum trace_scene scene, int nthreads,
		  uint64_t ns, const char *json, const char *svg);

#endif /* BENCH_TRACING_H */
