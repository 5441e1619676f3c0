/*
 * csv2jsonl's records as JSON objects, each value with its column's type,
 * and the records held back while the types were being decided.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

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
		cv->scratch = xrealloc(cv->scratch, n + WIDE_SLACK);
	}
	return cv->scratch;
}

/*
 * A longer value goes through write_value, whose output grows by runs: the
 * 6 * n bytes write_fast reserves would otherwise hold a huge field six
 * times over.
 */
#define FAST_MAX 4096

/*
 * The common case of write_value, for a value of up to FAST_MAX bytes with
 * WIDE_SLACK readable after it: its key and value are written straight into
 * room reserved once, in wide copies; 0 when it needs write_value instead
 * (a misfit to report).
 */
static int
write_fast(struct conv *cv, struct column *col, const char *s, size_t n)
{
	char *d = wbuf_reserve(cv->out, col->prefixlen + 6 * n + 2 + WIDE_SLACK);
	size_t len = col->prefixlen;
	enum numkind k = NUM_NONE;
	int b = -1;

	if (col->type == T_NUMBER && (k = number_kind_wide(s, n)) == NUM_NONE)
		return 0;
	if (col->type == T_BOOLEAN && (b = boolean_value(s, n)) == -1)
		return 0;
	wide_copy(d, col->prefix, len);
	if (b != -1) {
		memcpy(d + len, b ? "true" : "false", 5);	/* slack */
		len += b ? 4 : 5;
		col->written |= W_BOOLEAN;
	} else if (k != NUM_NONE) {
		wide_copy(d + len, s, n);
		len += n;
		col->written |= 1u << k;
	} else {
		len += json_put_string_wide(d + len, s, n, &cv->bad_utf8);
		col->written |= W_STRING;
	}
	cv->out->len += len;
	return 1;
}

void
write_record(struct conv *cv, const struct field *f, unsigned long long line)
{
	unsigned long before = cv->bad_utf8;
	struct column *col;
	const char *s;
	size_t i, n;

	for (i = 0; i < cv->ncols; i++) {
		col = &cv->cols[i];
		s = f[i].p;
		n = f[i].len;
		if (f[i].doubled) {
			s = scratch(cv, n);
			n = csv_undouble(&f[i], cv->scratch);
		}
		if (n == 0 || n > FAST_MAX || !write_fast(cv, col, s, n)) {
			wbuf_put(cv->out, col->prefix, col->prefixlen);
			write_value(cv, col, s, n, line);
		}
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

