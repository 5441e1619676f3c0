/* Bounded parsing of option values; a bad value is a usage error (exit 2). */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <math.h>
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

double
num_parse_seconds(const char *opt, const char *s, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0' ||
	    errno == ERANGE || !isfinite(v))
		errx(EXIT_USAGE, "%s: not a number of seconds: %s", opt, s);
	if (v < 0 || v > max)
		errx(EXIT_USAGE, "%s: %s is out of range 0..%g", opt, s, max);
	return v;
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
