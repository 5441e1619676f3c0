/* Error helpers on top of err(3): the usage error and --help. */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * All of it fits stdout's buffer, whatever its length: a write that fails
 * (a full disk) then fails at the flush, which names its cause (fshut),
 * not midway, where the cause is lost.
 */
_Noreturn void
usage_help(const char *usage, const char *text)
{
	size_t n = strlen(usage) + strlen(text) + 16;

	setvbuf(stdout, xmalloc(n), _IOFBF, n);	/* freed by the exit */
	printf("usage: %s\n\n%s", usage, text);
	exit(EXIT_OK);
}
