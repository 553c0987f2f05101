/*
 * policy.c: the table of every policy, and of the experiments (policy.h).
 */
#include <string.h>

#include "policy.h"

const struct policy *const policy_all[] = {
	&policy_bfsgil, &policy_newgil, &policy_oldgil, &policy_fifo, NULL,
};

const struct policy *const policy_experiments[] = {
	&policy_vtime, &policy_vtimecpu, &policy_vtimecap, NULL,
};

/* The entry of NULL-terminated @table called @name, or NULL. */
static const struct policy *
find_in(const struct policy *const *table, const char *name)
{
	for (; *table != NULL; table++)
		if (strcmp((*table)->name, name) == 0)
			return *table;
	return NULL;
}

const struct policy *
policy_find(const char *name)
{
	return find_in(policy_all, name);
}

const struct policy *
policy_find_experiment(const char *name)
{
	return find_in(policy_experiments, name);
}
