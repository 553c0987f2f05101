/*
 * fuzz_ctl.c: a libFuzzer target for every string bfsgil reads: the list
 * given to bfsgil_ctl_parse(), the name given to bfsgil_ctl_set() and
 * bfsgil_ctl_get(), and the environment variable BFSGIL that
 * bfsgil_create() parses.  `make fuzz` builds and runs it (run.sh).
 *
 * Not crashing is the least of it.  Every input is checked against the
 * contracts of <bfsgil/ctl.h> and <bfsgil/lock.h>, and a broken contract
 * aborts, so that libFuzzer stops, reports and saves the input:
 *  - the verdict and the values of a parse are those of ref_parse() below,
 *    a second parser written from the header's grammar and deliberately
 *    shaped differently from src/tunables.c (a character-at-a-time state
 *    machine, its own arithmetic instead of strtoll), so that a bug has to
 *    be made twice, in two different ways, to go unnoticed;
 *  - a failed parse changes nothing; a good one sets exactly the tunables
 *    the list names, each to the last value it gave, and no other;
 *  - a lock and the process defaults (a NULL lock) take the same list to
 *    the same verdict and the same values, and neither touches the other;
 *  - bfsgil_create() with BFSGIL=<input> succeeds exactly when the parse
 *    does, leaves *gilp alone when it fails, and otherwise starts from the
 *    process defaults with the list applied on top;
 *  - bfsgil_ctl_set() and bfsgil_ctl_get() with names cut from the input:
 *    ENOENT for every name that is not a tunable's, ERANGE outside the
 *    range, and a known name in range reads back what was set.
 *
 * The fuzzer runs every input in one process, so each one starts from the
 * same place: process defaults reset, BFSGIL unset.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bfsgil.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tunables as bfsgil_ctl_describe() lists them.  The oracles read
 * names and ranges from there, so a new tunable is fuzzed without a change
 * here. */
#define MAX_TUNABLES 32
struct tunable {
	const char *name;
	long long min, max, def;
};
static struct tunable tunables[MAX_TUNABLES];
static size_t ntunables;

/* The input being run, for the report when an oracle fails. */
static const uint8_t *cur_data;
static size_t cur_size;

static void
print_escaped(const char *label, const uint8_t *p, size_t n)
{
	fprintf(stderr, "  %s (%zu bytes): \"", label, n);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(stderr, "\\%c", p[i]);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			fputc(p[i], stderr);
		else
			fprintf(stderr, "\\x%02x", p[i]);
	}
	fputs("\"\n", stderr);
}

static void __attribute__((noreturn, format(printf, 3, 4)))
contract_broken(int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\nfuzz_ctl.c:%d: contract broken: %s\n  ", line,
		what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cur_data != NULL)
		print_escaped("input", cur_data, cur_size);
	abort();
}

/* ORACLE(cond, fmt, ...): the contract says cond; say how not, and stop. */
#define ORACLE(cond, ...)                                                     \
	do {                                                                  \
		if (!(cond))                                                  \
			contract_broken(__LINE__, #cond, __VA_ARGS__);        \
	} while (0)

static const char *
errname(int err)
{
	switch (err) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case ERANGE: return "ERANGE";
	case ENOMEM: return "ENOMEM";
	default: return "an errno value no contract allows";
	}
}

/*
 * The reference parser, from <bfsgil/ctl.h>: "name=value[,name=value...]",
 * decimal integers, no spaces, the empty string an empty list; the first
 * wrong item decides the error.  What the header leaves unsaid is settled
 * as tests/check_ctl.c settles it:
 *  - a name is one or more of [a-z0-9_]; anything else in a name (upper
 *    case, a space) makes the list malformed, EINVAL, not ENOENT;
 *  - a value is an optional sign, '+' or '-', then one or more digits;
 *    leading zeros are allowed and do not count towards overflow;
 *  - within an item, malformed (EINVAL) outranks an unknown name
 *    (ENOENT), which outranks a value out of range (ERANGE); a value too
 *    big for a long long is out of every range.
 */
struct ref_result {
	int err;
	bool present[MAX_TUNABLES];
	long long value[MAX_TUNABLES];
};

/* A decimal magnitude, saturated: all that matters past LLONG_MAX + 1 is
 * that it is out of every range. */
struct ref_number {
	bool negative;
	bool huge;			/* beyond any long long */
	unsigned long long magnitude;
};

static void
ref_number_digit(struct ref_number *n, char c)
{
	unsigned d = (unsigned)(c - '0');

	if (n->huge)
		return;
	if (n->magnitude > (ULLONG_MAX - d) / 10)
		n->huge = true;
	else
		n->magnitude = n->magnitude * 10 + d;
}

/* Is @n in [min, max]?  If so, *value is it. */
static bool
ref_number_in_range(const struct ref_number *n, long long min, long long max,
		    long long *value)
{
	unsigned long long limit = n->negative
		? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	long long v;

	if (n->huge || n->magnitude > limit)
		return false;
	if (!n->negative)
		v = (long long)n->magnitude;
	else if (n->magnitude == (unsigned long long)LLONG_MAX + 1)
		v = LLONG_MIN;
	else
		v = -(long long)n->magnitude;
	if (v < min || v > max)
		return false;
	*value = v;
	return true;
}

static bool
ref_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool
ref_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The index of the tunable called [name, name + len), or -1. */
static int
ref_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < ntunables; i++)
		if (strlen(tunables[i].name) == len &&
		    strncmp(tunables[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static void
ref_parse(const char *s, struct ref_result *r)
{
	enum { ITEM_START, NAME, AFTER_EQUALS, AFTER_SIGN, DIGITS } state;
	const char *name = NULL, *name_end = NULL;
	struct ref_number num = { false, false, 0 };

	memset(r, 0, sizeof(*r));
	if (*s == '\0')
		return;
	state = ITEM_START;
	for (const char *p = s;; p++) {
		char c = *p;

		switch (state) {
		case ITEM_START:
			if (!ref_is_name_char(c))
				goto malformed;
			name = p;
			state = NAME;
			break;
		case NAME:
			if (c == '=') {
				name_end = p;
				memset(&num, 0, sizeof(num));
				state = AFTER_EQUALS;
			} else if (!ref_is_name_char(c)) {
				goto malformed;
			}
			break;
		case AFTER_EQUALS:
			if (c == '+' || c == '-') {
				num.negative = c == '-';
				state = AFTER_SIGN;
				break;
			}
			/* fall through: a digit with no sign */
		case AFTER_SIGN:
			if (!ref_is_digit(c))
				goto malformed;
			ref_number_digit(&num, c);
			state = DIGITS;
			break;
		case DIGITS:
			if (ref_is_digit(c)) {
				ref_number_digit(&num, c);
			} else if (c == ',' || c == '\0') {
				/* The item is well formed: now its meaning. */
				int id = ref_lookup(name,
						    (size_t)(name_end - name));
				long long v;

				if (id < 0) {
					r->err = ENOENT;
					return;
				}
				if (!ref_number_in_range(&num, tunables[id].min,
							 tunables[id].max, &v)) {
					r->err = ERANGE;
					return;
				}
				r->present[id] = true;
				r->value[id] = v;
				if (c == '\0')
					return;
				state = ITEM_START;
			} else {
				goto malformed;
			}
			break;
		}
	}
malformed:
	r->err = EINVAL;
}

/* Every tunable of @gil (NULL: the process defaults), into @v. */
static void
read_all(const bfsgil_t *gil, long long *v)
{
	for (size_t i = 0; i < ntunables; i++) {
		int err = bfsgil_ctl_get(gil, tunables[i].name, &v[i]);

		ORACLE(err == 0, "bfsgil_ctl_get(%s, \"%s\") returned %s",
		       gil ? "lock" : "NULL", tunables[i].name, errname(err));
	}
}

static void
expect_values(const bfsgil_t *gil, const long long *want, const char *when)
{
	long long got[MAX_TUNABLES];

	read_all(gil, got);
	for (size_t i = 0; i < ntunables; i++)
		ORACLE(got[i] == want[i], "%s: %s of %s is %lld, expected %lld",
		       when, tunables[i].name, gil ? "the lock" : "the defaults",
		       got[i], want[i]);
}

static void
set_all(bfsgil_t *gil, const long long *v)
{
	for (size_t i = 0; i < ntunables; i++) {
		int err = bfsgil_ctl_set(gil, tunables[i].name, v[i]);

		ORACLE(err == 0, "bfsgil_ctl_set(%s, \"%s\", %lld) returned %s",
		       gil ? "lock" : "NULL", tunables[i].name, v[i],
		       errname(err));
	}
	expect_values(gil, v, "after bfsgil_ctl_set of every tunable");
}

static void
reset_process_defaults(void)
{
	long long def[MAX_TUNABLES];

	for (size_t i = 0; i < ntunables; i++)
		def[i] = tunables[i].def;
	set_all(NULL, def);
}

/*
 * A starting point that depends on the input: each tunable at its
 * minimum, maximum, default or a value between, so that a parser that
 * resets what the list does not name, or writes a default instead of
 * the value, shows.
 */
static void
start_values(uint32_t seed, long long *v)
{
	for (size_t i = 0; i < ntunables; i++, seed >>= 2) {
		const struct tunable *t = &tunables[i];

		switch (seed & 3) {
		case 0: v[i] = t->min; break;
		case 1: v[i] = t->max; break;
		case 2: v[i] = t->def; break;
		default: v[i] = t->min + (t->max - t->min) / 3; break;
		}
	}
}

/* The environment: putenv() with a buffer of our own, because setenv()
 * in glibc keeps every value it was ever given, and the fuzzer gives it
 * millions. */
static char *env_buf;
static size_t env_cap;

static void
set_bfsgil_env(const char *value)
{
	static const char prefix[] = "BFSGIL=";
	size_t need = sizeof(prefix) + strlen(value);

	if (need > env_cap) {
		char *old = env_buf;

		env_cap = need * 2;
		env_buf = malloc(env_cap);
		ORACLE(env_buf != NULL, "out of memory");
		/* Only after the environment points at the new buffer. */
		snprintf(env_buf, env_cap, "%s%s", prefix, value);
		ORACLE(putenv(env_buf) == 0, "putenv failed");
		free(old);
		return;
	}
	snprintf(env_buf, env_cap, "%s%s", prefix, value);
	ORACLE(putenv(env_buf) == 0, "putenv failed");
}

static void
unset_bfsgil_env(void)
{
	ORACLE(unsetenv("BFSGIL") == 0, "unsetenv failed");
}

static bfsgil_t *
create_plain(void)
{
	bfsgil_t *gil;
	int err;

	unset_bfsgil_env();
	err = bfsgil_create(&gil);
	ORACLE(err == 0, "bfsgil_create with BFSGIL unset returned %s",
	       errname(err));
	return gil;
}

static void
destroy(bfsgil_t *gil)
{
	int err = bfsgil_destroy(gil);

	ORACLE(err == 0, "bfsgil_destroy returned %s", errname(err));
}

/* What a list does to @start: @start itself if it fails, else @start with
 * each tunable it names set to the last value it gave. */
static void
ref_apply(const struct ref_result *r, const long long *start, long long *out)
{
	for (size_t i = 0; i < ntunables; i++)
		out[i] = r->err == 0 && r->present[i] ? r->value[i] : start[i];
}

/* bfsgil_ctl_parse() on a lock and on the process defaults, both from
 * @start. */
static void
check_parse(const char *s, const struct ref_result *r, const long long *start)
{
	long long want[MAX_TUNABLES];
	bfsgil_t *gil = create_plain();
	char when[80];
	int err;

	ref_apply(r, start, want);
	set_all(gil, start);
	set_all(NULL, start);

	err = bfsgil_ctl_parse(gil, s);
	ORACLE(err == 0 || err == EINVAL || err == ENOENT || err == ERANGE,
	       "bfsgil_ctl_parse(lock) returned %d", err);
	ORACLE(err == r->err, "bfsgil_ctl_parse(lock) returned %s, the "
	       "reference parser %s", errname(err), errname(r->err));
	snprintf(when, sizeof(when), "after bfsgil_ctl_parse(lock) returned %s",
		 errname(err));
	expect_values(gil, want, when);
	expect_values(NULL, start, when);

	err = bfsgil_ctl_parse(NULL, s);
	ORACLE(err == r->err, "bfsgil_ctl_parse(NULL) returned %s, the "
	       "reference parser (and the lock) %s", errname(err),
	       errname(r->err));
	snprintf(when, sizeof(when), "after bfsgil_ctl_parse(NULL) returned %s",
		 errname(err));
	expect_values(NULL, want, when);
	expect_values(gil, want, when);

	/* Idempotent: the same good list again changes nothing more. */
	err = bfsgil_ctl_parse(gil, s);
	ORACLE(err == r->err, "a second bfsgil_ctl_parse(lock) returned %s",
	       errname(err));
	expect_values(gil, want, "after a second bfsgil_ctl_parse(lock)");
	destroy(gil);
}

/* bfsgil_create() with BFSGIL=@s on top of process defaults @start: the
 * verdict of a parse (any error becomes EINVAL), and the values of the
 * same list parsed into a lock created without it. */
static void
check_environment(const char *s, const struct ref_result *r,
		  const long long *start)
{
	long long want[MAX_TUNABLES];
	bfsgil_t *parsed, *gil = (bfsgil_t *)&gil;	/* must stay so on error */
	int err, parse_err;

	set_all(NULL, start);
	ref_apply(r, start, want);

	parsed = create_plain();
	expect_values(parsed, start, "bfsgil_create with BFSGIL unset");
	parse_err = bfsgil_ctl_parse(parsed, s);

	set_bfsgil_env(s);
	err = bfsgil_create(&gil);
	unset_bfsgil_env();
	if (r->err == 0) {
		ORACLE(err == 0 && parse_err == 0, "BFSGIL=<input>: "
		       "bfsgil_create returned %s, bfsgil_ctl_parse %s, the "
		       "reference parser accepts it", errname(err),
		       errname(parse_err));
		expect_values(gil, want, "bfsgil_create with BFSGIL=<input>");
		expect_values(parsed, want, "bfsgil_ctl_parse of <input>");
		destroy(gil);
	} else {
		ORACLE(err == EINVAL && parse_err != 0, "BFSGIL=<input>: "
		       "bfsgil_create returned %s, bfsgil_ctl_parse %s, the "
		       "reference parser %s", errname(err),
		       errname(parse_err), errname(r->err));
		ORACLE(gil == (bfsgil_t *)&gil,
		       "a failed bfsgil_create wrote *gilp");
	}
	/* Reading BFSGIL never writes the process defaults. */
	expect_values(NULL, start, "after bfsgil_create with BFSGIL=<input>");
	destroy(parsed);
}

/* bfsgil_ctl_set(@gil, @name, @value) and bfsgil_ctl_get() after it;
 * @other (the process defaults, or the lock) must not change. */
static void
check_set_get(bfsgil_t *gil, const bfsgil_t *other, const char *name,
	      long long value)
{
	long long before[MAX_TUNABLES], other_before[MAX_TUNABLES], got;
	int id = ref_lookup(name, strlen(name)), err, want_err;

	if (id < 0)
		want_err = ENOENT;
	else if (value < tunables[id].min || value > tunables[id].max)
		want_err = ERANGE;
	else
		want_err = 0;

	read_all(gil, before);
	read_all(other, other_before);
	err = bfsgil_ctl_set(gil, name, value);
	ORACLE(err == want_err, "bfsgil_ctl_set(%s, <name>, %lld) returned "
	       "%s, expected %s (name %zu bytes)", gil ? "lock" : "NULL",
	       value, errname(err), errname(want_err), strlen(name));
	if (err == 0)
		before[id] = value;
	expect_values(gil, before, "after bfsgil_ctl_set");
	expect_values(other, other_before, "after bfsgil_ctl_set elsewhere");

	got = 0x5eed;
	err = bfsgil_ctl_get(gil, name, &got);
	ORACLE(err == (id < 0 ? ENOENT : 0), "bfsgil_ctl_get(%s, <name>) "
	       "returned %s for a name that is %sa tunable's",
	       gil ? "lock" : "NULL", errname(err), id < 0 ? "not " : "");
	if (id >= 0)
		ORACLE(got == before[id], "bfsgil_ctl_get(\"%s\") read %lld, "
		       "expected %lld", name, got, before[id]);
}

/* Values to set: one from the input itself, and, for a real name, the
 * edges of its range from both sides. */
static void
check_name(bfsgil_t *gil, const char *name, long long from_input)
{
	int id = ref_lookup(name, strlen(name));
	long long v[6];
	size_t n = 0;

	v[n++] = from_input;
	if (id >= 0) {
		const struct tunable *t = &tunables[id];

		v[n++] = t->min;
		v[n++] = t->max;
		v[n++] = t->def;
		if (t->min > LLONG_MIN)
			v[n++] = t->min - 1;
		if (t->max < LLONG_MAX)
			v[n++] = t->max + 1;
	}
	for (size_t i = 0; i < n; i++) {
		check_set_get(gil, NULL, name, v[i]);
		check_set_get(NULL, gil, name, v[i]);
	}
}

/* A long long from up to eight bytes of the input, so that the extremes
 * (LLONG_MIN, -1, LLONG_MAX) come up as often as the fuzzer likes. */
static long long
value_from_bytes(const uint8_t *p, size_t n)
{
	unsigned long long u = 0;

	for (size_t i = 0; i < n && i < 8; i++)
		u = u << 8 | p[i];
	return (long long)u;
}

/* The value to set with an item's name: its own value when that is a
 * decimal long long (the reference's reading of it), else its bytes.
 * @p is at the '=' (or the end of the item, if it has none). */
static long long
value_from_item(const uint8_t *p, size_t n)
{
	struct ref_number num = { false, false, 0 };
	size_t i = 1;
	long long v;

	if (n > 1 && (p[1] == '+' || p[1] == '-')) {
		num.negative = p[1] == '-';
		i++;
	}
	if (n <= i)
		return value_from_bytes(p, n);
	for (; i < n; i++) {
		if (!ref_is_digit((char)p[i]))
			return value_from_bytes(p, n);
		ref_number_digit(&num, (char)p[i]);
	}
	if (!ref_number_in_range(&num, LLONG_MIN, LLONG_MAX, &v))
		return value_from_bytes(p, n);
	return v;
}

/*
 * Names to try, cut from the raw input: each NUL-separated piece whole,
 * and the part before the first '=' of each comma-separated item in it.
 * Each name is copied into a buffer of exactly its size, so that
 * AddressSanitizer sees a read past its end.
 */
static void
check_names(const uint8_t *data, size_t size)
{
	enum { MAX_NAMES = 16 };
	bfsgil_t *gil = create_plain();
	size_t tried = 0;

	for (size_t start = 0; start <= size && tried < MAX_NAMES;) {
		const uint8_t *piece = data + start;
		size_t len = 0;

		while (start + len < size && piece[len] != '\0')
			len++;
		for (size_t a = 0; a <= len && tried < MAX_NAMES;) {
			size_t b = a, eq;
			char *name;

			while (b < len && piece[b] != ',')
				b++;
			for (eq = a; eq < b && piece[eq] != '='; eq++)
				;
			/* The whole piece first, when it is more than the
			 * first item's name; then each item's name. */
			if (a == 0 && eq < len) {
				name = malloc(len + 1);
				ORACLE(name != NULL, "out of memory");
				memcpy(name, piece, len);
				name[len] = '\0';
				check_name(gil, name, value_from_bytes(piece, len));
				free(name);
				tried++;
			}
			name = malloc(eq - a + 1);
			ORACLE(name != NULL, "out of memory");
			memcpy(name, piece + a, eq - a);
			name[eq - a] = '\0';
			check_name(gil, name, value_from_item(piece + eq, b - eq));
			free(name);
			tried++;
			a = b + 1;
		}
		start += len + 1;
	}
	destroy(gil);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	long long v;
	bfsgil_t *gil;

	(void)argc;
	(void)argv;
	while (bfsgil_ctl_describe(ntunables, &tunables[ntunables].name, NULL,
				   &tunables[ntunables].min,
				   &tunables[ntunables].max,
				   &tunables[ntunables].def) == 0) {
		const struct tunable *t = &tunables[ntunables];

		ORACLE(t->name != NULL && ref_lookup(t->name, strlen(t->name)) < 0,
		       "tunable %zu has no name, or one already taken", ntunables);
		ORACLE(t->min <= t->def && t->def <= t->max,
		       "%s: default %lld outside %lld..%lld", t->name, t->def,
		       t->min, t->max);
		for (const char *c = t->name; *c; c++)
			ORACLE(ref_is_name_char(*c), "%s: a name bfsgil_ctl_parse "
			       "could never set", t->name);
		if (++ntunables == MAX_TUNABLES)
			contract_broken(__LINE__, "ntunables < MAX_TUNABLES",
					"raise MAX_TUNABLES in fuzz_ctl.c");
	}
	ORACLE(ntunables > 0, "bfsgil_ctl_describe lists no tunable");

	/* The NULL arguments, once: they do not depend on the input. */
	gil = create_plain();
	ORACLE(bfsgil_ctl_parse(gil, NULL) == EINVAL, "parse(NULL list)");
	ORACLE(bfsgil_ctl_parse(NULL, NULL) == EINVAL, "parse(NULL, NULL)");
	ORACLE(bfsgil_ctl_set(gil, NULL, 0) == EINVAL, "set(NULL name)");
	ORACLE(bfsgil_ctl_get(gil, NULL, &v) == EINVAL, "get(NULL name)");
	ORACLE(bfsgil_ctl_get(gil, tunables[0].name, NULL) == EINVAL,
	       "get(NULL value)");
	ORACLE(bfsgil_create(NULL) == EINVAL, "create(NULL)");
	destroy(gil);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long start[MAX_TUNABLES];
	const uint8_t *nul = memchr(data, '\0', size);
	size_t len = nul != NULL ? (size_t)(nul - data) : size;
	struct ref_result r;
	uint32_t seed = 2166136261u;
	char *s;

	cur_data = data;
	cur_size = size;
	/* The list is the input up to its first NUL, as C sees it, in a
	 * buffer of exactly that size: a read past the terminator is an
	 * AddressSanitizer report. */
	s = malloc(len + 1);
	ORACLE(s != NULL, "out of memory");
	memcpy(s, data, len);
	s[len] = '\0';
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;	/* FNV-1a */

	ref_parse(s, &r);
	start_values(seed, start);
	check_parse(s, &r, start);
	start_values(seed >> 16, start);
	check_environment(s, &r, start);
	reset_process_defaults();
	check_names(data, size);

	reset_process_defaults();
	free(s);
	cur_data = NULL;
	return 0;
}
