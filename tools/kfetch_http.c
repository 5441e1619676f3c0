/*
 * kfetch's libcurl callbacks: response headers (length, range, validators,
 * Google's x-goog-hash), the body (to the output and the cache, hashed as
 * it goes), the progress line, and the final integrity check.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kfetch.h"

static void
copy_value(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v);
}

/* x-goog-hash: crc32c=BASE64,md5=BASE64 (one header or several). */
static void
parse_goog_hash(struct resp *r, const char *v)
{
	const char *p = v, *end = v + strlen(v), *comma;
	unsigned char buf[16];
	size_t len;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		comma = memchr(p, ',', (size_t)(end - p));
		len = comma ? (size_t)(comma - p) : (size_t)(end - p);
		if (len > 4 && strncasecmp(p, "md5=", 4) == 0 &&
		    base64_decode(p + 4, len - 4, buf, 16) == 16) {
			memcpy(r->md5, buf, 16);
			r->has_md5 = 1;
		} else if (len > 7 && strncasecmp(p, "crc32c=", 7) == 0 &&
		    base64_decode(p + 7, len - 7, buf, 4) == 4) {
			r->crc32c = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
			    (uint32_t)buf[2] << 8 | buf[3];
			r->has_crc32c = 1;
		}
		p += len;
	}
}

/* The value of the last response's header (NUL-terminated), or NULL. */
static const char *
header(CURL *c, const char *name, size_t index, size_t *amount)
{
	struct curl_header *h;

	if (curl_easy_header(c, name, index, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	if (amount != NULL)
		*amount = h->amount;
	return h->value;
}

/*
 * The headers of the response whose body starts, read with
 * curl_easy_header(): whole, NUL-terminated values, unlike the bytes a
 * header callback gets.
 */
static void
read_headers(struct fetch *f, long status)
{
	struct resp *r = &f->r;
	curl_off_t len = -1;
	unsigned long long a, total;
	const char *v;
	size_t i, n = 1;

	memset(r, 0, sizeof(*r));
	r->status = status;
	if (curl_easy_getinfo(f->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	    &len) == CURLE_OK && len >= 0) {
		r->length = (uint64_t)len;
		r->has_length = 1;
	}
	if ((v = header(f->curl, "Content-Range", 0, NULL)) != NULL &&
	    sscanf(v, "bytes %llu-%*u/%llu", &a, &total) == 2) {
		r->range_start = a;
		r->range_total = total;
		r->has_range = 1;
	}
	v = header(f->curl, "Accept-Ranges", 0, NULL);
	r->ranges = v != NULL && strncasecmp(v, "bytes", 5) == 0;
	if ((v = header(f->curl, "ETag", 0, NULL)) != NULL)
		copy_value(r->etag, sizeof(r->etag), v);
	if ((v = header(f->curl, "Last-Modified", 0, NULL)) != NULL)
		copy_value(r->last_modified, sizeof(r->last_modified), v);
	for (i = 0; i < n; i++)
		if ((v = header(f->curl, "x-goog-hash", i, &n)) != NULL)
			parse_goog_hash(r, v);
}

/* Logs the host a redirect led to; never the signed URL, a credential. */
static void
log_redirect(struct fetch *f)
{
	long count = 0;
	char *eff = NULL, *host;

	if (curl_easy_getinfo(f->curl, CURLINFO_REDIRECT_COUNT, &count) !=
	    CURLE_OK || count == 0 ||
	    curl_easy_getinfo(f->curl, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK ||
	    eff == NULL)
		return;
	if ((host = url_host(eff)) != NULL) {
		warnx("redirected to %s", host);
		free(host);
	}
}

/* Starts the output again from its first byte (a file only); -1: failed. */
int
reset_output(struct fetch *f)
{
	if (f->out_fd != STDOUT_FILENO && (ftruncate(f->out_fd, 0) == -1 ||
	    lseek(f->out_fd, 0, SEEK_SET) == -1)) {
		f->out_errno = errno;
		return -1;
	}
	if (f->cache_fd != -1 && (ftruncate(f->cache_fd, 0) == -1 ||
	    lseek(f->cache_fd, 0, SEEK_SET) == -1))
		cache_drop(f, errno);
	f->written = 0;
	f->expected_known = 0;
	md5_init(&f->md5);
	f->crc = 0;
	return 0;
}

/* The first body bytes of a response: is it the start, or the rest? */
static int
body_starts(struct fetch *f, long status)
{
	char *ct = NULL;

	read_headers(f, status);
	if (f->o->verbose)
		log_redirect(f);
	/* A login or error page is not a dataset (kunzip would say less). */
	if (!f->o->is_url && curl_easy_getinfo(f->curl, CURLINFO_CONTENT_TYPE,
	    &ct) == CURLE_OK && ct != NULL && strncasecmp(ct, "text/html", 9) == 0) {
		f->html = 1;
		return -1;
	}
	/*
	 * Checksums cost more than the copy: computed only when the server
	 * sent them, and only when they can cover the file from its start.
	 */
	if (f->written == 0) {
		f->hash_md5 = f->r.has_md5;
		f->hash_crc = f->r.has_crc32c;
	}
	if (f->r.status == 206 && f->r.has_range &&
	    f->r.range_start == f->written) {
		f->expected = f->r.range_total;
		f->expected_known = 1;
		return 0;
	}
	if (f->written > 0) {
		/* The range was ignored, or the file changed meanwhile. */
		if (f->out_fd == STDOUT_FILENO) {
			f->restart_refused = 1;
			return -1;
		}
		if (f->o->verbose)
			warnx("the server sent the whole file again: starting over");
		if (reset_output(f) == -1)
			return -1;
	}
	f->expected = f->r.length;
	f->expected_known = f->r.has_length;
	return 0;
}

size_t
on_body(char *buf, size_t size, size_t n, void *ctx)
{
	struct fetch *f = ctx;
	size_t len = size * n;
	long status = 0;

	if (f->body == BODY_UNKNOWN) {
		curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
		/* An error page is not data (0: file://). */
		f->body = status == 0 || status == 200 || status == 206 ?
		    BODY_DATA : BODY_SKIP;
		if (f->body == BODY_DATA && body_starts(f, status) == -1)
			return 0;
	}
	if (f->body == BODY_SKIP)
		return len;
	/* 0 makes libcurl stop the transfer; attempt() says why. */
	if (write_all(f->out_fd, buf, len) == -1) {
		f->out_errno = errno;
		return 0;
	}
	if (f->cache_fd != -1 && write_all(f->cache_fd, buf, len) == -1)
		cache_drop(f, errno);
	if (f->hash_md5)
		md5_update(&f->md5, buf, len);
	if (f->hash_crc)
		f->crc = crc32c_update(f->crc, buf, len);
	f->written += len;
	return len;
}

int
on_progress(void *ctx, curl_off_t total, curl_off_t now, curl_off_t ut,
    curl_off_t un)
{
	struct fetch *f = ctx;
	double t, rate, all, have;

	(void)ut;
	(void)un;
	if (sig_caught)
		return 1;
	if (!f->progress)
		return 0;
	t = clock_now();
	if (t < f->next_progress)
		return 0;
	f->next_progress = t + (f->progress < 0 ? 0.25 : f->progress);
	have = (double)f->written;
	all = f->expected_known ? (double)f->expected : (double)total +
	    (double)(f->written - (uint64_t)now);
	rate = have / (t - f->started > 0.001 ? t - f->started : 0.001);
	if (all > 0)
		progress_show("%.1f of %.1f MB (%.0f%%), %.1f MB/s, "
		    "%.0f s left", have / 1e6, all / 1e6, 100 * have / all,
		    rate / 1e6, rate > 0 ? (all - have) / rate : 0);
	else
		progress_show("%.1f MB, %.1f MB/s", have / 1e6, rate / 1e6);
	return 0;
}

/* NULL when the bytes are complete and match the server's checksums. */
const char *
check_integrity(struct fetch *f)
{
	static char why[160];
	unsigned char sum[16];

	if (f->expected_known && f->written != f->expected) {
		snprintf(why, sizeof(why), "received %llu bytes, expected %llu",
		    (unsigned long long)f->written,
		    (unsigned long long)f->expected);
		return why;
	}
	if (f->r.has_md5 && f->hash_md5) {
		if (md5_peek(&f->md5, sum) == -1)
			return "MD5 could not be computed (libcrypto failed)";
		if (memcmp(sum, f->r.md5, 16) != 0)
			return "MD5 checksum mismatch (x-goog-hash)";
	}
	if (f->r.has_crc32c && f->hash_crc && f->crc != f->r.crc32c)
		return "CRC32C checksum mismatch (x-goog-hash)";
	return NULL;
}
