/*
 * Standard output checked when it is closed, as sbase's fshut: a write that
 * failed in stdio's buffer (a full disk, /dev/full) must not exit 0.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

/* Flushes and closes fp; -1, with a message naming it, when anything failed. */
int
fshut(FILE *fp, const char *name)
{
	int bad, saved;

	errno = 0;
	bad = fflush(fp) != 0 || ferror(fp);
	saved = errno;
	/* A descriptor closed by the caller (">&-") with nothing pending is fine. */
	if (fclose(fp) != 0 && errno != EBADF && !bad) {
		bad = 1;
		saved = errno;
	}
	if (!bad)
		return 0;
	if (saved != 0) {
		errno = saved;
		warn("%s", name);
	} else
		warnx("%s: write error", name);
	return -1;
}

static void
close_stdout(void)
{
	if (fshut(stdout, "<stdout>") == -1)
		_exit(EXIT_FAIL);	/* exit() again from an atexit handler is undefined */
}

/*
 * Called first in main(): every way out then checks standard output, the
 * exits of --help and --version included. Registered once, since the fuzz
 * driver calls main() again and again.
 */
void
fshut_stdout_at_exit(void)
{
	static int registered;

	if (!registered && atexit(close_stdout) == 0)
		registered = 1;
}
