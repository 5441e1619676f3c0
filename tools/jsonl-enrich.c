/*
 * jsonl-enrich: checks that each line is one JSON object and appends
 * "timestamp" and "record_id" (and constant fields) before its closing
 * brace, leaving the line's own bytes as they were.
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define USAGE "jsonl-enrich [--skip-bad] [--timestamp-field name] " \
	"[--timestamp-format iso|ms|s] [--id-field name] [--id-start n] " \
	"[--set name=value]... [file ...]"

enum tsformat { TS_ISO, TS_MS, TS_S };

struct name {
	const char *s;
	size_t	 len;
};

struct opts {
	const char *ts_field, *id_field;
	enum tsformat tsformat;
	unsigned long long id_start;
	int	 skip_bad;
	struct name *names;	/* every field added: checked against the input */
	size_t	 nnames;
	char	*sets;		/* ,"name":"value"... for --set, as JSON */
	size_t	 setslen;
	size_t	 maxname;
};

struct clock {
	long long fixed_ms;	/* from JSONL_ENRICH_NOW_MS, or -1 */
	long long last_ms;
	char	 text[40];
	size_t	 len;
};

struct enrich {
	const struct opts *o;
	struct wbuf *out;
	struct clock clock;
	unsigned long long id;
	unsigned long skipped;
	const char *utf16;	/* the file's first line was UTF-16: which */
	/* per line */
	const struct name *conflict;
	size_t	 members;
	char	*keybuf;
};

static long long
now_ms(const struct clock *c)
{
	struct timespec ts;

	if (c->fixed_ms >= 0)
		return c->fixed_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The clock is read per line, but formatted only when the millisecond changes. */
static void
write_timestamp(struct enrich *e)
{
	struct clock *c = &e->clock;
	long long ms = now_ms(c);
	time_t secs;
	struct tm tm;

	if (ms != c->last_ms) {
		c->last_ms = ms;
		secs = (time_t)(ms / 1000);
		switch (e->o->tsformat) {
		case TS_ISO:
			gmtime_r(&secs, &tm);
			c->len = strftime(c->text, sizeof(c->text),
			    "\"%Y-%m-%dT%H:%M:%S", &tm);
			c->len += (size_t)snprintf(c->text + c->len,
			    sizeof(c->text) - c->len, ".%03dZ\"", (int)(ms % 1000));
			break;
		case TS_MS:
			c->len = (size_t)snprintf(c->text, sizeof(c->text), "%lld", ms);
			break;
		case TS_S:
			c->len = (size_t)snprintf(c->text, sizeof(c->text), "%lld",
			    ms / 1000);
			break;
		}
	}
	wbuf_put(e->out, c->text, c->len);
}

static void
on_member(void *ctx, const struct json_member *m)
{
	struct enrich *e = ctx;
	const struct name *n;
	const char *key;
	long len = json_member_key(m, e->keybuf, e->o->maxname + 8, &key);
	size_t i;

	e->members++;
	for (i = 0; i < e->o->nnames; i++) {
		n = &e->o->names[i];
		if ((size_t)len == n->len && memcmp(key, n->s, n->len) == 0)
			e->conflict = n;
	}
}

static void
write_enriched(struct enrich *e, const char *line, size_t close)
{
	struct wbuf *w = e->out;

	wbuf_put(w, line, close);
	if (e->members > 0)
		wbuf_putc(w, ',');
	wbuf_putc(w, '"');
	wbuf_puts(w, e->o->ts_field);
	wbuf_put(w, "\":", 2);
	write_timestamp(e);
	wbuf_put(w, ",\"", 2);
	wbuf_puts(w, e->o->id_field);
	wbuf_put(w, "\":", 2);
	wbuf_putu(w, e->id);
	wbuf_put(w, e->o->sets, e->o->setslen);
	wbuf_put(w, "}\n", 2);
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/*
 * A first line that fails may be UTF-16 (Windows tools write it): name it,
 * rather than report the NUL bytes. A UTF-8 byte-order mark is not JSON
 * text (RFC 8259) and stays a bad line like any other.
 */
static const char *
utf16_name(const unsigned char *u, size_t n)
{
	if (n < 2)
		return NULL;
	if (u[0] == 0xFF && u[1] == 0xFE)
		return "UTF-16LE with a byte-order mark, not UTF-8 (iconv -f UTF-16";
	if (u[0] == 0xFE && u[1] == 0xFF)
		return "UTF-16BE with a byte-order mark, not UTF-8 (iconv -f UTF-16";
	if (u[0] != 0 && u[1] == 0)
		return "UTF-16LE, not UTF-8 (iconv -f UTF-16LE";
	if (u[0] == 0 && u[1] != 0)
		return "UTF-16BE, not UTF-8 (iconv -f UTF-16BE";
	return NULL;
}

/* Returns 0 to go on, -1 to stop the run. */
static int
enrich_line(struct enrich *e, struct lines *in, char *line, size_t len)
{
	const char *why;
	size_t close, pos;
	char msg[160];

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (blank(line, len))
		return 0;
	e->conflict = NULL;
	e->members = 0;
	why = json_check_object(line, len, on_member, e, &close, &pos);
	if (why == NULL && e->conflict != NULL) {
		snprintf(msg, sizeof(msg), "field \"%.100s\" is already present",
		    e->conflict->s);
		why = msg;
		pos = 0;
	}
	if (why == NULL)
		write_enriched(e, line, close);
	e->id++;
	if (why == NULL)
		return 0;
	if (in->lineno == 1)
		e->utf16 = utf16_name((const unsigned char *)line, len);
	if (e->utf16 != NULL) {
		snprintf(msg, sizeof(msg), "the input is %s -t UTF-8 converts "
		    "it)", e->utf16);
		why = msg;
		pos = 0;
	}
	if (pos > 0)
		warnx("%s:%llu: %s (byte %zu)", in->name, in->lineno, why, pos + 1);
	else
		warnx("%s:%llu: %s", in->name, in->lineno, why);
	e->skipped++;
	return e->o->skip_bad ? 0 : -1;
}

/* A file that cannot be read is reported and the next one read, as cat does. */
enum { UNREADABLE = -2 };

/* 0, -1 for a bad line that stops the run, or UNREADABLE. */
static int
enrich_file(struct enrich *e, const char *path)
{
	struct lines in;
	char *line;
	size_t len;
	int r, rc = 0;

	e->utf16 = NULL;
	if (lines_open(&in, path) == -1)
		return UNREADABLE;
	while ((r = lines_next(&in, &line, &len)) == 1)
		if ((rc = enrich_line(e, &in, line, len)) == -1)
			break;
	if (r == -1)
		rc = UNREADABLE;
	lines_close(&in);
	return rc;
}

/* Options */

static void
usage(int status)
{
	if (status != 0)
		usage_error(USAGE, NULL);
	usage_help(USAGE,
	    "Check that each line is a JSON object; add a timestamp and a record id.\n\n"
	    "      --timestamp-field NAME     name of the time field (default timestamp)\n"
	    "      --timestamp-format FMT     iso (UTC, milliseconds; default), ms or s\n"
	    "                                 since the epoch\n"
	    "      --id-field NAME            name of the index field (default record_id)\n"
	    "      --id-start N               first index (default 0)\n"
	    "      --set NAME=VALUE           add a constant string field; repeatable\n"
	    "      --skip-bad                 report and skip bad lines; exit 1 at the end\n"
	    "  -h, --help                     this help\n"
	    "      --version                  version\n");
}

static void
add_name(struct opts *o, const char *s)
{
	size_t i, len = strlen(s);

	for (i = 0; i < o->nnames; i++)
		if (strcmp(o->names[i].s, s) == 0)
			usage_error(USAGE, "field \"%s\" would be added twice", s);
	o->names = xrealloc(o->names, (o->nnames + 1) * sizeof(*o->names));
	o->names[o->nnames].s = s;
	o->names[o->nnames++].len = len;
	if (len > o->maxname)
		o->maxname = len;
}

static void
check_field_name(const char *opt, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, len, n = strlen(s);

	if (n == 0)
		usage_error(USAGE, "%s: empty field name", opt);
	for (i = 0; i < n; i += len) {
		if (u[i] < 0x20 || u[i] == '"' || u[i] == '\\')
			usage_error(USAGE, "%s: field names may not hold quotes, "
			    "backslashes or control characters", opt);
		if ((len = utf8_len(u + i, n - i)) == 0)
			usage_error(USAGE, "%s: field name is not UTF-8", opt);
	}
}

static void
add_set(struct opts *o, struct wbuf *sets, char *arg)
{
	char *eq = strchr(arg, '=');
	unsigned long bad = 0;

	if (eq == NULL)
		usage_error(USAGE, "--set: expected NAME=VALUE: %s", arg);
	*eq = '\0';
	check_field_name("--set", arg);
	add_name(o, arg);
	wbuf_put(sets, ",\"", 2);
	wbuf_puts(sets, arg);
	wbuf_put(sets, "\":", 2);
	json_write_string(sets, eq + 1, strlen(eq + 1), &bad);
	if (bad != 0)
		usage_error(USAGE, "--set: value of %s is not UTF-8", arg);
}

static void
parse_options(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timestamp-field", required_argument, NULL, 'T' },
		{ "timestamp-format", required_argument, NULL, 'F' },
		{ "id-field", required_argument, NULL, 'I' },
		{ "id-start", required_argument, NULL, 'S' },
		{ "set", required_argument, NULL, 's' },
		{ "skip-bad", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct wbuf sets;
	int ch;

	wbuf_init(&sets, -1, NULL, 64);
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'T': check_field_name("--timestamp-field", optarg);
			o->ts_field = optarg; break;
		case 'F':
			if (strcmp(optarg, "iso") == 0) o->tsformat = TS_ISO;
			else if (strcmp(optarg, "ms") == 0) o->tsformat = TS_MS;
			else if (strcmp(optarg, "s") == 0) o->tsformat = TS_S;
			else usage_error(USAGE, "--timestamp-format: iso, ms or s, "
			    "not %s", optarg);
			break;
		case 'I': check_field_name("--id-field", optarg);
			o->id_field = optarg; break;
		case 'S': o->id_start = (unsigned long long)num_parse("--id-start",
			    optarg, 0, 9007199254740991LL); break;
		case 's': add_set(o, &sets, optarg); break;
		case 'B': o->skip_bad = 1; break;
		case 'h': usage(0); break;
		case 'V': version_print("jsonl-enrich", NULL); exit(0);
		default: usage(EXIT_USAGE);
		}
	}
	add_name(o, o->ts_field);
	add_name(o, o->id_field);
	o->sets = sets.buf;
	o->setslen = sets.len;
}

static long long
fixed_clock(void)
{
	const char *s = getenv("JSONL_ENRICH_NOW_MS");

	if (s == NULL || *s == '\0')
		return -1;
	return num_parse("JSONL_ENRICH_NOW_MS", s, 0, 253402300799999LL);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct enrich e;
	struct wbuf out;
	int i, rc = 0, unreadable = 0;

	memset(&o, 0, sizeof(o));
	o.ts_field = "timestamp";
	o.id_field = "record_id";
	stdfd_open();
	fshut_stdout_at_exit();
	parse_options(&o, argc, argv);
	argc -= optind;
	argv += optind;

	memset(&e, 0, sizeof(e));
	e.o = &o;
	e.out = &out;
	e.id = o.id_start;
	e.clock.fixed_ms = fixed_clock();
	e.clock.last_ms = -1;
	e.keybuf = xmalloc(o.maxname + 8);
	wbuf_init(&out, STDOUT_FILENO, "<stdout>", 256 * 1024);
	if (argc == 0)
		unreadable = (rc = enrich_file(&e, NULL)) == UNREADABLE;
	for (i = 0; i < argc && rc != -1; i++)
		if ((rc = enrich_file(&e, argv[i])) == UNREADABLE)
			unreadable = 1;
	wbuf_flush(&out);
	if (e.skipped > 0 && o.skip_bad)
		warnx("%lu bad line%s skipped", e.skipped, e.skipped == 1 ? "" : "s");
	wbuf_free(&out);
	free(e.keybuf);
	free(o.names);
	free(o.sets);
	return rc == 0 && !unreadable && e.skipped == 0 ? EXIT_OK : EXIT_FAIL;
}
