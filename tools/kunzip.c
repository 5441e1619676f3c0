/*
 * kunzip: streams one member of an archive (zip, tar, or a compressed file)
 * to standard output with libarchive, never seeking, so that a pipe and a
 * file give the same result.
 */
#include <archive.h>
#include <archive_entry.h>
#include <err.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"

#define USAGE "kunzip [-1l] [-m pattern] [--max-size bytes] [file]"
#define BLOCK (128 * 1024)
/* A member not named .csv is kept in memory up to this size (see kunzip(1)). */
#define HOLD_MAX (1024 * 1024)

enum { COPY_COUNT, COPY_WRITE, COPY_HOLD };

/* Member names kept for a message: the matches of -m, the CSV members. */
struct names {
	char	**v;
	size_t	 n, cap;
};

struct opts {
	const char *pattern;
	int	 list, first;
	uint64_t max_size;
};

struct unzip {
	const struct opts *o;
	const char *name;	/* of the input, for messages */
	struct archive *a;
	char	*buf;
	char	*written;	/* the member written, if any */
	int	 written_csv;
	unsigned long regular;	/* regular members seen */
	unsigned long apple;	/* of which AppleDouble files */
	/*
	 * Without -m, the first member not named .csv waits in memory: a .csv
	 * after it is the answer, and it only when the archive ends first.
	 */
	char	*held, *held_name, *other_name;
	size_t	 heldlen;
	/*
	 * With -m: every member that matched (a second one is an error, named
	 * with all the others once the archive has ended), and the CSV
	 * members, listed when none matched.
	 */
	struct names matches, csv;
};

/* Member names come from the archive: show control characters escaped. */
static char *
printable(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s), o = 0;
	char *d = xmalloc(4 * n + 1);
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c != 0x7f && c != '\\') {
			d[o++] = (char)c;
			continue;
		}
		d[o++] = '\\';
		if (c == '\\' || c == '\n' || c == '\t') {
			d[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : '\\';
			continue;
		}
		d[o++] = 'x';
		d[o++] = hex[c >> 4];
		d[o++] = hex[c & 15];
	}
	d[o] = '\0';
	return d;
}

static void
names_add(struct names *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : 2 * l->cap;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = printable(s);
}

/* The names as "a, b, c", in the order they came (to be freed). */
static char *
names_join(const struct names *l)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + 2;
	s = xmalloc(len);
	s[0] = '\0';
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, l->v[i]);
	}
	return s;
}

static void
names_free(struct names *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
	free(l->v);
}

static const char *
entry_name(struct archive_entry *e)
{
	const char *s = archive_entry_pathname(e);

	return s != NULL ? s : "(unnamed)";
}

static int
is_csv(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && strcasecmp(name + n - 4, ".csv") == 0;
}

static void
fail_member(struct unzip *u, struct archive_entry *e, const char *why)
{
	char *p = printable(entry_name(e));
	size_t n = strlen(why);

	/* Some of libarchive's messages end with a line feed. */
	while (n > 0 && (why[n - 1] == '\n' || why[n - 1] == ' '))
		n--;
	warnx("%s: %s: %.*s", u->name, p, (int)n, why);
	free(p);
}

/*
 * A held member past HOLD_MAX cannot wait any longer: it is written, and is
 * the answer from now on, as a first member was before holding existed.
 */
static void
stop_holding(struct unzip *u)
{
	write_full(STDOUT_FILENO, "<stdout>", u->held, u->heldlen);
	u->written = u->held_name;
	u->written_csv = 0;
	u->held_name = NULL;
	u->heldlen = 0;
}

/* Keeps a block of the held member, or writes it: 1 when written. */
static int
put_block(struct unzip *u, la_ssize_t n, int out)
{
	if (out == COPY_HOLD && u->heldlen + (size_t)n <= HOLD_MAX) {
		memcpy(u->held + u->heldlen, u->buf, (size_t)n);
		u->heldlen += (size_t)n;
		return 0;
	}
	if (out == COPY_HOLD)
		stop_holding(u);
	write_full(STDOUT_FILENO, "<stdout>", u->buf, (size_t)n);
	return 1;
}

/*
 * Reads the member's data: counting it, writing it, or holding it (out);
 * every negative result is fatal, ARCHIVE_WARN included (a stored entry
 * longer than it declares comes back as a warning). Returns the size, or -1.
 */
static long long
copy_member(struct unzip *u, struct archive_entry *e, int out)
{
	uint64_t total = 0;
	la_ssize_t n;
	char why[80];

	while ((n = archive_read_data(u->a, u->buf, BLOCK)) > 0) {
		total += (uint64_t)n;
		if (out != COPY_COUNT && total > u->o->max_size) {
			snprintf(why, sizeof(why), "larger than --max-size (%llu "
			    "bytes)", (unsigned long long)u->o->max_size);
			fail_member(u, e, why);
			return -1;
		}
		if (out != COPY_COUNT && put_block(u, n, out))
			out = COPY_WRITE;
	}
	if (n < 0) {
		fail_member(u, e, archive_error_string(u->a));
		return -1;
	}
	if (archive_entry_size_is_set(e) &&
	    (uint64_t)archive_entry_size(e) != total) {
		snprintf(why, sizeof(why), "%llu bytes, but the archive says %lld",
		    (unsigned long long)total, (long long)archive_entry_size(e));
		fail_member(u, e, why);
		return -1;
	}
	return (long long)total;
}

static int
list_member(struct unzip *u, struct archive_entry *e)
{
	char *p = printable(entry_name(e));
	long long size = copy_member(u, e, COPY_COUNT);

	if (size >= 0)
		printf("%s\t%lld\n", p, size);
	free(p);
	return size >= 0 ? 0 : -1;
}

/* macOS's AppleDouble files (__MACOSX/, ._NAME) hold metadata, never data. */
static int
is_apple_double(const char *name)
{
	const char *base = strrchr(name, '/');

	base = base != NULL ? base + 1 : name;
	return strncmp(name, "__MACOSX/", 9) == 0 || strncmp(base, "._", 2) == 0;
}

static int
ambiguous(struct unzip *u, const char *what, const char *first,
    const char *second)
{
	char *a = printable(first), *b = printable(second);

	warnx("%s: several %s: %s, %s; name one with -m", u->name, what, a, b);
	free(a);
	free(b);
	return -1;
}

/* A leading "./" (tar writes them) says nothing: left out on both sides. */
static const char *
skip_dot(const char *s)
{
	while (s[0] == '.' && s[1] == '/')
		s += 2;
	return s;
}

/*
 * A pattern with a "/" is matched against the member's path, one without
 * against its base name, so that "data.csv" finds "data/data.csv" and
 * "./data.csv" only the one at the top.
 */
static int
match_member(const char *pattern, const char *name)
{
	const char *base;

	if (strchr(pattern, '/') != NULL)
		return fnmatch(skip_dot(pattern), skip_dot(name), 0) == 0;
	base = strrchr(name, '/');
	return fnmatch(pattern, base != NULL ? base + 1 : name, 0) == 0;
}

/*
 * The first match is written as it is read; a later one only noted: the
 * archive is read to its end so that the error names every match.
 */
static int
choose_pattern(struct unzip *u, const char *name, int *out)
{
	if (is_csv(name))
		names_add(&u->csv, name);
	if (!match_member(u->o->pattern, name))
		return 0;
	names_add(&u->matches, name);
	if (u->written == NULL)
		*out = COPY_WRITE;
	return 0;
}

static int
several_matches(struct unzip *u)
{
	char *all = names_join(&u->matches);

	warnx("%s: several members match \"%s\": %s (use -1 for the first)",
	    u->name, u->o->pattern, all);
	free(all);
	return -1;
}

static int
no_match(struct unzip *u)
{
	char *all = names_join(&u->csv);

	if (u->csv.n > 0)
		warnx("%s: no member matches \"%s\"; its CSV members: %s",
		    u->name, u->o->pattern, all);
	else
		warnx("%s: no member matches \"%s\", and it has no CSV "
		    "member", u->name, u->o->pattern);
	free(all);
	return -1;
}

/* A .csv member is written at once: any member held before it is dropped. */
static int
choose_csv(struct unzip *u, const char *name, int *out)
{
	if (u->written != NULL)
		return ambiguous(u, u->written_csv ? ".csv members" : "members",
		    u->written, name);
	free(u->held_name);
	free(u->other_name);
	u->held_name = u->other_name = NULL;
	u->heldlen = 0;
	*out = COPY_WRITE;
	return 0;
}

/* Decides from what was seen so far what to do with this member's data. */
static int
choose(struct unzip *u, const char *name, int *out)
{
	*out = COPY_COUNT;
	if (is_apple_double(name)) {
		u->apple++;
		return 0;
	}
	if (u->o->pattern != NULL)
		return choose_pattern(u, name, out);
	if (is_csv(name))
		return choose_csv(u, name, out);
	if (u->written != NULL)
		return u->written_csv ? 0 :
		    ambiguous(u, "members", u->written, name);
	if (u->held_name == NULL)
		*out = COPY_HOLD;
	else if (u->other_name == NULL)
		u->other_name = xstrdup(name);
	return 0;
}

static int
extract_member(struct unzip *u, struct archive_entry *e)
{
	const char *name = entry_name(e);
	int out;

	if (choose(u, name, &out) == -1)
		return -1;
	if (out == COPY_COUNT) {
		if (archive_read_data_skip(u->a) != ARCHIVE_OK) {
			fail_member(u, e, archive_error_string(u->a));
			return -1;
		}
		return 0;
	}
	if (out == COPY_HOLD) {
		u->held_name = xstrdup(name);
		if (u->held == NULL)
			u->held = xmalloc(HOLD_MAX);
	} else {
		u->written = xstrdup(name);
		u->written_csv = is_csv(name);
	}
	return copy_member(u, e, out) >= 0 ? 0 : -1;
}

static int
not_an_archive(struct unzip *u)
{
	/* The raw reader takes anything: accept it only when decompressing. */
	return archive_format(u->a) == ARCHIVE_FORMAT_RAW &&
	    archive_filter_count(u->a) <= 1;
}

static int
walk(struct unzip *u)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(u->a, &e)) == ARCHIVE_OK ||
	    r == ARCHIVE_WARN) {
		if (r == ARCHIVE_WARN) {
			fail_member(u, e, archive_error_string(u->a));
			return -1;
		}
		if (not_an_archive(u)) {
			warnx("%s: not an archive", u->name);
			return -1;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		u->regular++;
		if ((u->o->list ? list_member(u, e) : extract_member(u, e)) == -1)
			return -1;
		if (u->o->first && u->written != NULL)
			return 0;
	}
	if (r != ARCHIVE_EOF) {
		warnx("%s: %s", u->name, archive_error_string(u->a));
		return -1;
	}
	return 0;
}

static int
finish(struct unzip *u)
{
	if (u->o->list)
		return 0;
	if (u->matches.n > 1)
		return several_matches(u);
	if (u->written != NULL)
		return 0;
	if (u->held_name != NULL && u->other_name != NULL)
		return ambiguous(u, "members", u->held_name, u->other_name);
	if (u->held_name != NULL) {
		stop_holding(u);
		return 0;
	}
	if (u->o->pattern != NULL)
		return no_match(u);
	warnx("%s: no regular file in the archive%s", u->name,
	    u->apple > 0 && u->apple == u->regular ?
	    " but macOS metadata (__MACOSX/, ._*)" : "");
	return -1;
}

static int
unzip(const struct opts *o, const char *path)
{
	struct unzip u;
	int fd, rc;
	char first;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	u.o = o;
	u.name = input_name(path);
	if ((fd = input_open(path)) == -1)
		exit(EXIT_FAIL);
	pipe_grow(STDOUT_FILENO);
	u.a = archive_read_new();
	archive_read_support_filter_all(u.a);
	archive_read_support_format_zip_streamable(u.a);
	archive_read_support_format_tar(u.a);
	archive_read_support_format_raw(u.a);
	if (archive_read_open_fd(u.a, fd, BLOCK) != ARCHIVE_OK) {
		n = read(fd, &first, 1);
		if (n == 0)
			warnx("%s: empty input", u.name);
		else
			warnx("%s: %s", u.name, archive_error_string(u.a));
		archive_read_free(u.a);
		return -1;
	}
	u.buf = xmalloc(BLOCK);
	rc = walk(&u);
	if (rc == 0)
		rc = finish(&u);
	else if (u.matches.n > 1)	/* bad after the second match */
		several_matches(&u);
	archive_read_free(u.a);
	free(u.buf);
	free(u.written);
	free(u.held);
	free(u.held_name);
	free(u.other_name);
	names_free(&u.matches);
	names_free(&u.csv);
	input_close(fd);
	return rc;
}

static void
usage(int status)
{
	if (status != 0)
		usage_error(USAGE, NULL);
	usage_help(USAGE,
	    "Write one member of an archive (zip, tar, gzip...) to standard output.\n\n"
	    "  -m, --member PATTERN   the member whose base name (a PATTERN with /:\n"
	    "                         whose path) matches this shell glob\n"
	    "  -1, --first            with -m, the first match (default: fail on several)\n"
	    "  -l, --list             list the regular members: name, tab, size\n"
	    "      --max-size BYTES   fail past this many bytes (default 16G; K, M, G, T)\n"
	    "  -h, --help             this help\n"
	    "      --version          version\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "member", required_argument, NULL, 'm' },
		{ "first", no_argument, NULL, '1' },
		{ "list", no_argument, NULL, 'l' },
		{ "max-size", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { NULL, 0, 0, (uint64_t)16 << 30 };
	int ch;

	stdfd_open();
	fshut_stdout_at_exit();
	/*
	 * libarchive converts names flagged UTF-8 (Python's zipfile, 7-Zip,
	 * pax) to the locale's charset, and fails on any non-ASCII name in
	 * the C locale every program starts in: names stay UTF-8 here, as
	 * the rest of the pipeline (JSON) has them.
	 */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	while ((ch = getopt_long(argc, argv, "1lm:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': o.pattern = optarg; break;
		case '1': o.first = 1; break;
		case 'l': o.list = 1; break;
		case 'S': o.max_size = num_parse_size("--max-size", optarg); break;
		case 'h': usage(0); break;
		case 'V': version_print("kunzip", archive_version_details()); exit(0);
		default: usage(EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage_error(USAGE, "one archive at a time");
	if (o.first && o.pattern == NULL)
		usage_error(USAGE, "-1 goes with -m");
	return unzip(&o, argc == 1 ? argv[0] : NULL) == 0 ? EXIT_OK : EXIT_FAIL;
}
