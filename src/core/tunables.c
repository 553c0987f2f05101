/*
 * tunables.c: the tunables table, its parser, and the public ctl API.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bfsgil/ctl.h>

#include "env.h"
#include "gil.h"
#include "tunables.h"

const struct tunable_def tunable_table[TUNABLE_COUNT] = {
#define TUNABLE_DEF(id, name, desc, min, max, def) \
	[TUNABLE_##id] = { name, desc, min, max, def },
	BFSGIL_TUNABLES(TUNABLE_DEF)
#undef TUNABLE_DEF
};

/* What bfsgil_ctl_set(NULL, ...) changes and later creates start from. */
static struct tunable_values process_defaults = {
	.v = {
#define TUNABLE_INIT(id, name, desc, min, max, def) [TUNABLE_##id] = def,
		BFSGIL_TUNABLES(TUNABLE_INIT)
#undef TUNABLE_INIT
	},
};

struct tunable_values *
tunables_target(struct tunable_values *t)
{
	return t != NULL ? t : &process_defaults;
}

int
tunables_lookup(const char *name, enum tunable_id *id)
{
	for (int i = 0; i < TUNABLE_COUNT; i++) {
		if (strcmp(tunable_table[i].name, name) == 0) {
			*id = (enum tunable_id)i;
			return 0;
		}
	}
	return ENOENT;
}

static int
tunables_lookup_span(const char *name, size_t len, enum tunable_id *id)
{
	for (int i = 0; i < TUNABLE_COUNT; i++) {
		if (strlen(tunable_table[i].name) == len &&
		    memcmp(tunable_table[i].name, name, len) == 0) {
			*id = (enum tunable_id)i;
			return 0;
		}
	}
	return ENOENT;
}

/* A name is lower-case letters, digits and underscores: anything else
 * is a malformed list, not an unknown name. */
static bool
tunables_name_is_wellformed(const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return len > 0;
}

static int
tunables_check_range(enum tunable_id id, long long value)
{
	if (value < tunable_table[id].min || value > tunable_table[id].max)
		return ERANGE;
	return 0;
}

/* Parse one decimal integer filling [s, end): an optional sign, then
 * digits, nothing else (strtoll alone would accept leading spaces and
 * hexadecimal-looking junk in other locales). */
static int
tunables_parse_value(const char *s, const char *end, long long *value)
{
	size_t sign = s < end && (*s == '-' || *s == '+');
	const char *digits = s + sign;
	char buf[32];
	size_t len;

	if (digits == end)
		return EINVAL;
	for (const char *p = digits; p < end; p++)
		if (*p < '0' || *p > '9')
			return EINVAL;
	/* Leading zeros are not size: drop them, so that only a value too
	 * big for a long long is ERANGE. */
	while (digits + 1 < end && *digits == '0')
		digits++;
	len = sign + (size_t)(end - digits);
	if (len >= sizeof(buf))
		return ERANGE;
	memcpy(buf, s, sign);
	memcpy(buf + sign, digits, len - sign);
	buf[len] = '\0';
	errno = 0;
	*value = strtoll(buf, NULL, 10);
	return errno == ERANGE ? ERANGE : 0;
}

/* Say what was wrong with the item [item, end) into @e (if any); return
 * @err. */
static int
tunables_fail(struct tunable_error *e, const char *item, const char *end,
	      const char *why, int err)
{
	if (e != NULL) {
		e->item = item;
		e->len = (size_t)(end - item);
		e->why = why;
	}
	return err;
}

int
tunables_parse(const char *settings, struct tunable_staging *stage,
	       struct tunable_error *e)
{
	const char *item = settings;

	memset(stage, 0, sizeof(*stage));
	if (*item == '\0')
		return 0;
	for (;;) {
		const char *end = strchr(item, ',');
		const char *eq;
		enum tunable_id id;
		long long value;
		int err;

		if (end == NULL)
			end = item + strlen(item);
		eq = memchr(item, '=', (size_t)(end - item));
		if (eq == NULL ||
		    !tunables_name_is_wellformed(item, (size_t)(eq - item)))
			return tunables_fail(e, item, end,
					     "not name=value (names are "
					     "lower-case, items separated by "
					     "commas)", EINVAL);
		err = tunables_parse_value(eq + 1, end, &value);
		if (err == EINVAL)
			return tunables_fail(e, item, end,
					     "the value is not a decimal "
					     "integer", EINVAL);
		if (tunables_lookup_span(item, (size_t)(eq - item), &id) != 0)
			return tunables_fail(e, item, end, "no such tunable",
					     ENOENT);
		if (err == 0)
			err = tunables_check_range(id, value);
		if (err != 0)
			return tunables_fail(e, item, end, "out of range",
					     err);
		stage->value[id] = value;
		stage->present[id] = true;
		if (*end == '\0')
			return 0;
		item = end + 1;
	}
}

void
tunables_apply(struct tunable_values *t, const struct tunable_staging *stage)
{
	for (int i = 0; i < TUNABLE_COUNT; i++)
		if (stage->present[i])
			atomic_store_explicit(&t->v[i], stage->value[i],
					      memory_order_relaxed);
}

int
tunables_init_for_create(struct tunable_values *values, bool use_env)
{
	const char *env = use_env ? env_get("BFSGIL") : NULL;
	struct tunable_staging stage;
	struct tunable_error e;

	for (int i = 0; i < TUNABLE_COUNT; i++)
		atomic_init(&values->v[i],
			    tunable_get(&process_defaults, (enum tunable_id)i));
	if (env == NULL)
		return 0;
	/* Whatever is wrong with it, the caller gets EINVAL: the user asked
	 * for a setting and must not silently run without it.  A bare
	 * EINVAL from bfsgil_create says nothing of where to look, so the
	 * item and what is wrong with it go to stderr. */
	if (tunables_parse(env, &stage, &e) != 0) {
		enum tunable_id id;
		int len = e.len > 200 ? 200 : (int)e.len;
		const char *eq = memchr(e.item, '=', e.len);

		if (strcmp(e.why, "out of range") == 0 && eq != NULL &&
		    tunables_lookup_span(e.item, (size_t)(eq - e.item), &id) == 0)
			fprintf(stderr, "bfsgil: BFSGIL: '%.*s': out of range "
				"(%s is %lld to %lld)\n", len, e.item,
				tunable_table[id].name, tunable_table[id].min,
				tunable_table[id].max);
		else if (e.len == 0)
			fprintf(stderr, "bfsgil: BFSGIL: an empty item: %s\n",
				e.why);
		else
			fprintf(stderr, "bfsgil: BFSGIL: '%.*s': %s\n", len,
				e.item, e.why);
		return EINVAL;
	}
	tunables_apply(values, &stage);
	return 0;
}

int
bfsgil_ctl_set(bfsgil_t *gil, const char *name, long long value)
{
	enum tunable_id id;
	int err;

	if (name == NULL)
		return EINVAL;
	err = tunables_lookup(name, &id);
	if (err == 0)
		err = tunables_check_range(id, value);
	if (err != 0)
		return err;
	atomic_store_explicit(&tunables_target(gil ? &gil->tunables : NULL)->v[id],
			      value, memory_order_relaxed);
	return 0;
}

int
bfsgil_ctl_get(const bfsgil_t *gil, const char *name, long long *value)
{
	enum tunable_id id;
	int err;

	if (name == NULL || value == NULL)
		return EINVAL;
	err = tunables_lookup(name, &id);
	if (err != 0)
		return err;
	*value = tunable_get(gil ? &gil->tunables : &process_defaults, id);
	return 0;
}

int
bfsgil_ctl_parse(bfsgil_t *gil, const char *settings)
{
	struct tunable_staging stage;
	int err;

	if (settings == NULL)
		return EINVAL;
	err = tunables_parse(settings, &stage, NULL);
	if (err != 0)
		return err;
	tunables_apply(tunables_target(gil ? &gil->tunables : NULL), &stage);
	return 0;
}

int
bfsgil_ctl_describe(size_t index, const char **name, const char **description,
		    long long *min, long long *max, long long *def)
{
	const struct tunable_def *t;

	if (index >= TUNABLE_COUNT)
		return ENOENT;
	t = &tunable_table[index];
	if (name)
		*name = t->name;
	if (description)
		*description = t->description;
	if (min)
		*min = t->min;
	if (max)
		*max = t->max;
	if (def)
		*def = t->def;
	return 0;
}
