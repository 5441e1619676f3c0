/*
 * Monotonic time in seconds, a sleep that a signal cuts short, and UTC
 * time as ISO 8601 text.
 */
#include <time.h>

#include "util.h"

double
clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps, but wakes early for a signal (and not at all after one). */
void
clock_sleep(double seconds)
{
	struct timespec ts;

	if (seconds <= 0 || sig_caught)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* t as 2026-11-28T12:00:00Z (to the second, UTC) in buf[n], n >= 21. */
void
clock_utc(char *buf, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
