/*
 * Input operands: opening one (none or "-" is standard input), its name in
 * messages, and the block read that the line and CSV readers share.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* The name used for a file operand in messages. */
const char *
input_name(const char *path)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return "<stdin>";
	return path;
}

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

/*
 * Moves the unread bytes buf[start..end) to the front and reads more after
 * them, doubling the buffer when they fill it. A signal interrupts the read
 * only once sig_caught is set (a tool without handlers never sees EINTR).
 */
ssize_t
input_fill(int fd, char **buf, size_t *start, size_t *end, size_t *cap)
{
	ssize_t n;

	if (*start > 0) {
		memmove(*buf, *buf + *start, *end - *start);
		*end -= *start;
		*start = 0;
	}
	if (*end == *cap) {
		*cap *= 2;
		*buf = xrealloc(*buf, *cap);
	}
	do
		n = read(fd, *buf + *end, *cap - *end);
	while (n == -1 && errno == EINTR && !sig_caught);
	if (n > 0)
		*end += (size_t)n;
	return n;
}
