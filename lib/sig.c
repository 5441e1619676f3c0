/*
 * SIGINT and SIGTERM set a flag that the tools' loops look at; it counts
 * them, so that a second signal can mean "now".
 */
#include <signal.h>
#include <string.h>

#include "util.h"

volatile sig_atomic_t sig_caught;

static void
on_signal(int sig)
{
	(void)sig;
	if (sig_caught < 100)
		sig_caught++;
}

void
sig_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
