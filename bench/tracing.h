/*
 * tracing.h: bfsgil-bench --trace and --trace-svg (tracing.c): a short
 * scene under each policy of the plan, every thread's states recorded.
 */
#ifndef BENCH_TRACING_H
#define BENCH_TRACING_H

#include <stdint.h>

#include "plan.h"

enum trace_scene {
	SCENE_CONVOY,	/* an I/O thread beside 2 CPU-bound threads */
	SCENE_FAIR,	/* 4 CPU-bound threads */
};

/* One line saying what @s shows. */
const char *trace_scene_about(enum trace_scene s);

/* Run @scene for @ns under each policy of @p, in turn, and write the
 * recordings to @json (Perfetto's format) and/or @svg (a picture); either
 * may be NULL.  Exits through bench_fail if a file cannot be written. */
void trace_scenes(const struct plan *p, enum trace_scene scene, uint64_t ns,
		  const char *json, const char *svg);

#endif /* BENCH_TRACING_H */
