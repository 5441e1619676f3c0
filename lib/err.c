/* Error helpers on top of err(3): the usage error and --help. */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

extern char *program_invocation_short_name;

/* A bad option or value: one line saying what, the usage line, exit 2. */
_Noreturn void
usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vwarnx(fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "usage: %s\n", usage);
	exit(EXIT_USAGE);
}

/*
 * --help: the usage line, then the text describing each option; exit 0.
 * A text longer than stdout's buffer is written while printf runs: a
 * write that fails then (a full disk) is named here with its cause, which
 * fshut at the exit could no longer tell; _exit, so it is said once.
 */
_Noreturn void
usage_help(const char *usage, const char *text)
{
	if (printf("usage: %s\n\n%s", usage, text) < 0 || fflush(stdout) == EOF) {
		warn("<stdout>");
		_exit(EXIT_FAIL);
	}
	exit(EXIT_OK);
}
