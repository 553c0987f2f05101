/*
 * sample.h: order statistics for the figures the benchmark reports.
 */
#ifndef BENCH_SAMPLE_H
#define BENCH_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

int cmp_double(const void *a, const void *b);

/* The @p-th percentile (0..100) of @n values, nearest rank; sorts @v. */
double percentile(double *v, size_t n, double p);

/* Median of @n values (mean of the middle two if even); sorts @v. */
double median(double *v, size_t n);

/* Smallest and largest of @n values. */
double min_of(const double *v, size_t n);
double max_of(const double *v, size_t n);

/* Jain's fairness index: (sum x)^2 / (n sum x^2); 1 is perfectly fair. */
double jain_index(const double *v, size_t n);

/* The sign test, one-sided: the chance that a policy no worse than
 * another comes out behind it in @behind or more of @n paired rounds
 * (each round a fair coin).  Small means "behind, and not by chance". */
double sign_test_p(int behind, int n);

#endif /* BENCH_SAMPLE_H */
