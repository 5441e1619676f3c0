/*
 * Standard descriptors 0, 1 and 2 made sure to be open, as OpenBSD's and
 * sbase's tools do: a closed one would otherwise be handed to the next
 * open(2), socket(2) or pipe(2), and data meant for stdout would go into
 * libcurl's socket or a librdkafka file.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "util.h"

/*
 * Called first in main(). /dev/null is opened against the stream's use (as
 * gnulib's stdopen): write-only on 0, read-only on 1 and 2, so reading a
 * closed stdin or writing a closed stdout fails with EBADF and the tool
 * says so, rather than reading nothing or writing to nowhere.
 */
void
stdfd_open(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* open(2) takes the lowest free descriptor: fd itself. */
		if (open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) == -1)
			err(EXIT_FAIL, "/dev/null");
	}
}
