/*
 * trace_svg.c: timelines as an SVG picture, in the manner of David
 * Beazley's GIL visualisations: one panel per recorder, one row per
 * thread, coloured by state (running, waiting, off the lock), a tick
 * where the holder was asked to give way.  Every panel has the same time
 * scale, so that panels side by side compare at a glance.
 *
 * A picture is a few hundred pixels wide and a trace may hold millions of
 * spans, so spans are drawn in layers (off lock, then waiting, then
 * running on top) and each layer's rectangles are merged where they
 * touch at the picture's resolution: a row never has more rectangles
 * than pixels per layer, and a state that lasted a microsecond still
 * shows, one pixel wide.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "trace.h"

#define SVG_WIDTH 960.0
#define SVG_LEFT 130.0		/* the thread names */
#define SVG_RIGHT 20.0
#define SVG_PLOT (SVG_WIDTH - SVG_LEFT - SVG_RIGHT)
#define SVG_ROW 16.0
#define SVG_ROW_GAP 4.0
#define SVG_TITLE 22.0
#define SVG_AXIS 26.0
#define SVG_PANEL_GAP 18.0
#define SVG_LEGEND 30.0

static const char *const svg_colour[] = {
	[TL_OFF] = "#d9d9d9",
	[TL_WAIT] = "#e4572e",
	[TL_RUN] = "#2f9e44",
};

/*
 * @x (>= 0) with two decimals, in integer arithmetic: printf's %f writes
 * the locale's decimal point, and a host may have set a locale where it
 * is a comma, which no SVG reader takes.
 */
static void
svg_num(FILE *f, double x)
{
	unsigned long long v = (unsigned long long)(x * 100 + 0.5);

	fprintf(f, "%llu.%02llu", v / 100, v % 100);
}

/* @s with XML's five special characters escaped, and '?' for what XML
 * 1.0 does not allow: control bytes and bytes that are not UTF-8. */
static void
svg_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;

	for (; n > 0; p += len, n -= len) {
		len = 1;
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if (*p < 0x20)
				fputc('?', f);
			else if ((len = timeline_utf8_len(p, n)) != 0)
				fwrite(p, 1, len, f);
			else {
				fputc('?', f);
				len = 1;
			}
		}
	}
}

/* A rectangle being merged with the ones after it that touch it. */
struct svg_run {
	FILE *f;
	double x0, x1, y, h;
	const char *fill;
	bool open;
};

/* <rect x=.. y=.. width=.. height=.. fill=..>, numbers locale-proof. */
static void
svg_rect(FILE *f, double x, double y, double w, double h, const char *fill)
{
	fputs("<rect x=\"", f);
	svg_num(f, x);
	fputs("\" y=\"", f);
	svg_num(f, y);
	fputs("\" width=\"", f);
	svg_num(f, w);
	fputs("\" height=\"", f);
	svg_num(f, h);
	fprintf(f, "\" fill=\"%s\"/>\n", fill);
}

/* <text x=.. y=.. anchor> (the caller writes the text and </text>). */
static void
svg_text_at(FILE *f, double x, double y, const char *anchor)
{
	fputs("<text x=\"", f);
	svg_num(f, x);
	fputs("\" y=\"", f);
	svg_num(f, y);
	fprintf(f, "\" text-anchor=\"%s\">", anchor);
}

static void
svg_flush(struct svg_run *r)
{
	if (r->open)
		svg_rect(r->f, r->x0, r->y, r->x1 - r->x0, r->h, r->fill);
	r->open = false;
}

static void
svg_add(struct svg_run *r, double x0, double x1)
{
	if (r->open && x0 <= r->x1 + 0.05) {
		if (x1 > r->x1)
			r->x1 = x1;
		return;
	}
	svg_flush(r);
	r->x0 = x0;
	r->x1 = x1;
	r->open = true;
}

struct svg_scale {
	uint64_t origin;
	double px_per_ns;
};

static double
svg_x(const struct svg_scale *sc, uint64_t t)
{
	double x = t > sc->origin ? (double)(t - sc->origin) * sc->px_per_ns
				  : 0;

	return SVG_LEFT + (x < SVG_PLOT ? x : SVG_PLOT);
}

static void
svg_row(FILE *f, const struct svg_scale *sc, const struct tl_track *t,
	double y)
{
	struct svg_run run = { .f = f, .y = y, .h = SVG_ROW };

	svg_text_at(f, SVG_LEFT - 6, y + SVG_ROW - 4, "end");
	svg_text(f, t->name);
	fputs("</text>\n", f);
	for (int layer = TL_OFF; layer <= TL_RUN; layer++) {
		run.fill = svg_colour[layer];
		for (size_t i = 0; i < t->nspan; i++) {
			const struct tl_span *s = &t->span[i];
			double x0, x1;

			if ((int)s->state != layer)
				continue;
			x0 = svg_x(sc, s->from);
			x1 = svg_x(sc, s->to);
			/* Short waits and runs show, a pixel wide. */
			if (layer != TL_OFF && x1 - x0 < 1)
				x1 = x0 + 1;
			svg_add(&run, x0, x1);
		}
		svg_flush(&run);
	}
	/* Requests to give way: a tick on the row's top edge. */
	run.fill = "#000000";
	run.h = 5;
	run.y = y - 2;
	for (size_t i = 0; i < t->nmark; i++)
		if (t->mark[i].type == BFSGIL_EVENT_ASKED) {
			double x = svg_x(sc, t->mark[i].at);

			svg_add(&run, x, x + 1);
		}
	svg_flush(&run);
}

/* A tick every 1, 2 or 5 x 10^k ns: ten or fewer over @span_ns. */
static double
svg_step(double span_ns)
{
	static const double mult[] = { 1, 2, 5 };

	for (double decade = 1;; decade *= 10)
		for (int i = 0; i < 3; i++)
			if (span_ns / (decade * mult[i]) <= 10)
				return decade * mult[i];
}

/* @ns as milliseconds, as short as it goes ("0", "2.5", "0.05"). */
static void
svg_ms(FILE *f, double ns)
{
	unsigned long long us = (unsigned long long)(ns / 1e3 + 0.5);
	char frac[8];
	int len;

	len = snprintf(frac, sizeof(frac), "%03llu", us % 1000);
	while (len > 0 && frac[len - 1] == '0')
		frac[--len] = '\0';
	fprintf(f, "%llu%s%s ms", us / 1000, len > 0 ? "." : "", frac);
}

/* The time axis under a panel. */
static void
svg_axis(FILE *f, const struct svg_scale *sc, double span_ns, double y)
{
	double step = svg_step(span_ns);

	svg_rect(f, SVG_LEFT, y, SVG_PLOT, 1, "#555555");
	for (double t = 0; t <= span_ns * 1.0001; t += step) {
		double x = SVG_LEFT + t * sc->px_per_ns;

		svg_rect(f, x, y, 1, 5, "#555555");
		svg_text_at(f, x, y + 17, "middle");
		svg_ms(f, t);
		fputs("</text>\n", f);
	}
}

static void
svg_legend(FILE *f)
{
	static const struct { int state; const char *name; } item[] = {
		{ TL_RUN, "running (holds the lock)" },
		{ TL_WAIT, "waiting for the lock" },
		{ TL_OFF, "off the lock" },
	};
	double x = SVG_LEFT;

	fputs("<g class=\"legend\">\n", f);
	for (size_t i = 0; i < sizeof(item) / sizeof(item[0]); i++) {
		svg_rect(f, x, 8, 14, 12, svg_colour[item[i].state]);
		svg_text_at(f, x + 18, 18, "start");
		fprintf(f, "%s</text>\n", item[i].name);
		x += 190;
	}
	svg_rect(f, x + 6, 6, 1, 5, "#000000");
	svg_text_at(f, x + 12, 18, "start");
	fputs("asked to give way</text>\n</g>\n", f);
}

int
trace_write_svg(FILE *f, const struct timeline *tl, size_t n)
{
	double height = SVG_LEGEND, span = 1, y;
	struct svg_scale sc;

	/* One scale for every panel: the longest sets it. */
	for (size_t i = 0; i < n; i++) {
		if (tl[i].end_ns > tl[i].origin_ns &&
		    (double)(tl[i].end_ns - tl[i].origin_ns) > span)
			span = (double)(tl[i].end_ns - tl[i].origin_ns);
		height += SVG_TITLE + (double)tl[i].ntrack * (SVG_ROW + SVG_ROW_GAP) +
			  SVG_AXIS + SVG_PANEL_GAP;
	}
	sc.px_per_ns = SVG_PLOT / span;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
		(int)SVG_WIDTH, (int)height, (int)SVG_WIDTH, (int)height);
	svg_legend(f);
	y = SVG_LEGEND;
	for (size_t i = 0; i < n; i++) {
		sc.origin = tl[i].origin_ns;
		svg_text_at(f, SVG_LEFT, y + 15, "start");
		fputs("<tspan font-weight=\"bold\">", f);
		svg_text(f, tl[i].label);
		fputs("</tspan>", f);
		fprintf(f, "</text>\n");
		y += SVG_TITLE;
		for (size_t k = 0; k < tl[i].ntrack; k++) {
			svg_row(f, &sc, &tl[i].track[k], y);
			y += SVG_ROW + SVG_ROW_GAP;
		}
		svg_axis(f, &sc, span, y + 2);
		y += SVG_AXIS + SVG_PANEL_GAP;
	}
	fputs("</svg>\n", f);
	if (fflush(f) != 0 || ferror(f))
		return errno != 0 ? errno : EIO;
	return 0;
}
