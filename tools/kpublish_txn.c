/*
 * kpublish --exactly-once: lines are produced in Kafka transactions, and
 * each commit carries, in the same transaction, the load's position (lines
 * consumed, their digest: kpublish_ckpt.c). A new run with the same ID
 * fences the old one, reads the position, proves its skip by the digest
 * and resumes. With --gate the caller decides whether the end of the input
 * is its real end, and the last line read waits for that.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "kafka.h"
#include "kpublish.h"

#define HELD_LINES 50000		/* a transaction's size bound: lines */
#define HELD_BYTES (32 << 20)		/* and bytes; under librdkafka's queue */
#define MAX_ABORTS 10			/* in a row, before giving up */


static int
fenced_error(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR__FENCED ||
	    e == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
	    e == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

/*
 * A transaction open longer than transaction.timeout.ms was aborted by the
 * broker, which then fences its producer: say that, not "a newer run".
 */
static int
timed_out(struct pub *p)
{
	struct txn *t = p->txn;
	double open = clock_now() - t->began;

	if (!t->open || open <= p->o->txn_timeout)
		return 0;
	if (!t->timed_out)
		progress_warnx("the transaction was open %.0f s, longer than "
		    "transaction.timeout.ms (%g s): the broker aborted it (was kpublish "
		    "stopped?); run the same command to resume", open,
		    p->o->txn_timeout);
	t->timed_out = 1;
	return 1;
}

/* Records a fatal error: the run ends, and a new run resumes. */
static void
fatal_txn(struct pub *p, const char *what, rd_kafka_error_t *e)
{
	struct txn *t = p->txn;

	if (fenced_error(rd_kafka_error_code(e)) && timed_out(p))
		progress_warnx("%s: %s", what, rd_kafka_error_string(e));
	else if (fenced_error(rd_kafka_error_code(e))) {
		t->fenced = 1;
		progress_warnx("%s: fenced: a newer run with the same --exactly-once ID "
		    "took over (%s)", what, rd_kafka_error_string(e));
	} else
		progress_warnx("%s: %s", what, rd_kafka_error_string(e));
	p->fatal = 1;
}

/* From rd_kafka_poll() and the transaction calls, through the core. */
static void
txn_delivered(struct pub *p, const rd_kafka_message_t *m)
{
	struct txn *t = p->txn;
	size_t i = tag_line(m->_private);

	if (tag_file(m->_private) != t->gen)
		return;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (i > 0) {	/* counted in --stats once committed */
			t->held[i - 1].partition = m->partition;
			t->held[i - 1].offset = m->offset;
		}
		return;
	}
	/* Refused for what it is: no retry can deliver it. */
	if (i > 0 && (m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
	    m->err == RD_KAFKA_RESP_ERR_INVALID_RECORD ||
	    m->err == RD_KAFKA_RESP_ERR_INVALID_MSG ||
	    m->err == RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE)) {
		t->held[i - 1].bad = m->err;
		t->held[i - 1].bytes = message_bytes(m);
	}
}

static void
serve_reports(struct pub *p)
{
	double end = clock_now() + 5;

	rd_kafka_poll(p->rk, 0);
	while (p->outstanding > 0 && !wait_over(p, end))
		rd_kafka_poll(p->rk, 100);
}

/* One message, tagged with the attempt and i, the held line's index + 1. */
static rd_kafka_resp_err_t
send_msg(struct pub *p, rd_kafka_topic_t *rkt, const char *val, size_t len,
    const char *key, size_t keylen, rd_kafka_headers_t *hdrs, uintptr_t i)
{
	return queue_message(p, rkt, val, len, key, keylen, hdrs,
	    tag_make(p->txn->gen, i));
}

static int
handle_begin(struct pub *p)
{
	struct txn *t = p->txn;
	rd_kafka_error_t *e;

	if (t->open)
		return 0;
	if ((e = rd_kafka_begin_transaction(p->rk)) != NULL) {
		fatal_txn(p, "begin_transaction", e);
		rd_kafka_error_destroy(e);
		return -1;
	}
	t->open = 1;
	t->began = clock_now();
	return 0;
}

static rd_kafka_resp_err_t
send_held(struct pub *p, size_t i, size_t *hbytes)
{
	struct held *h = &p->txn->held[i];
	const char *b = p->txn->buf + h->off;
	rd_kafka_headers_t *hdrs = NULL;

	/* Made again at each attempt: librdkafka keeps those it sends. */
	*hbytes = 0;
	if (hdr_any(&p->hdrs))
		hdrs = hdr_make(&p->hdrs, b + h->len + h->keylen, h->hdrlen, hbytes);
	return send_msg(p, p->rkt, b, h->len, h->has_key ? b + h->len : NULL,
	    h->keylen, hdrs, i + 1);
}

static void
hold(struct txn *t, const char *line, size_t len, const char *key,
    size_t keylen, const struct wbuf *hv, unsigned long long lineno,
    size_t file)
{
	struct held *h;
	size_t hlen = hv->len;

	if (t->nheld == t->capheld) {
		t->capheld = t->capheld ? t->capheld * 2 : 1024;
		t->held = xrealloc(t->held, t->capheld * sizeof(*t->held));
	}
	if (t->bufcap - t->buflen < len + keylen + hlen) {
		t->bufcap = (t->bufcap + len + keylen + hlen) * 2;
		t->buf = xrealloc(t->buf, t->bufcap);
	}
	if (t->nheld == 0)
		t->held_since = clock_now();
	h = &t->held[t->nheld++];
	memset(h, 0, sizeof(*h));
	h->off = t->buflen;
	h->len = len;
	h->keylen = keylen;
	h->hdrlen = hlen;
	h->has_key = key != NULL;
	h->lineno = lineno;
	h->file = file;
	h->partition = -1;
	memcpy(t->buf + t->buflen, line, len);
	if (keylen > 0)
		memcpy(t->buf + t->buflen + len, key, keylen);
	if (hlen > 0)
		memcpy(t->buf + t->buflen + len + keylen, hv->buf, hlen);
	t->buflen += len + keylen + hlen;
}

/*
 * One input line, past the position: held, to be sent with the commit
 * (send_batch), or kept as failed when it has no key. Returns the
 * message's bytes when held, else 0.
 */
static size_t
txn_line(struct pub *p, const char *file, unsigned long long lineno,
    char *line, size_t len)
{
	const char *key;
	size_t keylen;

	if (line_key(p, file, lineno, line, &len, &key, &keylen) != 1)
		return 0;
	hold(p->txn, line, len, key, keylen, &p->hdrs.enc, lineno, p->nfiles - 1);
	return len + keylen + hdr_line_bytes(&p->hdrs);
}

/*
 * A transaction of the held lines: begun, the position that counts them
 * sent first, then the lines, so that commit_transaction follows at once.
 * A record the broker refuses then fails while the commit waits for the
 * records in flight, and the abort finds none left: librdkafka 2.0.2,
 * aborting with records queued or in flight, can lose track of their
 * sequence numbers and never return from the abort. Lines refused for
 * good (by the broker in an earlier attempt, or by the client now) go to
 * the dead-letter file. -1 when the run must end; *e, the position's or a
 * send's error, for txn_commit.
 */
static int
send_batch(struct pub *p, rd_kafka_error_t **e)
{
	struct txn *t = p->txn;
	rd_kafka_resp_err_t qe;
	struct held *h;
	size_t i, hbytes;
	char why[200];

	serve_reports(p);
	t->gen++;
	for (i = 0; i < t->nheld; i++) {
		h = &t->held[i];
		if (!h->done && h->bad) {
			h->done = 1;
			fail_line(p, p->files[h->file], h->lineno, t->buf + h->off,
			    h->len, h->bad == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ?
			    size_reason(p, h->bytes, 1, why, sizeof(why)) :
			    rd_kafka_err2str(h->bad));
		}
	}
	if (handle_begin(p) == -1)
		return -1;
	if ((*e = pos_send(p, t->consumed)) != NULL)
		return 0;
	for (i = 0; i < t->nheld; i++) {
		h = &t->held[i];
		if (h->done || (qe = send_held(p, i, &hbytes)) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR)
			continue;
		if (stopping(p))
			return -1;
		if (qe == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
			h->done = 1;	/* over the client's message.max.bytes */
			fail_line(p, p->files[h->file], h->lineno, t->buf + h->off,
			    h->len, size_reason(p, h->len + h->keylen + hbytes, 0,
			    why, sizeof(why)));
			continue;
		}
		*e = rd_kafka_error_new(qe, "%s", rd_kafka_err2str(qe));
		return 0;
	}
	return 0;
}

/* Aborts the open transaction; with a signal, only until its wait ends. */
static int
abort_open(struct pub *p)
{
	struct txn *t = p->txn;
	rd_kafka_error_t *e;

	for (;;) {
		e = rd_kafka_abort_transaction(p->rk, sig_caught ? STEP_MS : -1);
		if (e == NULL)
			break;
		if (rd_kafka_error_is_retriable(e) && !wait_over(p, 1e300)) {
			rd_kafka_error_destroy(e);
			continue;
		}
		if (!rd_kafka_error_is_retriable(e))
			fatal_txn(p, "abort_transaction", e);
		rd_kafka_error_destroy(e);
		return -1;
	}
	t->open = 0;
	t->aborts++;
	return 0;
}

static void
committed(struct pub *p)
{
	struct txn *t = p->txn;
	size_t i;

	for (i = 0; i < t->nheld; i++)
		if (!t->held[i].done)
			count_delivered(p, t->held[i].len, t->held[i].partition);
	pos_fold(t);
	t->committed = t->consumed;
	t->nheld = t->buflen = 0;
	t->open = 0;
	t->commits++;
	count_batch(p);
	if (p->o->ko.verbose)
		progress_warnx("transaction %llu committed: %llu input lines consumed",
		    t->commits, t->committed);
}

/*
 * After a load's first commit, a transaction of its position alone, now
 * with the checkpoint topic's record (see pos_send). Its failure only
 * weakens the check of a lost position: said, and the load goes on.
 */
static int
mark_load(struct pub *p)
{
	struct txn *t = p->txn;
	rd_kafka_error_t *e;

	t->marked = 1;
	if (handle_begin(p) == -1)
		return -1;
	if ((e = pos_send(p, t->committed)) == NULL)
		while ((e = rd_kafka_commit_transaction(p->rk, STEP_MS)) != NULL &&
		    rd_kafka_error_is_retriable(e) && !wait_over(p, 1e300))
			rd_kafka_error_destroy(e);
	if (e == NULL) {
		t->open = 0;
		return 0;
	}
	if (rd_kafka_error_txn_requires_abort(e)) {
		progress_warnx("the checkpoint topic's record of ID %s: %s", p->o->eos_id,
		    rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		return abort_open(p);
	}
	if (!rd_kafka_error_is_retriable(e))
		fatal_txn(p, "commit_transaction", e);
	rd_kafka_error_destroy(e);
	return -1;
}

/*
 * Commits what is open with a checkpoint; an abortable error aborts and
 * redoes the transaction, up to MAX_ABORTS times in a row. Returns -1 when
 * the run must end (fatal, fenced, interrupted and out of time).
 */
static int
txn_commit(struct pub *p)
{
	struct txn *t = p->txn;
	rd_kafka_error_t *e;
	int aborts = 0, r = -1;

	if (p->fatal)
		return -1;
	if (t->consumed <= t->committed)	/* nothing new (or a short input) */
		return 0;
	while (!p->fatal) {
		if (send_batch(p, &e) == -1)
			break;
		if (e == NULL)
			while ((e = rd_kafka_commit_transaction(p->rk, STEP_MS)) != NULL &&
			    rd_kafka_error_is_retriable(e) && !wait_over(p, 1e300))
				rd_kafka_error_destroy(e);
		if (e == NULL) {
			committed(p);
			r = t->marked ? 0 : mark_load(p);
			break;
		}
		if (!rd_kafka_error_txn_requires_abort(e)) {
			if (!rd_kafka_error_is_retriable(e))
				fatal_txn(p, "commit_transaction", e);
			rd_kafka_error_destroy(e);
			break;
		}
		if (p->o->ko.verbose || aborts + 1 == MAX_ABORTS)
			progress_warnx("transaction aborted: %s", rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		if (abort_open(p) == -1 || ++aborts == MAX_ABORTS || sig_caught)
			break;
		clock_sleep(0.1 * aborts);	/* a broker that fails fast */
	}
	if (aborts == MAX_ABORTS)
		t->gave_up = 1;
	return r;
}

/*
 * A transaction ends with its size bound, or its time bound without
 * --delay; with --delay, with its batch too (txn_end_batch, from pace_line).
 */
static int
txn_due(const struct pub *p)
{
	const struct txn *t = p->txn;

	if (t->nheld >= HELD_LINES || t->buflen >= HELD_BYTES)
		return 1;
	if (p->o->delay > 0)
		return 0;
	return t->nheld > 0 && clock_now() - t->held_since >= p->o->commit_interval;
}

/*
 * A last line with no newline may be half of one (a writer upstream killed
 * mid-line): committed, it would be skipped by the run that resumes.
 */
static int
unterminated(const struct lines *in, const char *line, size_t len)
{
	return in->eof && in->start == in->end && line + len == in->buf + in->end;
}

/*
 * The lines skipped are those the position counts: their digest is the
 * one recorded, or the run is refused before anything is sent.
 */
static int
skip_proved(struct pub *p)
{
	struct txn *t = p->txn;
	char hex[33];

	digest_hex(&t->dg, hex);
	if (strcmp(hex, t->skip_digest) == 0)
		return 1;
	progress_warnx("the first %llu lines of the input are not those ID %s "
	    "committed (digest %s, recorded %s): refused before sending anything; "
	    "--restart sends the whole input again (the topic then holds the "
	    "committed lines twice), or load it under a new ID", t->skip,
	    p->o->eos_id, hex, t->skip_digest);
	t->refused = 1;
	p->fatal = 1;
	return 0;
}

/*
 * One whole input line, in order: skipped when the position counts it
 * (its digest checked at the last), else sent; committed when due.
 * Returns -1 when no more lines may be read.
 */
static int
consume_line(struct pub *p, const char *file, unsigned long long lineno,
    char *line, size_t len)
{
	struct txn *t = p->txn;
	size_t sent;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (t->pos + 1 > t->skip && pace_wait(p) == -1)
		return -1;
	if (++t->pos <= t->skip) {
		digest_line(&t->dg, line, len);
		t->consumed++;
		t->skipped++;
		return t->pos == t->skip && !skip_proved(p) ? -1 : 0;
	}
	sent = txn_line(p, file, lineno, line, len);
	digest_line(&t->dg, line, len);
	t->consumed++;
	if (txn_due(p) && txn_commit(p) == -1)
		return -1;
	return pace_line(p, sent, sent > 0);
}

/* While the pace waits, a transaction due on --commit-interval commits. */
static int
txn_idle(struct pub *p)
{
	return txn_due(p) ? txn_commit(p) : 0;
}

/* A full batch: with --delay, committed before pace_line's pause. */
static int
txn_end_batch(struct pub *p, unsigned long n, int deliver)
{
	(void)n;
	return deliver ? txn_commit(p) : 0;
}

static void
pend_keep(struct pub *p, const char *line, size_t len, unsigned long long lineno)
{
	struct pending *w = &p->txn->pend;

	if (w->cap < len) {
		w->cap = len * 2;
		w->buf = xrealloc(w->buf, w->cap);
	}
	memcpy(w->buf, line, len);
	w->len = len;
	w->lineno = lineno;
	w->file = p->nfiles - 1;
	w->full = 1;
}

/* With --gate, the line kept back goes on: the one after it came, or the caller said so. */
static int
pend_consume(struct pub *p)
{
	struct pending *w = &p->txn->pend;

	if (!w->full)
		return 0;
	w->full = 0;
	return consume_line(p, p->files[w->file], w->lineno, w->buf, w->len);
}

/* One line of an input file, from the core: -1 when no more may be read. */
static int
txn_read_line(struct pub *p, const struct lines *in, char *line, size_t len)
{
	if (unterminated(in, line, len)) {
		progress_warnx("%s:%llu: no newline at the end: not sent, as the input "
		    "may have been cut; the position stays before it",
		    in->name, in->lineno);
		p->input_error = 1;
		return -1;
	}
	/*
	 * A cut row is the last line before the end of the input: with
	 * --gate no commit may hold the latest line until it is known
	 * not to be the last, or the caller says the input is whole.
	 */
	if (p->o->gate < 0)
		return consume_line(p, in->name, in->lineno, line, len);
	if (pend_consume(p) == -1)
		return -1;
	pend_keep(p, line, len, in->lineno);
	return 0;
}

/*
 * --gate: waits for the caller's word on the descriptor: "commit" when
 * every stage upstream ended well; anything else, or its end, aborts.
 * 1 commit, 0 abort, -1 a signal came first (which commits what is whole).
 */
static int
gate_word(struct pub *p)
{
	char buf[64] = "";
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(buf) - 1 && memchr(buf, '\n', n) == NULL) {
		if ((r = read(p->o->gate, buf + n, sizeof(buf) - 1 - n)) == 0)
			break;
		if (r == -1 && errno == EINTR && sig_caught)
			return -1;
		if (r == -1 && errno != EINTR) {
			progress_warn("--gate: descriptor %d", p->o->gate);
			break;
		}
		if (r > 0)
			n += (size_t)r;
	}
	buf[n] = '\0';
	return strcmp(buf, "commit\n") == 0 || strcmp(buf, "commit") == 0;
}

static void
gate_decide(struct pub *p)
{
	struct txn *t = p->txn;
	int word;

	if (p->o->gate < 0 || stopping(p))
		return;
	if ((word = gate_word(p)) == 1)
		pend_consume(p);
	else if (word == 0) {
		t->gate_abort = 1;
		progress_warnx("--gate said abort: the input may be cut, so the open "
		    "transaction is aborted and %llu input lines stay committed",
		    t->committed);
	}
}

/* A fence seen by librdkafka first (say, on a produce) is told as such too. */
static void
note_fenced(struct pub *p)
{
	char why[512];

	if (!p->fatal || p->txn->fenced || p->txn->timed_out ||
	    !fenced_error(rd_kafka_fatal_error(p->rk, why, sizeof(why))) ||
	    timed_out(p))
		return;
	p->txn->fenced = 1;
	progress_warnx("fenced: a newer run with the same --exactly-once ID took over");
}

/* The input read: what is open committed, or aborted when it must be. */
static void
txn_finish(struct pub *p)
{
	struct txn *t = p->txn;

	gate_decide(p);
	if (!p->input_error && !stopping(p) && t->pos < t->skip) {
		progress_warnx("the input has %llu lines, but ID %s's position says %llu "
		    "were committed: another input?", t->pos, p->o->eos_id,
		    t->skip);
		p->input_error = 1;
	}
	if (t->gate_abort) {
		if (t->open)
			abort_open(p);
	} else if (!p->fatal && !t->gave_up) {
		/* After a signal, commit what is in if it can be done in time. */
		if (txn_commit(p) == -1 && t->open && !p->fatal)
			abort_open(p);
	}
	serve_reports(p);
	note_fenced(p);
}

/* Extra summary lines; returns 1 when they make the run a failure. */
static int
txn_summarize(const struct pub *p)
{
	const struct txn *t = p->txn;
	unsigned long long open = p->read - p->delivered - p->failed;

	if (t->refused)
		return 1;
	if (t->skipped > 0)
		progress_warnx("%llu input line%s skipped: committed by an earlier run "
		    "under ID %s", t->skipped, t->skipped == 1 ? "" : "s",
		    p->o->eos_id);
	if (t->gave_up)
		progress_warnx("gave up after %d aborted transactions in a row", MAX_ABORTS);
	if (open > 0 || p->fatal || sig_caught || t->gave_up || t->gate_abort)
		progress_warnx("%llu line%s read but not committed; %llu input lines are "
		    "committed in all: run the same command to resume", open,
		    open == 1 ? "" : "s", t->committed);
	else if (p->read == 0 && t->skipped > 0 && !p->input_error)
		progress_warnx("nothing to do: the input is committed already under ID %s",
		    p->o->eos_id);
	return open > 0 || t->gave_up || t->gate_abort;
}

static void
txn_free(struct pub *p)
{
	struct txn *t = p->txn;

	if (t == NULL)
		return;
	pos_free(t);
	free(t->held);
	free(t->buf);
	free(t->pend.buf);
	free(t);
	p->txn = NULL;
}

const struct mode eos_mode = {
	.start = txn_start, .delivered = txn_delivered, .line = txn_read_line,
	.idle = txn_idle, .end_batch = txn_end_batch, .finish = txn_finish,
	.report = txn_summarize, .free = txn_free
};
