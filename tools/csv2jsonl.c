/*
 * csv2jsonl: RFC 4180 CSV to JSON Lines, one object per record, keys from
 * the header, each column typed as number, boolean or string.
 */
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "csv2jsonl.h"

#define USAGE "csv2jsonl [-rs] [-d delim] [-n rows] [-t col=type]... " \
	"[--input-name name] [--json-schema file] [--max-field size] " \
	"[--no-header] [--schema file] [--skip-bad] [file ...]"
/* A field's bound: room for any real value, not for a runaway zip. */
#define MAX_FIELD (64 * 1024 * 1024)

/* One file */

static int
bad_record(struct conv *cv, const char *why)
{
	warnx("%s:%llu: %s", cv->csv.name, cv->csv.rec_line, why);
	if (!cv->o->skip_bad)
		return -1;
	cv->skipped++;
	return 0;
}

static int
check_width(struct conv *cv)
{
	char why[96];

	if (cv->csv.nfields == cv->ncols)
		return 1;
	snprintf(why, sizeof(why), "%zu field%s, expected %zu as in the header",
	    cv->csv.nfields, cv->csv.nfields == 1 ? "" : "s", cv->ncols);
	return bad_record(cv, why);
}

static void
summarize(struct conv *cv)
{
	if (cv->misfits > 0)
		warnx("%s: %lu value%s did not fit %s column's type: written "
		    "as string%s", cv->csv.name, cv->misfits,
		    cv->misfits == 1 ? "" : "s", cv->misfits == 1 ? "its" : "their",
		    cv->misfits == 1 ? "" : "s");
	if (cv->bad_utf8 > 0)
		warnx("%s:%llu: invalid UTF-8 replaced by U+FFFD (%lu byte%s in "
		    "all)", cv->csv.name, cv->bad_utf8_line, cv->bad_utf8,
		    cv->bad_utf8 == 1 ? "" : "s");
	if (cv->skipped > 0)
		warnx("%s: %lu bad record%s skipped", cv->csv.name, cv->skipped,
		    cv->skipped == 1 ? "" : "s");
}

/* 0 at the end of input, -1 when stopped (reported), 1 on bad CSV. */
static int
read_records(struct conv *cv)
{
	int r, w;

	while ((r = csv_next(&cv->csv)) == 1) {
		if (cv->cols == NULL) {
			if (columns_from_header(cv) == -1)
				return -1;
			check_forced_types(cv);
			if (!cv->o->no_header)
				continue;
		}
		if ((w = check_width(cv)) <= 0) {
			if (w == -1)
				return -1;
			continue;
		}
		if (!cv->typed && !cv->o->strings) {
			hold_record(cv);
			if (cv->nheld == (size_t)cv->o->infer_rows)
				release_held(cv);
			continue;
		}
		if (!cv->typed)
			decide_types(cv);
		write_record(cv, cv->csv.fields, cv->csv.rec_line);
	}
	return r == -1 ? 1 : 0;
}

/*
 * Bad CSV: broken quoting, and a field over --max-field, are skipped with
 * --skip-bad up to the end of their line. A quote left open runs to the end
 * of the input, and a bad header leaves no keys: both stop the file.
 */
static int
bad_input(struct conv *cv)
{
	struct csv *c = &cv->csv;
	int r;

	if (c->error == NULL) {
		warn("%s", c->name);
		cv->unreadable = 1;
		return -1;
	}
	if (!cv->o->skip_bad || cv->cols == NULL || c->errpos == SIZE_MAX) {
		warnx("%s:%llu: %s", c->name, c->rec_line, c->error);
		return -1;
	}
	bad_record(cv, c->error);
	if ((r = csv_resync(c)) == -1) {
		warn("%s", c->name);
		cv->unreadable = 1;
		return -1;
	}
	if (r == 1) {
		warnx("%s:%llu: %s", c->name, c->rec_line, c->error);
		return -1;
	}
	return 0;
}

static int
read_file(struct conv *cv)
{
	int r;

	while ((r = read_records(cv)) == 1)
		if (bad_input(cv) == -1)
			return -1;
	return r;
}

/* A file that cannot be read is reported and the next one read, as cat does. */
enum { UNREADABLE = -2 };

/* sc: where to leave the schemas of what was written, or NULL. */
static int
convert(const struct opts *o, const char *path, struct wbuf *out,
    struct schema *sc)
{
	struct conv cv;
	size_t i;
	int fd, rc;

	memset(&cv, 0, sizeof(cv));
	cv.o = o;
	cv.out = out;
	if ((fd = input_open(path)) == -1)
		return UNREADABLE;
	csv_open(&cv.csv, fd, path == NULL || strcmp(path, "-") == 0 ?
	    o->stdin_name : path, o->delim, o->max_field);
	rc = read_file(&cv);
	if (cv.held != NULL)
		release_held(&cv);
	summarize(&cv);
	if (sc != NULL)
		schema_build(&cv, sc);
	if (cv.skipped > 0)
		rc = -1;
	for (i = 0; i < cv.ncols; i++) {
		free(cv.cols[i].name);
		free(cv.cols[i].prefix);
	}
	free(cv.cols);
	free(cv.scratch);
	csv_close(&cv.csv);
	input_close(fd);
	return cv.unreadable ? UNREADABLE : rc;
}

/* Options */

static void
usage(int status)
{
	if (status != 0)
		usage_error(USAGE, NULL);
	usage_help(USAGE,
	    "Convert CSV (RFC 4180) to JSON Lines, one object per record.\n\n"
	    "  -d, --delimiter C         field delimiter, one byte (default ,; \\t for tab)\n"
	    "      --no-header           no header: keys are _c0, _c1, ...\n"
	    "  -n, --infer-rows N        rows read to decide column types (default 1000)\n"
	    "  -t, --type COL=TYPE       fix a column's type: number, boolean or string\n"
	    "  -s, --strings             every value a string, empty ones \"\" (no typing)\n"
	    "  -r, --rename-duplicates   rename repeated header names name_2, name_3, ...\n"
	    "      --input-name NAME     standard input's name in messages (default <stdin>)\n"
	    "      --max-field SIZE      a longer field is a bad record (default 64M; K, M, G, T)\n"
	    "      --skip-bad            report and skip bad records; exit 1 at the end\n"
	    "      --schema FILE         at the end, the columns' types as Spark SQL DDL\n"
	    "      --json-schema FILE    at the end, the columns' types as JSON Schema\n"
	    "  -h, --help                this help\n"
	    "      --version             version\n");
}

static unsigned char
parse_delim(const char *s)
{
	if (strcmp(s, "\\t") == 0 || strcmp(s, "tab") == 0)
		return '\t';
	if (strlen(s) != 1 || *s == '"' || *s == '\n' || *s == '\r')
		usage_error(USAGE, "-d: the delimiter must be one byte other than "
		    "a quote or a line end: %s", s);
	return (unsigned char)*s;
}

static void
add_type(struct opts *o, const char *arg)
{
	char *kv = xstrdup(arg), *eq = strrchr(kv, '=');
	enum coltype t;

	if (eq == NULL || eq == kv)
		usage_error(USAGE, "--type: expected COL=TYPE: %s", arg);
	*eq++ = '\0';
	if (strcmp(eq, "number") == 0)
		t = T_NUMBER;
	else if (strcmp(eq, "boolean") == 0)
		t = T_BOOLEAN;
	else if (strcmp(eq, "string") == 0)
		t = T_STRING;
	else
		usage_error(USAGE, "--type: unknown type \"%s\" (number, boolean, "
		    "string)", eq);
	o->types = xrealloc(o->types, (o->ntypes + 1) * sizeof(*o->types));
	o->types[o->ntypes].col = kv;
	o->types[o->ntypes++].type = t;
}

/*
 * Past SIZE_MAX / 4 the buffer that holds a record could not double any
 * more; the bound is there to stop long before that.
 */
static size_t
parse_max_field(const char *s)
{
	uint64_t v = num_parse_size("--max-field", s);

	if (v == 0 || v > SIZE_MAX / 4)
		errx(EXIT_USAGE, "--max-field: %s is out of range 1..%zu", s,
		    (size_t)(SIZE_MAX / 4));
	return (size_t)v;
}

static void
parse_options(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "delimiter", required_argument, NULL, 'd' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "infer-rows", required_argument, NULL, 'n' },
		{ "type", required_argument, NULL, 't' },
		{ "strings", no_argument, NULL, 's' },
		{ "rename-duplicates", no_argument, NULL, 'r' },
		{ "skip-bad", no_argument, NULL, 'B' },
		{ "input-name", required_argument, NULL, 'I' },
		{ "max-field", required_argument, NULL, 'M' },
		{ "schema", required_argument, NULL, 'S' },
		{ "json-schema", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "d:n:t:srh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->delim = parse_delim(optarg); break;
		case 'H': o->no_header = 1; break;
		case 'n': o->infer_rows = (long)num_parse("--infer-rows", optarg, 1, 10000000); break;
		case 't': add_type(o, optarg); break;
		case 's': o->strings = 1; break;
		case 'r': o->rename = 1; break;
		case 'B': o->skip_bad = 1; break;
		case 'I': o->stdin_name = optarg; break;
		case 'M': o->max_field = parse_max_field(optarg); break;
		case 'S': o->schema = optarg; break;
		case 'J': o->json_schema = optarg; break;
		case 'h': usage(0); break;
		case 'V': version_print("csv2jsonl", NULL); exit(0);
		default: usage(EXIT_USAGE);
		}
	}
}

int
main(int argc, char **argv)
{
	struct opts o = { ',', 0, 0, 0, 0, 1000, NULL, 0, "<stdin>", MAX_FIELD,
	    NULL, NULL };
	struct wbuf out;
	struct schema sc, *want = NULL;
	int i, r, rc = 0;

	stdfd_open();
	fshut_stdout_at_exit();
	parse_options(&o, argc, argv);
	argc -= optind;
	argv += optind;
	if (o.schema != NULL || o.json_schema != NULL) {
		/* Each file has its own header and types: no one schema. */
		if (argc > 1)
			usage_error(USAGE, "--schema and --json-schema take one "
			    "input, not %d files", argc);
		memset(&sc, 0, sizeof(sc));
		want = &sc;
	}
	wbuf_init(&out, STDOUT_FILENO, "<stdout>", 256 * 1024);
	if (argc == 0)
		rc = convert(&o, NULL, &out, want);
	for (i = 0; i < argc; i++) {
		if ((r = convert(&o, argv[i], &out, want)) == 0)
			continue;
		rc = -1;
		if (r != UNREADABLE && o.skip_bad == 0)
			break;
	}
	wbuf_flush(&out);
	wbuf_free(&out);
	/* After the records are out: the schemas speak of records written. */
	if (want != NULL && sc.ddl.buf != NULL && schema_save(&o, &sc) == -1)
		rc = -1;
	for (size_t t = 0; t < o.ntypes; t++)
		free((char *)o.types[t].col);
	free(o.types);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
