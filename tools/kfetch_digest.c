/*
 * kfetch's checksums, computed as the bytes stream by: MD5 from libcrypto,
 * CRC32C (Castagnoli, which libcrypto lacks) with SSE4.2 or by table, and
 * base64 decoding: enough to check Google Cloud Storage's x-goog-hash.
 */
#include <openssl/evp.h>
#include <string.h>

#include "kfetch.h"

/* 0, or -1 when libcrypto failed (then the check cannot be made). */
int
md5_init(struct md5 *m)
{
	if (m->ctx == NULL && (m->ctx = EVP_MD_CTX_new()) == NULL)
		return m->failed = -1;
	m->failed = EVP_DigestInit_ex(m->ctx, EVP_md5(), NULL) == 1 ? 0 : -1;
	return m->failed;
}

void
md5_update(struct md5 *m, const void *data, size_t n)
{
	if (m->failed == 0 && EVP_DigestUpdate(m->ctx, data, n) != 1)
		m->failed = -1;
}

/* The digest so far, leaving m as it is; -1 when it cannot be had. */
int
md5_peek(const struct md5 *m, unsigned char out[16])
{
	EVP_MD_CTX *copy;
	unsigned len = 0;
	int ok;

	if (m->failed != 0 || (copy = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_MD_CTX_copy_ex(copy, m->ctx) == 1 &&
	    EVP_DigestFinal_ex(copy, out, &len) == 1 && len == 16;
	EVP_MD_CTX_free(copy);
	return ok ? 0 : -1;
}

void
md5_free(struct md5 *m)
{
	EVP_MD_CTX_free(m->ctx);
	m->ctx = NULL;
}

/* CRC32C by table, one byte a step: where the CPU has no CRC32 instruction. */
uint32_t
crc32c_table(uint32_t crc, const void *data, size_t n)
{
	static uint32_t table[256];
	const unsigned char *p = data;
	uint32_t c;
	int i, j;

	if (table[1] == 0) {
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (j = 0; j < 8; j++)
				c = c & 1 ? (c >> 1) ^ 0x82F63B78 : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	while (n-- > 0)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
/*
 * SSE4.2's CRC32 instruction computes CRC32C itself, eight bytes a step
 * (a tenth of the table's time): compiled for SSE4.2 whatever the build's
 * -march, and called only when the CPU says it has it.
 */
__attribute__((target("sse4.2"))) uint32_t
crc32c_sse42(uint32_t crc, const void *data, size_t n)
{
	const unsigned char *p = data;
	unsigned long long c = ~crc, v;

	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	for (; n > 0; n--)
		c = __builtin_ia32_crc32qi((unsigned)c, *p++);
	return ~(uint32_t)c;
}

int
crc32c_has_sse42(void)
{
	return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t
crc32c_sse42(uint32_t crc, const void *data, size_t n)
{
	return crc32c_table(crc, data, n);
}

int
crc32c_has_sse42(void)
{
	return 0;
}
#endif

uint32_t
crc32c_update(uint32_t crc, const void *data, size_t n)
{
	static int hw = -1;

	if (hw == -1)
		hw = crc32c_has_sse42();
	return hw ? crc32c_sse42(crc, data, n) : crc32c_table(crc, data, n);
}

/*
 * Returns the decoded length, or -1 for text that is not padded base64 or
 * does not fit in cap bytes. s need not be NUL-terminated.
 */
long
base64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	unsigned char buf[96];
	int len, pad;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof(buf))
		return -1;
	/* EVP_DecodeBlock counts the padding as bytes: take it off. */
	pad = (s[n - 1] == '=') + (s[n - 2] == '=');
	if ((len = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n)) < 0 ||
	    (size_t)(len - pad) > cap)
		return -1;
	memcpy(out, buf, (size_t)(len - pad));
	return len - pad;
}
