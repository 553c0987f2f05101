/*
 * targets.h: issue 3's targets, judged on this run's figures.
 */
#ifndef BENCH_TARGETS_H
#define BENCH_TARGETS_H

/* Print a verdict per target and record each as a "target" result.
 * Returns how many were missed. */
int targets_report(void);

#endif /* BENCH_TARGETS_H */
