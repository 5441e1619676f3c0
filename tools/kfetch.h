/*
 * kfetch's parts, in layers: each file calls only those in layers before
 * its own, never one after it.
 *   1. kfetch_digest.c  MD5, CRC32C, base64 (x-goog-hash)
 *      kfetch_url.c     the dataset's name checked; URLs built, shown safely
 *   2. kfetch_store.c   credentials, the output file, the cache
 *   3. kfetch_http.c    libcurl's callbacks: headers, body, progress, checks
 *   4. kfetch.c         options, attempts and retries, main()
 */
#ifndef KFETCH_H
#define KFETCH_H

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdint.h>

#include "util.h"

#define USAGE "kfetch [-fqv] [-o file] [--dataset-version n] [--file name] " \
	"[--retries n] [--retry-delay s] [--timeout s] [--cacert file] " \
	"[--no-cache] [--no-progress] [--progress-interval s] [dataset | url]"

/* kfetch_digest.c: checksums for downloads. */
struct md5 {
	EVP_MD_CTX *ctx;
	int	 failed;
};
int	 md5_init(struct md5 *m);
void	 md5_update(struct md5 *m, const void *data, size_t n);
int	 md5_peek(const struct md5 *m, unsigned char out[16]);
void	 md5_free(struct md5 *m);
uint32_t crc32c_update(uint32_t crc, const void *data, size_t n);
/* The two ways crc32c_update may take (tests/kfetch/test-crc32c). */
uint32_t crc32c_table(uint32_t crc, const void *data, size_t n);
uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t n);
int	 crc32c_has_sse42(void);
long	 base64_decode(const char *s, size_t n, unsigned char *out, size_t cap);

struct opts {
	const char *target;	/* as given: OWNER/SLUG[/versions/N] or URL */
	char	*dataset;	/* OWNER/SLUG */
	const char *file;	/* --file: one file of the dataset, or NULL */
	const char *out;	/* -o, or NULL for stdout */
	const char *cacert;
	long	 version;	/* 0: latest */
	long	 retries;
	double	 timeout, retry_delay, progress_interval;
	int	 no_progress;
	int	 no_cache, force, quiet, verbose, is_url;
};

struct creds {
	int	 kind;		/* CREDS_NONE, CREDS_BEARER, CREDS_BASIC */
	char	*user, *secret;
	char	*source;	/* where they were read, for messages */
};
enum { CREDS_NONE, CREDS_BEARER, CREDS_BASIC };
enum { BODY_UNKNOWN, BODY_DATA, BODY_SKIP };

struct cache {
	char	*dir;		/* NULL: no cache */
	char	*data, *meta, *tmp;
	char	 etag[256], last_modified[128];
	uint64_t size;		/* the data's size, as the metadata says */
	int	 valid;		/* data and meta present, and of that size */
};

/* The headers of the last response that had a body. */
struct resp {
	long	 status;
	uint64_t length, range_start, range_total;
	int	 has_length, has_range, ranges;
	char	 etag[256], last_modified[128];
	unsigned char md5[16];
	uint32_t crc32c;
	int	 has_md5, has_crc32c;
};

struct fetch {
	const struct opts *o;
	CURL	*curl;
	struct creds creds;
	struct cache cache;
	char	*api_url, *resume_url, *label;
	int	 out_fd, cache_fd;
	char	*part;		/* FILE.part with -o */
	struct resp r;
	uint64_t written, expected;
	int	 expected_known, restart_refused;
	int	 out_errno;	/* the output's write failed (in a callback) */
	int	 html;		/* a dataset answered with an HTML page */
	int	 body;		/* this attempt's body: BODY_UNKNOWN, ... */
	struct md5 md5;
	uint32_t crc;
	int	 hash_md5, hash_crc;	/* hashing since the first byte */
	double	 started, next_progress;
	double	 progress;	/* seconds between lines; <0 live line; 0 none */
	struct curl_slist *headers;
};

/* kfetch_http.c */
size_t	 on_body(char *buf, size_t size, size_t n, void *ctx);
int	 on_progress(void *ctx, curl_off_t total, curl_off_t now, curl_off_t ut,
	    curl_off_t un);
int	 reset_output(struct fetch *f);
const char *check_integrity(struct fetch *f);

/* kfetch_url.c */
char	*url_host(const char *url);
char	*url_for_messages(const char *url);
/* Checks o->target, OWNER/SLUG[/versions/N]: o->dataset, o->version. */
void	 url_parse_dataset(struct opts *o);
/* s percent-encoded but for RFC 3986's unreserved characters. */
char	*url_escape(const char *s);
char	*url_dataset(const struct opts *o);
int	 url_is_directory(const char *url);

/* kfetch_store.c */
void	 creds_find(struct creds *c);
void	 creds_free(struct creds *c);
/* -o FILE through FILE.XXXXXX.part, renamed when complete, or stdout. */
void	 output_open(struct fetch *f);
int	 output_close(struct fetch *f, int ok);
void	 cache_open(struct cache *c, const struct opts *o);
void	 cache_free(struct cache *c);
int	 cache_begin(struct cache *c);
void	 cache_commit(struct fetch *f);
void	 cache_abort(struct fetch *f);
void	 cache_drop(struct fetch *f, int errnum);
int	 cache_serve(struct fetch *f);

#endif
