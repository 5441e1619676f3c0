/*
 * csv2jsonl's reader: RFC 4180 records from a file descriptor, read in large
 * blocks; fields point into the block, so nothing is copied on the hot path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"
#include "csv2jsonl.h"

#define CSV_BLOCK (1024 * 1024)

void
csv_open(struct csv *c, int fd, const char *name, unsigned char delim)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->name = name;
	c->delim = delim;
	c->stop[delim] = c->stop['\n'] = c->stop['\r'] = c->stop['"'] = 1;
	c->cap = CSV_BLOCK;
	c->buf = xmalloc(c->cap);
	c->line = 1;
	c->fcap = 64;
	c->fields = xmalloc(c->fcap * sizeof(*c->fields));
}

void
csv_close(struct csv *c)
{
	free(c->buf);
	free(c->fields);
	c->buf = NULL;
	c->fields = NULL;
}

/* Reads more (the buffer grows when one record fills it). */
static int
refill(struct csv *c)
{
	ssize_t n = input_fill(c->fd, &c->buf, &c->start, &c->end, &c->cap);

	if (n == -1)
		return -1;
	if (n == 0)
		c->eof = 1;
	/* A UTF-8 byte-order mark at the very start is not data. */
	if (c->line == 1 && c->end == (size_t)n && n >= 3 &&
	    memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0) {
		memmove(c->buf, c->buf + 3, (size_t)n - 3);
		c->end -= 3;
	}
	return 0;
}

static void
add_field(struct csv *c, const char *p, size_t len, int doubled)
{
	if (c->nfields == c->fcap) {
		c->fcap *= 2;
		c->fields = xrealloc(c->fields, c->fcap * sizeof(*c->fields));
	}
	c->fields[c->nfields].p = p;
	c->fields[c->nfields].len = len;
	c->fields[c->nfields].doubled = doubled;
	c->nfields++;
}

/*
 * The hot path: where an unquoted field ends (delimiter, CR, LF or quote),
 * sixteen bytes at a time with SSE2 where the machine has it; the caller
 * finishes the last few bytes.
 */
static const char *
scan_unquoted(const struct csv *c, const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i d = _mm_set1_epi8((char)c->delim);
	const __m128i lf = _mm_set1_epi8('\n'), q = _mm_set1_epi8('"');
	const __m128i cr = _mm_set1_epi8('\r');
	__m128i x;
	int m;

	while (end - p >= 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)p);
		m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, lf)),
		    _mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, cr))));
		if (m != 0)
			return p + __builtin_ctz((unsigned)m);
		p += 16;
	}
#else
	(void)c;
	(void)end;
#endif
	return p;
}

enum { PARSED, NEED_MORE, BAD };

/*
 * Line ends in p..q, for the line numbers of messages: LF, CRLF, and a lone
 * CR (old Mac files). A CR at q - 1 counts as lone: the caller knows that
 * q holds something other than LF.
 */
static unsigned long long
line_ends(const char *p, const char *q)
{
	unsigned long long n = 0;

	for (; p < q; p++)
		n += *p == '\n' || (*p == '\r' && (p + 1 == q || p[1] != '\n'));
	return n;
}

/*
 * At a CR after a field: PARSED when the record ends here (CRLF, or a lone
 * CR as Python's csv module and Miller read it), moving *pp to the LF of a
 * CRLF; NEED_MORE when the byte after the CR has not been read yet.
 */
static int
at_cr(const struct csv *c, const char **pp, const char *end)
{
	const char *p = *pp;

	if (p + 1 == end && !c->eof)
		return NEED_MORE;
	if (p + 1 < end && p[1] == '\n')
		*pp = p + 1;
	return PARSED;
}

/*
 * Finds *qp, the closing quote of the quoted field whose text starts at f.
 * When the input runs out first, the scan position is kept in c->hint for
 * the call after the refill: a quote left open over a huge input is then
 * read once, not once per refill.
 */
static int
scan_quoted(struct csv *c, const char *f, const char **qp,
    unsigned long long *nl, int *doubled)
{
	const char *base = c->buf + c->start, *end = c->buf + c->end;
	const char *p = f, *q, *stop;

	*doubled = 0;
	if (c->hint.field == (size_t)(f - base)) {
		p = base + c->hint.pos;
		*nl = c->hint.nl;
		*doubled = c->hint.doubled;
	}
	for (;;) {
		q = memchr(p, '"', (size_t)(end - p));
		if (q != NULL && (q + 1 < end || c->eof)) {
			*nl += line_ends(p, q);
			if (q + 1 == end || q[1] != '"') {
				*qp = q;
				return PARSED;
			}
			*doubled = 1;
			p = q + 2;
			continue;
		}
		if (c->eof)
			return BAD;
		/* A CR at the end may be half of a CRLF: counted next time. */
		stop = q != NULL ? q : end;
		if (q == NULL && stop > p && stop[-1] == '\r')
			stop--;
		*nl += line_ends(p, stop);
		c->hint.field = (size_t)(f - base);
		c->hint.pos = (size_t)(stop - base);
		c->hint.nl = *nl;
		c->hint.doubled = *doubled;
		return NEED_MORE;
	}
}

/* A field's ends: another field follows (the delimiter passed), or the record ends. */
enum { NEXT_FIELD = BAD + 1 };

static int
bad_at(struct csv *c, const char *p, const char *why)
{
	c->error = why;
	c->errpos = (size_t)(p - (c->buf + c->start));
	return BAD;
}

/*
 * The quoted field at *pp (on its opening quote): NEXT_FIELD past the
 * delimiter, or PARSED with *pp at the record's line end or the input's end.
 */
static int
parse_quoted(struct csv *c, const char **pp, unsigned long long *nl)
{
	const char *end = c->buf + c->end, *f = *pp + 1, *q, *p;
	int doubled, r;

	if ((r = scan_quoted(c, f, &q, nl, &doubled)) != PARSED)
		return r;
	add_field(c, f, (size_t)(q - f), doubled);
	p = q + 1;
	if (p == end && !c->eof)
		return NEED_MORE;
	if (p < end && *p == c->delim) {
		*pp = p + 1;
		return NEXT_FIELD;
	}
	if (p < end && *p == '\r' && at_cr(c, &p, end) == NEED_MORE)
		return NEED_MORE;
	if (p < end && *p != '\n' && *p != '\r')
		return bad_at(c, p, "text after a closing quote");
	*pp = p;
	return PARSED;
}

/* The unquoted field at *pp: as parse_quoted. */
static int
parse_unquoted(struct csv *c, const char **pp)
{
	const char *end = c->buf + c->end, *f = *pp, *p, *q;

	p = scan_unquoted(c, f, end);
	/* The tail: one table look-up per byte, four at a time. */
	while (end - p >= 4 && !c->stop[(unsigned char)p[0]] &&
	    !c->stop[(unsigned char)p[1]] &&
	    !c->stop[(unsigned char)p[2]] &&
	    !c->stop[(unsigned char)p[3]])
		p += 4;
	while (p < end && !c->stop[(unsigned char)*p])
		p++;
	if (p < end && *p == '"')
		return bad_at(c, p, "quote inside an unquoted field");
	if (p < end && *p == c->delim) {
		add_field(c, f, (size_t)(p - f), 0);
		*pp = p + 1;
		return NEXT_FIELD;
	}
	if (p == end && !c->eof)
		return NEED_MORE;
	q = p;
	if (p < end && *p == '\r' && at_cr(c, &p, end) == NEED_MORE)
		return NEED_MORE;
	add_field(c, f, (size_t)(q - f), 0);
	*pp = p;
	return PARSED;
}

/*
 * Parses one record at buf[start..end). On PARSED, *used is its length with
 * its line end and *lines the line ends it holds.
 */
static int
parse_record(struct csv *c, size_t *used, unsigned long long *lines)
{
	const char *end = c->buf + c->end, *p = c->buf + c->start;
	unsigned long long nl = 0;
	int r;

	c->nfields = 0;
	do
		r = p < end && *p == '"' ? parse_quoted(c, &p, &nl) :
		    parse_unquoted(c, &p);
	while (r == NEXT_FIELD);
	if (r != PARSED)
		return r;
	/* Here p is at the record's LF or lone CR, or at the end of the input. */
	if (p < end) {
		p++;
		nl++;
	}
	*used = (size_t)(p - (c->buf + c->start));
	*lines = nl;
	return PARSED;
}

/* Blank lines between records are skipped; returns 0 at end of input. */
static int
skip_blank(struct csv *c)
{
	for (;;) {
		if (c->start == c->end) {
			if (c->eof)
				return 0;
			if (refill(c) == -1)
				return -1;
			continue;
		}
		if (c->buf[c->start] == '\n') {
			c->start++;
			c->line++;
		} else if (c->buf[c->start] == '\r') {
			if (c->start + 1 == c->end && !c->eof) {
				if (refill(c) == -1)
					return -1;
				continue;
			}
			/* CRLF, or a lone CR: an empty line either way. */
			c->start += c->start + 1 < c->end &&
			    c->buf[c->start + 1] == '\n' ? 2 : 1;
			c->line++;
		} else
			return 1;
	}
}

int
csv_next(struct csv *c)
{
	size_t used;
	unsigned long long lines;
	int r;

	c->error = NULL;
	if ((r = skip_blank(c)) <= 0)
		return r;
	c->rec_line = c->line;
	memset(&c->hint, 0, sizeof(c->hint));
	while ((r = parse_record(c, &used, &lines)) == NEED_MORE)
		if (refill(c) == -1)
			return -1;
	if (r == BAD) {
		if (c->error == NULL) {
			c->error = "quote left open at end of input";
			c->errpos = SIZE_MAX;
		}
		return -1;
	}
	c->start += used;
	c->line += lines;
	return 1;
}

/*
 * After broken quoting: drops the bad record up to the end of the line where
 * the error was seen, so that the next record starts on the next line.
 */
int
csv_resync(struct csv *c)
{
	const char *p, *end;

	c->line += line_ends(c->buf + c->start, c->buf + c->start + c->errpos);
	c->start += c->errpos;
	for (;;) {
		end = c->buf + c->end;
		for (p = c->buf + c->start; p < end && *p != '\n' && *p != '\r'; p++)
			;
		if (p == end || (*p == '\r' && p + 1 == end && !c->eof)) {
			c->start = (size_t)(p - c->buf);
			if (c->eof)
				return 0;
			if (refill(c) == -1)
				return -1;
			continue;
		}
		c->start = (size_t)(p + 1 - c->buf);
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			c->start++;
		c->line++;
		return 0;
	}
}

size_t
csv_undouble(const struct field *f, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < f->len; i++) {
		out[o++] = f->p[i];
		if (f->p[i] == '"')
			i++;
	}
	return o;
}
