/*
 * csv2jsonl's records as JSON objects, each value with its column's type,
 * and the records held back while the types were being decided.
 */
#include <err.h>
#include <stdlib.h>

#include "util.h"
#include "csv2jsonl.h"

#define MAX_REPORTS 10

static const char *
type_name(enum coltype t)
{
	return t == T_NUMBER ? "number" : t == T_BOOLEAN ? "boolean" : "string";
}

static void
misfit(struct conv *cv, const struct column *col, const char *s, size_t n,
    unsigned long long line)
{
	if (++cv->misfits <= MAX_REPORTS)
		warnx("%s:%llu: column %.*s: \"%.*s\" is not a %s; written as "
		    "a string", cv->csv.name, line, (int)col->prefixlen - 2,
		    col->prefix + 1,
		    n > 40 ? 40 : (int)n, s, type_name(col->type));
}

static void
write_value(struct conv *cv, struct column *col, const char *s, size_t n,
    unsigned long long line)
{
	enum numkind k;
	int b;

	if (n == 0) {
		wbuf_put(cv->out, cv->o->strings ? "\"\"" : "null", cv->o->strings ? 2 : 4);
		col->written |= cv->o->strings ? W_STRING : W_NULL;
		return;
	}
	if (col->type == T_NUMBER) {
		if ((k = number_kind(s, n)) != NUM_NONE) {
			wbuf_put(cv->out, s, n);
			col->written |= 1u << k;
			return;
		}
		misfit(cv, col, s, n, line);
	} else if (col->type == T_BOOLEAN) {
		if ((b = boolean_value(s, n)) != -1) {
			wbuf_put(cv->out, b ? "true" : "false", b ? 4 : 5);
			col->written |= W_BOOLEAN;
			return;
		}
		misfit(cv, col, s, n, line);
	}
	col->written |= W_STRING;
	json_write_string(cv->out, s, n, &cv->bad_utf8);
}

static char *
scratch(struct conv *cv, size_t n)
{
	if (cv->scratchcap < n) {
		cv->scratchcap = n;
		cv->scratch = xrealloc(cv->scratch, n);
	}
	return cv->scratch;
}

void
write_record(struct conv *cv, const struct field *f, unsigned long long line)
{
	unsigned long before = cv->bad_utf8;
	const char *s;
	size_t i, n;

	for (i = 0; i < cv->ncols; i++) {
		wbuf_put(cv->out, cv->cols[i].prefix, cv->cols[i].prefixlen);
		s = f[i].p;
		n = f[i].len;
		if (f[i].doubled) {
			s = scratch(cv, n);
			n = csv_undouble(&f[i], cv->scratch);
		}
		write_value(cv, &cv->cols[i], s, n, line);
	}
	wbuf_put(cv->out, "}\n", 2);
	note_bad_utf8(cv, before, line);
}


void
release_held(struct conv *cv)
{
	struct field *f = xmalloc((cv->ncols + 1) * sizeof(*f));
	struct held *h;
	size_t r, i;

	decide_types(cv);
	for (r = 0; r < cv->nheld; r++) {
		h = &cv->held[r];
		for (i = 0; i < cv->ncols; i++) {
			f[i].p = h->data + h->off[i];
			f[i].len = h->off[i + 1] - h->off[i];
			f[i].doubled = 0;
		}
		write_record(cv, f, h->line);
		free(h->off);
		free(h->mem);
	}
	free(f);
	free(cv->held);
	cv->held = NULL;
	cv->nheld = 0;
}

