/*
 * A line reader over read(2): lines of any length, a buffer that grows only
 * as far as the longest line, and no copy for lines that fit.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define LINES_CHUNK (256 * 1024)

int
lines_open(struct lines *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	l->name = input_name(path);
	if ((l->fd = input_open(path)) == -1)
		return -1;
	l->cap = LINES_CHUNK;
	l->buf = xmalloc(l->cap);
	return 0;
}

void
lines_close(struct lines *l)
{
	input_close(l->fd);
	free(l->buf);
	l->buf = NULL;
}

/* Reads more; a signal ends the input, and a line read in part is no line. */
static int
lines_fill(struct lines *l)
{
	ssize_t n = input_fill(l->fd, &l->buf, &l->start, &l->end, &l->cap);

	if (n == -1 && errno == EINTR) {
		l->eof = 1;
		l->start = l->end;
		return 0;
	}
	if (n == -1) {
		warn("%s", l->name);
		return -1;
	}
	if (n == 0)
		l->eof = 1;
	return 0;
}

int
lines_next(struct lines *l, char **line, size_t *len)
{
	char *nl;
	size_t scanned = 0;

	for (;;) {
		nl = memchr(l->buf + l->start + scanned, '\n',
		    l->end - l->start - scanned);
		if (nl != NULL || (l->eof && l->end > l->start))
			break;
		if (l->eof)
			return 0;
		scanned = l->end - l->start;
		if (lines_fill(l) == -1)
			return -1;
	}
	*line = l->buf + l->start;
	if (nl != NULL) {
		*len = (size_t)(nl - *line);
		l->start += *len + 1;
	} else {
		*len = l->end - l->start;
		l->start = l->end;
	}
	l->lineno++;
	return 1;
}
