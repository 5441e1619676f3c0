/*
 * Progress on stderr: one self-overwriting line on a terminal, or, when
 * stderr is a log (asked for with an interval), a timestamped line every
 * so often; stage notes the same way, so a log reads as a story.
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

extern char *program_invocation_short_name;

static int shown, log_mode;

int
progress_wanted(int forced)
{
	return forced || isatty(STDERR_FILENO);
}

/*
 * Whether to show progress, and how: the live line on a terminal unless
 * live is 0, else a log line every interval seconds when interval > 0.
 * Returns the seconds between updates, or 0 for none.
 */
double
progress_mode(int live, double interval)
{
	log_mode = 0;
	if (live && isatty(STDERR_FILENO))
		return -1;
	if (interval > 0) {
		log_mode = 1;
		return interval;
	}
	return 0;
}

static void
stamp(void)
{
	char buf[32];

	clock_utc(buf, sizeof(buf), time(NULL));
	fprintf(stderr, "%s ", buf);
}

static void
vshow(int note, const char *fmt, va_list ap)
{
	if (log_mode || note) {
		if (shown)
			fputs("\r\033[K", stderr);
		if (log_mode)
			stamp();
	} else
		fputc('\r', stderr);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	if (log_mode || note) {
		fputc('\n', stderr);
		shown = 0;
	} else {
		fputs("\033[K", stderr);
		shown = 1;
	}
	fflush(stderr);
}

/* The progress line itself, after "prog: ". */
void
progress_show(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vshow(0, fmt, ap);
	va_end(ap);
}

/* A stage change: its own line, timestamped in a log, above the live line. */
void
progress_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vshow(1, fmt, ap);
	va_end(ap);
}

/* Before a warning: takes the live line off, so the warning reads whole. */
void
progress_clear(void)
{
	if (shown)
		fputs("\r\033[K", stderr);
	shown = 0;
}

/*
 * A warning in the middle of a run, as warnx(3) (errnum 0) or warn(3)
 * write it, but above the live line, and timestamped in a log like the
 * lines around it.
 */
static void
vwarning(int errnum, const char *fmt, va_list ap)
{
	progress_clear();
	if (log_mode)
		stamp();
	errno = errnum;
	if (errnum != 0)
		vwarn(fmt, ap);
	else
		vwarnx(fmt, ap);
}

void
progress_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarning(0, fmt, ap);
	va_end(ap);
}

void
progress_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarning(errno, fmt, ap);
	va_end(ap);
}

void
progress_done(void)
{
	if (shown)
		fputc('\n', stderr);
	shown = 0;
}
