/*
 * kpublish's core, under both modes: the client, a message queued, its
 * delivery report, the drain, the dead-letter file, a line's key, the
 * input files read line by line, the exit; and the run's counters, which
 * only this file writes (the report reads them).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "kafka.h"
#include "kpublish.h"

#define MAX_REASONS 20		/* failures told one by one, then counted */
#define SIGNAL_WAIT 10		/* seconds for what is in flight after a signal */

static void
report_failure(struct pub *p, const char *file, unsigned long long line,
    const char *why)
{
	if (++p->reasons <= MAX_REASONS)
		progress_warnx("%s:%llu: not delivered: %s", file, line, why);
	else if (p->reasons == MAX_REASONS + 1)
		progress_warnx("more lines not delivered; the summary counts them");
}

/*
 * Opens the dead-letter file once the cluster has answered and before any
 * line is read, so that a path that cannot be written ends the run before
 * anything is published. A file made here is removed at the end if no line
 * went to it (summarize).
 */
void
dl_open(struct pub *p)
{
	const char *path = p->o->dead_letter;

	p->dl = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0666);
	if (p->dl != -1)
		p->dl_created = 1;
	else if (errno == EEXIST)
		p->dl = open(path, O_WRONLY | O_APPEND);
	if (p->dl == -1) {
		progress_warn("%s: cannot open the dead-letter file", path);
		pub_exit(p, EXIT_FAIL);
	}
}

/* Closes the dead-letter file; removes it if made here and unused. */
int
dl_close(struct pub *p)
{
	if (close(p->dl) == -1) {
		progress_warn("%s", p->o->dead_letter);
		return -1;
	}
	if (p->dl_created && p->kept == 0 && p->lost == 0 &&
	    unlink(p->o->dead_letter) == -1)
		progress_warn("%s: could not remove the empty dead-letter file",
		    p->o->dead_letter);
	return 0;
}

/*
 * Keeps a line that was not delivered, unchanged, for a later run. Never
 * exits (it runs in the delivery callback too): a line that cannot be
 * written is counted as lost, and the run goes on and says so at the end.
 */
static void
dead_letter(struct pub *p, const char *line, size_t len)
{
	if (write_all(p->dl, line, len) == -1 || write_all(p->dl, "\n", 1) == -1) {
		if (p->lost++ == 0)	/* once; the summary counts them */
			progress_warn("%s: a line not delivered could not be kept",
			    p->o->dead_letter);
		return;
	}
	p->kept++;
}

void
fail_line(struct pub *p, const char *file, unsigned long long line,
    const char *data, size_t len, const char *why)
{
	p->failed++;
	report_failure(p, file, line, why);
	dead_letter(p, data, len);
}

void
count_delivered(struct pub *p, size_t len, int32_t partition)
{
	p->delivered++;
	p->bytes += len;
	stats_count(p, partition);
}

void
count_batch(struct pub *p)
{
	p->batches++;
}

/* librdkafka calls this from rd_kafka_poll() for every message. */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct pub *p = opaque;

	(void)rk;
	p->outstanding--;
	p->mode->delivered(p, m);
}

size_t
message_bytes(const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *hs;
	const char *name;
	const void *val;
	size_t i, len, n = m->len + m->key_len;

	if (rd_kafka_message_headers(m, &hs) == RD_KAFKA_RESP_ERR_NO_ERROR)
		for (i = 0; rd_kafka_header_get_all(hs, i, &name, &val, &len) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR; i++)
			n += strlen(name) + len;
	return n;
}

/*
 * librdkafka refuses a message whose bytes and record framing (a few dozen
 * bytes) are over the producer's message.max.bytes; the broker, a batch
 * that compressed is over the topic's max.message.bytes.
 */
const char *
size_reason(const struct pub *p, size_t bytes, int by_broker, char *buf,
    size_t n)
{
	if (!by_broker)
		snprintf(buf, n, "%zu bytes, over message.max.bytes %lld%s", bytes,
		    p->o->max_message, (long long)bytes > p->o->max_message ? "" :
		    " with its record framing");
	else if (p->topic_max > 0)
		snprintf(buf, n, "%zu bytes, over max.message.bytes %lld of topic "
		    "%s (the broker's check, on the compressed batch)", bytes,
		    p->topic_max, p->o->ko.topic);
	else
		snprintf(buf, n, "%zu bytes, over max.message.bytes of topic %s "
		    "(the broker's check, on the compressed batch)", bytes,
		    p->o->ko.topic);
	return buf;
}

const char *
queue_reason(const struct pub *p, rd_kafka_resp_err_t e, size_t bytes,
    char *buf, size_t n)
{
	if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
		return size_reason(p, bytes, 0, buf, n);
	if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		return "interrupted while the queue was full";
	return rd_kafka_err2str(e);
}

void
pub_delivered(struct pub *p, const rd_kafka_message_t *m)
{
	char why[300], size[200];
	const char *what;

	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		count_delivered(p, m->len, m->partition);
		return;
	}
	what = m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ?
	    size_reason(p, message_bytes(m), 1, size, sizeof(size)) :
	    rd_kafka_err2str(m->err);
	if (rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED) {
		p->maybe++;
		snprintf(why, sizeof(why), "%s (it may be in the topic all the same)",
		    what);
	} else
		snprintf(why, sizeof(why), "%s", what);
	fail_line(p, p->files[tag_file(m->_private)], tag_line(m->_private),
	    m->payload, m->len, why);
}

static void
on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
	struct pub *p = opaque;
	char fatal[256];

	if (kafka_setup_error(&p->o->ko, code, reason)) {
		p->fatal = 1;	/* what is in flight goes to the dead-letter file */
		return;
	}
	if (code == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
		progress_warnx("fatal: %s", fatal);
		p->fatal = 1;
		return;
	}
	if (!p->o->ko.quiet)
		progress_warnx("%s", reason);
}

/*
 * rd_kafka_produceva rather than rd_kafka_producev: the RD_KAFKA_V_* macros
 * that producev takes are GNU statement expressions, which clang -pedantic
 * refuses.
 */
rd_kafka_resp_err_t
queue_message(struct pub *p, rd_kafka_topic_t *rkt, const char *val,
    size_t len, const char *key, size_t keylen, rd_kafka_headers_t *hdrs,
    void *tag)
{
	rd_kafka_vu_t vu[6];
	rd_kafka_error_t *err;
	rd_kafka_resp_err_t e;
	size_t n = 5;

	memset(vu, 0, sizeof(vu));
	vu[0].vtype = RD_KAFKA_VTYPE_RKT;
	vu[0].u.rkt = rkt;
	vu[1].vtype = RD_KAFKA_VTYPE_VALUE;
	vu[1].u.mem.ptr = (void *)val;
	vu[1].u.mem.size = len;
	vu[2].vtype = RD_KAFKA_VTYPE_KEY;
	vu[2].u.mem.ptr = (void *)key;
	vu[2].u.mem.size = keylen;
	vu[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
	vu[3].u.i = RD_KAFKA_MSG_F_COPY;
	vu[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
	vu[4].u.ptr = tag;
	if (hdrs != NULL) {
		vu[5].vtype = RD_KAFKA_VTYPE_HEADERS;
		vu[5].u.headers = hdrs;
		n = 6;
	}
	for (;;) {
		err = rd_kafka_produceva(p->rk, vu, n);
		e = err != NULL ? rd_kafka_error_code(err) : RD_KAFKA_RESP_ERR_NO_ERROR;
		if (err != NULL)
			rd_kafka_error_destroy(err);
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		/* Back-pressure: serve delivery reports until there is room. */
		rd_kafka_poll(p->rk, 100);
		if (stopping(p))	/* no room may ever come */
			break;
	}
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
		p->outstanding++;
		rd_kafka_poll(p->rk, 0);
	} else if (hdrs != NULL)	/* librdkafka owns them only when queued */
		rd_kafka_headers_destroy(hdrs);
	return e;
}

/*
 * A line's length without a CR before its LF, and its key: 1 to send it,
 * 0 for a blank line, -1 for one with no key (failed and kept); a line
 * that is not blank counts as read.
 */
int
line_key(struct pub *p, const char *file, unsigned long long lineno,
    const char *line, size_t *len, const char **key, size_t *keylen)
{
	struct hdrs *h = &p->hdrs;
	const char *why = NULL;
	char msg[128];

	if (*len > 0 && line[*len - 1] == '\r')
		(*len)--;
	if (*len == 0)
		return 0;
	*key = NULL;
	*keylen = 0;
	p->read++;
	if (h->n > 0)
		hdr_line_start(h);
	if (!p->o->no_key || h->n > 0)
		why = key_find(&p->keys, line, *len, key, keylen);
	if (h->n > 0) {
		if (why != NULL)	/* not an object: no field, no header */
			hdr_line_start(h);
		hdr_line_end(h);
	}
	if (p->o->no_key) {	/* parsed for its headers only */
		*key = NULL;
		*keylen = 0;
		return 1;
	}
	if (why == NULL)
		return 1;
	snprintf(msg, sizeof(msg), "not a JSON object, so no key: %s", why);
	fail_line(p, file, lineno, line, *len, msg);
	return -1;
}

/*
 * Whether a wait that was to end at end is over. A signal bounds every wait
 * to SIGNAL_WAIT seconds from when it was first seen (a broker that is down
 * would otherwise hold the run for --timeout); a second ends it at once.
 */
int
wait_over(struct pub *p, double end)
{
	double now = clock_now();

	if (p->fatal || sig_caught > 1)
		return 1;
	if (sig_caught && p->stop_by == 0)
		p->stop_by = now + SIGNAL_WAIT;
	return now >= end || (p->stop_by > 0 && now >= p->stop_by);
}

/* Waits for every message in flight, a bounded time; then gives up on them. */
void
drain(struct pub *p, double limit)
{
	double end = clock_now() + limit;

	while (rd_kafka_outq_len(p->rk) > 0 && !wait_over(p, end)) {
		rd_kafka_flush(p->rk, 200);
		p->show(p, 0);
	}
	if (rd_kafka_outq_len(p->rk) > 0) {
		/* Purged messages come back as failed delivery reports. */
		rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE |
		    RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(p->rk, 0);
		rd_kafka_flush(p->rk, 1000);
	}
	rd_kafka_poll(p->rk, 0);
}

/* Opens an input operand; its name is kept for the delivery reports. */
static int
open_input(struct pub *p, struct lines *in, const char *path)
{
	if (lines_open(in, path) == -1)
		return -1;
	p->files = xrealloc(p->files, (p->nfiles + 1) * sizeof(*p->files));
	p->files[p->nfiles++] = xstrdup(in->name);
	return 0;
}

/* Each line of one operand to the mode, until it says stop; -1 when unread. */
static int
read_input(struct pub *p, const char *path)
{
	struct lines in;
	char *line;
	size_t len;
	int r = 0;

	if (open_input(p, &in, path) == -1)
		return -1;
	while (!stopping(p) && (r = lines_next(&in, &line, &len)) == 1) {
		if (p->mode->line(p, &in, line, len) == -1)
			break;
		p->show(p, 0);
	}
	lines_close(&in);
	return r == -1 ? -1 : 0;
}

/*
 * Each operand (standard input when there is none), until a signal or a
 * fatal error; one that fails marks the input bad.
 */
void
pub_each_input(struct pub *p, int argc, char **argv)
{
	int i;

	if (argc == 0 && read_input(p, NULL) == -1)
		p->input_error = 1;
	for (i = 0; i < argc && !stopping(p); i++)
		if (read_input(p, argv[i]) == -1)
			p->input_error = 1;
}

/*
 * The broker refuses a whole batch when, compressed, it is over the
 * topic's max.message.bytes: every line in it would fail with the one too
 * large. So batches are kept under that limit (batch.size, less lz4's
 * worst growth and the batch's framing), and a line too large on its own
 * goes alone and fails alone. 1 when conf was changed.
 */
static int
batch_cap(struct pub *p, rd_kafka_conf_t *conf)
{
	char val[32];
	size_t n = sizeof(val);
	long long cap;

	if (p->topic_max <= 0 || rd_kafka_conf_get(conf, "batch.size", val, &n) !=
	    RD_KAFKA_CONF_OK)
		return 0;
	cap = p->topic_max - p->topic_max / 255 - 1024;
	if (cap < 1)
		cap = 1;
	if (atoll(val) <= cap)
		return 0;
	snprintf(val, sizeof(val), "%lld", cap);
	kafka_conf_set(conf, "batch.size", val, "max.message.bytes");
	if (p->o->ko.verbose)
		progress_note("topic %s: max.message.bytes %lld, so batches of at "
		    "most %lld bytes (batch.size)", p->o->ko.topic, p->topic_max, cap);
	return 1;
}

/*
 * The client, made with the core's callbacks (the delivery report goes on
 * to the mode's), once the topic is there; made again with smaller batches
 * when the topic's limit asks for them (nothing was sent yet).
 */
void
pub_start(struct pub *p, rd_kafka_conf_t *conf)
{
	rd_kafka_conf_t *again;

	rd_kafka_conf_set_opaque(conf, p);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	stats_setup(p, conf);
	again = rd_kafka_conf_dup(conf);
	p->rk = kafka_new(RD_KAFKA_PRODUCER, conf);
	topic_ensure(p);
	p->topic_max = topic_max_message(p);
	if (batch_cap(p, again)) {
		rd_kafka_destroy(p->rk);
		p->rk = kafka_new(RD_KAFKA_PRODUCER, again);
	} else
		rd_kafka_conf_destroy(again);
	kafka_wait_topic(p->rk, &p->o->ko);
	p->rkt = rd_kafka_topic_new(p->rk, p->o->ko.topic, NULL);
}

_Noreturn void
pub_exit(struct pub *p, int status)
{
	if (p->rkt != NULL)
		rd_kafka_topic_destroy(p->rkt);
	rd_kafka_destroy(p->rk);	/* its threads must not outlive main */
	exit(status);
}

/* After the mode's own: the client, then what the run kept. */
void
pub_free(struct pub *p)
{
	size_t i;

	rd_kafka_topic_destroy(p->rkt);
	rd_kafka_destroy(p->rk);
	key_free(&p->keys);
	hdr_free(&p->hdrs);
	stats_free(p);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
}
