/*
 * kfetch's URLs, built and taken apart with libcurl's URL API rather than
 * by hand: the dataset's name checked, its API URL (or one file's), a URL fit for messages (no query, no
 * password: a signed URL's signature is a credential), a redirect's host.
 */
#include <sys/stat.h>

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "kfetch.h"

static CURLU *
url_parse(const char *url)
{
	CURLU *u;

	if ((u = curl_url()) == NULL)
		errx(EXIT_FAIL, "curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

/* A part of u, copied with xstrdup, or NULL when it has none. */
static char *
url_part(CURLU *u, CURLUPart what, unsigned flags)
{
	char *v = NULL, *s;

	if (curl_url_get(u, what, &v, flags) != CURLUE_OK || v == NULL)
		return NULL;
	s = xstrdup(v);
	curl_free(v);
	return s;
}

/* HOST or HOST:PORT of url, or NULL. */
char *
url_host(const char *url)
{
	CURLU *u = url_parse(url);
	char *host, *port, *s;
	size_t n;

	if (u == NULL)
		return NULL;
	host = url_part(u, CURLUPART_HOST, 0);
	port = url_part(u, CURLUPART_PORT, 0);
	curl_url_cleanup(u);
	if (host == NULL || port == NULL) {
		free(port);
		return host;
	}
	n = strlen(host) + strlen(port) + 2;
	s = xmalloc(n);
	snprintf(s, n, "%s:%s", host, port);
	free(host);
	free(port);
	return s;
}

/* url without its user, password, query and fragment; NULL: not a URL. */
char *
url_for_messages(const char *url)
{
	CURLU *u = url_parse(url);
	char *s;

	if (u == NULL)
		return NULL;
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(u, CURLUPART_QUERY, NULL, 0);
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	s = url_part(u, CURLUPART_URL, 0);
	curl_url_cleanup(u);
	return s;
}

static int
dataset_char(char c)
{
	return c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') ||
	    ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/*
 * Length of the name at s (up to '/' or the end), or 0 when it is bad:
 * '.' and '..' would climb out of the cache and the API's path.
 */
static size_t
dataset_part(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0' && s[n] != '/'; n++)
		if (!dataset_char(s[n]))
			return 0;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	return n;
}

/* OWNER/SLUG, or OWNER/SLUG/versions/N as kagglehub writes it. */
static void
parse_dataset(struct opts *o)
{
	const char *s = o->target, *v;
	size_t owner = dataset_part(s), slug;
	long n;

	if (owner == 0 || s[owner] != '/' ||
	    (slug = dataset_part(s + owner + 1)) == 0)
		usage_error(USAGE, "not OWNER/SLUG[/versions/N] nor a URL: %s", s);
	o->dataset = xstrndup(s, owner + 1 + slug);
	v = s + owner + 1 + slug;
	if (*v == '\0')
		return;
	if (strncmp(v, "/versions/", 10) != 0 || v[10] == '\0' ||
	    v[10 + strspn(v + 10, "0123456789")] != '\0')
		usage_error(USAGE, "not OWNER/SLUG[/versions/N] nor a URL: %s", s);
	n = (long)num_parse(s, v + 10, 1, 1000000);
	if (o->version > 0 && o->version != n)
		usage_error(USAGE, "--dataset-version %ld, but %s", o->version, s);
	o->version = n;
}

/*
 * A file's name is Kaggle's to judge, except what no file is called and
 * what would make messages and the cache's folder names lie.
 */
static void
check_file_name(const char *name)
{
	const unsigned char *p;

	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		usage_error(USAGE, "--file: not a file name: \"%s\"", name);
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			usage_error(USAGE, "--file: a control character in the name");
	if (strlen(name) > 1024)
		usage_error(USAGE, "--file: a name of more than 1024 bytes");
}

void
url_parse_dataset(struct opts *o)
{
	parse_dataset(o);
	if (o->file != NULL)
		check_file_name(o->file);
}

char *
url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *e = xmalloc(3 * strlen(s) + 1), *q = e;
	unsigned char c;

	for (; (c = (unsigned char)*s) != '\0'; s++)
		if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
		    (c | 0x20) <= 'z') || strchr("-._~", c) != NULL)
			*q++ = (char)c;
		else {
			*q++ = '%';
			*q++ = hex[c >> 4];
			*q++ = hex[c & 15];
		}
	*q = '\0';
	return e;
}

/*
 * $KAGGLE_API_ENDPOINT/api/v1/datasets/download/OWNER/SLUG, with /FILE
 * for one file (percent-encoded, '/' too, as Kaggle's clients send it) and
 * ?datasetVersionNumber=N for a version. The dataset name was checked
 * (letters, digits, '-', '_', '.'), so it needs no escaping.
 */
char *
url_dataset(const struct opts *o)
{
	const char *base = getenv("KAGGLE_API_ENDPOINT");
	char *path, *full, *url, *file, query[64];
	CURLU *u;
	size_t n;

	if (base == NULL || *base == '\0')
		base = "https://www.kaggle.com";
	if ((u = url_parse(base)) == NULL)
		errx(EXIT_FAIL, "KAGGLE_API_ENDPOINT: not a URL: %s", base);
	if ((path = url_part(u, CURLUPART_PATH, 0)) == NULL)
		path = xstrdup("/");
	file = url_escape(o->file != NULL ? o->file : "");
	n = strlen(path) + strlen(o->dataset) + strlen(file) + 40;
	full = xmalloc(n);
	snprintf(full, n, "%s%sapi/v1/datasets/download/%s%s%s", path,
	    path[strlen(path) - 1] == '/' ? "" : "/", o->dataset,
	    o->file != NULL ? "/" : "", file);
	free(file);
	curl_url_set(u, CURLUPART_PATH, full, 0);
	curl_url_set(u, CURLUPART_QUERY, NULL, 0);
	if (o->version > 0) {
		snprintf(query, sizeof(query), "datasetVersionNumber=%ld",
		    o->version);
		curl_url_set(u, CURLUPART_QUERY, query, 0);
	}
	if ((url = url_part(u, CURLUPART_URL, 0)) == NULL)
		errx(EXIT_FAIL, "KAGGLE_API_ENDPOINT: not a URL: %s", base);
	curl_url_cleanup(u);
	free(path);
	free(full);
	return url;
}

/* A file:// URL naming a directory, which libcurl reads as 0 bytes. */
int
url_is_directory(const char *url)
{
	CURLU *u = url_parse(url);
	char *scheme, *path;
	struct stat st;
	int dir = 0;

	if (u == NULL)
		return 0;
	scheme = url_part(u, CURLUPART_SCHEME, 0);
	path = url_part(u, CURLUPART_PATH, CURLU_URLDECODE);
	if (scheme != NULL && strcmp(scheme, "file") == 0 && path != NULL)
		dir = (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) ||
		    path[strlen(path) - 1] == '/';
	free(scheme);
	free(path);
	curl_url_cleanup(u);
	return dir;
}
