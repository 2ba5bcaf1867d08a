// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The report as one self-contained HTML page: the summary's tables, a bar
 * chart per figure across mechanisms, log2 latency histograms and the
 * wake-up graph, all drawn here as inline SVG.  No scripts, no fonts or
 * styles from elsewhere: the file opens the same offline, in a mail
 * attachment or a CI artifact.  Every string from the traced system
 * (command lines, comms, lock callers) goes through html_text().
 */
#include <math.h>
#include <string.h>
#include <time.h>
#include "histogram.h"
#include "mechanisms.h"
#include "figures.h"
#include "render.h"

#define GRAPH_NODES_MAX 30  /* beyond this, the quietest processes share a node */
#define GRAPH_LABELS_MAX 40 /* links past these get a tooltip, not a label */
#define EDGE_ROWS_MAX 50

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;"
	"max-width:1200px;padding:0 16px;color:#222;background:#fff}\n"
	"h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;"
	"border-bottom:1px solid #ddd;padding-bottom:4px}\n"
	"table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;"
	"border-bottom:1px solid #eee;text-align:right;vertical-align:top}\n"
	"th{background:#f3f4f6;font-weight:600}.l{text-align:left}"
	"tr.mech td{background:#fafafa;font-weight:600}td.op{padding-left:28px}\n"
	".meta{color:#555}.note{color:#666;font-style:italic}code{font-size:13px}\n"
	".grid{display:flex;flex-wrap:wrap;gap:20px}figure{margin:0}"
	"figcaption{font-weight:600;margin-bottom:4px}\n"
	".sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;"
	"vertical-align:-1px}.legend span{margin-right:16px;white-space:nowrap}\n"
	"svg text{font:12px system-ui,sans-serif;fill:#222}svg .small{font-size:10px}"
	"svg .halo{paint-order:stroke;stroke:#fff;stroke-width:3px}\n";

/* Text from the traced system, safe in element content and attributes. */
static void html_text(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			/* control characters are not text: show them as U+FFFD */
			if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
				fputs("&#xFFFD;", out);
			else
				fputc(*p, out);
		}
	}
}

static double ms(__u64 ns)
{
	return ns / 1e6;
}

static double us(__u64 ns)
{
	return ns / 1e3;
}

static void swatch(FILE *out, int mechanism)
{
	fprintf(out, "<span class=\"sw\" style=\"background:%s\"></span>", mechanism_color(mechanism));
}

/* ---- header ---- */

static void print_title(FILE *out, const struct summary *s)
{
	fprintf(out, "ipctrace: ");
	html_text(out, s->mode);
	if (s->workload) {
		fputc(' ', out);
		html_text(out, s->workload);
		return;
	}
	for (size_t i = 0; i < s->ncommand && i < 4; i++) {
		fputc(' ', out);
		html_text(out, s->command[i]);
	}
	if (s->ncommand > 4)
		fputs(" ...", out);
}

static void print_header(FILE *out, const struct summary *s)
{
	time_t start = s->start_ns / 1000000000ULL;
	char when[64] = "";
	struct tm tm;

	if (s->start_ns && gmtime_r(&start, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs("<h1>", out);
	print_title(out, s);
	fputs("</h1>\n<p class=\"meta\">", out);
	fprintf(out, "%zu process%s &middot; ", s->nprocesses, s->nprocesses == 1 ? "" : "es");
	if (s->exit_status >= 0)
		fprintf(out, "exit status %d &middot; ", s->exit_status);
	fprintf(out, "%.3f s traced", s->duration_ns / 1e9);
	if (when[0])
		fprintf(out, " from %s", when);
	fputs(" &middot; kernel ", out);
	html_text(out, s->kernel);
	fputc(' ', out);
	html_text(out, s->arch);
	fprintf(out, ", %d CPU%s &middot; ipctrace ", s->ncpus, s->ncpus == 1 ? "" : "s");
	html_text(out, s->tool_version);
	fputs("</p>\n<p class=\"meta\">command: <code>", out);
	for (size_t i = 0; i < s->ncommand; i++) {
		if (i)
			fputc(' ', out);
		html_text(out, s->command[i]);
	}
	fputs("</code></p>\n", out);
}

/* ---- tables ---- */

static void print_mechanism_table(FILE *out, const struct summary *s)
{
	char line[160];

	fputs("<h2>Mechanisms</h2>\n<table>\n<tr><th class=\"l\">mechanism</th><th>syscalls</th>"
	      "<th>errors</th><th>bytes</th><th>wake-ups</th><th>blocked (ms)</th>"
	      "<th>contended (ms)</th><th>shared-memory page faults</th></tr>\n", out);
	for_each_ipc_mechanism(mech) {
		struct mechanism_figures f;
		struct syscall_stats totals;

		if (!summary_mechanism_active(s, mech))
			continue;
		summary_mechanism_figures(s, mech, &f);
		summary_mechanism_totals(s, mech, &totals);
		fputs("<tr><td class=\"l\">", out);
		swatch(out, mech);
		fprintf(out, "%s</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
			"<td>%.3f</td><td>%.3f</td><td>%llu</td></tr>\n", mechanism_name(mech),
			(unsigned long long)f.syscalls, (unsigned long long)totals.errors,
			(unsigned long long)f.bytes, (unsigned long long)f.wakeups, ms(f.blocked_ns),
			ms(f.contention_ns), (unsigned long long)s->mechanisms[mech].page_faults);
	}
	fputs("</table>\n", out);
	if (summary_non_ipc_wakeups(s, line, sizeof(line)))
		fprintf(out, "<p class=\"note\">%s</p>\n", line);
}

static void print_syscall_table(FILE *out, const struct summary *s)
{
	int shown = -1;

	fputs("<h2>Syscalls</h2>\n<table>\n<tr><th class=\"l\">mechanism / syscall</th>"
	      "<th>calls</th><th>errors</th><th>bytes</th><th>avg (&micro;s)</th>"
	      "<th>max (&micro;s)</th><th>blocked (ms)</th><th>contended (ms)</th></tr>\n", out);
	for (size_t i = 0; i < s->nsyscalls; i++) {
		const struct syscall_row *row = &s->syscalls[i];
		const struct syscall_stats *st = &row->stats;

		if (row->mechanism != shown) {
			shown = row->mechanism;
			fputs("<tr class=\"mech\"><td class=\"l\" colspan=\"8\">", out);
			swatch(out, shown);
			fprintf(out, "%s</td></tr>\n", mechanism_name(shown));
		}
		fprintf(out, "<tr><td class=\"l%s\">", row->op[0] ? " op" : "");
		html_text(out, row->op[0] ? row->op : row->syscall);
		fprintf(out, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%.2f</td><td>%.2f</td>"
			"<td>%.3f</td><td>%.3f</td></tr>\n", (unsigned long long)st->count,
			(unsigned long long)st->errors, (unsigned long long)st->bytes,
			st->count ? us(st->total_ns / st->count) : 0.0, us(st->max_ns),
			ms(st->blocked_ns), ms(st->contention_ns));
	}
	fputs("</table>\n", out);
	if (!s->nsyscalls)
		fputs("<p class=\"note\">no IPC syscalls seen</p>\n", out);
}

/* --by: every group, a row per mechanism */
static void print_group_table(FILE *out, const struct summary *s)
{
	if (!s->ngroups)
		return;
	fprintf(out, "<h2>By %s</h2>\n<table>\n<tr><th class=\"l\">%s</th>"
		"<th class=\"l\">mechanism</th><th>syscalls</th><th>errors</th><th>bytes</th>"
		"<th>blocked (ms)</th><th>contended (ms)</th></tr>\n", s->groups[0].by,
		s->groups[0].by);
	for (size_t i = 0; i < s->ngroups; i++) {
		const struct group_row *g = &s->groups[i];
		char label[64];
		bool first = true;

		group_label(s, g, label, sizeof(label));
		for (int mech = 1; mech < MECH_OTHER; mech++) {
			const struct mechanism_stats *m = &g->detail->mechanisms[mech];
			struct syscall_stats totals;

			if (!summary_mechanism_active(g->detail, mech))
				continue;
			summary_mechanism_totals(g->detail, mech, &totals);
			fputs("<tr><td class=\"l\">", out);
			if (first)
				html_text(out, label);
			fputs("</td><td class=\"l\">", out);
			swatch(out, mech);
			fprintf(out, "%s</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%.3f</td>"
				"<td>%.3f</td></tr>\n", mechanism_name(mech),
				(unsigned long long)totals.count, (unsigned long long)totals.errors,
				(unsigned long long)totals.bytes, ms(m->blocked_ns), ms(m->contention_ns));
			first = false;
		}
	}
	fputs("</table>\n", out);
}

/* ---- bar charts: one figure, every active mechanism ---- */

enum figure { FIG_SYSCALLS, FIG_BYTES, FIG_WAKEUPS, FIG_BLOCKED, FIG_CONTENTION };

static const char *const figure_titles[] = {
	[FIG_SYSCALLS] = "syscalls",
	[FIG_BYTES] = "bytes moved through the kernel",
	[FIG_WAKEUPS] = "wake-ups",
	[FIG_BLOCKED] = "blocked time (ms)",
	[FIG_CONTENTION] = "contended time (ms)",
};

static __u64 figure_value(const struct mechanism_figures *f, enum figure which)
{
	switch (which) {
	case FIG_SYSCALLS: return f->syscalls;
	case FIG_BYTES: return f->bytes;
	case FIG_WAKEUPS: return f->wakeups;
	case FIG_BLOCKED: return f->blocked_ns;
	case FIG_CONTENTION: return f->contention_ns;
	}
	return 0;
}

static void print_figure_value(FILE *out, enum figure which, __u64 value)
{
	if (which == FIG_BLOCKED || which == FIG_CONTENTION)
		fprintf(out, "%.3f", ms(value));
	else
		fprintf(out, "%llu", (unsigned long long)value);
}

#define BAR_LABEL_W 110
#define BAR_AREA_W 300
#define BAR_VALUE_W 110
#define BAR_ROW_H 22

static void print_bar_chart(FILE *out, const struct summary *s, enum figure which)
{
	int mechs[MECH__COUNT], n = 0;
	__u64 values[MECH__COUNT], max = 0;
	int width = BAR_LABEL_W + BAR_AREA_W + BAR_VALUE_W;

	for_each_ipc_mechanism(mech) {
		struct mechanism_figures f;

		if (!summary_mechanism_active(s, mech))
			continue;
		summary_mechanism_figures(s, mech, &f);
		mechs[n] = mech;
		values[n] = figure_value(&f, which);
		if (values[n] > max)
			max = values[n];
		n++;
	}
	fprintf(out, "<figure><figcaption>%s</figcaption>\n", figure_titles[which]);
	fprintf(out, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"%s per mechanism\">\n", width, n * BAR_ROW_H + 4, width,
		n * BAR_ROW_H + 4, figure_titles[which]);
	for (int i = 0; i < n; i++) {
		int y = i * BAR_ROW_H + 2;
		double w = max ? (double)values[i] * BAR_AREA_W / max : 0;

		if (values[i] && w < 1)
			w = 1;
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", BAR_LABEL_W - 8,
			y + 15, mechanism_name(mechs[i]));
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
			"<title>%s: ", BAR_LABEL_W, y + 3, w, BAR_ROW_H - 6, mechanism_color(mechs[i]),
			mechanism_name(mechs[i]));
		print_figure_value(out, which, values[i]);
		fprintf(out, "</title></rect><text x=\"%.1f\" y=\"%d\">", BAR_LABEL_W + w + 6, y + 15);
		print_figure_value(out, which, values[i]);
		fputs("</text>\n", out);
	}
	fputs("</svg></figure>\n", out);
}

static void print_bar_charts(FILE *out, const struct summary *s)
{
	bool any = false;

	for_each_ipc_mechanism(mech)
		any = any || summary_mechanism_active(s, mech);
	fputs("<h2>Per mechanism</h2>\n", out);
	if (!any) {
		fputs("<p class=\"note\">no IPC activity seen</p>\n", out);
		return;
	}
	fputs("<div class=\"grid\">\n", out);
	for (int which = FIG_SYSCALLS; which <= FIG_CONTENTION; which++)
		print_bar_chart(out, s, which);
	fputs("</div>\n", out);
}

/* ---- log2 histograms ---- */

/* a power of two nanoseconds, short: "512ns", "4.1µs", "16.8ms" */
static void print_duration(FILE *out, __u64 ns)
{
	if (ns < 1000)
		fprintf(out, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		fprintf(out, "%.3g&micro;s", ns / 1e3);
	else if (ns < 1000000000)
		fprintf(out, "%.3gms", ns / 1e6);
	else
		fprintf(out, "%.3gs", ns / 1e9);
}

#define HIST_PLOT_H 110
#define HIST_LEFT 44
#define HIST_BOTTOM 48

static void print_histogram(FILE *out, const char *mechanism, const char *what,
			    const char *caption, const __u64 *slots, int fill_mech)
{
	int first, last, ncols, colw, width;
	__u64 max;

	if (!hist_range(slots, HIST_SLOTS, &first, &last, &max))
		return;
	ncols = last - first + 1;
	colw = ncols > 16 ? 16 : 26;
	width = HIST_LEFT + ncols * colw + 16;
	if (width < 220)
		width = 220;
	fputs("<figure><figcaption>", out);
	html_text(out, mechanism);
	fputc(' ', out);
	html_text(out, what);
	fprintf(out, " <span class=\"meta\">%s</span></figcaption>\n", caption);
	fprintf(out, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n",
		width, HIST_PLOT_H + HIST_BOTTOM + 8, width, HIST_PLOT_H + HIST_BOTTOM + 8);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
		"<text class=\"small\" x=\"%d\" y=\"12\" text-anchor=\"end\">%llu</text>"
		"<text class=\"small\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
		HIST_LEFT, HIST_PLOT_H + 8, HIST_LEFT + ncols * colw, HIST_PLOT_H + 8,
		HIST_LEFT - 6, (unsigned long long)max, HIST_LEFT - 6, HIST_PLOT_H + 8);
	for (int i = first; i <= last; i++) {
		int x = HIST_LEFT + (i - first) * colw;
		double h = (double)slots[i] * HIST_PLOT_H / max;
		__u64 low = i ? 1ULL << (i - 1) : 0;

		if (slots[i] && h < 1)
			h = 1;
		fprintf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\">"
			"<title>", x + 1, HIST_PLOT_H + 8 - h, colw - 2, h, mechanism_color(fill_mech));
		print_duration(out, low);
		fputs(" to ", out);
		if (i == HIST_SLOTS - 1)
			fputs("more", out);
		else
			print_duration(out, 1ULL << i);
		fprintf(out, ": %llu</title></rect>", (unsigned long long)slots[i]);
		/* labels of the slot's lower bound, slanted to fit */
		fprintf(out, "<text class=\"small\" transform=\"translate(%d %d) rotate(-45)\" "
			"text-anchor=\"end\">", x + colw / 2 + 3, HIST_PLOT_H + 20);
		print_duration(out, low);
		fputs("</text>\n", out);
	}
	fputs("</svg></figure>\n", out);
}

static void print_histograms(FILE *out, const struct summary *s)
{
	bool any = false;

	fputs("<h2>Latency histograms</h2>\n<p class=\"meta\">log2 buckets, nanoseconds from "
	      "each bucket's lower bound; hover a column for its range and count</p>\n"
	      "<div class=\"grid\">\n", out);
	for (size_t i = 0; i < s->nsyscalls; i++) {
		const struct syscall_row *row = &s->syscalls[i];
		char what[2 * NAME_LEN + 2];

		if (!row->stats.count)
			continue;
		snprintf(what, sizeof(what), "%s%s%s", row->syscall, row->op[0] ? " " : "", row->op);
		print_histogram(out, mechanism_name(row->mechanism), what, "syscall latency",
				row->stats.hist, row->mechanism);
		any = true;
	}
	for (int mech = 1; mech < MECH__COUNT; mech++) {
		const struct mechanism_stats *m = &s->mechanisms[mech];

		if (m->wakeups) {
			print_histogram(out, mechanism_name(mech), "wake-up to running",
					"run-queue latency", m->wakeup_hist, mech);
			any = true;
		}
		if (m->blocked_count) {
			print_histogram(out, mechanism_name(mech), "blocked", "time per episode",
					m->blocked_hist, mech);
			any = true;
		}
	}
	fputs("</div>\n", out);
	if (!any)
		fputs("<p class=\"note\">nothing to draw</p>\n", out);
}

/* ---- the wake-up graph ---- */

#define GRAPH_W 960
#define NODE_R 7

struct point {
	double x, y;
};

/* A coordinate to print with %.1f: to the nearest tenth, a tie (within what
 * sin, cos and sqrt may differ by between libms) upwards, so the page is the
 * same byte for byte wherever it is made. */
static double px(double v)
{
	return floor(v * 10 + 0.5 + 1e-6) / 10;
}

/* The k-th of n places on a circle, clockwise from the top. */
static void ring_position(int k, int n, struct point radius, struct point center, struct point *p)
{
	double a = 2 * M_PI * k / n;

	p->x = center.x + radius.x * sin(a);
	p->y = center.y - radius.y * cos(a);
}

static int stroke_width(__u64 count)
{
	int bits = 0;

	while (count >>= 1)
		bits++;
	return 1 + (bits > 12 ? 6 : bits / 2);
}

static void print_node_label(FILE *out, const struct wakeup_node *n)
{
	if (n->merged) {
		fprintf(out, "%zu other processes", n->merged);
		return;
	}
	if (!n->pid) {
		fputs(NO_TASK_WAKER, out);
		return;
	}
	fprintf(out, "%u ", n->pid);
	html_text(out, n->comm);
}

/* the hub of a star (a parent and its workers) is drawn in the middle */
static bool is_hub(const struct wakeup_graph *g, size_t node)
{
	size_t neighbours = 0;

	if (g->nnodes < 4)
		return false;
	for (size_t other = 0; other < g->nnodes; other++) {
		if (other == node)
			continue;
		for (size_t j = 0; j < g->nlinks; j++) {
			const struct wakeup_link *l = &g->links[j];

			if ((l->waker == node && l->wakee == other) ||
			    (l->wakee == node && l->waker == other)) {
				neighbours++;
				break;
			}
		}
	}
	return neighbours * 2 >= g->nnodes - 1;
}

/* hub: node 0 is in the middle, where its links' labels would pile up */
static void print_link(FILE *out, const struct wakeup_graph *g, const struct point *pos,
		       size_t index, bool hub, bool label)
{
	const struct wakeup_link *l = &g->links[index];
	struct point a = pos[l->waker], b = pos[l->wakee], c, mid;
	double dx = b.x - a.x, dy = b.y - a.y, len = sqrt(dx * dx + dy * dy), bend, t;
	int parallel = 0;

	for (size_t j = 0; j < index; j++)
		if (g->links[j].waker == l->waker && g->links[j].wakee == l->wakee)
			parallel++;
	fprintf(out, "<g><title>");
	print_node_label(out, &g->nodes[l->waker]);
	fputs(" wakes ", out);
	print_node_label(out, &g->nodes[l->wakee]);
	fprintf(out, ": %s &times;%llu</title>", mechanism_name(l->mechanism),
		(unsigned long long)l->count);
	if (l->waker == l->wakee) {
		/* a loop above the node: wake-ups within the merged others */
		fprintf(out, "<path d=\"M%.1f %.1f c-22 -36 30 -36 8 0\" fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"%d\"/>", px(a.x - 4), px(a.y - NODE_R), mechanism_color(l->mechanism),
			stroke_width(l->count));
		mid.x = a.x;
		mid.y = a.y - NODE_R - 30;
	} else {
		/* bend to the right of the direction: a->b and b->a never overlap */
		bend = 16 + 22 * parallel;
		c.x = (a.x + b.x) / 2 - dy / len * bend;
		c.y = (a.y + b.y) / 2 + dx / len * bend;
		/* start and end at the node's rim, not its centre */
		{
			double ax = c.x - a.x, ay = c.y - a.y, al = sqrt(ax * ax + ay * ay);
			double bx = c.x - b.x, by = c.y - b.y, bl = sqrt(bx * bx + by * by);

			a.x += ax / al * (NODE_R + 2);
			a.y += ay / al * (NODE_R + 2);
			b.x += bx / bl * (NODE_R + 4);
			b.y += by / bl * (NODE_R + 4);
		}
		fprintf(out, "<path d=\"M%.1f %.1f Q%.1f %.1f %.1f %.1f\" fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"%d\" stroke-opacity=\"0.8\" marker-end=\"url(#arrow-%d)\"/>",
			px(a.x), px(a.y), px(c.x), px(c.y), px(b.x), px(b.y), mechanism_color(l->mechanism),
			stroke_width(l->count),
			l->mechanism);
		/* the label on the curve: halfway, or out towards the ring from a hub */
		t = !hub ? 0.5 : l->waker == 0 ? 0.68 : l->wakee == 0 ? 0.32 : 0.5;
		mid.x = (1 - t) * (1 - t) * a.x + 2 * t * (1 - t) * c.x + t * t * b.x;
		mid.y = (1 - t) * (1 - t) * a.y + 2 * t * (1 - t) * c.y + t * t * b.y;
	}
	if (label)
		fprintf(out, "<text class=\"small halo\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
			"%s &times;%llu</text>", px(mid.x), px(mid.y + 3), mechanism_name(l->mechanism),
			(unsigned long long)l->count);
	fputs("</g>\n", out);
}

static void print_graph_svg(FILE *out, const struct wakeup_graph *g)
{
	struct point pos[GRAPH_NODES_MAX], center;
	bool hub = is_hub(g, 0), used[MECH__COUNT] = {};
	size_t ring = g->nnodes - (hub ? 1 : 0);
	struct point radius;
	int height;

	/* an ellipse, wider than tall: the labels beside the nodes need the room */
	radius.y = ring * 16.0;
	if (radius.y < 170)
		radius.y = 170;
	if (radius.y > 290)
		radius.y = 290;
	radius.x = radius.y * 1.15;
	height = 2 * radius.y + 90;
	center.x = GRAPH_W / 2.0;
	center.y = radius.y + 45;
	for (size_t i = 0; i < g->nnodes; i++) {
		if (hub && i == 0)
			pos[0] = center;
		else
			ring_position(i - (hub ? 1 : 0), ring, radius, center, &pos[i]);
	}
	fprintf(out, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"wake-up graph\">\n<defs>", GRAPH_W, height, GRAPH_W, height);
	for (size_t i = 0; i < g->nlinks; i++)
		used[g->links[i].mechanism] = true;
	for (int mech = 0; mech < MECH__COUNT; mech++)
		if (used[mech])
			fprintf(out, "<marker id=\"arrow-%d\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
				"markerWidth=\"7\" markerHeight=\"7\" markerUnits=\"userSpaceOnUse\" "
				"orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"%s\"/></marker>",
				mech, mechanism_color(mech));
	fputs("</defs>\n", out);
	/* the busiest links last, on top, and labelled */
	for (size_t i = g->nlinks; i-- > 0;)
		print_link(out, g, pos, i, hub, i < GRAPH_LABELS_MAX);
	for (size_t i = 0; i < g->nnodes; i++) {
		const struct wakeup_node *n = &g->nodes[i];
		double dx = pos[i].x - center.x, dy = pos[i].y - center.y;
		double len = sqrt(dx * dx + dy * dy), lx, ly;
		const char *anchor = "middle";

		if (len < 1) { /* the hub: label above right, clear of most arrows */
			lx = pos[i].x + NODE_R + 4;
			ly = pos[i].y - NODE_R - 4;
			anchor = "start";
		} else {
			lx = pos[i].x + dx / len * (NODE_R + 8);
			ly = pos[i].y + dy / len * (NODE_R + 8) + 4;
			if (dx / len > 0.1)
				anchor = "start";
			else if (dx / len < -0.1)
				anchor = "end";
			else if (dy < 0)
				ly -= 4;
			else
				ly += 8;
		}
		fprintf(out, "<g><title>");
		print_node_label(out, n);
		fprintf(out, ": %llu wake-ups sent or received</title>"
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" stroke=\"#333\"/>"
			"<text class=\"halo\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
			(unsigned long long)n->wakeups, px(pos[i].x), px(pos[i].y), NODE_R,
			n->merged ? "#ddd" : n->pid ? "#fff" : "#eee", px(lx), px(ly), anchor);
		print_node_label(out, n);
		fputs("</text></g>\n", out);
	}
	fputs("</svg>\n<p class=\"legend\">", out);
	for (int mech = 0; mech < MECH__COUNT; mech++)
		if (used[mech]) {
			fputs("<span>", out);
			swatch(out, mech);
			fprintf(out, "%s</span>", mechanism_name(mech));
		}
	fputs("</p>\n", out);
}

static void print_edge_table(FILE *out, const struct summary *s)
{
	fputs("<table>\n<tr><th>count</th><th class=\"l\">mechanism</th><th class=\"l\">waker</th>"
	      "<th class=\"l\">wakee</th></tr>\n", out);
	for (size_t i = 0; i < s->nedges && i < EDGE_ROWS_MAX; i++) {
		const struct edge_row *e = &s->edges[i];

		fprintf(out, "<tr><td>%llu</td><td class=\"l\">", (unsigned long long)e->count);
		swatch(out, e->mechanism);
		fprintf(out, "%s</td><td class=\"l\">", mechanism_name(e->mechanism));
		if (e->waker_pid) {
			fprintf(out, "%u ", e->waker_pid);
			html_text(out, e->waker_comm);
		} else {
			fputs(NO_TASK_WAKER, out);
		}
		fprintf(out, "</td><td class=\"l\">%u ", e->wakee_pid);
		html_text(out, e->wakee_comm);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
	if (s->nedges > EDGE_ROWS_MAX)
		fprintf(out, "<p class=\"note\">%zu more edges in the JSON output</p>\n",
			s->nedges - EDGE_ROWS_MAX);
}

static int print_wakeup_graph(FILE *out, const struct summary *s)
{
	struct wakeup_graph g;

	fputs("<h2>Wake-up graph</h2>\n", out);
	if (!s->nedges) {
		fputs("<p class=\"note\">no wake-ups between traced tasks</p>\n", out);
		return 0;
	}
	if (summary_wakeup_graph(s, GRAPH_NODES_MAX, &g))
		return -1;
	fputs("<p class=\"meta\">who wakes whom: an arrow from waker to wakee per mechanism, "
	      "labelled with the count", out);
	if (g.nnodes && g.nodes[g.nnodes - 1].merged)
		fprintf(out, "; the %zu quietest processes share one node",
			g.nodes[g.nnodes - 1].merged);
	fputs("</p>\n", out);
	print_graph_svg(out, &g);
	wakeup_graph_free(&g);
	print_edge_table(out, s);
	return 0;
}

/* ---- locks, signals, what was lost ---- */

static void print_locks(FILE *out, const struct summary *s)
{
	if (!s->nlocks)
		return;
	fputs("<h2>Contended locks</h2>\n<table>\n<tr><th class=\"l\">mechanism</th>"
	      "<th class=\"l\">kind</th><th class=\"l\">lock</th><th>waiters</th><th>waits</th>"
	      "<th>total (ms)</th><th>max (ms)</th><th class=\"l\">callers</th></tr>\n", out);
	for (size_t i = 0; i < s->nlocks; i++) {
		const struct lock_row *l = &s->locks[i];

		fputs("<tr><td class=\"l\">", out);
		swatch(out, l->mechanism);
		fprintf(out, "%s</td><td class=\"l\">%s</td><td class=\"l\"><code>",
			mechanism_name(l->mechanism), lock_kind_name(l->kind));
		html_text(out, l->key);
		fprintf(out, "</code></td><td>%u</td><td>%llu</td><td>%.3f</td><td>%.3f</td>"
			"<td class=\"l\">", l->waiters, (unsigned long long)l->count, ms(l->total_ns),
			ms(l->max_ns));
		for (size_t c = 0; c < l->ncallers; c++) {
			fputs(c ? "<br><code>" : "<code>", out);
			html_text(out, l->callers[c]);
			fputs("</code>", out);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void print_signals(FILE *out, const struct summary *s)
{
	struct signal_row rows[SIGNALS_MAX];
	size_t n = summary_signal_rows(s, rows);

	if (!n)
		return;
	fputs("<h2>Signals</h2>\n<table>\n<tr><th class=\"l\">signal</th>"
	      "<th>generated</th><th>delivered</th><th>ignored</th>"
	      "<th>avg latency (&micro;s)</th><th>max latency (&micro;s)</th></tr>\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct signal_stats *st = rows[i].stats;

		fprintf(out, "<tr><td class=\"l\">%s</td><td>%llu</td><td>%llu</td><td>%llu</td>"
			"<td>%.2f</td><td>%.2f</td></tr>\n", rows[i].name,
			(unsigned long long)st->generated, (unsigned long long)st->delivered,
			(unsigned long long)st->ignored, rows[i].avg_latency_us, us(st->latency_max_ns));
	}
	fputs("</table>\n", out);
}

static void print_footer(FILE *out, const struct summary *s)
{
	fputs("<h2>Completeness</h2>\n<table>\n", out);
	for (size_t i = 0; i < s->nunavailable; i++) {
		fputs("<tr><td class=\"l\">unavailable: ", out);
		html_text(out, s->unavailable[i].feature);
		fputs("</td><td class=\"l\">", out);
		html_text(out, s->unavailable[i].reason);
		fputs("</td></tr>\n", out);
	}
	for (size_t i = 0; i < drop_field_count; i++)
		fprintf(out, "<tr><td class=\"l\">lost: %s</td><td class=\"l\">%llu</td></tr>\n",
			drop_fields[i].label,
			(unsigned long long)drop_value(&s->drops, &drop_fields[i]));
	fprintf(out, "<tr><td class=\"l\">lost: timeline events</td><td class=\"l\">%llu</td></tr>\n",
		(unsigned long long)s->lost_events);
	for (size_t i = 0; i < drop_note_count; i++)
		fprintf(out, "<tr><td class=\"l\">%s: %s</td><td class=\"l\">%llu</td></tr>\n",
			drop_notes[i].heading, drop_notes[i].label,
			(unsigned long long)drop_value(&s->drops, &drop_notes[i]));
	fputs("</table>\n", out);
}

int render_html(FILE *out, const struct summary *s, bool hist)
{
	int err;

	(void)hist; /* the page always draws its histograms */

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"ipctrace\">\n<title>", out);
	print_title(out, s);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	print_header(out, s);
	print_mechanism_table(out, s);
	print_bar_charts(out, s);
	print_syscall_table(out, s);
	print_group_table(out, s);
	print_histograms(out, s);
	err = print_wakeup_graph(out, s);
	print_locks(out, s);
	print_signals(out, s);
	print_footer(out, s);
	fputs("</body>\n</html>\n", out);
	return err || ferror(out) ? -1 : 0;
}
