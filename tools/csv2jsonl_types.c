/*
 * csv2jsonl's column types: what each value looks like, and the first rows
 * held back until the types of their columns are known (csv2jsonl_write.c
 * writes them).
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"
#include "csv2jsonl.h"

/* Digits of an integer (no sign): which schema type holds it exactly. */
static enum numkind
integer_kind(const char *d, size_t n, int neg)
{
	if (n < 19 || (n == 19 && memcmp(d, neg ? "9223372036854775808" :
	    "9223372036854775807", 19) <= 0))
		return NUM_INT64;
	return n <= 38 ? NUM_DEC38 : NUM_LONGINT;
}

enum numkind
number_kind(const char *s, size_t n)
{
	size_t i = 0, d;
	int neg = 0;

	if (i < n && s[i] == '-')
		i = neg = 1;
	if (i < n && s[i] == '0')
		i++;
	else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return NUM_NONE;
	}
	if (i == n)
		return integer_kind(s + neg, n - (size_t)neg, neg);
	if (s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return NUM_NONE;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return NUM_NONE;
	}
	return i == n ? NUM_REAL : NUM_NONE;
}

/*
 * number_kind for a value with WIDE_SLACK readable bytes after it. The
 * common shapes, -?D+ and -?D+.D+ in up to sixteen bytes, are told from
 * masks of digits and dots over the whole field at once; anything else
 * (exponents, leading zeros, longer values, not numbers) goes to
 * number_kind, which stays the one definition of what a number is.
 */
enum numkind
number_kind_wide(const char *s, size_t n)
{
#ifdef __SSE2__
	__m128i x;
	unsigned all, dig, dot, neg;

	if (n == 0 || n > 16)
		return number_kind(s, n);
	x = _mm_loadu_si128((const __m128i *)(const void *)s);
	all = (1u << n) - 1;
	dig = (unsigned)_mm_movemask_epi8(_mm_and_si128(
	    _mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
	    _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)))) & all;
	dot = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
	    _mm_set1_epi8('.'))) & all;
	neg = s[0] == '-';
	if ((dig | dot | neg) != all || (dot & (dot - 1)) != 0 ||
	    (dig >> neg & 1) == 0 || (s[neg] == '0' && n > neg + 1 &&
	    s[neg + 1] != '.'))
		return number_kind(s, n);
	if (dot != 0)
		return dot >> (n - 1) & 1 ? NUM_NONE : NUM_REAL;
	return integer_kind(s + neg, n - neg, (int)neg);
#else
	return number_kind(s, n);
#endif
}

int
is_number(const char *s, size_t n)
{
	return number_kind(s, n) != NUM_NONE;
}

/*
 * 1 for true, 0 for false, -1 for neither. Compares of a constant length,
 * which the compiler does inline: no call per value of a boolean column.
 */
int
boolean_value(const char *s, size_t n)
{
	if (n == 4)
		return memcmp(s, "true", 4) == 0 || memcmp(s, "True", 4) == 0 ||
		    memcmp(s, "TRUE", 4) == 0 ? 1 : -1;
	if (n == 5)
		return memcmp(s, "false", 5) == 0 ||
		    memcmp(s, "False", 5) == 0 ||
		    memcmp(s, "FALSE", 5) == 0 ? 0 : -1;
	return -1;
}

static enum coltype
forced_type(const struct conv *cv, const struct column *col)
{
	size_t i;
	enum coltype t = T_AUTO;

	for (i = 0; i < cv->o->ntypes; i++)
		if (strlen(cv->o->types[i].col) == col->namelen &&
		    memcmp(cv->o->types[i].col, col->name, col->namelen) == 0)
			t = cv->o->types[i].type;
	return t;
}

void
check_forced_types(const struct conv *cv)
{
	size_t i;

	for (i = 0; i < cv->o->ntypes; i++)
		if (!column_named(cv, cv->o->types[i].col))
			errx(EXIT_USAGE, "%s: --type: no column named \"%s\"",
			    cv->csv.name, cv->o->types[i].col);
}

static void
observe(struct column *col, const char *s, size_t n)
{
	if (n == 0)
		return;
	col->seen = 1;
	if (col->maybe_number && !is_number(s, n))
		col->maybe_number = 0;
	if (col->maybe_boolean && boolean_value(s, n) == -1)
		col->maybe_boolean = 0;
}

void
decide_types(struct conv *cv)
{
	struct column *col;
	size_t i;

	for (i = 0; i < cv->ncols; i++) {
		col = &cv->cols[i];
		if (cv->o->strings)
			col->type = T_STRING;
		else if ((col->type = forced_type(cv, col)) != T_AUTO)
			;
		else if (col->seen && col->maybe_number)
			col->type = T_NUMBER;
		else if (col->seen && col->maybe_boolean)
			col->type = T_BOOLEAN;
		else
			col->type = T_STRING;
	}
	cv->typed = 1;
}

/*
 * Keeps a record (quotes undoubled) until the types are decided. A record
 * that fills most of the reader's buffer keeps that buffer, undoubled in
 * place, rather than a copy: a huge field is then held once, not twice.
 */
void
hold_record(struct conv *cv)
{
	const struct field *f = cv->csv.fields;
	struct held *h;
	size_t i, total = 0;

	if (cv->nheld == 0)
		cv->held = xmalloc((size_t)cv->o->infer_rows * sizeof(*cv->held));
	h = &cv->held[cv->nheld++];
	for (i = 0; i < cv->ncols; i++)
		total += f[i].len;
	h->line = cv->csv.rec_line;
	h->off = xmalloc((cv->ncols + 1) * sizeof(*h->off));
	if (total >= cv->csv.cap / 2) {
		h->mem = csv_take_buffer(&cv->csv);
		h->data = h->mem + (f[0].p - h->mem);
	} else
		h->data = h->mem = xmalloc(total + WIDE_SLACK);
	h->off[0] = 0;
	for (i = 0; i < cv->ncols; i++) {
		h->off[i + 1] = h->off[i] + csv_undouble(&f[i], h->data + h->off[i]);
		observe(&cv->cols[i], h->data + h->off[i], h->off[i + 1] - h->off[i]);
	}
}
