/* write(2) until all is written: an error returned, or fatal. */
#include <err.h>
#include <errno.h>
#include <unistd.h>

#include "util.h"

/*
 * Writes all of buf to fd; -1 on error (errno set). For callers that must
 * not exit (libcurl's callbacks, a delivery report): they clean up first.
 */
int
write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes all of buf to fd; a failed write ends the program naming name. */
void
write_full(int fd, const char *name, const void *buf, size_t n)
{
	if (write_all(fd, buf, n) == -1)
		err(EXIT_FAIL, "%s", name);
}
