/* write(2) until all is written: a failed write is fatal. */
#include <err.h>
#include <errno.h>
#include <unistd.h>

#include "util.h"

/* Writes all of buf to fd; a failed write ends the program naming name. */
void
write_full(int fd, const char *name, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			err(EXIT_FAIL, "%s", name);
		p += w;
		n -= (size_t)w;
	}
}
