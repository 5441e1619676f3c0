/* Bounded parsing of option values; a bad value is a usage error (exit 2). */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

long long
num_parse(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0')
		errx(EXIT_USAGE, "%s: not a whole number: %s", opt, s);
	if (errno == ERANGE || v < min || v > max)
		errx(EXIT_USAGE, "%s: %s is out of range %lld..%lld", opt, s,
		    min, max);
	return v;
}

/*
 * A duration in seconds: decimal digits with an optional fraction, so that
 * strtod's extras (hex "0x10", "1e3", "inf", "nan", leading space or '+')
 * are refused. A leading '-' is read so that "-5" is told it is out of
 * range, in the same words as any other value outside min..max.
 */
double
num_parse_duration(const char *opt, const char *s, double min, double max)
{
	const char *p = s + (*s == '-');
	size_t whole = strspn(p, "0123456789"), frac = 0;
	double v;

	if (p[whole] == '.')
		frac = strspn(p + whole + 1, "0123456789");
	if (whole + frac == 0 || p[whole + (p[whole] == '.') + frac] != '\0')
		errx(EXIT_USAGE, "%s: not a number of seconds: %s", opt, s);
	v = strtod(s, NULL);	/* the text is plain decimal by now */
	if (v < min || v > max)
		errx(EXIT_USAGE, "%s: %s is out of range %g..%g", opt, s, min, max);
	return v;
}

double
num_parse_seconds(const char *opt, const char *s, double max)
{
	return num_parse_duration(opt, s, 0, max);
}

/* A byte count with an optional K, M, G or T suffix (powers of 1024). */
uint64_t
num_parse_size(const char *opt, const char *s)
{
	static const char units[] = "KMGT";
	char *end;
	const char *u;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		errx(EXIT_USAGE, "%s: not a size: %s", opt, s);
	v = strtoull(s, &end, 10);
	if (*end != '\0') {
		u = strchr(units, toupper((unsigned char)*end));
		if (u == NULL || *u == '\0' || (end[1] != '\0' &&
		    strcmp(end + 1, "iB") != 0 && strcmp(end + 1, "B") != 0))
			errx(EXIT_USAGE, "%s: not a size: %s", opt, s);
		shift = 10 * (int)(u - units + 1);
	}
	if (errno == ERANGE || (shift && v > (UINT64_MAX >> shift)))
		errx(EXIT_USAGE, "%s: size too large: %s", opt, s);
	return (uint64_t)v << shift;
}
