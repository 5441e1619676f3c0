/*
 * csv2jsonl's schemas: the columns as Spark SQL DDL and as JSON Schema,
 * each type the narrowest that holds every value written in the column,
 * not the type decided from the first rows alone.
 */
#include <sys/stat.h>

#include <err.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"
#include "csv2jsonl.h"

/* Spark's type for what was written; an empty or mixed column is text. */
static const char *
ddl_type(unsigned w)
{
	w &= ~(unsigned)W_NULL;
	if (w == 0 || (w & W_STRING))
		return "STRING";
	if (w & W_BOOLEAN)
		return w == W_BOOLEAN ? "BOOLEAN" : "STRING";
	/* A fraction or exponent anywhere: rounded as a double, as Spark infers. */
	if (w & W_REAL)
		return "DOUBLE";
	if (w & W_LONGINT)
		return "STRING";
	return (w & W_DEC38) ? "DECIMAL(38,0)" : "BIGINT";
}

/* Letters, digits and '_', not starting with a digit: no quotes needed. */
static int
plain_identifier(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(s[i] == '_' || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
		    (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return 0;
	return n > 0;
}

/*
 * The key as Spark sees it once the JSON is read (bad UTF-8 already
 * U+FFFD), back-quoted unless plain, a back-quote inside doubled.
 */
static void
ddl_name(struct wbuf *w, const struct column *col)
{
	size_t cap = col->prefixlen + 8, i;
	char *name = xmalloc(cap);
	long n = json_unescape(col->prefix + 2, col->prefixlen - 4, name, cap);

	if (n < 0)
		errx(EXIT_FAIL, "column %.*s: key too long to decode",
		    (int)col->prefixlen - 2, col->prefix + 1);
	if (plain_identifier(name, (size_t)n))
		wbuf_put(w, name, (size_t)n);
	else {
		wbuf_putc(w, '`');
		for (i = 0; i < (size_t)n; i++) {
			if (name[i] == '`')
				wbuf_putc(w, '`');
			wbuf_putc(w, name[i]);
		}
		wbuf_putc(w, '`');
	}
	free(name);
}

static void
build_ddl(const struct conv *cv, struct wbuf *w)
{
	size_t i;

	for (i = 0; i < cv->ncols; i++) {
		if (i > 0)
			wbuf_puts(w, ", ");
		ddl_name(w, &cv->cols[i]);
		wbuf_putc(w, ' ');
		wbuf_puts(w, ddl_type(cv->cols[i].written));
	}
	wbuf_putc(w, '\n');
}

/* JSON's own kinds of what was written: numbers stay numbers here. */
static void
json_types(struct wbuf *w, unsigned written, int nullable)
{
	const char *t[4];
	size_t n = 0, i;

	if (written & W_REAL)
		t[n++] = "number";
	else if (written & (W_INT64 | W_DEC38 | W_LONGINT))
		t[n++] = "integer";
	if (written & W_BOOLEAN)
		t[n++] = "boolean";
	if ((written & W_STRING) || n == 0)
		t[n++] = "string";
	if (nullable)
		t[n++] = "null";
	wbuf_puts(w, n > 1 ? "{\"type\": [" : "{\"type\": ");
	for (i = 0; i < n; i++) {
		wbuf_puts(w, i > 0 ? ", \"" : "\"");
		wbuf_puts(w, t[i]);
		wbuf_putc(w, '"');
	}
	wbuf_puts(w, n > 1 ? "]}" : "}");
}

/* The key as written in the records: "name", escaped. */
static void
json_key(struct wbuf *w, const struct column *col)
{
	wbuf_put(w, col->prefix + 1, col->prefixlen - 2);
}

static void
build_json(const struct conv *cv, struct wbuf *w)
{
	size_t i;

	wbuf_puts(w, "{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
	    "  \"type\": \"object\",\n  \"properties\": {");
	for (i = 0; i < cv->ncols; i++) {
		wbuf_puts(w, i > 0 ? ",\n    " : "\n    ");
		json_key(w, &cv->cols[i]);
		wbuf_puts(w, ": ");
		json_types(w, cv->cols[i].written, !cv->o->strings);
	}
	wbuf_puts(w, cv->ncols > 0 ? "\n  },\n  \"required\": [" : "},\n  \"required\": [");
	for (i = 0; i < cv->ncols; i++) {
		if (i > 0)
			wbuf_puts(w, ", ");
		json_key(w, &cv->cols[i]);
	}
	wbuf_puts(w, "],\n  \"additionalProperties\": false\n}\n");
}

void
schema_build(const struct conv *cv, struct schema *sc)
{
	wbuf_init(&sc->ddl, -1, NULL, 1024);
	wbuf_init(&sc->json, -1, NULL, 1024);
	build_ddl(cv, &sc->ddl);
	build_json(cv, &sc->json);
}

/* Readers of path see the old file or the new one, never a part. */
static int
save_file(const char *path, const struct wbuf *w)
{
	size_t n = strlen(path) + 8;
	char *tmp = xmalloc(n);
	mode_t mask = umask(0);
	int fd, rc = -1;

	umask(mask);
	snprintf(tmp, n, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		warn("%s", path);
		free(tmp);
		return -1;
	}
	/* mkstemp makes it 0600; the file gets what open(2) would give. */
	if (fchmod(fd, 0666 & ~mask) == 0 && write_all(fd, w->buf, w->len) == 0)
		rc = 0;
	if (close(fd) == -1)
		rc = -1;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -1;
	if (rc == -1) {
		warn("%s", path);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int
schema_save(const struct opts *o, struct schema *sc)
{
	int rc = 0;

	if (o->schema != NULL && save_file(o->schema, &sc->ddl) == -1)
		rc = -1;
	if (o->json_schema != NULL && save_file(o->json_schema, &sc->json) == -1)
		rc = -1;
	wbuf_free(&sc->ddl);
	wbuf_free(&sc->json);
	return rc;
}
