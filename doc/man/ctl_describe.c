/*
 * ctl_describe.c: print every tunable as "name min max default", one a
 * line, as the library reports them (bfsgil_ctl_describe), for
 * check_man.sh to find in bfsgil(7).
 */
#include <stdio.h>

#include <bfsgil.h>

int
main(void)
{
	long long min, max, def;
	const char *name;

	for (size_t i = 0; bfsgil_ctl_describe(i, &name, NULL, &min, &max,
					       &def) == 0; i++)
		printf("%s %lld %lld %lld\n", name, min, max, def);
	return 0;
}
