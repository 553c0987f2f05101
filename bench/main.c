/*
 * main.c: bfsgil-bench, bfsgil measured beside the GILs people run today
 * (CPython 3's, Python 2's, Ruby's) and, with --peer-python, beside the
 * machine's own CPython.  See doc/bench/RESULTS.md for a full run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"
#include "config.h"
#include "peer.h"
#include "plan.h"
#include "results.h"
#include "targets.h"
#include "tracing.h"
#include "work.h"

#ifndef PEER_SCRIPT
#define PEER_SCRIPT "gilpeer.py"
#endif
#ifndef LUA_PEER_SCRIPT
#define LUA_PEER_SCRIPT "luapeer.lua"
#endif

/* The policies bfsgil-lua is compared under (issue 5). */
static const char *const lua_policies[] = { "bfsgil", "newgil", "oldgil" };
#define NLUA (sizeof(lua_policies) / sizeof(lua_policies[0]))

/* Add the peers asked for to @p: CPython, then one bfsgil-lua per policy
 * of the plan that Lua is compared under.  Returns 0, or 1 after saying
 * which could not run. */
static int
add_peers(struct plan *p, const char *python, const char *script,
	  const char *lua, const char *lua_script)
{
	static char names[NLUA][16];

	if (python != NULL)
		p->peers[p->npeers++] = (struct peer_cmd){
			.name = "python3", .argv = { python, script, NULL } };
	for (size_t i = 0; lua != NULL && i < NLUA; i++) {
		bool in_plan = false;

		for (int k = 0; k < p->npolicies; k++)
			in_plan |= strcmp(p->policies[k]->name,
					  lua_policies[i]) == 0;
		if (!in_plan)
			continue;
		snprintf(names[i], sizeof(names[i]), "lua-%s", lua_policies[i]);
		p->peers[p->npeers++] = (struct peer_cmd){
			.name = names[i], .lua = true,
			.argv = { lua, "--policy", lua_policies[i], lua_script,
				  NULL } };
	}
	for (int i = 0; i < p->npeers; i++) {
		int err = peer_check(&p->peers[i]);

		if (err != 0) {
			fprintf(stderr, "bfsgil-bench: cannot run the peer "
				"'%s %s' (%s)\n", p->peers[i].argv[0],
				p->peers[i].lua ? lua_script : script,
				p->peers[i].lua
					? "build bfsgil-lua (liblua5.4-dev), or "
					  "see --lua and --lua-script"
					: "install python3, or see --peer-script");
			return 1;
		}
	}
	return 0;
}

enum { T_LATENCY = 1, T_THROUGHPUT = 2, T_FAIRNESS = 4, T_COST = 8,
       T_MANY = 16 };

/* A line for each policy of NULL-terminated @table: name, about. */
static void
list_policies(FILE *f, const struct policy *const *table)
{
	for (; *table != NULL; table++)
		fprintf(f, "  %-8s %s\n", (*table)->name, (*table)->about);
}

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: bfsgil-bench [OPTION]...\n"
"Measure bfsgil beside the GILs people run today: I/O latency beside\n"
"CPU-bound threads, throughput as threads are added, fairness, whether\n"
"many threads holding the lock briefly are all served, and the lock's\n"
"own costs.  The default run takes about three and a half minutes;\n"
"about seven and a half with --peer-python and --lua.\n"
"\n"
"  --quick               a short run (about 20 s) that proves the program\n"
"                        works; its figures are too short to judge by\n"
"  --tests LIST          comma-separated: latency,throughput,fairness,cost,\n"
"                        many (default: all)\n"
"  --policies LIST       comma-separated policies (default: all)\n"
"  --peer-python[=PY]    also run the latency and cpu throughput tests on\n"
"                        the real CPython (PY, default python3) with\n"
"                        gilpeer.py, in the same rounds\n"
"  --peer-script PATH    gilpeer.py (default: %s)\n"
"  --lua[=HOST]          also run the latency and throughput tests on stock\n"
"                        Lua 5.4 threads in bfsgil-lua (HOST, default\n"
"                        bfsgil-lua) under bfsgil, newgil and oldgil\n"
"  --lua-script PATH     luapeer.lua (default: %s)\n"
"  --json FILE           write every measurement to FILE as JSON\n"
"  --trace FILE          instead of the tests, run a short scene under each\n"
"                        policy with every thread's states recorded, and\n"
"                        write them to FILE for https://ui.perfetto.dev\n"
"  --trace-svg FILE      the same, drawn as a timeline picture (SVG): a\n"
"                        panel per policy, a row per thread\n"
"  --trace-scene NAME    convoy: an I/O thread answering a ping every 10 ms\n"
"                        beside CPU-bound threads (default); fair:\n"
"                        CPU-bound threads alone\n"
"  --trace-threads N     CPU-bound threads in the scene, 1 to 8 (default 2\n"
"                        for convoy, 4 for fair)\n"
"  --trace-ms N          each scene's length in ms (default 60)\n"
"  --latency-ms N        ping for N ms per latency run (default 500;\n"
"                        4096 pings at most: 40000)\n"
"  --rounds N            latency rounds, each policy once per round,\n"
"                        interleaved (default 2)\n"
"  --latency-only LIST   only the cpu workload beside these thread counts\n"
"                        (e.g. 2,4): enough pings for a p99 in less time\n"
"  --help                this text\n"
"  --version             the version\n"
"\nPolicies:\n", PEER_SCRIPT, LUA_PEER_SCRIPT);
	list_policies(f, policy_all);
	fprintf(f, "\nExperiments (run only when named in --policies):\n");
	list_policies(f, policy_experiments);
	fprintf(f, "\nThe table goes to stdout, progress to stderr.  Exit status "
		"0 whether or not\ntargets are met (they are printed); 1 on an "
		"error, 2 on bad usage.\n");
}

static int
parse_tests(char *list)
{
	int mask = 0;

	for (char *s = strtok(list, ","); s != NULL; s = strtok(NULL, ",")) {
		if (strcmp(s, "latency") == 0)
			mask |= T_LATENCY;
		else if (strcmp(s, "throughput") == 0)
			mask |= T_THROUGHPUT;
		else if (strcmp(s, "fairness") == 0)
			mask |= T_FAIRNESS;
		else if (strcmp(s, "cost") == 0 || strcmp(s, "costs") == 0)
			mask |= T_COST;
		else if (strcmp(s, "many") == 0)
			mask |= T_MANY;
		else {
			fprintf(stderr, "bfsgil-bench: no test called '%s'\n", s);
			return -1;
		}
	}
	return mask;
}

static int
parse_policies(char *list, struct plan *p)
{
	p->npolicies = 0;
	for (char *s = strtok(list, ","); s != NULL; s = strtok(NULL, ",")) {
		const struct policy *pol = policy_find(s);

		if (pol == NULL)
			pol = policy_find_experiment(s);
		if (pol == NULL) {
			fprintf(stderr, "bfsgil-bench: no policy called '%s'\n", s);
			return -1;
		}
		if (p->npolicies == PLAN_MAX_POLICIES) {
			fprintf(stderr, "bfsgil-bench: --policies: at most %d\n",
				PLAN_MAX_POLICIES);
			return -1;
		}
		p->policies[p->npolicies++] = pol;
	}
	return p->npolicies > 0 ? 0 : -1;
}

/* The command line, as run, for the report. */
static void
join_command(char *out, size_t size, int argc, char **argv)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < argc && len < size; i++) {
		const char *a = i == 0 ? "bfsgil-bench" : argv[i];

		len += (size_t)snprintf(out + len, size - len, "%s%s",
					i ? " " : "", a);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "tests", required_argument, NULL, 't' },
		{ "policies", required_argument, NULL, 'p' },
		{ "peer-python", optional_argument, NULL, 'P' },
		{ "peer-script", required_argument, NULL, 'S' },
		{ "lua", optional_argument, NULL, 'L' },
		{ "lua-script", required_argument, NULL, 'l' },
		{ "json", required_argument, NULL, 'j' },
		{ "trace", required_argument, NULL, 'T' },
		{ "trace-svg", required_argument, NULL, 'G' },
		{ "trace-scene", required_argument, NULL, 'C' },
		{ "trace-ms", required_argument, NULL, 'M' },
		{ "trace-threads", required_argument, NULL, 'N' },
		{ "latency-ms", required_argument, NULL, 'm' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "latency-only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct plan p = { .npeers = 0 };
	const char *python = NULL, *peer_script = PEER_SCRIPT;
	const char *lua = NULL, *lua_script = LUA_PEER_SCRIPT;
	const char *json = NULL, *trace = NULL, *trace_svg = NULL;
	enum trace_scene scene = SCENE_CONVOY;
	long trace_ms = 60, trace_threads = 0, latency_ms = 0, rounds = 0;
	const char *env;
	char command[1024], *end;
	struct machine m;
	int tests = T_LATENCY | T_THROUGHPUT | T_FAIRNESS | T_COST | T_MANY;
	int c, err;

	/* Before getopt: parsing a list (strtok) cuts argv at its commas. */
	join_command(command, sizeof(command), argc, argv);
	for (int i = 0; policy_all[i] != NULL; i++)
		p.policies[p.npolicies++] = policy_all[i];
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			p.quick = true;
			break;
		case 't':
			if ((tests = parse_tests(optarg)) <= 0)
				return 2;
			break;
		case 'p':
			if (parse_policies(optarg, &p) != 0) {
				fprintf(stderr, "bfsgil-bench: bad --policies\n");
				return 2;
			}
			break;
		case 'P':
			python = optarg != NULL ? optarg : "python3";
			break;
		case 'S':
			peer_script = optarg;
			break;
		case 'L':
			lua = optarg != NULL ? optarg : "bfsgil-lua";
			break;
		case 'l':
			lua_script = optarg;
			break;
		case 'j':
			json = optarg;
			break;
		case 'T':
			trace = optarg;
			break;
		case 'G':
			trace_svg = optarg;
			break;
		case 'C':
			if (strcmp(optarg, "convoy") == 0) {
				scene = SCENE_CONVOY;
			} else if (strcmp(optarg, "fair") == 0) {
				scene = SCENE_FAIR;
			} else {
				fprintf(stderr, "bfsgil-bench: no scene called "
					"'%s' (convoy, fair)\n", optarg);
				return 2;
			}
			break;
		case 'N':
			trace_threads = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' ||
			    trace_threads < 1 || trace_threads > 8) {
				fprintf(stderr, "bfsgil-bench: --trace-threads "
					"wants 1 to 8\n");
				return 2;
			}
			break;
		case 'M':
			trace_ms = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || trace_ms < 1 ||
			    trace_ms > 10000) {
				fprintf(stderr, "bfsgil-bench: --trace-ms wants "
					"1 to 10000\n");
				return 2;
			}
			break;
		case 'm':
			latency_ms = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || latency_ms < 100 ||
			    latency_ms > 40000) {
				fprintf(stderr, "bfsgil-bench: --latency-ms wants "
					"100 to 40000\n");
				return 2;
			}
			break;
		case 'r':
			rounds = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || rounds < 1 ||
			    rounds > 64) {
				fprintf(stderr, "bfsgil-bench: --rounds wants 1 "
					"to 64\n");
				return 2;
			}
			break;
		case 'o':
			p.nlatency_counts = 0;
			for (char *s = strtok(optarg, ","); s != NULL;
			     s = strtok(NULL, ",")) {
				long k = strtol(s, &end, 10);

				if (*end != '\0' || k < 0 || k > 4 ||
				    p.nlatency_counts == 4) {
					fprintf(stderr, "bfsgil-bench: "
						"--latency-only wants counts "
						"0 to 4, e.g. 2,4\n");
					return 2;
				}
				p.latency_counts[p.nlatency_counts++] = (int)k;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("bfsgil-bench %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bfsgil-bench: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	env = getenv("BFSGIL_BENCH_IO_SLICE_US");
	if (env != NULL) {
		long us = strtol(env, &end, 10);

		if (*env == '\0' || *end != '\0' || us < 100 || us > 100000) {
			fprintf(stderr, "bfsgil-bench: BFSGIL_BENCH_IO_SLICE_US "
				"wants 100 to 100000 (microseconds), not '%s'\n",
				env);
			return 2;
		}
		p.io_kernel_slice_ns = (uint64_t)us * 1000u;
	}
	p.rounds = rounds ? (int)rounds : p.quick ? 1 : 2;
	/* The throughput targets' sign test needs five rounds to call a
	 * difference real: all five behind happens by chance 1 time in 32
	 * (targets.c). */
	p.cpu_rounds = p.quick ? 1 : 5;
	p.latency_ns = latency_ms ? (uint64_t)latency_ms * MS
			   : p.quick ? 150 * MS : 500 * MS;
	p.latency_cpu_ns = latency_ms ? (uint64_t)latency_ms * MS
			   : p.quick ? 150 * MS : 5000 * MS;
	p.throughput_ns = p.quick ? 60 * MS : 150 * MS;
	p.peer_throughput_ns = p.quick ? 60 * MS : 500 * MS;
	p.fairness_ns = p.quick ? 400 * MS : 2 * SEC;
	p.cost_ns = p.quick ? 10 * MS : 50 * MS;
	/* 24 runs a round (3 counts, alone and beside cpu, 4 policies):
	 * about 80 s in all with the full run's 3 rounds of 1 s runs. */
	p.many_ns = p.quick ? 150 * MS : 1 * SEC;
	p.many_pingpong_ns = p.quick ? 50 * MS : 200 * MS;
	p.many_rounds = p.quick ? 1 : 3;

	if (add_peers(&p, python, peer_script, lua, lua_script) != 0)
		return 1;
	/* Before any thread exists: the client is a plain fork. */
	if ((err = client_start()) != 0)
		bench_fail("starting the ping client", err);

	machine_read(&m);
	printf("bfsgil-bench %s%s\ncommand: %s\nmachine: %ld cores, %s, %s\n"
	       "date:    %s\n", PACKAGE_VERSION, p.quick ? " (quick: figures "
	       "too short to judge by)" : "", command, m.cores, m.kernel, m.cpu,
	       m.date);
	printf("policies:");
	for (int i = 0; i < p.npolicies; i++)
		printf(" %s", p.policies[i]->name);
	for (int i = 0; i < p.npeers; i++)
		printf(" %s", p.peers[i].name);
	printf("%s\n", python != NULL ? " (python3: the real CPython)" : "");
	fflush(stdout);
	work_calibrate(p.quick);
	printf("opcode: %.0f ns of work; C call: %.2f ms of work\n",
	       work_opcode_ns(), work_call_ns() / 1e6);

	if (trace != NULL || trace_svg != NULL) {
		trace_scenes(&p, scene, trace_threads != 0
					 ? (int)trace_threads
					 : trace_scene_threads(scene),
			     (uint64_t)trace_ms * MS, trace, trace_svg);
		client_stop();
		return 0;
	}
	if (tests & T_LATENCY)
		test_latency(&p);
	if (tests & T_THROUGHPUT)
		test_throughput(&p);
	if (tests & T_FAIRNESS)
		test_fairness(&p);
	if (tests & T_COST)
		test_costs(&p);
	if (tests & T_MANY)
		test_many(&p);
	client_stop();
	targets_report();
	if (json != NULL) {
		err = results_write_json(json, command, &m, p.quick);
		if (err != 0)
			bench_fail(json, err);
		printf("\nWrote %s\n", json);
	}
	return 0;
}
