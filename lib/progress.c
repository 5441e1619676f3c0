/* A progress line on stderr: only when it is a terminal, or when asked. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "util.h"

static int shown;

int
progress_wanted(int forced)
{
	return forced || isatty(STDERR_FILENO);
}

void
progress_show(const char *fmt, ...)
{
	va_list ap;

	fputc('\r', stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
	fflush(stderr);
	shown = 1;
}

void
progress_done(void)
{
	if (shown)
		fputc('\n', stderr);
	shown = 0;
}
