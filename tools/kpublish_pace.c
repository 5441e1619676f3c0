/*
 * How the run is paced, in both modes. --batch-size lines make a batch;
 * with --delay, the mode delivers each full batch (the plain mode drains
 * it, the exactly-once mode commits it) and the run then pauses --delay
 * seconds; without, nothing waits between batches. --rate and
 * --byte-rate are token buckets, kept as the time each is next due
 * (GCRA): every message costs 1/rate s, and its bytes/byte-rate s; a
 * bucket is one batch deep (--batch-size messages; in bytes, that many of
 * the average size so far), so a burst is never more than a batch and the
 * rest is spread evenly. A mode sends a line only after pace_wait.
 */
#include "util.h"
#include "kafka.h"
#include "kpublish.h"

/* When the next message may go; 0 when no rate is set. */
static double
pace_due(const struct pub *p)
{
	const struct opts *o = p->o;
	double due = 0, avg, t;

	if (o->rate > 0)
		due = p->tat - (double)(o->batch_size - 1) / o->rate;
	if (o->byte_rate > 0) {
		avg = p->paced > 0 ? (double)p->paced_bytes / (double)p->paced : 0;
		t = p->tat_bytes - (double)(o->batch_size - 1) * avg / o->byte_rate;
		if (t > due)
			due = t;
	}
	return due;
}

/*
 * Waits serving delivery reports (and the mode: a transaction due on
 * --commit-interval is committed meanwhile), so that the queue moves.
 */
int
pace_wait(struct pub *p)
{
	double due, left;
	int ms;

	if (p->o->rate <= 0 && p->o->byte_rate <= 0)
		return 0;
	due = pace_due(p);
	while (!stopping(p) && (left = due - clock_now()) > 0) {
		if (p->mode->idle(p) == -1)
			return -1;
		ms = left > 0.1 ? 100 : (int)(left * 1000) + 1;
		rd_kafka_poll(p->rk, ms);
		p->show(p, 0);
	}
	return stopping(p) ? -1 : 0;
}

/* Charges a message sent to each bucket. */
static void
pace_charge(struct pub *p, size_t bytes)
{
	const struct opts *o = p->o;
	double now = clock_now();

	p->paced++;
	p->paced_bytes += bytes;
	if (o->rate > 0)
		p->tat = (p->tat > now ? p->tat : now) + 1 / o->rate;
	if (o->byte_rate > 0)
		p->tat_bytes = (p->tat_bytes > now ? p->tat_bytes : now) +
		    (double)bytes / o->byte_rate;
}

/* After each line read; -1 when the mode could not deliver its batch. */
int
pace_line(struct pub *p, size_t bytes, int sent)
{
	unsigned long n;

	if (sent)
		pace_charge(p, bytes);
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
