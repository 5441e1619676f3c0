/*
 * kpublish: publishes each input line as one Kafka message, in batches with
 * a pause between them, keyed from the line's JSON; every line ends either
 * delivered or in the dead-letter file, and a summary says which.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
static void
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
void
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

/* librdkafka calls this from rd_kafka_poll() for every message. */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct pub *p = opaque;
	char why[300];

	(void)rk;
	p->outstanding--;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		p->delivered++;
		p->bytes += m->len;
		stats_count(p, m->partition);
		return;
	}
	if (rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED) {
		p->maybe++;
		snprintf(why, sizeof(why), "%s (it may be in the topic all the same)",
		    rd_kafka_err2str(m->err));
	} else
		snprintf(why, sizeof(why), "%s", rd_kafka_err2str(m->err));
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
    size_t len, const char *key, size_t keylen, void *tag)
{
	rd_kafka_vu_t vu[5];
	rd_kafka_error_t *err;
	rd_kafka_resp_err_t e;

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
	for (;;) {
		err = rd_kafka_produceva(p->rk, vu, 5);
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
	}
	return e;
}

static int
produce(struct pub *p, const char *line, size_t len, const char *key,
    size_t keylen, void *tag)
{
	rd_kafka_resp_err_t e;

	e = queue_message(p, p->rkt, line, len, key, keylen, tag);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
	fail_line(p, p->files[tag_file(tag)], tag_line(tag), line, len,
	    e == RD_KAFKA_RESP_ERR__QUEUE_FULL ? "interrupted while the queue "
	    "was full" : rd_kafka_err2str(e));
	return -1;
}

/*
 * A line's length without a CR before its LF, and its key: 1 to send it,
 * 0 for a blank line, -1 for one with no key (read, failed and kept).
 */
int
line_key(struct pub *p, const char *file, unsigned long long lineno,
    const char *line, size_t *len, const char **key, size_t *keylen)
{
	const char *why;
	char msg[128];

	if (*len > 0 && line[*len - 1] == '\r')
		(*len)--;
	if (*len == 0)
		return 0;
	*key = NULL;
	*keylen = 0;
	if (p->o->no_key ||
	    (why = key_find(&p->keys, line, *len, key, keylen)) == NULL)
		return 1;
	p->read++;
	snprintf(msg, sizeof(msg), "not a JSON object, so no key: %s", why);
	fail_line(p, file, lineno, line, *len, msg);
	return -1;
}

static void
publish_line(struct pub *p, const char *file, unsigned long long lineno,
    char *line, size_t len)
{
	const char *key;
	size_t keylen;

	if (line_key(p, file, lineno, line, &len, &key, &keylen) != 1)
		return;
	p->read++;
	produce(p, line, len, key, keylen, tag_make(p->nfiles - 1, lineno));
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
static void
drain(struct pub *p, double limit)
{
	double end = clock_now() + limit;

	while (rd_kafka_outq_len(p->rk) > 0 && !wait_over(p, end)) {
		rd_kafka_flush(p->rk, 200);
		show_progress(p, 0);
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

/* With a delay, a batch is delivered before the pause; without, not waited for. */
static void
end_batch(struct pub *p, unsigned long n)
{
	p->batches++;
	if (p->o->delay > 0) {
		drain(p, p->o->message_timeout + 5);
		if (p->o->ko.verbose)
			progress_note("batch %llu: %lu lines; %llu delivered, "
			    "%llu failed so far", p->batches, n, p->delivered,
			    p->failed);
		clock_sleep(p->o->delay);
	} else if (p->o->ko.verbose)
		progress_note("batch %llu: %lu lines", p->batches, n);
}

static void
format_duration(char *buf, size_t n, double secs)
{
	unsigned long s = (unsigned long)(secs + 0.5);

	if (s >= 3600)
		snprintf(buf, n, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, n, "%lu:%02lu", s / 60, s % 60);
}

/* Lines an earlier run committed under the same --exactly-once ID. */
static unsigned long long
before(const struct pub *p)
{
	return p->txn != NULL ? p->txn->skipped : 0;
}

/* At the end the time taken; before it, the time left when it can be known. */
static void
format_when(const struct pub *p, double t, double rate, int final, char *buf,
    size_t n)
{
	unsigned long long want = p->o->expect, done = before(p) + p->delivered;
	char d[24];

	*buf = '\0';
	if (final) {
		format_duration(d, sizeof(d), t - p->started);
		snprintf(buf, n, "%llu batch%s, %s", p->batches,
		    p->batches == 1 ? "" : "es", d);
		return;
	}
	/* The batch being read; between batches, the one just ended. */
	snprintf(buf, n, "batch %llu", p->batches + (p->batches == 0 ||
	    p->read > p->batches * p->o->batch_size));
	if (want > done && rate > 0) {
		format_duration(d, sizeof(d), (double)(want - done) / rate);
		snprintf(buf + strlen(buf), n - strlen(buf), ", ETA %s", d);
	}
}

/*
 * The same facts on a terminal (live) and in a log (every interval). Lines
 * an earlier run committed count as read and delivered, so that the share
 * of --expect is of the whole input; the rate is this run's.
 */
void
show_progress(struct pub *p, int final)
{
	double t, rate;
	char of[32] = "", share[80] = "", when[80];
	size_t n;
	unsigned long long want = p->o->expect, old = before(p);

	if (p->progress == 0)	/* per line: no clock read unless shown */
		return;
	if ((t = clock_now()) < p->next_progress && !final)
		return;
	p->next_progress = t + (p->progress < 0 ? 0.5 : p->progress);
	rate = t > p->started ? p->delivered / (t - p->started) : 0;
	if (want > 0) {
		snprintf(of, sizeof(of), " of %llu", want);
		snprintf(share, sizeof(share), "%.0f%%",
		    100.0 * (double)(old + p->delivered) / (double)want);
	}
	if (old > 0) {
		n = strlen(share);
		snprintf(share + n, sizeof(share) - n, "%s%llu by an earlier run",
		    n > 0 ? ", " : "", old);
	}
	format_when(p, t, rate, final, when, sizeof(when));
	progress_show("%llu read, %llu%s delivered%s%s%s, %llu failed, %.0f/s, %s",
	    old + p->read, old + p->delivered, of, *share ? " (" : "", share,
	    *share ? ")" : "", p->failed, rate, when);
}

/* Opens an input operand; its name is kept for the delivery reports. */
int
pub_open_input(struct pub *p, struct lines *in, const char *path)
{
	if (lines_open(in, path) == -1)
		return -1;
	p->files = xrealloc(p->files, (p->nfiles + 1) * sizeof(*p->files));
	p->files[p->nfiles++] = xstrdup(in->name);
	return 0;
}

static int
publish_file(struct pub *p, const char *path, unsigned long *in_batch)
{
	struct lines in;
	char *line;
	size_t len;
	int r = 0;

	if (pub_open_input(p, &in, path) == -1)
		return -1;
	while (!stopping(p) && (r = lines_next(&in, &line, &len)) == 1) {
		publish_line(p, in.name, in.lineno, line, len);
		if (++*in_batch == p->o->batch_size) {
			end_batch(p, *in_batch);
			*in_batch = 0;
		}
		show_progress(p, 0);
	}
	lines_close(&in);
	return r == -1 ? -1 : 0;
}

/*
 * Each operand (standard input when there is none) through read_file, until
 * a signal or a fatal error; one that fails marks the input bad. Returns
 * the lines of the last, unfinished batch.
 */
unsigned long
pub_each_input(struct pub *p, int argc, char **argv, input_reader read_file)
{
	unsigned long in_batch = 0;
	int i;

	if (argc == 0 && read_file(p, NULL, &in_batch) == -1)
		p->input_error = 1;
	for (i = 0; i < argc && !stopping(p); i++)
		if (read_file(p, argv[i], &in_batch) == -1)
			p->input_error = 1;
	return in_batch;
}

static void
publish_all(struct pub *p, int argc, char **argv)
{
	if (pub_each_input(p, argc, argv, publish_file) > 0)
		p->batches++;
	drain(p, p->o->message_timeout + 5);	/* cut short by a signal */
	show_progress(p, 1);
	progress_done();
}

static void
start(struct pub *p, rd_kafka_conf_t *conf)
{
	rd_kafka_conf_set_opaque(conf, p);
	rd_kafka_conf_set_dr_msg_cb(conf, p->o->eos_id != NULL ?
	    txn_on_delivery : on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	stats_setup(p, conf);
	p->rk = kafka_new(RD_KAFKA_PRODUCER, conf);
	topic_ensure(p);
	kafka_wait_topic(p->rk, &p->o->ko);
	p->rkt = rd_kafka_topic_new(p->rk, p->o->ko.topic, NULL);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct pub p;
	rd_kafka_conf_t *conf;
	int status;

	stdfd_open();
	fshut_stdout_at_exit();
	conf = parse_options(&o, &argc, &argv);
	memset(&p, 0, sizeof(p));
	p.o = &o;
	p.progress = o.ko.quiet ? 0 : progress_mode(!o.no_progress,
	    o.progress_interval);
	key_init(&p.keys, o.key_fields);
	sig_install();
	start(&p, conf);
	if (o.eos_id != NULL && (status = txn_start(&p)) != 0)
		goto out;	/* nothing read, nothing published */
	dl_open(&p);
	p.started = clock_now();
	if (o.eos_id != NULL)
		txn_publish_all(&p, argc, argv);
	else
		publish_all(&p, argc, argv);
	status = summarize(&p);
out:
	txn_free(&p);
	rd_kafka_topic_destroy(p.rkt);
	rd_kafka_destroy(p.rk);
	key_free(&p.keys);
	stats_free(&p);
	for (size_t i = 0; i < p.nfiles; i++)
		free(p.files[i]);
	free(p.files);
	free(o.dead_letter);
	free(o.topic_config);
	free(o.volatile_fields);
	if (o.ckpt_conf != NULL)
		rd_kafka_conf_destroy(o.ckpt_conf);
	return status;
}
