/*
 * csv2jsonl's reader: RFC 4180 records from a file descriptor, read in large
 * blocks; fields point into the block, so nothing is copied on the hot path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"
#include "csv2jsonl.h"

#define CSV_BLOCK (1024 * 1024)

void
csv_open(struct csv *c, int fd, const char *name, unsigned char delim,
    size_t max_field)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->name = name;
	c->delim = delim;
	c->max_field = max_field;
	c->stop[delim] = c->stop['\n'] = c->stop['\r'] = c->stop['"'] = 1;
	c->cap = CSV_BLOCK;
	c->buf = xmalloc(c->cap + WIDE_SLACK);
	c->line = 1;
	c->fcap = 64;
	c->fields = xmalloc(c->fcap * sizeof(*c->fields));
	c->classify = csv_classifier();
}

void
csv_close(struct csv *c)
{
	free(c->buf);
	free(c->fields);
	c->buf = NULL;
	c->fields = NULL;
}

/*
 * Every buffer has WIDE_SLACK bytes after cap, so that the fields in it can
 * be read sixteen bytes at a time (util.h, wide_copy).
 *
 * Hands over the buffer that holds the record just read, so that a huge one
 * can be kept without a copy, and goes on in a new buffer with what follows
 * the record. The caller frees the buffer returned.
 */
char *
csv_take_buffer(struct csv *c)
{
	char *old = c->buf;
	size_t rest = c->end - c->start, cap = CSV_BLOCK;

	while (cap < rest)
		cap *= 2;
	c->buf = xmalloc(cap + WIDE_SLACK);
	memcpy(c->buf, old + c->start, rest);
	c->start = 0;
	c->end = rest;
	c->cap = cap;
	return old;
}

/*
 * Reads more (the buffer grows when one record fills it). The buffer keeps
 * WIDE_SLACK bytes beyond cap, so it grows here rather than in input_fill.
 */
static int
refill(struct csv *c)
{
	ssize_t n;

	if (c->start == 0 && c->end == c->cap) {
		c->cap *= 2;
		c->buf = xrealloc(c->buf, c->cap + WIDE_SLACK);
	}
	n = input_fill(c->fd, &c->buf, &c->start, &c->end, &c->cap);

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
add_field(struct csv *c, size_t off, size_t len, int doubled)
{
	if (c->nfields == c->fcap) {
		c->fcap *= 2;
		c->fields = xrealloc(c->fields, c->fcap * sizeof(*c->fields));
	}
	c->fields[c->nfields].off = off;
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

enum { NEXT_FIELD = BAD + 1 };	/* the delimiter passed: another field follows */

static int
bad_at(struct csv *c, const char *p, const char *why)
{
	c->error = why;
	c->errpos = (size_t)(p - (c->buf + c->start));
	return BAD;
}

/* p is where the field is known to run to; inside: still within its quotes. */
static int
too_long(struct csv *c, const char *p, int inside)
{
	snprintf(c->errbuf, sizeof(c->errbuf), "field %zu longer than %zu "
	    "bytes (--max-field)", c->nfields + 1, c->max_field);
	c->skip_quoted = inside;
	return bad_at(c, p, c->errbuf);
}

/* The field ran into the end of what was read: where to go on from. */
static int
need_more(struct csv *c, const char *pos, int quoted, int doubled)
{
	c->res.pos = (size_t)(pos - (c->buf + c->start));
	c->res.quoted = quoted;
	c->res.doubled = doubled;
	return NEED_MORE;
}

/*
 * Finds *qp, the closing quote of the quoted field whose text starts at f,
 * from where rs says the scan stopped before the refill, if rs is set.
 */
static int
scan_quoted(struct csv *c, const char *f, const char **qp,
    unsigned long long *nl, int *doubled, const struct csv_resume *rs)
{
	const char *end = c->buf + c->end, *p = f, *q, *stop;

	*doubled = 0;
	if (rs != NULL && rs->quoted) {
		p = c->buf + c->start + rs->pos;
		*doubled = rs->doubled;
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
		if ((size_t)(stop - f) > c->max_field)
			return too_long(c, stop, 1);
		return need_more(c, stop, 1, *doubled);
	}
}

/*
 * The quoted field at *pp (on its opening quote): NEXT_FIELD past the
 * delimiter, or PARSED with *pp at the record's line end or the input's end.
 * Nothing is added before the field's end is certain (NEED_MORE otherwise).
 */
static int
parse_quoted(struct csv *c, const char **pp, unsigned long long *nl,
    const struct csv_resume *rs)
{
	const char *base = c->buf + c->start, *end = c->buf + c->end;
	const char *f = *pp + 1, *q, *p;
	int doubled, r;

	if ((r = scan_quoted(c, f, &q, nl, &doubled, rs)) != PARSED)
		return r;
	if ((size_t)(q - f) > c->max_field)
		return too_long(c, q + 1, 0);
	p = q + 1;
	if (p < end && *p == c->delim) {
		add_field(c, (size_t)(f - base), (size_t)(q - f), doubled);
		*pp = p + 1;
		return NEXT_FIELD;
	}
	if ((p == end && !c->eof) ||
	    (p < end && *p == '\r' && at_cr(c, &p, end) == NEED_MORE))
		return need_more(c, q, 1, doubled);
	if (p < end && *p != '\n' && *p != '\r')
		return bad_at(c, p, "text after a closing quote");
	add_field(c, (size_t)(f - base), (size_t)(q - f), doubled);
	*pp = p;
	return PARSED;
}

/* The unquoted field at *pp: as parse_quoted. */
static int
parse_unquoted(struct csv *c, const char **pp, const struct csv_resume *rs)
{
	const char *base = c->buf + c->start, *end = c->buf + c->end;
	const char *f = *pp, *p = f, *q;

	if (rs != NULL && !rs->quoted)
		p = base + rs->pos;
	p = scan_unquoted(c, p, end);
	/* The tail: one table look-up per byte, four at a time. */
	while (end - p >= 4 && !c->stop[(unsigned char)p[0]] &&
	    !c->stop[(unsigned char)p[1]] &&
	    !c->stop[(unsigned char)p[2]] &&
	    !c->stop[(unsigned char)p[3]])
		p += 4;
	while (p < end && !c->stop[(unsigned char)*p])
		p++;
	if ((size_t)(p - f) > c->max_field)
		return too_long(c, p, 0);
	if (p < end && *p == '"')
		return bad_at(c, p, "quote inside an unquoted field");
	if (p < end && *p == c->delim) {
		add_field(c, (size_t)(f - base), (size_t)(p - f), 0);
		*pp = p + 1;
		return NEXT_FIELD;
	}
	if (p == end && !c->eof)
		return need_more(c, p, 0, 0);
	q = p;
	if (p < end && *p == '\r' && at_cr(c, &p, end) == NEED_MORE)
		return need_more(c, q, 0, 0);
	add_field(c, (size_t)(f - base), (size_t)(q - f), 0);
	*pp = p;
	return PARSED;
}

/*
 * Parses one record at buf[start..end), from where the last call stopped if
 * it ran out of input. On PARSED, *used is its length with its line end and
 * *lines the line ends it holds.
 */
static int
parse_record(struct csv *c, size_t *used, unsigned long long *lines)
{
	const char *base = c->buf + c->start, *end = c->buf + c->end, *p, *f;
	struct csv_resume rs = c->res;
	const struct csv_resume *from = rs.valid ? &rs : NULL;
	unsigned long long nl = rs.valid ? rs.nl : 0;
	size_t i;
	int r;

	c->nfields = rs.valid ? rs.nfields : 0;
	p = base + (rs.valid ? rs.field : 0);
	c->res.valid = 0;
	do {
		f = p;
		r = p < end && *p == '"' ? parse_quoted(c, &p, &nl, from) :
		    parse_unquoted(c, &p, from);
		from = NULL;
	} while (r == NEXT_FIELD);
	if (r == NEED_MORE) {
		c->res.valid = 1;
		c->res.nfields = c->nfields;
		c->res.field = (size_t)(f - base);
		c->res.nl = nl;
	}
	if (r != PARSED)
		return r;
	/* Here p is at the record's LF or lone CR, or at the end of the input. */
	if (p < end) {
		p++;
		nl++;
	}
	for (i = 0; i < c->nfields; i++)
		c->fields[i].p = base + c->fields[i].off;
	*used = (size_t)(p - base);
	*lines = nl;
	return PARSED;
}

/* Bit i set when an odd number of bits 0..i of x are: inside quotes. */
static uint64_t
prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/* What parse_fast carries from one block to the next. */
struct fast {
	uint64_t inside;	/* all ones when the block starts in quotes */
	uint64_t start;		/* bit 0: the block starts a field */
	uint64_t closed;	/* bit 0: a closing quote came just before */
	int	 doubled;	/* the field so far holds a "" pair */
	size_t	 field;		/* where it began, from the record */
	unsigned long long nl;	/* line ends inside quotes so far */
};

/*
 * The fields ending at the bits of ends in the block at off (dbl: the
 * second quotes of "" pairs); 0 when one is too long. Room for a block's
 * fields is made once, not checked per field.
 */
static int
add_fields(struct csv *c, struct fast *st, size_t off, uint64_t ends,
    uint64_t dbl)
{
	const char *base = c->buf + c->start;
	struct field *fp;
	size_t pos, f = st->field, len, max = c->max_field;
	uint64_t below;
	int quoted, doubled = st->doubled;

	while (c->fcap - c->nfields < 64) {
		c->fcap *= 2;
		c->fields = xrealloc(c->fields, c->fcap * sizeof(*c->fields));
	}
	/* Locals, not st's members: the stores to fp might alias them. */
	fp = c->fields + c->nfields;
	for (; ends != 0; ends &= ends - 1, fp++) {
		pos = off + (size_t)__builtin_ctzll(ends);
		quoted = base[f] == '"';
		len = pos - f - (size_t)(quoted << 1);
		if (len > max)
			return 0;
		fp->off = f + (size_t)quoted;
		fp->p = base + fp->off;
		fp->len = len;
		fp->doubled = 0;
		f = pos + 1;
		if ((dbl | (uint64_t)doubled) != 0) {
			below = (ends & -ends) - 1;
			fp->doubled = quoted && (doubled || (dbl & below) != 0);
			dbl &= ~below;
			doubled = 0;
		}
	}
	c->nfields = (size_t)(fp - c->fields);
	st->field = f;
	st->doubled = doubled || dbl != 0;
	return 1;
}

/*
 * The record at buf[start..end) when it is plainly well formed and ends
 * there: the blocks' bitmasks give its fields and its line end without a
 * branch per byte or per field kind. 0 for anything else (broken quoting,
 * a CR inside quotes, a field too long, the end of what was read), which
 * parse_record then reads the one way that says what is wrong.
 */
static int
parse_fast(struct csv *c, size_t *used, unsigned long long *lines)
{
	const char *base = c->buf + c->start;
	size_t avail = c->end - c->start, off, pos;
	struct fast st = { 0, 1, 0, 0, 0, 0 };
	struct csv_masks m;
	uint64_t valid, in, out, close, open, brk, le, upto, after, bad;

	c->nfields = 0;
	for (off = 0; off < avail; off += 64) {
		c->classify(base + off, c->delim, &m);
		valid = avail - off >= 64 ? ~(uint64_t)0 :
		    ((uint64_t)1 << (avail - off)) - 1;
		in = prefix_xor(m.quote & valid) ^ st.inside;
		out = ~in & valid;
		close = m.quote & out;
		open = m.quote & in & valid;
		brk = (m.delim | m.lf | m.cr) & out;
		le = (m.lf | m.cr) & out;
		upto = le != 0 ? (le ^ (le - 1)) : valid;
		after = close << 1 | st.closed;
		bad = (after & ~(brk | m.quote)) |
		    (open & ~((brk << 1 | st.start) | after)) | (m.cr & in);
		if ((bad & upto & valid) != 0)
			return 0;
		if ((m.lf & in & upto & valid) != 0)	/* rare: no call */
			st.nl += (unsigned long long)__builtin_popcountll(m.lf &
			    in & upto & valid);
		if (!add_fields(c, &st, off, brk & upto, open & after & upto))
			return 0;
		if (le != 0) {
			pos = off + (size_t)__builtin_ctzll(le);
			if (base[pos] == '\r') {
				if (pos + 1 == avail)
					return 0;
				pos += base[pos + 1] == '\n';
			}
			*used = pos + 1;
			*lines = st.nl + 1;
			return 1;
		}
		st.inside = (uint64_t)-(int64_t)(in >> 63);
		st.start = brk >> 63;
		st.closed = close >> 63;
	}
	return 0;
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
	c->skip_quoted = 0;
	if ((r = skip_blank(c)) <= 0)
		return r;
	c->rec_line = c->line;
	c->res.valid = 0;
	if (parse_fast(c, &used, &lines)) {
		c->start += used;
		c->line += lines;
		return 1;
	}
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
 * Drops the rest of a quoted field that was too long, up to its closing
 * quote, a block at a time: nothing of it is kept. 1 when the input ends
 * first (c->error says so).
 */
static int
skip_quoted(struct csv *c)
{
	const char *p, *q, *stop, *end;

	for (;;) {
		p = c->buf + c->start;
		end = c->buf + c->end;
		q = memchr(p, '"', (size_t)(end - p));
		if (q != NULL && (q + 1 < end || c->eof)) {
			c->line += line_ends(p, q);
			c->start = (size_t)(q + 1 - c->buf);
			if (q + 1 == end || q[1] != '"')
				return 0;
			c->start++;
			continue;
		}
		if (c->eof) {
			c->start = c->end;
			c->error = "quote left open at end of input";
			c->errpos = SIZE_MAX;
			return 1;
		}
		/* As in scan_quoted: a CR at the end may be half of a CRLF. */
		stop = q != NULL ? q : end;
		if (q == NULL && stop > p && stop[-1] == '\r')
			stop--;
		c->line += line_ends(p, stop);
		c->start = (size_t)(stop - c->buf);
		if (refill(c) == -1)
			return -1;
	}
}

/*
 * After broken quoting or a field too long: drops the bad record up to the
 * end of the line where the error was seen (past the closing quote of a
 * quoted field too long), so that the next record starts on the next line.
 */
int
csv_resync(struct csv *c)
{
	const char *p, *end;
	int r;

	c->line += line_ends(c->buf + c->start, c->buf + c->start + c->errpos);
	c->start += c->errpos;
	if (c->skip_quoted && (r = skip_quoted(c)) != 0)
		return r;
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

/* A run at a time: memmove, as out may overlap the field's text. */
size_t
csv_undouble(const struct field *f, char *out)
{
	const char *p = f->p, *end = f->p + f->len, *q;
	size_t o = 0, n;

	while (p < end) {
		q = f->doubled ? memchr(p, '"', (size_t)(end - p)) : NULL;
		n = q != NULL ? (size_t)(q + 1 - p) : (size_t)(end - p);
		memmove(out + o, p, n);
		o += n;
		p += n + (q != NULL);
	}
	return o;
}
