/*
 * kpublish --exactly-once: the digest of the input lines consumed so far,
 * stored with each position so that a resumed run proves that the lines it
 * skips are the ones committed. MurmurHash3 x64 128 (Austin Appleby, public
 * domain): 128 bits make an accidental match of two different prefixes
 * beyond reach, and it hashes at several GB/s; nobody forges a CSV file
 * against their own load, so a cryptographic hash would only cost time.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "kpublish.h"

#define C1 0x87c37b91114253d5ULL
#define C2 0x4cf5ad432745937fULL

static inline uint64_t
rotl(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

static inline uint64_t
fmix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	return k ^ k >> 33;
}

/* Little-endian on every machine: a digest stored by one host is checked by another. */
static inline uint64_t
load64(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static inline uint64_t
mix1(uint64_t k)
{
	return rotl(k * C1, 31) * C2;
}

static inline uint64_t
mix2(uint64_t k)
{
	return rotl(k * C2, 33) * C1;
}

void
murmur3_128(const void *key, size_t len, uint64_t out[2])
{
	const unsigned char *p = key, *tail;
	uint64_t h1 = 0, h2 = 0, k1, k2;
	size_t i, rest;

	for (i = 0; i + 16 <= len; i += 16) {
		h1 ^= mix1(load64(p + i, 8));
		h1 = (rotl(h1, 27) + h2) * 5 + 0x52dce729;
		h2 ^= mix2(load64(p + i + 8, 8));
		h2 = (rotl(h2, 31) + h1) * 5 + 0x38495ab5;
	}
	tail = p + i;
	rest = len & 15;
	if (rest > 8) {
		k2 = load64(tail + 8, rest - 8);
		h2 ^= mix2(k2);
	}
	if (rest > 0) {
		k1 = load64(tail, rest > 8 ? 8 : rest);
		h1 ^= mix1(k1);
	}
	h1 ^= (uint64_t)len;
	h2 ^= (uint64_t)len;
	h1 += h2;
	h2 += h1;
	h1 = fmix(h1);
	h2 = fmix(h2);
	h1 += h2;
	h2 += h1;
	out[0] = h1;
	out[1] = h2;
}

/* The members kept: key, NUL, value, NUL (no JSON text holds a raw NUL). */
struct strip {
	const struct digest *d;
	struct wbuf *w;
	char	*name;
};

static void
keep_member(void *ctx, const struct json_member *m)
{
	struct strip *s = ctx;
	const char *key;
	long n;
	size_t i;

	n = json_member_key(m, s->name, s->d->maxlen + 8, &key);
	for (i = 0; n >= 0 && i < s->d->nvolatile; i++)
		if ((size_t)n == strlen(s->d->volatile_fields[i]) &&
		    memcmp(key, s->d->volatile_fields[i], (size_t)n) == 0)
			return;
	wbuf_put(s->w, m->key, m->keylen);
	wbuf_putc(s->w, '\0');
	wbuf_put(s->w, m->val, m->vallen);
	wbuf_putc(s->w, '\0');
}

void
digest_init(struct digest *d, char **volatile_fields, size_t n)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	d->volatile_fields = volatile_fields;
	d->nvolatile = n;
	for (i = 0; i < n; i++)
		if (strlen(volatile_fields[i]) > d->maxlen)
			d->maxlen = strlen(volatile_fields[i]);
	d->name = xmalloc(d->maxlen + 8);
	wbuf_init(&d->scratch, -1, NULL, 4096);
}

void
digest_free(struct digest *d)
{
	free(d->name);
	wbuf_free(&d->scratch);
}

/*
 * Adds one line: D = H(D || H(line)), where a JSON object's line is hashed
 * without its volatile members (the wall clock jsonl-enrich adds differs on
 * every run); any other line, or any line when none is volatile, whole.
 */
void
digest_line(struct digest *d, const char *line, size_t len)
{
	unsigned char both[32];
	uint64_t h[2];
	struct strip s = { d, &d->scratch, d->name };
	size_t close, pos, i;

	d->scratch.len = 0;
	if (d->nvolatile > 0 && json_check_object(line, len, keep_member, &s,
	    &close, &pos) == NULL)
		murmur3_128(d->scratch.buf, d->scratch.len, h);
	else
		murmur3_128(line, len, h);
	for (i = 0; i < 8; i++) {
		both[i] = (unsigned char)(d->h[0] >> (8 * i));
		both[8 + i] = (unsigned char)(d->h[1] >> (8 * i));
		both[16 + i] = (unsigned char)(h[0] >> (8 * i));
		both[24 + i] = (unsigned char)(h[1] >> (8 * i));
	}
	murmur3_128(both, sizeof(both), d->h);
}

/* 32 hex digits and a NUL. */
void
digest_hex(const struct digest *d, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)d->h[0],
	    (unsigned long long)d->h[1]);
}
