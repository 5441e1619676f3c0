/* Monotonic time in seconds, and a sleep that a signal cuts short. */
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
