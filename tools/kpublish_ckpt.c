/*
 * kpublish --exactly-once, the load's position: kept as the committed
 * offsets of a consumer group of the load's own (kpublish-ID), sent in each
 * transaction (KIP-98's sendOffsetsToTransaction, as Kafka Streams does).
 * Only this ID's transactions touch that group, so no other load's open
 * transaction can hide it, and the group coordinator finds it whatever
 * the partitions of any topic. The offset of each partition of the data
 * topic is where the load's records end there; partition 0's metadata says
 * how many input lines are consumed and their digest. At the start:
 * init_transactions (which fences an older run with the same ID and aborts
 * what it left open), the position, and the topic checked against it.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "kafka.h"
#include "kpublish.h"

#define POS_VERSION 2

struct ckpt {			/* what partition 0's metadata holds */
	unsigned long long lines;
	char	*source, *digest, *topic;	/* topic: in the record only */
	int	 has_lines, version;
};

static int
init_txn(struct pub *p)
{
	double deadline = clock_now() + p->o->ko.connect_timeout;
	rd_kafka_error_t *e;
	int status;

	for (;;) {
		if ((e = rd_kafka_init_transactions(p->rk, STEP_MS)) == NULL)
			return 0;
		if (!rd_kafka_error_is_retriable(e) || sig_caught ||
		    clock_now() > deadline)
			break;
		rd_kafka_error_destroy(e);
	}
	status = rd_kafka_error_is_retriable(e) && !sig_caught ? EXIT_TEMP :
	    EXIT_FAIL;
	progress_warnx("init_transactions: %s%s", rd_kafka_error_string(e),
	    rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__FENCED ?
	    " (a newer run with the same --exactly-once ID)" : "");
	rd_kafka_error_destroy(e);
	return status;
}

static void
on_member(void *ctx, const struct json_member *m)
{
	struct ckpt *c = ctx;

	if (m->keylen == 5 && memcmp(m->key, "lines", 5) == 0 &&
	    m->vallen > 0 && m->vallen < 21 &&
	    strspn(m->val, "0123456789") == m->vallen) {
		c->lines = strtoull(m->val, NULL, 10);
		c->has_lines = 1;
	} else if (m->keylen == 1 && *m->key == 'v' && m->vallen < 6)
		c->version = atoi(m->val);
	else if (m->keylen == 6 && memcmp(m->key, "source", 6) == 0) {
		free(c->source);
		c->source = json_member_string(m);
	} else if (m->keylen == 6 && memcmp(m->key, "digest", 6) == 0) {
		free(c->digest);
		c->digest = json_member_string(m);
	} else if (m->keylen == 5 && memcmp(m->key, "topic", 5) == 0) {
		free(c->topic);
		c->topic = json_member_string(m);
	}
}

static int
parse_position(struct ckpt *c, const char *val, size_t len)
{
	size_t close, pos;

	if (val == NULL || json_check_object(val, len, on_member, c, &close,
	    &pos) != NULL || !c->has_lines || c->version != POS_VERSION ||
	    c->digest == NULL || strlen(c->digest) != 32)
		return -1;
	return 0;
}

/* Made compacted, 1 partition, the cluster's replication; errors told. */
static void
create_checkpoint_topic(struct pub *p)
{
	const char *name = p->o->checkpoint_topic;
	rd_kafka_NewTopic_t *nt;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_resp_err_t e;
	char errstr[256];

	if ((nt = rd_kafka_NewTopic_new(name, 1, -1, errstr, sizeof(errstr))) == NULL)
		errx(EXIT_USAGE, "--checkpoint-topic: %s", errstr);
	rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
	ao = rd_kafka_AdminOptions_new(p->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
	rd_kafka_AdminOptions_set_request_timeout(ao,
	    (int)(p->o->ko.connect_timeout * 1000) + 1, errstr, sizeof(errstr));
	e = topic_create_request(p, nt, ao,
	    (int)(p->o->ko.connect_timeout * 1000) + 2000, errstr, sizeof(errstr));
	/* One that exists is used as it is; one that failed is waited for. */
	if (e != 0 && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
		progress_warnx("checkpoint topic \"%s\": cannot create it: %s", name,
		    rd_kafka_err2str(e));
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_NewTopic_destroy(nt);
}

/*
 * The position as JSON, as kpublish(1) says: partition 0's metadata (under
 * 4096 bytes: --source-id is bounded), or with the ID and the topic, the
 * checkpoint topic's record.
 */
static char *
position_json(struct pub *p, unsigned long long lines, int record)
{
	struct txn *t = p->txn;
	struct wbuf w;
	unsigned long bad = 0;
	char stamp[32], hex[33];

	clock_utc(stamp, sizeof(stamp), time(NULL));
	digest_hex(&t->dg, hex);
	wbuf_init(&w, -1, NULL, 256);
	wbuf_puts(&w, "{\"v\":2,");
	if (record) {
		wbuf_puts(&w, "\"id\":");
		json_write_string(&w, p->o->eos_id, strlen(p->o->eos_id), &bad);
		wbuf_puts(&w, ",\"topic\":");
		json_write_string(&w, p->o->ko.topic, strlen(p->o->ko.topic), &bad);
		wbuf_putc(&w, ',');
	}
	wbuf_puts(&w, "\"lines\":");
	wbuf_putu(&w, lines);
	wbuf_puts(&w, ",\"digest\":\"");
	wbuf_puts(&w, hex);
	wbuf_puts(&w, "\"");
	if (t->source != NULL) {
		wbuf_puts(&w, ",\"source\":");
		json_write_string(&w, t->source, strlen(t->source), &bad);
	}
	wbuf_puts(&w, ",\"time\":\"");
	wbuf_puts(&w, stamp);
	wbuf_puts(&w, "\"}");
	wbuf_putc(&w, '\0');
	return w.buf;
}

static void
ends_grow(struct txn *t, size_t n)
{
	if (n <= t->nends)
		return;
	t->ends = xrealloc(t->ends, n * sizeof(*t->ends));
	memset(t->ends + t->nends, 0, (n - t->nends) * sizeof(*t->ends));
	t->nends = n;
}

/* The ends of the records delivered so far, into the position's offsets. */
void
pos_fold(struct txn *t)
{
	size_t i;

	for (i = 0; i < t->nheld; i++)
		if (t->held[i].partition >= 0) {
			ends_grow(t, (size_t)t->held[i].partition + 1);
			if (t->held[i].offset + 1 > t->ends[t->held[i].partition])
				t->ends[t->held[i].partition] = t->held[i].offset + 1;
		}
}

/*
 * Sends the position (lines consumed, their digest, where the load's
 * records end in each partition, as far as deliveries have said) to the
 * open transaction. NULL, or the
 * error for txn_commit to handle; a retriable one is retried until
 * --connect-timeout, then made fatal with the cause named.
 */
rd_kafka_error_t *
pos_send(struct pub *p, unsigned long long lines)
{
	struct txn *t = p->txn;
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_topic_partition_t *tp;
	rd_kafka_error_t *e;
	double deadline;
	size_t i;
	char *rec;

	/*
	 * The record says "this ID has a position": only once one is
	 * committed, so that one read uncommitted, of a transaction aborted,
	 * never speaks of a load that has none. Tagged 0: a failed delivery
	 * makes the commit fail. Not queued (a transaction that must be
	 * aborted), the offsets' answer says why.
	 */
	if (t->marked) {
		rec = position_json(p, lines, 1);
		queue_message(p, t->ckt, rec, strlen(rec), p->o->eos_id,
		    strlen(p->o->eos_id), NULL, tag_make(t->gen, 0));
		free(rec);
	}
	/*
	 * The ends stored are those delivered so far (send_batch sends the
	 * records after this): a bound their true ends never fall below. A
	 * load's first commit is followed by another (mark_load) that stores
	 * its records' ends.
	 */
	rd_kafka_poll(p->rk, 0);
	pos_fold(t);
	ends_grow(t, 1);
	l = rd_kafka_topic_partition_list_new((int)t->nends);
	for (i = 0; i < t->nends; i++) {
		tp = rd_kafka_topic_partition_list_add(l, p->o->ko.topic, (int32_t)i);
		tp->offset = t->ends[i];
		if (i == 0) {	/* freed with the list */
			tp->metadata = position_json(p, lines, 0);
			tp->metadata_size = strlen(tp->metadata);
		}
	}
	deadline = clock_now() + p->o->ko.connect_timeout;
	while ((e = rd_kafka_send_offsets_to_transaction(p->rk, l, t->cgmd,
	    STEP_MS)) != NULL && rd_kafka_error_is_retriable(e) &&
	    !rd_kafka_error_txn_requires_abort(e) && clock_now() < deadline &&
	    !wait_over(p, 1e300))
		rd_kafka_error_destroy(e);
	rd_kafka_topic_partition_list_destroy(l);
	/*
	 * A transaction that must be aborted: commit_transaction says so
	 * once the records in flight are done. Aborting now, with them in
	 * flight, leaves librdkafka 2.0.2 with sequence gaps and, at times,
	 * an abort that never returns.
	 */
	if (e != NULL && rd_kafka_error_txn_requires_abort(e)) {
		rd_kafka_error_destroy(e);
		return NULL;
	}
	if (e != NULL && rd_kafka_error_is_retriable(e)) {
		progress_warnx("the position could not be stored in consumer group %s "
		    "within %g s: %s", t->group, p->o->ko.connect_timeout,
		    rd_kafka_error_string(e));
		p->fatal = 1;
	}
	return e;
}

/* A consumer without a group: high watermarks and legacy checkpoints. */
static rd_kafka_t *
plain_reader(struct pub *p)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_dup(p->o->ckpt_conf);

	kafka_conf_set(conf, "enable.partition.eof", "true", "enable.partition.eof");
	/* The log's end, whoever's transaction is open in it. */
	kafka_conf_set(conf, "isolation.level", "read_uncommitted", "isolation.level");
	kafka_conf_set(conf, "fetch.wait.max.ms", "10", "fetch.wait.max.ms");
	return kafka_new(RD_KAFKA_CONSUMER, conf);
}

/*
 * The group's committed offsets for the data topic's partitions; NULL and
 * *status on failure. A consumer of the group that never joins it: under
 * read_committed, librdkafka asks with require_stable, so a transaction of
 * this ID still being aborted is waited for. (Not the Admin API's
 * ListConsumerGroupOffsets, which crashes librdkafka 2.0.2 here.)
 */
static rd_kafka_topic_partition_list_t *
pos_list(struct pub *p, int *status)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_dup(p->o->ckpt_conf);
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t e;
	rd_kafka_t *c;
	double deadline, left;
	int n = p->txn->nparts, i;

	l = rd_kafka_topic_partition_list_new(n > 0 ? n : 1);
	if (n <= 0)	/* no topic: no offsets (Kafka drops them with it) */
		return l;
	for (i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(l, p->o->ko.topic, i);
	kafka_conf_set(conf, "group.id", p->txn->group, "group.id");
	kafka_conf_set(conf, "enable.auto.commit", "false", "enable.auto.commit");
	kafka_conf_set(conf, "isolation.level", "read_committed", "isolation.level");
	c = kafka_new(RD_KAFKA_CONSUMER, conf);
	/* A coordinator still loading or moving (a new cluster, a node lost) is asked again. */
	deadline = clock_now() + p->o->ko.connect_timeout;
	for (;;) {
		left = deadline - clock_now();
		e = rd_kafka_committed(c, l, (int)(1000 * (left > 0.1 ? left : 0.1)));
		for (i = 0; i < l->cnt && e == 0; i++)
			e = l->elems[i].err;
		if (e == 0 || sig_caught || clock_now() + 0.2 >= deadline)
			break;
		clock_sleep(0.2);
	}
	rd_kafka_destroy(c);
	if (e != 0) {
		progress_warnx("consumer group %s: the position could not be read "
		    "within %g s: %s", p->txn->group, p->o->ko.connect_timeout,
		    rd_kafka_err2str(e));
		*status = EXIT_TEMP;
		rd_kafka_topic_partition_list_destroy(l);
		return NULL;
	}
	return l;
}

/* A topic's partition count, or -1 when it is not there (never made here). */
static int
topic_partition_count(struct pub *p, const char *topic)
{
	const rd_kafka_metadata_t *md;
	rd_kafka_resp_err_t terr;
	int n = -1;

	if (rd_kafka_metadata(p->rk, 1, NULL, &md, (int)(p->o->ko.connect_timeout *
	    1000)) == 0) {
		n = kafka_topic_partitions(md, topic, &terr);
		rd_kafka_metadata_destroy(md);
	}
	return n;
}

/*
 * The newest record keyed ID in the checkpoint topic, or NULL: read under
 * read_uncommitted over every partition, so that no open transaction of
 * any load holds it back. It may be of a transaction that was aborted: it
 * says that the ID was used, not where it stands.
 */
static char *
marker_find(struct pub *p)
{
	const char *id = p->o->eos_id;
	rd_kafka_t *c;
	rd_kafka_topic_t *rkt;
	rd_kafka_queue_t *q;
	rd_kafka_message_t *m;
	double deadline = clock_now() + p->o->ko.connect_timeout;
	int n, i, eofs = 0;
	char *found = NULL;

	c = plain_reader(p);
	q = rd_kafka_queue_new(c);
	rkt = rd_kafka_topic_new(c, p->o->checkpoint_topic, NULL);
	n = topic_partition_count(p, p->o->checkpoint_topic);
	for (i = 0; i < n; i++)
		rd_kafka_consume_start_queue(rkt, i, RD_KAFKA_OFFSET_BEGINNING, q);
	while (eofs < n && !sig_caught && clock_now() < deadline) {
		if ((m = rd_kafka_consume_queue(q, 200)) == NULL)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			eofs++;
		else if (m->err == 0 && m->key_len == strlen(id) &&
		    memcmp(m->key, id, m->key_len) == 0 && m->payload != NULL) {
			free(found);
			found = xstrndup(m->payload, m->len);
		}
		rd_kafka_message_destroy(m);
	}
	for (i = 0; i < n; i++)
		rd_kafka_consume_stop(rkt, i);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(c);
	return found;
}

static int
high_watermark(struct pub *p, rd_kafka_t *c, int32_t part, int64_t *high)
{
	double deadline = clock_now() + p->o->ko.connect_timeout;
	int64_t low;
	rd_kafka_resp_err_t e;

	/* Asked again: 2.0.2 does not follow a leader change here (#4225). */
	while ((e = rd_kafka_query_watermark_offsets(c, p->o->ko.topic, part, &low,
	    high, 5000)) != 0 && !sig_caught && clock_now() < deadline)
		clock_sleep(0.2);
	if (e != 0)
		progress_warnx("topic %s [%d]: its end offset could not be read: %s",
		    p->o->ko.topic, (int)part, rd_kafka_err2str(e));
	return e == 0 ? 0 : -1;
}

/*
 * A topic deleted, re-created or truncated since the position was stored
 * ends before the load's records did: resuming would skip lines that are
 * no longer in it. Offsets are compared with offsets (markers and aborted
 * records take offsets too), never with counts of records.
 */
static int
check_topic(struct pub *p)
{
	struct txn *t = p->txn;
	const char *topic = p->o->ko.topic;
	int64_t high;
	size_t i;
	int n = t->nparts, status = 0;
	rd_kafka_t *c;

	for (i = 0; i < t->nends; i++)
		if (t->ends[i] > 0 && (int)i >= n) {
			progress_warnx("topic %s has %d partition%s, but ID %s's records are "
			    "in partition %zu: the topic was deleted or re-created since; "
			    "--restart loads the input again", topic, n < 0 ? 0 : n,
			    n == 1 ? "" : "s", p->o->eos_id, i);
			return EXIT_FAIL;
		}
	c = plain_reader(p);
	for (i = 0; i < t->nends && status == 0; i++) {
		if (t->ends[i] == 0)
			continue;
		if (high_watermark(p, c, (int32_t)i, &high) == -1)
			status = sig_caught ? EXIT_FAIL : EXIT_TEMP;
		else if (high < t->ends[i]) {
			progress_warnx("topic %s [%zu] ends at offset %lld, but ID %s's records "
			    "reached offset %lld there: the topic was deleted, re-created or "
			    "truncated since; --restart loads the input again", topic, i,
			    (long long)high, p->o->eos_id, (long long)t->ends[i]);
			status = EXIT_FAIL;
		}
	}
	rd_kafka_destroy(c);
	return status;
}

/* The position read into the run: where to resume, and what to check. */
static int
take_position(struct pub *p, const rd_kafka_topic_partition_list_t *l)
{
	struct txn *t = p->txn;
	struct ckpt c;
	const rd_kafka_topic_partition_t *tp, *meta = NULL;
	int i, status = 0;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < l->cnt; i++) {
		tp = &l->elems[i];
		if (tp->offset < 0)
			continue;
		ends_grow(t, (size_t)tp->partition + 1);
		t->ends[tp->partition] = tp->offset;
		if (tp->partition == 0)
			meta = tp;
	}
	if (t->nends == 0)
		return 0;	/* no position: line 1 */
	if (meta == NULL || parse_position(&c, meta->metadata, meta->metadata_size) == -1) {
		progress_warnx("consumer group %s holds offsets for topic %s but no "
		    "position kpublish can read: refused (another ID, or --restart)",
		    t->group, p->o->ko.topic);
		status = EXIT_FAIL;
	} else if ((c.source != NULL || t->source != NULL) && (c.source == NULL ||
	    t->source == NULL || strcmp(c.source, t->source) != 0)) {
		progress_warnx("ID %s was used for source \"%s\", and this run's source is "
		    "\"%s\": refused (another ID, or --restart)", p->o->eos_id,
		    c.source ? c.source : "", t->source ? t->source : "");
		status = EXIT_FAIL;
	} else {
		t->skip = t->committed = c.lines;
		memcpy(t->skip_digest, c.digest, 33);
	}
	free(c.source);
	free(c.digest);
	free(c.topic);
	return status;
}

/* The data topic holds nothing (or is gone): deleted or made again since. */
static int
topic_empty(struct pub *p)
{
	rd_kafka_t *c;
	int64_t high, sum = 0;
	int n = p->txn->nparts, i;

	if (n <= 0)
		return 1;
	c = plain_reader(p);
	for (i = 0; i < n && sum == 0; i++)
		if (high_watermark(p, c, i, &high) == 0)
			sum += high;
		else
			sum = -1;
	rd_kafka_destroy(c);
	return sum == 0;
}

/*
 * The group holds no position, but the checkpoint topic says the ID was
 * used: starting from line 1 would send its rows again. Refused, with the
 * cause where it can be told.
 */
static int
position_lost(struct pub *p, const char *rec)
{
	struct ckpt c;
	const char *id = p->o->eos_id, *topic = p->o->ko.topic;

	memset(&c, 0, sizeof(c));
	if (parse_position(&c, rec, strlen(rec)) == 0 && c.topic != NULL &&
	    strcmp(c.topic, topic) != 0)
		progress_warnx("ID %s was used for topic \"%s\", and this run's topic is "
		    "\"%s\": refused (another ID, or --restart)", id, c.topic, topic);
	else if (c.digest == NULL)
		progress_warnx("ID %s has a checkpoint of kpublish 0.2 in topic %s, which "
		    "this version does not read: finish that load with kpublish 0.2, or "
		    "load again under a new ID (or --restart: its rows are sent again)",
		    id, p->o->checkpoint_topic);
	else if (topic_empty(p))
		progress_warnx("topic %s is empty, but ID %s loaded %llu input lines into "
		    "it: the topic was deleted or re-created since; load it again under "
		    "a new ID (or --restart)", topic, id, c.lines);
	else
		progress_warnx("ID %s loaded %llu input lines into topic %s, but consumer "
		    "group %s no longer holds its position (the group deleted, or its "
		    "offsets expired after offsets.retention.minutes): refused, as a load "
		    "from line 1 would send them again; --restart does so, or use a new "
		    "ID", id, c.lines, topic, p->txn->group);
	free(c.source);
	free(c.digest);
	free(c.topic);
	return EXIT_FAIL;
}

static int
read_position(struct pub *p)
{
	rd_kafka_topic_partition_list_t *l;
	char *rec;
	int status = 0;

	if ((l = pos_list(p, &status)) == NULL)
		return status;
	status = take_position(p, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (status == 0 && p->txn->nends == 0 && (rec = marker_find(p)) != NULL) {
		status = position_lost(p, rec);
		free(rec);
	}
	if (status == 0 && p->txn->nends > 0) {
		status = check_topic(p);
		p->txn->marked = 1;
	}
	return status;
}

/* Returns 0 to go on, or the exit status of a run that cannot start. */
int
txn_start(struct pub *p)
{
	struct txn *t;
	size_t n = strlen(p->o->eos_id) + 16;
	int status;

	t = p->txn = xmalloc(sizeof(*p->txn));
	memset(t, 0, sizeof(*t));
	t->source = p->o->source_id != NULL ? xstrdup(p->o->source_id) : NULL;
	t->group = xmalloc(n);
	snprintf(t->group, n, "kpublish-%s", p->o->eos_id);
	t->cgmd = rd_kafka_consumer_group_metadata_new(t->group);
	digest_init(&t->dg, p->o->volatile_fields, p->o->nvolatile);
	create_checkpoint_topic(p);
	/* Known before the first begin_transaction, which would wait for it. */
	rd_kafka_metadata_destroy(kafka_wait_metadata(p->rk, &p->o->ko,
	    p->o->checkpoint_topic));
	t->ckt = rd_kafka_topic_new(p->rk, p->o->checkpoint_topic, NULL);
	/* Asked once: the topic is made (or found) before this. */
	t->nparts = topic_partition_count(p, p->o->ko.topic);
	if ((status = init_txn(p)) == 0 && !p->o->restart)
		status = read_position(p);
	/* Every partition in each position: none keeps an older load's offset. */
	if (status == 0 && t->nparts > 0)
		ends_grow(t, (size_t)t->nparts);
	return status;
}

void
pos_free(struct txn *t)
{
	if (t->cgmd != NULL)
		rd_kafka_consumer_group_metadata_destroy(t->cgmd);
	if (t->ckt != NULL)
		rd_kafka_topic_destroy(t->ckt);
	digest_free(&t->dg);
	free(t->ends);
	free(t->group);
	free(t->source);
}
