/*
 * sample.c: order statistics (see sample.h).
 */
#include <math.h>
#include <stdlib.h>

#include "sample.h"

int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
percentile(double *v, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(double), cmp_double);
	rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

double
median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double
min_of(const double *v, size_t n)
{
	double m = n ? v[0] : NAN;

	for (size_t i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double
max_of(const double *v, size_t n)
{
	double m = n ? v[0] : NAN;

	for (size_t i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

double
jain_index(const double *v, size_t n)
{
	double sum = 0, sq = 0;

	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		sq += v[i] * v[i];
	}
	return sq > 0 ? sum * sum / ((double)n * sq) : NAN;
}

double
sign_test_p(int behind, int n)
{
	double tail = 0, choose = 1;	/* C(n, 0) */

	/* P(X >= behind) for X ~ Binomial(n, 1/2): sum C(n, k) / 2^n. */
	for (int k = 0; k <= n; k++) {
		if (k >= behind)
			tail += choose;
		choose = choose * (double)(n - k) / (double)(k + 1);
	}
	return tail / ldexp(1.0, n);
}
