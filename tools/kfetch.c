/*
 * kfetch: downloads a Kaggle dataset's zip, or one of its files (or any
 * URL) with libcurl, to
 * standard output or a file, with retries, resume, integrity checks and a
 * cache, the way Kaggle's own clients do, without ever showing a secret.
 */

#include <openssl/crypto.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kfetch.h"

#define DEFAULT_DATASET "maharshipandya/-spotify-tracks-dataset"

enum outcome { DONE, RETRY, FAIL, FAIL_TEMP, NOT_MODIFIED, PIPE_CLOSED };

/* Standard output's reader went away: the status of a death by SIGPIPE. */
#define EXIT_PIPE (128 + SIGPIPE)

static void
set_auth(struct fetch *f)
{
	CURL *c = f->curl;

	/* libcurl sends these to the first host only, never after a redirect. */
	if (f->creds.kind == CREDS_BEARER) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, f->creds.secret);
	} else if (f->creds.kind == CREDS_BASIC) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, f->creds.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, f->creds.secret);
	}
}

static void
clear_auth(struct fetch *f)
{
	curl_easy_setopt(f->curl, CURLOPT_XOAUTH2_BEARER, NULL);
	curl_easy_setopt(f->curl, CURLOPT_USERNAME, NULL);
	curl_easy_setopt(f->curl, CURLOPT_PASSWORD, NULL);
	curl_easy_setopt(f->curl, CURLOPT_HTTPAUTH, CURLAUTH_NONE);
}

static void
add_header(struct fetch *f, const char *name, const char *value)
{
	char line[400];

	snprintf(line, sizeof(line), "%s: %s", name, value);
	f->headers = curl_slist_append(f->headers, line);
}

/* Resume against the storage URL when a validator guards it. */
static int
can_resume(const struct fetch *f)
{
	return f->written > 0 && f->resume_url != NULL && f->r.ranges &&
	    (f->r.etag[0] != '\0' || f->r.last_modified[0] != '\0');
}

static void
prepare(struct fetch *f, int resume)
{
	char range[64];
	const char *url = resume ? f->resume_url : f->api_url;

	curl_slist_free_all(f->headers);
	f->headers = NULL;
	curl_easy_setopt(f->curl, CURLOPT_URL, url);
	if (resume) {
		clear_auth(f);
		snprintf(range, sizeof(range), "bytes=%llu-",
		    (unsigned long long)f->written);
		add_header(f, "Range", range);
		add_header(f, "If-Range", f->r.etag[0] ? f->r.etag :
		    f->r.last_modified);
		if (f->o->verbose)
			warnx("resuming at byte %llu", (unsigned long long)f->written);
	} else {
		if (!f->o->is_url)
			set_auth(f);
		if (f->cache.valid && !f->o->force && f->cache.etag[0])
			add_header(f, "If-None-Match", f->cache.etag);
		if (f->cache.valid && !f->o->force && f->cache.last_modified[0])
			add_header(f, "If-Modified-Since", f->cache.last_modified);
		if (f->o->verbose)
			warnx("GET %s", f->label);
	}
	curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, f->headers);
}

static int
transient_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* What Kaggle's refusals mean; 0 for a status it has no words for. */
static int
kaggle_refusal(struct fetch *f, long status)
{
	const char *what = f->label;

	switch (status) {
	case 401:
		warnx("%s: 401 Unauthorized: the credentials were refused (%s)",
		    what, f->creds.source);
		return 1;
	case 403:
		warnx("%s: 403 Forbidden: access denied (accept the dataset's "
		    "rules on kaggle.com, or check that it is public)", what);
		return 1;
	case 404:
		warnx("%s: 404 Not Found: no such dataset%s", what,
		    f->o->file != NULL ? ", version or file" : " or version");
		return 1;
	}
	return 0;
}

static enum outcome
http_error(struct fetch *f, long status)
{
	const char *reason = status == 401 ? " Unauthorized" : status == 403 ?
	    " Forbidden" : status == 404 ? " Not Found" : "";

	if (status == 408 || status == 429 || status >= 500) {
		if (!f->o->quiet)
			warnx("%s: HTTP %ld", f->label, status);
		return RETRY;
	}
	if (!f->o->is_url && kaggle_refusal(f, status))
		return FAIL;
	warnx("%s: HTTP %ld%s", f->label, status, reason);
	return FAIL;
}

/*
 * The output could not be written. A closed pipe is the reader's choice
 * (kunzip refused the bytes, or head had enough): no message, SIGPIPE's
 * status, so that a pipeline blames the reader, not kfetch.
 */
static enum outcome
output_failed(struct fetch *f)
{
	if (f->out_errno == EPIPE) {
		if (f->o->verbose)
			warnx("standard output closed: stopping");
		return PIPE_CLOSED;
	}
	warnx("%s: %s", f->out_fd == STDOUT_FILENO ? "<stdout>" : f->part,
	    strerror(f->out_errno));
	return FAIL;
}

static enum outcome
html_page(struct fetch *f)
{
	char *eff = NULL, *host = NULL;

	if (curl_easy_getinfo(f->curl, CURLINFO_EFFECTIVE_URL, &eff) ==
	    CURLE_OK && eff != NULL)
		host = url_host(eff);
	warnx("%s: %s answered with an HTML page (text/html), not the "
	    "%s: a login or error page?", f->label,
	    host != NULL ? host : "the server",
	    f->o->file != NULL ? "file" : "dataset's zip");
	free(host);
	return FAIL;
}

static enum outcome
finish_transfer(struct fetch *f)
{
	const char *why;

	if ((why = check_integrity(f)) != NULL) {
		warnx("%s: %s", f->label, why);
		return FAIL;
	}
	if (f->o->verbose)
		warnx("done: %llu bytes in %.2f s", (unsigned long long)f->written,
		    clock_now() - f->started);
	return DONE;
}

static enum outcome
attempt(struct fetch *f)
{
	CURLcode rc;
	long status = 0;
	char *eff = NULL;
	int resume = can_resume(f);

	if (f->written > 0 && !resume) {
		if (f->out_fd == STDOUT_FILENO) {
			warnx("%s: the transfer broke after %llu bytes and cannot be "
			    "resumed; not writing bytes twice to a pipe", f->label,
			    (unsigned long long)f->written);
			return FAIL_TEMP;
		}
		if (reset_output(f) == -1)
			return output_failed(f);
	}
	prepare(f, resume);
	f->body = BODY_UNKNOWN;
	rc = curl_easy_perform(f->curl);
	if (f->out_errno != 0)
		return output_failed(f);
	if (f->html)
		return html_page(f);
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
	if (!resume && curl_easy_getinfo(f->curl, CURLINFO_EFFECTIVE_URL, &eff) ==
	    CURLE_OK && eff != NULL && f->written > 0) {
		free(f->resume_url);
		f->resume_url = xstrdup(eff);
	}
	if (f->o->verbose && status)
		warnx("HTTP %ld, %llu bytes so far", status,
		    (unsigned long long)f->written);
	if (f->restart_refused) {
		warnx("%s: the server would not resume (range ignored or file "
		    "changed); not writing bytes twice to a pipe", f->label);
		return FAIL_TEMP;
	}
	if (sig_caught)
		return FAIL;
	if (rc == CURLE_OK && status == 304 && f->cache.valid)
		return NOT_MODIFIED;
	if (rc == CURLE_OK && (status == 200 || status == 206 || status == 0))
		return finish_transfer(f);
	if (rc == CURLE_OK || rc == CURLE_HTTP_RETURNED_ERROR)
		return http_error(f, status);
	if (transient_curl(rc)) {
		if (!f->o->quiet)
			warnx("%s: %s", f->label, curl_easy_strerror(rc));
		return RETRY;
	}
	warnx("%s: %s", f->label, curl_easy_strerror(rc));
	return FAIL;
}

/* Exponential backoff with jitter, or what Retry-After asks. */
static void
back_off(struct fetch *f, long n)
{
	curl_off_t after = 0;
	double wait = f->o->retry_delay * pow(2, (double)n) *
	    (0.5 + (double)rand() / RAND_MAX);

	if (wait > 60)
		wait = 60;
	if (curl_easy_getinfo(f->curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK &&
	    after > 0)
		wait = after > 600 ? 600 : (double)after;
	if (!f->o->quiet)
		warnx("retrying in %.1f s (attempt %ld of %ld)", wait, n + 2,
		    f->o->retries + 1);
	clock_sleep(wait);
}

static enum outcome
download(struct fetch *f)
{
	enum outcome r = FAIL;
	long n;

	for (n = 0; n <= f->o->retries && !sig_caught; n++) {
		if ((r = attempt(f)) != RETRY)
			return r;
		if (n < f->o->retries)
			back_off(f, n);
	}
	if (r == RETRY)
		warnx("%s: giving up after %ld attempts", f->label, n);
	return r == RETRY ? FAIL_TEMP : r;
}

static void
setup_curl(struct fetch *f)
{
	CURL *c;
	const char *ca = f->o->cacert;

	if ((c = f->curl = curl_easy_init()) == NULL)
		errx(EXIT_FAIL, "curl_easy_init failed");
	if (ca == NULL && (ca = getenv("CURL_CA_BUNDLE")) == NULL)
		ca = getenv("SSL_CERT_FILE");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "kfetch/" VERSION);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(f->o->timeout * 1000));
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)ceil(f->o->timeout));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256 * 1024L);
	if (ca != NULL && *ca != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
}

static void
usage(int status)
{
	if (status != 0)
		usage_error(USAGE, NULL);
	usage_help(USAGE,
	    "Download a Kaggle dataset's zip (default " DEFAULT_DATASET ")\n"
	    "or a URL to standard output or a file. A dataset is OWNER/SLUG,\n"
	    "or OWNER/SLUG/versions/N for its version N.\n\n"
	    "  -o, --output FILE      write to FILE (through FILE.XXXXXX.part)\n"
	    "      --dataset-version N\n"
	    "                         the dataset's version N (default: the latest)\n"
	    "      --file NAME        only the dataset's file NAME (as Kaggle sends it:\n"
	    "                         the file, or a zip holding it)\n"
	    "      --retries N        retries after a temporary failure (default 5)\n"
	    "      --retry-delay S    first backoff, doubled each time (default 1)\n"
	    "      --timeout S        connect timeout, and the longest stall (default 30)\n"
	    "      --cacert FILE      trust the CAs in FILE\n"
	    "      --no-cache         neither read nor write the cache\n"
	    "  -f, --force            download again even if the cache is current\n"
	    "      --no-progress      no progress line on a terminal\n"
	    "      --progress-interval S  when stderr is not a terminal, a timestamped\n"
	    "                         progress line every S seconds (default: none)\n"
	    "  -q, --quiet            no progress, no retry notices\n"
	    "  -v, --verbose          each request, status, redirect host, resume\n"
	    "  -h, --help             this help\n"
	    "      --version          version\n");
}

/* libcurl's, and libcrypto's (MD5, base64), which may differ from curl's TLS. */
static _Noreturn void
print_versions(void)
{
	const char *crypto = OpenSSL_version(OPENSSL_VERSION);
	size_t n = strlen(curl_version()) + strlen(crypto) + 16;
	char *libs = xmalloc(n);

	snprintf(libs, n, "%s\nlibcrypto %s", curl_version(), crypto);
	version_print("kfetch", libs);
	free(libs);
	exit(0);
}

static void
parse_options(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "dataset-version", required_argument, NULL, 'N' },
		{ "file", required_argument, NULL, 'F' },
		{ "retries", required_argument, NULL, 'R' },
		{ "retry-delay", required_argument, NULL, 'D' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "progress-interval", required_argument, NULL, 'I' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->retries = 5;
	o->retry_delay = 1;
	o->timeout = 30;
	while ((ch = getopt_long(argc, argv, "o:fqvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': o->out = optarg; break;
		case 'N': o->version = (long)num_parse("--dataset-version",
			    optarg, 1, 1000000); break;
		case 'R': o->retries = (long)num_parse("--retries", optarg, 0, 100);
			break;
		case 'D': o->retry_delay = num_parse_seconds("--retry-delay",
			    optarg, 600); break;
		case 'T': o->timeout = num_parse_seconds("--timeout", optarg, 3600);
			if (o->timeout < 1)
				usage_error(USAGE, "--timeout: at least 1 s");
			break;
		case 'C': o->cacert = optarg; break;
		case 'F': o->file = optarg; break;
		case 'n': o->no_cache = 1; break;
		case 'f': o->force = 1; break;
		case 'q': o->quiet = 1; break;
		case 'P': o->no_progress = 1; break;
		case 'I': o->progress_interval = num_parse_seconds(
			    "--progress-interval", optarg, 86400); break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(0); break;
		case 'V': print_versions(); break;
		default: usage(EXIT_USAGE);
		}
	}
	if (argc - optind > 1)
		usage_error(USAGE, "one dataset or URL at a time");
	o->target = optind < argc ? argv[optind] : DEFAULT_DATASET;
	o->is_url = strstr(o->target, "://") != NULL;
	if (o->is_url && o->file != NULL)
		usage_error(USAGE, "--file names a file of a Kaggle dataset, not "
		    "of a URL");
	if (!o->is_url)
		url_parse_dataset(o);
	if (o->out == NULL && isatty(STDOUT_FILENO))
		usage_error(USAGE, "standard output is a terminal: use -o FILE "
		    "or a pipe");
}

static int
run(struct fetch *f)
{
	enum outcome r;

	f->cache_fd = cache_begin(&f->cache);
	if (f->progress > 0)
		progress_note("download started: %s", f->label);
	r = download(f);
	progress_done();
	if (r == NOT_MODIFIED || (r == FAIL_TEMP && f->cache.valid &&
	    f->written == 0)) {
		cache_abort(f);
		if (f->progress > 0)
			progress_note("serving the cached copy");
		if (r == FAIL_TEMP)
			warnx("warning: %s cannot be reached: serving the cached "
			    "copy (%s)", f->label, f->cache.data);
		else if (f->o->verbose)
			warnx("not modified: serving the cached copy");
		if (cache_serve(f) == 0)
			return EXIT_OK;
		r = f->out_errno != 0 ? output_failed(f) : FAIL;
	}
	if (r == DONE) {
		cache_commit(f);
		if (f->progress > 0)
			progress_note("download ended: %llu bytes in %.1f s%s",
			    (unsigned long long)f->written, clock_now() - f->started,
			    f->r.has_md5 && f->hash_md5 ? ", MD5 checked" : "");
		return EXIT_OK;
	}
	cache_abort(f);
	if (r == PIPE_CLOSED)
		return EXIT_PIPE;
	return r == FAIL_TEMP ? EXIT_TEMP : EXIT_FAIL;
}

static void
open_url(struct fetch *f)
{
	const char *url = f->o->target;

	if ((f->label = url_for_messages(url)) == NULL)
		usage_error(USAGE, "not a URL that libcurl can read: %s", url);
	/* libcurl reads a folder as 0 bytes, which would look like success. */
	if (url_is_directory(url))
		errx(EXIT_FAIL, "%s: a folder, not a file", f->label);
	f->api_url = xstrdup(url);
}

/* OWNER/SLUG[/versions/N], and the file asked for, for messages. */
static char *
dataset_label(const struct opts *o)
{
	size_t n;
	char *s;

	if (o->file == NULL)
		return xstrdup(o->target);
	n = strlen(o->target) + strlen(o->file) + 8;
	s = xmalloc(n);
	snprintf(s, n, "%s file %s", o->target, o->file);
	return s;
}

/* Ends as a process killed by SIGPIPE would, once everything is cleaned up. */
static _Noreturn void
die_of_sigpipe(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGPIPE);
	_exit(EXIT_PIPE);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct fetch f;
	int status;

	stdfd_open();
	fshut_stdout_at_exit();
	parse_options(&o, argc, argv);
	memset(&f, 0, sizeof(f));
	f.o = &o;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		errx(EXIT_FAIL, "curl_global_init failed");
	if (o.is_url)
		open_url(&f);
	else {
		f.label = dataset_label(&o);
		f.api_url = url_dataset(&o);
		creds_find(&f.creds);
	}
	if (f.creds.source == NULL)
		f.creds.source = xstrdup("none");
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	sig_install();
	setup_curl(&f);
	cache_open(&f.cache, &o);
	output_open(&f);
	md5_init(&f.md5);
	f.progress = o.quiet ? 0 : progress_mode(!o.no_progress,
	    o.progress_interval);
	f.started = clock_now();
	status = run(&f);
	if (!output_close(&f, status == EXIT_OK) && status == EXIT_OK)
		status = EXIT_FAIL;
	curl_slist_free_all(f.headers);
	curl_easy_cleanup(f.curl);
	curl_global_cleanup();
	creds_free(&f.creds);
	cache_free(&f.cache);
	free(f.api_url);
	free(f.label);
	free(f.resume_url);
	free(f.part);
	free(o.dataset);
	md5_free(&f.md5);
	if (status == EXIT_PIPE)
		die_of_sigpipe();
	return status;
}
