/*
 * kpublish's message headers: -H's, the same on every message, then
 * --header-field's, each the value of a top-level field of the line's JSON
 * (a string decoded, an object or array as compact JSON, any other value
 * as its text; null or missing: no header). Without either option nothing
 * here runs per line.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "kafka.h"
#include "kpublish.h"

#define ABSENT ((size_t)-1)	/* in enc: the field gave no header */

void
hdr_init(struct hdrs *h, const struct opts *o)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->nfixed = o->nheaders;
	h->fixed = xmalloc((h->nfixed + 1) * sizeof(*h->fixed));
	for (i = 0; i < h->nfixed; i++) {
		h->fixed[i] = xstrdup(o->headers[i]);
		*strchr(h->fixed[i], '=') = '\0';
		h->fixed_bytes += strlen(o->headers[i]) - 1;
	}
	h->n = o->nheader_fields;
	h->names = xmalloc((h->n + 1) * sizeof(*h->names));
	h->lens = xmalloc((h->n + 1) * sizeof(*h->lens));
	h->val = xmalloc((h->n + 1) * sizeof(*h->val));
	h->vallen = xmalloc((h->n + 1) * sizeof(*h->vallen));
	for (i = 0; i < h->n; i++) {
		h->names[i] = o->header_fields[i];
		h->lens[i] = strlen(h->names[i]);
		if (h->lens[i] > h->maxlen)
			h->maxlen = h->lens[i];
	}
	wbuf_init(&h->enc, -1, NULL, 256);
}

void
hdr_free(struct hdrs *h)
{
	size_t i;

	for (i = 0; i < h->nfixed; i++)
		free(h->fixed[i]);
	free(h->fixed);
	free(h->names);
	free(h->lens);
	free(h->val);
	free(h->vallen);
	wbuf_free(&h->enc);
}

void
hdr_line_start(struct hdrs *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		h->val[i] = NULL;
}

/* A repeated member: the last one counts, as in most JSON readers. */
void
hdr_member(struct hdrs *h, const char *name, size_t len,
    const struct json_member *m)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (len == h->lens[i] && memcmp(name, h->names[i], len) == 0) {
			h->val[i] = m->val;
			h->vallen[i] = m->vallen;
		}
}

/* An object or array without the white space between its tokens. */
static size_t
compact(const char *s, size_t n, char *out)
{
	size_t i, o = 0;
	int in_string = 0;

	for (i = 0; i < n; i++) {
		if (in_string) {
			out[o++] = s[i];
			if (s[i] == '\\')
				out[o++] = s[++i];
			else if (s[i] == '"')
				in_string = 0;
		} else if (s[i] == '"') {
			in_string = 1;
			out[o++] = s[i];
		} else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			out[o++] = s[i];
	}
	return o;
}

/* One value into enc: its length, then its bytes; returns the length. */
static size_t
encode_value(struct wbuf *enc, const char *v, size_t n)
{
	size_t len = 0;
	char *out;

	out = wbuf_reserve(enc, sizeof(len) + n + 8) + sizeof(len);
	if (v[0] == '"')
		len = (size_t)json_unescape(v + 1, n - 2, out, n + 8);
	else if (v[0] == '{' || v[0] == '[')
		len = compact(v, n, out);
	else {
		memcpy(out, v, n);
		len = n;
	}
	memcpy(enc->buf + enc->len, &len, sizeof(len));
	enc->len += sizeof(len) + len;
	return len;
}

void
hdr_line_end(struct hdrs *h)
{
	static const size_t absent = ABSENT;
	size_t i;

	h->enc.len = 0;
	h->field_bytes = 0;
	for (i = 0; i < h->n; i++) {
		if (h->val[i] == NULL || (h->vallen[i] == 4 &&
		    memcmp(h->val[i], "null", 4) == 0))
			wbuf_put(&h->enc, &absent, sizeof(absent));
		else
			h->field_bytes += h->lens[i] +
			    encode_value(&h->enc, h->val[i], h->vallen[i]);
	}
}

rd_kafka_headers_t *
hdr_make(struct hdrs *h, const char *enc, size_t enclen, size_t *bytes)
{
	rd_kafka_headers_t *hs;
	const char *name;
	size_t i, off = 0, len;

	*bytes = 0;
	if (!hdr_any(h))
		return NULL;
	hs = rd_kafka_headers_new(h->nfixed + h->n);
	for (i = 0; i < h->nfixed; i++) {
		name = h->fixed[i];
		rd_kafka_header_add(hs, name, -1, name + strlen(name) + 1, -1);
	}
	*bytes = h->fixed_bytes;
	for (i = 0; i < h->n && off + sizeof(len) <= enclen; i++) {
		memcpy(&len, enc + off, sizeof(len));
		off += sizeof(len);
		if (len == ABSENT)
			continue;
		rd_kafka_header_add(hs, h->names[i], (ssize_t)h->lens[i],
		    enc + off, (ssize_t)len);
		*bytes += h->lens[i] + len;
		off += len;
	}
	return hs;
}
