/*
 * JSON text: writing strings (escaped, always valid UTF-8) and checking that
 * a line is exactly one object, strictly after RFC 8259, with an explicit
 * stack instead of recursion so that deep nesting cannot overflow.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"

/* 0: copy as is; 1: escape; 2: first byte of a multibyte sequence. */
static const unsigned char str_class[256] = {
	1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
	0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
};

/* The escape for c at d (6 bytes of room); returns its length. */
static size_t
put_escape(char *d, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	d[0] = '\\';
	switch (c) {
	case '"':  d[1] = '"';  break;
	case '\\': d[1] = '\\'; break;
	case '\b': d[1] = 'b';  break;
	case '\f': d[1] = 'f';  break;
	case '\n': d[1] = 'n';  break;
	case '\r': d[1] = 'r';  break;
	case '\t': d[1] = 't';  break;
	default:
		memcpy(d + 1, "u00", 3);
		d[4] = hex[c >> 4];
		d[5] = hex[c & 15];
		return 6;
	}
	return 2;
}

static void
write_escape(struct wbuf *w, unsigned char c)
{
	char *d = wbuf_reserve(w, 6);

	w->len += put_escape(d, c);
}

/*
 * The first byte from i on that is not plain ASCII (a control character,
 * a quote, a backslash, or a byte of a multibyte sequence), sixteen at a
 * time with SSE2; the caller's loop goes on from there.
 */
static size_t
plain_run(const unsigned char *u, size_t i, size_t n)
{
#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(0x20);
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	__m128i x;
	int m;

	/* Signed compare: bytes of 0x80 and up are negative, so "< 0x20" too. */
	while (n - i >= 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		m = _mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(x, space),
		    _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bs))));
		if (m != 0)
			return i + (size_t)__builtin_ctz((unsigned)m);
		i += 16;
	}
#else
	(void)u;
	(void)n;
#endif
	return i;
}

/* Writes s as a JSON string; each invalid UTF-8 byte becomes U+FFFD. */
void
json_write_string(struct wbuf *w, const char *s, size_t n,
    unsigned long *bad_utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, j, len;

	wbuf_putc(w, '"');
	while (i < n) {
		for (j = plain_run(u, i, n); j < n; j++) {
			if (str_class[u[j]] == 0)
				continue;
			if (str_class[u[j]] == 1)
				break;
			if ((len = utf8_len(u + j, n - j)) == 0)
				break;
			j += len - 1;
		}
		wbuf_put(w, s + i, j - i);
		if (j == n)
			break;
		if (str_class[u[j]] == 1)
			write_escape(w, u[j]);
		else {
			wbuf_put(w, "\xEF\xBF\xBD", 3);
			(*bad_utf8)++;
		}
		i = j + 1;
	}
	wbuf_putc(w, '"');
}

/*
 * Copies the plain ASCII bytes at u (of n) to d, sixteen at a time with
 * SSE2 (whole blocks, the slack taking what runs past n); returns how many
 * there were, up to the first byte to escape or check, or n.
 */
static size_t
copy_plain(char *d, const unsigned char *u, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(0x20);
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	__m128i x;
	unsigned m;

	for (;;) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		_mm_storeu_si128((__m128i *)(void *)(d + i), x);
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmplt_epi8(x, space), _mm_or_si128(
		    _mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bs))));
		if (n - i < 16)
			m |= 1u << (n - i);
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#else
	for (; i < n && str_class[u[i]] == 0; i++)
		d[i] = (char)u[i];
	return i;
#endif
}

size_t
json_put_string_wide(char *d, const char *s, size_t n,
    unsigned long *bad_utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	char *o = d;
	size_t i = 0, k, len;

	*o++ = '"';
	while (i < n) {
		k = copy_plain(o, u + i, n - i);
		i += k;
		o += k;
		if (i == n)
			break;
		if (str_class[u[i]] == 1) {
			o += put_escape(o, u[i++]);
		} else if ((len = utf8_len(u + i, n - i)) != 0) {
			memcpy(o, u + i, 4);	/* slack on both sides */
			o += len;
			i += len;
		} else {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
			(*bad_utf8)++;
		}
	}
	*o++ = '"';
	return (size_t)(o - d);
}

static const unsigned char *
skip_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static unsigned
hex_value(unsigned char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* The code unit of \uXXXX at p (p at the u), or -1 when not four hex digits. */
static long
read_u_escape(const unsigned char *p, const unsigned char *end)
{
	if (end - p < 5 || !is_hex(p[1]) || !is_hex(p[2]) || !is_hex(p[3]) ||
	    !is_hex(p[4]))
		return -1;
	return (long)(hex_value(p[1]) << 12 | hex_value(p[2]) << 8 |
	    hex_value(p[3]) << 4 | hex_value(p[4]));
}

/*
 * After the backslash of a \u escape; returns its length (5, or 11 for a
 * surrogate pair) or 0 when it is not one. A lone surrogate is refused as
 * I-JSON (RFC 7493) refuses it: it has no UTF-8 form, and a Kafka key or
 * value made from it would not be valid UTF-8.
 */
static size_t
u_escape_len(const unsigned char *p, const unsigned char *end,
    const char **why)
{
	long hi = read_u_escape(p, end), lo;

	*why = "invalid \\u escape in string";
	if (hi < 0)
		return 0;
	if (hi < 0xD800 || hi > 0xDFFF)
		return 5;
	*why = "lone surrogate in a \\u escape (RFC 7493)";
	if (hi >= 0xDC00 || end - p < 7 || p[5] != '\\' || p[6] != 'u')
		return 0;
	lo = read_u_escape(p + 6, end);
	return lo >= 0xDC00 && lo <= 0xDFFF ? 11 : 0;
}

/* p is after the opening quote; on success *pp is after the closing one. */
static const char *
scan_string(const unsigned char **pp, const unsigned char *end, int *escaped)
{
	const unsigned char *p = *pp;
	const char *why;
	size_t len;

	for (;;) {
		p += plain_run(p, 0, (size_t)(end - p));
		while (p < end && str_class[*p] == 0)
			p++;
		if (p >= end)
			return "unterminated string";
		if (*p == '"')
			break;
		if (*p == '\\') {
			*escaped = 1;
			if (++p >= end)
				return "unterminated string";
			if (*p == 'u') {
				if ((len = u_escape_len(p, end, &why)) == 0)
					return why;
				p += len;
			} else if (strchr("\"\\/bfnrt", *p) != NULL && *p != '\0')
				p++;
			else
				return "invalid escape in string";
		} else if (*p < 0x20)
			return *p == 0 ? "NUL byte in string" :
			    "unescaped control character in string";
		else if ((len = utf8_len(p, (size_t)(end - p))) == 0)
			return "invalid UTF-8 in string";
		else
			p += len;
	}
	*pp = p + 1;
	return NULL;
}

static const char *
scan_digits(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;

	if (p >= end || *p < '0' || *p > '9')
		return "invalid number";
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	*pp = p;
	return NULL;
}

static const char *
scan_number(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	const char *err;

	if (*p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return "number with a leading zero";
	} else if ((err = scan_digits(&p, end)) != NULL)
		return err;
	if (p < end && *p == '.') {
		p++;
		if ((err = scan_digits(&p, end)) != NULL)
			return err;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if ((err = scan_digits(&p, end)) != NULL)
			return err;
	}
	*pp = p;
	return NULL;
}

static const char *
scan_literal(const unsigned char **pp, const unsigned char *end)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(words[i]);
		if ((size_t)(end - *pp) >= n && memcmp(*pp, words[i], n) == 0) {
			*pp += n;
			return NULL;
		}
	}
	return "invalid literal";
}

static const char *
unexpected(unsigned char c)
{
	switch (c) {
	case '\'':
		return "single quotes are not JSON";
	case 'N':
	case 'I':
		return "NaN and Infinity are not JSON";
	case '\0':
		return "NUL byte";
	default:
		return "unexpected character";
	}
}

static const char *
scan_scalar(const unsigned char **pp, const unsigned char *end, int *escaped)
{
	unsigned char c = **pp;

	if (c == '"') {
		(*pp)++;
		return scan_string(pp, end, escaped);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return scan_number(pp, end);
	if (c == 't' || c == 'f' || c == 'n')
		return scan_literal(pp, end);
	return unexpected(c);
}

/*
 * A state machine without recursion: the labels are its states, and
 * stack[] holds the open containers ('{' or '['), so that depth is bounded
 * by JSON_MAX_DEPTH rather than by the C stack.
 *   obj_start        just after '{': a key, or '}' at once
 *   obj_key          a member's "key" and its ':'
 *   value            any value; '{' and '[' push and go to obj_start/value
 *   after_value      a value ended: report it if a top-level member, then
 *                    ',' (to obj_key or value) or the closing bracket
 *   close_container  pop; at depth 0 only white space may follow
 *   fail             *errpos and the reason
 */
const char *
json_check_object(const char *s, size_t n, json_member_cb cb, void *ctx,
    size_t *close, size_t *errpos)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	const unsigned char *key = NULL, *val = NULL, *start;
	unsigned char stack[JSON_MAX_DEPTH];
	size_t keylen = 0;
	int depth = 0, key_escaped = 0, escaped;
	const char *err = NULL;
	struct json_member m;

	p = skip_ws(p, end);
	if (p >= end || *p != '{') {
		err = p >= end ? "empty line" : (*p == '[' ?
		    "an array, not an object" : "not a JSON object");
		goto fail;
	}
	stack[depth++] = *p++;
obj_start:
	p = skip_ws(p, end);
	if (p < end && *p == '}') {
		p++;
		goto close_container;
	}
obj_key:
	p = skip_ws(p, end);
	if (p >= end || *p != '"') {
		err = p >= end ? "unexpected end of line" :
		    (*p == '\'' ? unexpected(*p) : "expected a string key");
		goto fail;
	}
	start = ++p;
	escaped = 0;
	if ((err = scan_string(&p, end, &escaped)) != NULL)
		goto fail;
	if (depth == 1) {	/* only the top object's members are reported */
		key = start;
		keylen = (size_t)(p - 1 - start);
		key_escaped = escaped;
	}
	p = skip_ws(p, end);
	if (p >= end || *p != ':') {
		err = "expected ':' after a key";
		goto fail;
	}
	p++;
value:
	p = skip_ws(p, end);
	if (p >= end) {
		err = "unexpected end of line";
		goto fail;
	}
	if (depth == 1)
		val = p;
	if (*p == '{' || *p == '[') {
		if (depth == JSON_MAX_DEPTH) {
			err = "nesting deeper than 1000 levels";
			goto fail;
		}
		stack[depth++] = *p++;
		if (p[-1] == '{')
			goto obj_start;
		p = skip_ws(p, end);
		if (p < end && *p == ']') {
			p++;
			goto close_container;
		}
		goto value;
	}
	escaped = 0;
	if ((err = scan_scalar(&p, end, &escaped)) != NULL)
		goto fail;
after_value:
	if (depth == 1 && cb != NULL) {
		m.key = (const char *)key;
		m.keylen = keylen;
		m.key_escaped = key_escaped;
		m.val = (const char *)val;
		m.vallen = (size_t)(p - val);
		cb(ctx, &m);
	}
	p = skip_ws(p, end);
	if (p >= end) {
		err = "unexpected end of line";
		goto fail;
	}
	if (*p == ',') {
		p++;
		if (stack[depth - 1] == '{')
			goto obj_key;
		goto value;
	}
	if (*p == (stack[depth - 1] == '{' ? '}' : ']')) {
		p++;
		goto close_container;
	}
	err = stack[depth - 1] == '{' ? "expected ',' or '}'" :
	    "expected ',' or ']'";
	goto fail;
close_container:
	if (--depth > 0)
		goto after_value;
	*close = (size_t)(p - 1 - (const unsigned char *)s);
	p = skip_ws(p, end);
	if (p < end) {
		err = *p == '\0' ? "NUL byte after the object" :
		    "text after the object";
		goto fail;
	}
	return NULL;
fail:
	*errpos = (size_t)(p - (const unsigned char *)s);
	return err;
}

static size_t
put_utf8(char *d, unsigned long cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xC0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xE0 | cp >> 12);
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		d[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | cp >> 18);
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	d[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static unsigned long
read_u4(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	return (unsigned long)(hex_value(u[0]) << 12 | hex_value(u[1]) << 8 |
	    hex_value(u[2]) << 4 | hex_value(u[3]));
}

/* Decodes an already validated string body; -1 when it does not fit. */
long
json_unescape(const char *s, size_t n, char *buf, size_t cap)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t i = 0, o = 0;
	unsigned long cp, lo;

	while (i < n) {
		if (cap - o < 4)
			return -1;
		if (s[i] != '\\') {
			buf[o++] = s[i++];
			continue;
		}
		if (s[i + 1] != 'u') {
			buf[o++] = to[strchr(from, s[i + 1]) - from];
			i += 2;
			continue;
		}
		cp = read_u4(s + i + 2);
		i += 6;
		if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= n && s[i] == '\\' &&
		    s[i + 1] == 'u' && (lo = read_u4(s + i + 2)) >= 0xDC00 &&
		    lo < 0xE000) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 6;
		}
		o += put_utf8(buf + o, cp);
	}
	return (long)o;
}

long
json_member_key(const struct json_member *m, char *buf, size_t cap,
    const char **key)
{
	if (!m->key_escaped) {
		*key = m->key;
		return (long)m->keylen;
	}
	*key = buf;
	return json_unescape(m->key, m->keylen, buf, cap);
}

/* A member's value as a decoded string to free, or NULL if not a string. */
char *
json_member_string(const struct json_member *m)
{
	char *s;
	long n;

	if (m->vallen < 2 || m->val[0] != '"')
		return NULL;
	/* The decoded text is never longer than its escapes: room to spare. */
	s = xmalloc(m->vallen + 8);
	n = json_unescape(m->val + 1, m->vallen - 2, s, m->vallen + 8);
	s[n < 0 ? 0 : n] = '\0';
	return s;
}
