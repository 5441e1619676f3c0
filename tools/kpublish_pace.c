/*
 * How a batch is paced, in both modes: --batch-size lines make a batch;
 * with --delay, the mode delivers each full batch (the plain mode drains
 * it, the exactly-once mode commits it) and the run then pauses --delay
 * seconds; without, nothing waits between batches.
 */
#include "util.h"
#include "kafka.h"
#include "kpublish.h"

/* After each line read; -1 when the mode could not deliver its batch. */
int
pace_line(struct pub *p)
{
	unsigned long n;

	if (++p->in_batch < p->o->batch_size)
		return 0;
	n = p->in_batch;
	p->in_batch = 0;
	if (p->o->delay <= 0)
		return p->mode->end_batch(p, n, 0);
	if (p->mode->end_batch(p, n, 1) == -1)
		return -1;
	clock_sleep(p->o->delay);
	return 0;
}
