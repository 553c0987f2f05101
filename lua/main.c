/*
 * main.c: bfsgil-lua's command line.
 *
 *   bfsgil-lua [--policy NAME] SCRIPT [ARGS...]
 *
 * Runs SCRIPT (- for stdin) with the thread, udp and compute modules
 * loaded, its threads serialized by the chosen policy (default bfsgil).
 * Exit status: 0 if every thread finished, 1 if any failed (each failure
 * was reported on stderr with its traceback), 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static void
usage(FILE *f)
{
	const struct policy *const *p;

	fprintf(f,
"usage: bfsgil-lua [--policy NAME] SCRIPT [ARGS...]\n"
"Runs a Lua 5.4 script whose threads (thread.spawn) share one state under\n"
"one lock.  Policies:\n");
	for (p = policy_all; *p != NULL; p++)
		fprintf(f, "  %-8s %s%s\n", (*p)->name, (*p)->about,
			*p == &policy_bfsgil ? " (default)" : "");
	fprintf(f, "SCRIPT - reads stdin.  See doc/lua.md for the modules.\n");
}

int
main(int argc, char **argv)
{
	const struct policy *pol = &policy_bfsgil;
	struct lhost host;
	const char *script;
	int i = 1, status, failed;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		const char *name = NULL;

		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else if (strncmp(argv[i], "--policy=", 9) == 0) {
			name = argv[i] + 9;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "bfsgil-lua: unknown option '%s'\n",
				argv[i]);
			usage(stderr);
			return 2;
		}
		pol = policy_find(name);
		if (pol == NULL) {
			fprintf(stderr, "bfsgil-lua: no policy '%s'\n", name);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	script = strcmp(argv[i], "-") == 0 ? NULL : argv[i];
	if (lhost_open(&host, pol) != 0)
		return 1;
	status = lhost_run_script(&host, script, argc - i - 1, argv + i + 1);
	failed = lhost_close(&host);
	return status != 0 || failed != 0 ? 1 : 0;
}
