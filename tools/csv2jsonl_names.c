/*
 * csv2jsonl's columns: keys from the header cells, written as JSON, and
 * their duplicates (an error, or renamed with -r).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "csv2jsonl.h"

/* The key as written: "name" with JSON escapes, between prefix and colon. */
static void
set_prefix(struct column *col, size_t i, unsigned long *bad_utf8)
{
	struct wbuf w;

	free(col->prefix);
	wbuf_init(&w, -1, NULL, 16);
	wbuf_put(&w, i == 0 ? "{" : ",", 1);
	json_write_string(&w, col->name, col->namelen, bad_utf8);
	wbuf_putc(&w, ':');
	wbuf_reserve(&w, WIDE_SLACK);	/* written with wide_copy */
	col->prefix = w.buf;
	col->prefixlen = w.len;
}

/*
 * Keys are compared as written, not as read: two header cells whose bad
 * UTF-8 both becomes U+FFFD would otherwise give one object two equal keys.
 */
static int
same_key(const struct column *x, const struct column *y)
{
	return x->prefixlen == y->prefixlen &&
	    memcmp(x->prefix + 1, y->prefix + 1, x->prefixlen - 1) == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	const struct column *x = *(struct column *const *)a;
	const struct column *y = *(struct column *const *)b;
	size_t n = x->prefixlen < y->prefixlen ? x->prefixlen : y->prefixlen;
	int c = memcmp(x->prefix + 1, y->prefix + 1, n - 1);

	if (c == 0)
		c = (x->prefixlen > y->prefixlen) - (x->prefixlen < y->prefixlen);
	return c != 0 ? c : (x < y ? -1 : x > y);
}

static int
key_taken(const struct conv *cv, const struct column *col)
{
	size_t i;

	for (i = 0; i < cv->ncols; i++)
		if (&cv->cols[i] != col && same_key(&cv->cols[i], col))
			return 1;
	return 0;
}

int
column_named(const struct conv *cv, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < cv->ncols; i++)
		if (cv->cols[i].namelen == n && memcmp(cv->cols[i].name, name, n) == 0)
			return 1;
	return 0;
}

static void
rename_column(struct conv *cv, struct column *col)
{
	char *raw = col->name, *name = xmalloc(col->namelen + 24);
	size_t n = col->namelen;
	unsigned long k = 2, bad = 0;

	memcpy(name, raw, n);
	col->name = name;
	do {
		col->namelen = n + (size_t)snprintf(name + n, 24, "_%lu", k++);
		set_prefix(col, (size_t)(col - cv->cols), &bad);
	} while (key_taken(cv, col));
	free(raw);
}

/* Duplicate keys are an error, or renamed name_2, name_3... with -r. */
static int
check_duplicates(struct conv *cv)
{
	struct column **by = xmalloc(cv->ncols * sizeof(*by)), *first;
	size_t i;
	int rc = 0;

	for (i = 0; i < cv->ncols; i++)
		by[i] = &cv->cols[i];
	qsort(by, cv->ncols, sizeof(*by), cmp_names);
	for (i = 1, first = by[0]; i < cv->ncols && rc == 0; i++) {
		if (!same_key(by[i], first))
			first = by[i];
		else if (cv->o->rename)
			rename_column(cv, by[i]);
		else {
			warnx("%s:%llu: duplicate column name %.*s (columns %zu "
			    "and %zu); use --rename-duplicates", cv->csv.name,
			    cv->csv.rec_line, (int)by[i]->prefixlen - 2,
			    by[i]->prefix + 1, (size_t)(first - cv->cols) + 1,
			    (size_t)(by[i] - cv->cols) + 1);
			rc = -1;
		}
	}
	free(by);
	return rc;
}

/*
 * Kept here, in the lowest layer that writes JSON text (the keys), so that
 * the record writer above calls down to it, never the other way.
 */
void
note_bad_utf8(struct conv *cv, unsigned long before, unsigned long long line)
{
	if (before == 0 && cv->bad_utf8 != 0)
		cv->bad_utf8_line = line;
}

/* Header cells are data too: kept whole, NUL and bad UTF-8 included. */
int
columns_from_header(struct conv *cv)
{
	const struct field *f = cv->csv.fields;
	struct column *col;
	unsigned long before = cv->bad_utf8;
	size_t i;

	cv->ncols = cv->csv.nfields;
	cv->cols = calloc(cv->ncols, sizeof(*cv->cols));
	if (cv->cols == NULL)
		err(EXIT_FAIL, NULL);
	for (i = 0; i < cv->ncols; i++) {
		col = &cv->cols[i];
		if (cv->o->no_header || f[i].len == 0) {
			col->name = xmalloc(24);
			col->namelen = (size_t)snprintf(col->name, 24, "_c%zu", i);
		} else {
			col->name = xmalloc(f[i].len + 1);
			col->namelen = csv_undouble(&f[i], col->name);
		}
		col->name[col->namelen] = '\0';
		col->maybe_number = col->maybe_boolean = 1;
		set_prefix(col, i, &cv->bad_utf8);
	}
	note_bad_utf8(cv, before, cv->csv.rec_line);
	return check_duplicates(cv);
}
