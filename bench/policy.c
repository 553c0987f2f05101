/*
 * policy.c: the table of every policy, and of the experiments (policy.h).
 */
#include <string.h>

#include "policy.h"

const struct policy *const policy_all[] = {
	&policy_bfsgil, &policy_newgil, &policy_oldgil, &policy_fifo, NULL,
};

const struct policy *
policy_find(const char *name)
{
	for (int i = 0; policy_all[i] != NULL; i++)
		if (strcmp(policy_all[i]->name, name) == 0)
			return policy_all[i];
	return NULL;
}

const struct policy *const policy_experiments[] = {
	&policy_vtime, &policy_vtimecpu, &policy_vtimecap, NULL,
};

const struct policy *
policy_find_experiment(const char *name)
{
	for (int i = 0; policy_experiments[i] != NULL; i++)
		if (strcmp(policy_experiments[i]->name, name) == 0)
			return policy_experiments[i];
	return NULL;
}
