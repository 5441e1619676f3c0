/* key=value pairs: from -X options and from properties files (key=value lines,
 * '#' and '!' comment lines; as in Java's, a '#' after a value is part of it). */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "kafka.h"

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Splits "key=value" in place; returns -1 when there is no '=' or no key. */
int
conf_split(char *kv, char **key, char **val)
{
	char *eq = strchr(kv, '=');

	if (eq == NULL)
		return -1;
	*eq = '\0';
	*key = trim(kv);
	*val = trim(eq + 1);
	return **key == '\0' ? -1 : 0;
}

/*
 * Reads a properties file: key=value per line, '#' or '!' comments, blank
 * lines ignored. Values are never printed here: they may be secrets.
 * Returns 0, or -1 after a message naming the file and line.
 */
int
conf_read_file(const char *path, conf_cb cb, void *ctx)
{
	FILE *fp;
	char *line = NULL, *key, *val, *s, *where;
	size_t cap = 0, wherecap = strlen(path) + 32;
	unsigned long lineno = 0;
	int rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return -1;
	}
	where = xmalloc(wherecap);
	while (rc == 0 && getline(&line, &cap, fp) != -1) {
		lineno++;
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == '!')
			continue;
		if (conf_split(s, &key, &val) == -1) {
			warnx("%s:%lu: expected key=value", path, lineno);
			rc = -1;
			break;
		}
		/* The file's name too: a run may read several (-F, defaults). */
		snprintf(where, wherecap, "%s:%lu", path, lineno);
		rc = cb(ctx, key, val, where);
	}
	if (ferror(fp)) {
		warn("%s", path);
		rc = -1;
	}
	free(where);
	free(line);
	fclose(fp);
	return rc;
}
