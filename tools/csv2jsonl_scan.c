/*
 * csv2jsonl's block classifier: 64 bytes at a time into bitmasks of quotes,
 * delimiters, LFs and CRs, for the reader's fast path. Three ways to do the
 * same thing: portable C, SSE2 (every x86-64) and AVX2 where the CPU has it,
 * chosen once; CSV2JSONL_SIMD=scalar|sse2|avx2 forces one, for the tests.
 */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__SSE2__)
#include <immintrin.h>
#endif

#include "util.h"
#include "csv2jsonl.h"

/*
 * The portable path, eight bytes a step (SWAR): 0x80 in each byte of v that
 * is zero, exactly (no borrow runs into the next byte), then those eight
 * bits gathered into the low byte by a multiply.
 */
static unsigned
zero_bytes(uint64_t v)
{
	const uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;
	uint64_t t = (v & low7) + low7;

	t = ~(t | v | low7);
	return (unsigned)(((t >> 7) * 0x0102040810204080ULL) >> 56);
}

static void
classify_scalar(const char *p, unsigned char delim, struct csv_masks *m)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t v;
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < 64; i += 8) {
		memcpy(&v, p + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = __builtin_bswap64(v);	/* byte 0 in the low bits */
#endif
		m->quote |= (uint64_t)zero_bytes(v ^ ones * '"') << i;
		m->delim |= (uint64_t)zero_bytes(v ^ ones * delim) << i;
		m->lf |= (uint64_t)zero_bytes(v ^ ones * '\n') << i;
		m->cr |= (uint64_t)zero_bytes(v ^ ones * '\r') << i;
	}
}

#if defined(__x86_64__) && defined(__SSE2__)
static uint64_t
mask16(__m128i x, __m128i c)
{
	return (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, c));
}

static void
classify_sse2(const char *p, unsigned char delim, struct csv_masks *m)
{
	const __m128i q = _mm_set1_epi8('"'), d = _mm_set1_epi8((char)delim);
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	__m128i x;
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < 64; i += 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		m->quote |= mask16(x, q) << i;
		m->delim |= mask16(x, d) << i;
		m->lf |= mask16(x, lf) << i;
		m->cr |= mask16(x, cr) << i;
	}
}

__attribute__((target("avx2"))) static uint64_t
mask32(__m256i x, __m256i c)
{
	return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, c));
}

__attribute__((target("avx2"))) static void
classify_avx2(const char *p, unsigned char delim, struct csv_masks *m)
{
	const __m256i q = _mm256_set1_epi8('"');
	const __m256i d = _mm256_set1_epi8((char)delim);
	const __m256i lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
	__m256i a, b;

	a = _mm256_loadu_si256((const __m256i *)(const void *)p);
	b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	m->quote = mask32(a, q) | mask32(b, q) << 32;
	m->delim = mask32(a, d) | mask32(b, d) << 32;
	m->lf = mask32(a, lf) | mask32(b, lf) << 32;
	m->cr = mask32(a, cr) | mask32(b, cr) << 32;
}
#endif

/* The classifier to use: the environment's choice, or the best there is. */
csv_classify_fn
csv_classifier(void)
{
	const char *want = getenv("CSV2JSONL_SIMD");

	if (want == NULL || *want == '\0') {
#if defined(__x86_64__) && defined(__SSE2__)
		__builtin_cpu_init();
		return __builtin_cpu_supports("avx2") ? classify_avx2 :
		    classify_sse2;
#else
		return classify_scalar;
#endif
	}
	if (strcmp(want, "scalar") == 0)
		return classify_scalar;
#if defined(__x86_64__) && defined(__SSE2__)
	if (strcmp(want, "sse2") == 0)
		return classify_sse2;
	__builtin_cpu_init();
	if (strcmp(want, "avx2") == 0 && __builtin_cpu_supports("avx2"))
		return classify_avx2;
#endif
	errx(EXIT_USAGE, "CSV2JSONL_SIMD: \"%s\" is not a path this machine "
	    "has (scalar, sse2, avx2)", want);
}
