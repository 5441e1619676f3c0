/*
 * kpublish's plain mode: each line queued as it is read, librdkafka's
 * idempotent producer delivering it; with --delay each batch is delivered
 * (drained) before the pause.
 */
#include <stdlib.h>

#include "util.h"
#include "kafka.h"
#include "kpublish.h"

static int
plain_start(struct pub *p)
{
	(void)p;
	return 0;
}

/* Returns the message's bytes when it was queued, else 0. */
static size_t
produce(struct pub *p, const char *line, size_t len, const char *key,
    size_t keylen, void *tag)
{
	rd_kafka_resp_err_t e;
	rd_kafka_headers_t *hdrs = NULL;
	size_t hbytes = 0;
	char why[200];

	if (hdr_any(&p->hdrs))
		hdrs = hdr_make(&p->hdrs, p->hdrs.enc.buf, p->hdrs.enc.len, &hbytes);
	e = queue_message(p, p->rkt, line, len, key, keylen, hdrs, tag);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
		return len + keylen + hbytes;
	fail_line(p, p->files[tag_file(tag)], tag_line(tag), line, len,
	    queue_reason(p, e, len + keylen + hbytes, why, sizeof(why)));
	return 0;
}

/* One line, when the rates allow, queued (or failed and kept), then paced. */
static int
plain_line(struct pub *p, const struct lines *in, char *line, size_t len)
{
	const char *key;
	size_t keylen, sent = 0;

	if (pace_wait(p) == -1)
		return -1;
	if (line_key(p, in->name, in->lineno, line, &len, &key, &keylen) == 1)
		sent = produce(p, line, len, key, keylen, tag_make(p->nfiles - 1,
		    in->lineno));
	return pace_line(p, sent, sent > 0);
}

static int
plain_idle(struct pub *p)
{
	(void)p;
	return 0;
}

/* With a delay, a batch is delivered before the pause; without, not waited for. */
static int
plain_end_batch(struct pub *p, unsigned long n, int deliver)
{
	count_batch(p);
	if (deliver) {
		drain(p, p->o->message_timeout + 5);
		if (p->o->ko.verbose)
			progress_note("batch %llu: %lu lines; %llu delivered, "
			    "%llu failed so far", p->batches, n, p->delivered,
			    p->failed);
	} else if (p->o->ko.verbose)
		progress_note("batch %llu: %lu lines", p->batches, n);
	return 0;
}

/* The last, unfinished batch counts; what is in flight is waited for. */
static void
plain_finish(struct pub *p)
{
	if (p->in_batch > 0)
		count_batch(p);
	drain(p, p->o->message_timeout + 5);	/* cut short by a signal */
}

static int
plain_report(const struct pub *p)
{
	(void)p;
	return 0;
}

static void
plain_free(struct pub *p)
{
	(void)p;
}

const struct mode plain_mode = {
	.start = plain_start, .delivered = pub_delivered, .line = plain_line,
	.idle = plain_idle, .end_batch = plain_end_batch, .finish = plain_finish,
	.report = plain_report, .free = plain_free
};
