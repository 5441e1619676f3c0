/*
 * A line reader over read(2): lines of any length, a buffer that grows only
 * as far as the longest line, and no copy for lines that fit.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define LINES_CHUNK (256 * 1024)

/* An input operand: standard input for none or "-"; -1 after a warning. */
int
input_open(const char *path)
{
	int fd = STDIN_FILENO;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fd = open(path, O_RDONLY)) == -1) {
		warn("%s", path);
		return -1;
	}
	pipe_grow(fd);
	return fd;
}

void
input_close(int fd)
{
	if (fd != STDIN_FILENO)
		close(fd);
}

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

/* Moves the unread bytes to the front and reads more; grows when full. */
static int
lines_fill(struct lines *l)
{
	ssize_t n;

	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	if (l->end == l->cap) {
		l->cap *= 2;
		l->buf = xrealloc(l->buf, l->cap);
	}
	do
		n = read(l->fd, l->buf + l->end, l->cap - l->end);
	while (n == -1 && errno == EINTR && !sig_caught);
	if (n == -1 && errno == EINTR) {
		/* A signal ends the input; a line read only in part is not a line. */
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
	l->end += (size_t)n;
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
