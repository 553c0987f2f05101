/*
 * check_ctl.c: tunables by name: errors first, all-or-nothing parsing,
 * process defaults, and the BFSGIL environment variable.
 *
 * Tests that change process defaults or the environment rely on CK_FORK
 * (the default) to keep them from leaking into the next test.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static bfsgil_t *gil;

static void
setup(void)
{
	unsetenv("BFSGIL");
	ck_assert_int_eq(bfsgil_create(&gil), 0);
}

static void
teardown(void)
{
	ck_assert_int_eq(bfsgil_destroy(gil), 0);
}

static long long
get(const char *name)
{
	long long v = -1;

	ck_assert_int_eq(bfsgil_ctl_get(gil, name, &v), 0);
	return v;
}

START_TEST(defaults_are_the_documented_ones)
{
	ck_assert_int_eq(get("slice_us"), 5000);
	ck_assert_int_eq(get("preempt"), 1);
	ck_assert_int_eq(get("spin_us"), 100);
}
END_TEST

START_TEST(set_rejects_bad_input_and_changes_nothing)
{
	long long v;

	ck_assert_int_eq(bfsgil_ctl_set(gil, NULL, 1), EINVAL);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "no_such_knob", 1), ENOENT);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 9), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 10000001), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", -5000), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "preempt", 2), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", -1), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 10001), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "", 1), ENOENT);
	ck_assert_int_eq(get("slice_us"), 5000);
	ck_assert_int_eq(get("preempt"), 1);
	ck_assert_int_eq(get("spin_us"), 100);
	ck_assert_int_eq(bfsgil_ctl_get(gil, NULL, &v), EINVAL);
	ck_assert_int_eq(bfsgil_ctl_get(gil, "slice_us", NULL), EINVAL);
	ck_assert_int_eq(bfsgil_ctl_get(gil, "nope", &v), ENOENT);
}
END_TEST

START_TEST(set_then_get_at_the_range_ends)
{
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 10), 0);
	ck_assert_int_eq(get("slice_us"), 10);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "slice_us", 10000000), 0);
	ck_assert_int_eq(get("slice_us"), 10000000);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "preempt", 0), 0);
	ck_assert_int_eq(get("preempt"), 0);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 0), 0);
	ck_assert_int_eq(get("spin_us"), 0);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "spin_us", 10000), 0);
	ck_assert_int_eq(get("spin_us"), 10000);
}
END_TEST

START_TEST(parse_rejects_malformed_lists_and_changes_nothing)
{
	static const char *const bad[] = {
		"slice_us", "=5000", "slice_us=", "slice_us=5000x",
		"slice_us=0x1000", "slice_us= 5000", " slice_us=5000",
		"slice_us=5000,", ",slice_us=5000", "slice_us=1000,,preempt=0",
		"slice_us=5000 ", "slice_us=+", "slice_us=--5000",
		"slice_us=1000;preempt=0", "SLICE_US=5000",
	};

	ck_assert_int_eq(bfsgil_ctl_parse(gil, NULL), EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(bfsgil_ctl_parse(gil, bad[i]) == EINVAL,
			      "\"%s\" was not EINVAL", bad[i]);
		ck_assert_int_eq(get("slice_us"), 5000);
	}
}
END_TEST

START_TEST(parse_reports_unknown_name_and_out_of_range)
{
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "slice=2000"), ENOENT);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "slice_us=2"), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "slice_us=99999999999999999999999"),
			 ERANGE);
	ck_assert_int_eq(get("slice_us"), 5000);
}
END_TEST

START_TEST(parse_is_all_or_nothing)
{
	/* The first item is good, a later one is not: nothing applies. */
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "slice_us=2000,preempt=7"), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "preempt=0,bogus=1"), ENOENT);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "slice_us=2000,preempt"), EINVAL);
	ck_assert_int_eq(get("slice_us"), 5000);
	ck_assert_int_eq(get("preempt"), 1);
}
END_TEST

START_TEST(parse_applies_every_item)
{
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "slice_us=2000,preempt=0"), 0);
	ck_assert_int_eq(get("slice_us"), 2000);
	ck_assert_int_eq(get("preempt"), 0);
	/* Later items win; the empty list is fine and changes nothing. */
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "slice_us=300,slice_us=400"), 0);
	ck_assert_int_eq(get("slice_us"), 400);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, ""), 0);
	ck_assert_int_eq(get("slice_us"), 400);
	/* Leading zeros are not size: still 2000, not out of range. */
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "slice_us=00000000000000000000000000000000002000"), 0);
	ck_assert_int_eq(get("slice_us"), 2000);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "preempt=-0000000000000000000000000000000000000"), 0);
	ck_assert_int_eq(get("preempt"), 0);
}
END_TEST

/* ctl.h: within one item, malformed beats unknown beats out of range;
 * names are a-z, 0-9 and _ only; a value may carry a sign. */
START_TEST(parse_reports_errors_in_the_documented_order)
{
	long long v;

	ck_assert_int_eq(bfsgil_ctl_parse(gil, "bogus=x"), EINVAL);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "bogus=99999999999999999999"), ENOENT);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "SLICE_US=2000"), EINVAL);
	ck_assert_int_eq(bfsgil_ctl_set(gil, "SLICE_US", 2000), ENOENT);
	/* The first wrong item decides, whatever comes after it. */
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "preempt=2,bogus=1"), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "slice_us=+2000,preempt=-0"), 0);
	ck_assert_int_eq(bfsgil_ctl_get(gil, "slice_us", &v), 0);
	ck_assert_int_eq(v, 2000);
	ck_assert_int_eq(bfsgil_ctl_parse(gil, "preempt=-1"), ERANGE);
}
END_TEST

START_TEST(process_defaults_apply_to_later_creates_only)
{
	bfsgil_t *later;
	long long v;

	ck_assert_int_eq(bfsgil_ctl_set(NULL, "slice_us", 7000), 0);
	ck_assert_int_eq(bfsgil_ctl_get(NULL, "slice_us", &v), 0);
	ck_assert_int_eq(v, 7000);
	ck_assert_int_eq(get("slice_us"), 5000); /* existing lock untouched */
	ck_assert_int_eq(bfsgil_create(&later), 0);
	ck_assert_int_eq(bfsgil_ctl_get(later, "slice_us", &v), 0);
	ck_assert_int_eq(v, 7000);
	ck_assert_int_eq(bfsgil_ctl_parse(NULL, "preempt=0,slice_us=11"), 0);
	ck_assert_int_eq(bfsgil_ctl_get(NULL, "slice_us", &v), 0);
	ck_assert_int_eq(v, 11);
	ck_assert_int_eq(bfsgil_ctl_set(NULL, "slice_us", 1), ERANGE);
	ck_assert_int_eq(bfsgil_ctl_get(NULL, "slice_us", &v), 0);
	ck_assert_int_eq(v, 11);
	ck_assert_int_eq(bfsgil_destroy(later), 0);
}
END_TEST

START_TEST(environment_overrides_defaults_at_create)
{
	bfsgil_t *g;
	long long v;

	ck_assert_int_eq(bfsgil_ctl_set(NULL, "slice_us", 7000), 0);
	ck_assert_int_eq(setenv("BFSGIL", "slice_us=2500", 1), 0);
	ck_assert_int_eq(bfsgil_create(&g), 0);
	ck_assert_int_eq(bfsgil_ctl_get(g, "slice_us", &v), 0);
	ck_assert_int_eq(v, 2500);
	ck_assert_int_eq(bfsgil_ctl_get(g, "preempt", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(bfsgil_destroy(g), 0);
}
END_TEST

START_TEST(bad_environment_makes_create_fail)
{
	static const char *const bad[] = {
		"slice_us=1", "slice_us=fast", "turbo=1", "slice_us",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bfsgil_t *g = (bfsgil_t *)&g; /* must stay as it was */

		ck_assert_int_eq(setenv("BFSGIL", bad[i], 1), 0);
		ck_assert_msg(bfsgil_create(&g) == EINVAL,
			      "BFSGIL=\"%s\" did not fail", bad[i]);
		ck_assert_ptr_eq(g, (bfsgil_t *)&g);
	}
	ck_assert_int_eq(setenv("BFSGIL", "", 1), 0);
	{
		bfsgil_t *g;

		ck_assert_int_eq(bfsgil_create(&g), 0);
		ck_assert_int_eq(bfsgil_destroy(g), 0);
	}
}
END_TEST

START_TEST(describe_lists_every_tunable)
{
	const char *name, *desc;
	long long min, max, def;
	size_t n = 0;

	while (bfsgil_ctl_describe(n, &name, &desc, &min, &max, &def) == 0) {
		long long v;

		ck_assert_ptr_nonnull(name);
		ck_assert(strlen(desc) > 10);
		ck_assert_int_le(min, def);
		ck_assert_int_le(def, max);
		ck_assert_int_eq(bfsgil_ctl_get(NULL, name, &v), 0);
		ck_assert_int_eq(v, def);
		n++;
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(bfsgil_ctl_describe(n, NULL, NULL, NULL, NULL, NULL),
			 ENOENT);
	ck_assert_int_eq(bfsgil_ctl_describe(0, NULL, NULL, NULL, NULL, NULL), 0);
}
END_TEST

/* What create says on stderr about a bad BFSGIL, read back through a
 * pipe: one line naming the item and what is wrong with it. */
static void
create_says(const char *env, const char *expect)
{
	int fds[2], saved;
	char buf[512] = "";
	ssize_t n;
	bfsgil_t *g;

	ck_assert_int_eq(setenv("BFSGIL", env, 1), 0);
	ck_assert_int_eq(pipe(fds), 0);
	fflush(stderr);
	saved = dup(2);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fds[1], 2), 2);
	ck_assert_int_eq(bfsgil_create(&g), EINVAL);
	fflush(stderr);
	ck_assert_int_eq(dup2(saved, 2), 2);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strcmp(buf, expect) == 0, "BFSGIL=\"%s\": said \"%s\", "
		      "not \"%s\"", env, buf, expect);
}

START_TEST(bad_environment_is_named_on_stderr)
{
	create_says("slice_us=1",
		    "bfsgil: BFSGIL: 'slice_us=1': out of range (slice_us is "
		    "10 to 10000000)\n");
	create_says("preempt=1,slice_us=fast",
		    "bfsgil: BFSGIL: 'slice_us=fast': the value is not a "
		    "decimal integer\n");
	create_says("turbo=1", "bfsgil: BFSGIL: 'turbo=1': no such tunable\n");
	create_says("slice_us",
		    "bfsgil: BFSGIL: 'slice_us': not name=value (names are "
		    "lower-case, items separated by commas)\n");
	create_says("preempt=1,",
		    "bfsgil: BFSGIL: an empty item: not name=value (names are "
		    "lower-case, items separated by commas)\n");
}
END_TEST

/* An embedding's isolated mode: no variable is read, bad or good. */
START_TEST(create_ignoring_the_environment_reads_none)
{
	char path[] = "/tmp/bfsgil-ignore-env-XXXXXX";
	bfsgil_t *g;
	long long v;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(setenv("BFSGIL", "turbo=1", 1), 0);
	ck_assert_int_eq(setenv("BFSGIL_TRACE", path, 1), 0);
	ck_assert_int_eq(setenv("BFSGIL_STATS", path, 1), 0);
	ck_assert_int_eq(setenv("BFSGIL_TRACE_EVENTS", "zero", 1), 0);
	ck_assert_int_eq(bfsgil_create_flags(&g, BFSGIL_CREATE_IGNORE_ENV), 0);
	ck_assert_int_eq(bfsgil_ctl_get(g, "slice_us", &v), 0);
	ck_assert_int_eq(v, 5000);
	ck_assert_int_eq(bfsgil_destroy(g), 0);
	/* No trace, no report: the file was never made. */
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(setenv("BFSGIL", "slice_us=2500", 1), 0);
	ck_assert_int_eq(bfsgil_create_flags(&g, BFSGIL_CREATE_IGNORE_ENV), 0);
	ck_assert_int_eq(bfsgil_ctl_get(g, "slice_us", &v), 0);
	ck_assert_int_eq(v, 5000);
	ck_assert_int_eq(bfsgil_destroy(g), 0);
	unsetenv("BFSGIL_TRACE");
	unsetenv("BFSGIL_STATS");
	unsetenv("BFSGIL_TRACE_EVENTS");
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("ctl");
	const struct harness_case cases[] = {
		{ "set_errors", set_rejects_bad_input_and_changes_nothing, 10 },
		{ "parse_malformed", parse_rejects_malformed_lists_and_changes_nothing, 10 },
		{ "parse_errors", parse_reports_unknown_name_and_out_of_range, 10 },
		{ "parse_atomic", parse_is_all_or_nothing, 10 },
		{ "parse_error_order", parse_reports_errors_in_the_documented_order, 10 },
		{ "bad_environment", bad_environment_makes_create_fail, 10 },
		{ "defaults", defaults_are_the_documented_ones, 10 },
		{ "set_get", set_then_get_at_the_range_ends, 10 },
		{ "parse_applies", parse_applies_every_item, 10 },
		{ "process_defaults", process_defaults_apply_to_later_creates_only, 10 },
		{ "environment", environment_overrides_defaults_at_create, 10 },
		{ "describe", describe_lists_every_tunable, 10 },
		{ "env_named", bad_environment_is_named_on_stderr, 10 },
		{ "env_ignored", create_ignoring_the_environment_reads_none, 10 },
	};

	harness_add_cases(s, cases, HARNESS_NCASES(cases), setup, teardown);
	return s;
}
