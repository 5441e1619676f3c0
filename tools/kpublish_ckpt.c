/*
 * kpublish --exactly-once, the start: the checkpoint topic made when
 * missing, init_transactions (which fences an older run with the same ID
 * and aborts what it left open), then the ID's last committed checkpoint.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "kafka.h"
#include "kpublish.h"

struct ckpt {			/* what a checkpoint's value holds */
	unsigned long long lines;
	char	*source, *topic;
	int	 has_lines;
};

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
	} else if (m->keylen == 6 && memcmp(m->key, "source", 6) == 0) {
		free(c->source);
		c->source = json_member_string(m);
	} else if (m->keylen == 5 && memcmp(m->key, "topic", 5) == 0) {
		free(c->topic);
		c->topic = json_member_string(m);
	}
}

static int
parse_checkpoint(struct ckpt *c, const char *val, size_t len)
{
	size_t close, pos;

	free(c->source);
	free(c->topic);
	memset(c, 0, sizeof(*c));
	if (json_check_object(val, len, on_member, c, &close, &pos) != NULL ||
	    !c->has_lines || c->source == NULL || c->topic == NULL)
		return -1;
	return 0;
}

/* The simple consumer: no group, so no coordinator to wait for. */
static rd_kafka_t *
checkpoint_reader(struct pub *p, rd_kafka_topic_t **rkt)
{
	rd_kafka_conf_t *conf = p->o->ckpt_conf;
	const rd_kafka_metadata_t *md;
	rd_kafka_t *c;

	kafka_conf_set(conf, "enable.partition.eof", "true", "enable.partition.eof");
	kafka_conf_set(conf, "isolation.level", "read_committed", "isolation.level");
	kafka_conf_set(conf, "fetch.wait.max.ms", "10", "fetch.wait.max.ms");
	c = kafka_new(RD_KAFKA_CONSUMER, conf);
	*rkt = rd_kafka_topic_new(c, p->o->checkpoint_topic, NULL);
	/* The leader known first: else the offset query waits for a timer. */
	if (rd_kafka_metadata(c, 0, *rkt, &md, (int)(p->o->ko.connect_timeout *
	    1000)) == RD_KAFKA_RESP_ERR_NO_ERROR)
		rd_kafka_metadata_destroy(md);
	if (rd_kafka_consume_start(*rkt, 0, RD_KAFKA_OFFSET_BEGINNING) == -1)
		progress_warnx("checkpoint topic \"%s\": %s", p->o->checkpoint_topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
	return c;
}

/*
 * Reads the checkpoint topic to its end under read_committed (after
 * init_transactions, so no open transaction holds it back); keeps the
 * last valid checkpoint with the ID as key. 0, or the exit status.
 */
static int
read_checkpoint(struct pub *p, struct ckpt *last, int *found)
{
	rd_kafka_topic_t *rkt;
	rd_kafka_t *c = checkpoint_reader(p, &rkt);
	rd_kafka_message_t *m;
	double deadline = clock_now() + p->o->ko.connect_timeout;
	size_t idlen = strlen(p->o->eos_id);
	struct ckpt one = { 0, NULL, NULL, 0 };
	int eof = 0;

	while (!eof && !sig_caught && clock_now() < deadline) {
		if ((m = rd_kafka_consume(rkt, 0, 200)) == NULL)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			eof = 1;
		else if (m->err == 0 && m->key_len == idlen &&
		    memcmp(m->key, p->o->eos_id, idlen) == 0 &&
		    parse_checkpoint(&one, m->payload, m->len) == 0) {
			free(last->source);
			free(last->topic);
			*last = one;
			memset(&one, 0, sizeof(one));
			*found = 1;
		}
		rd_kafka_message_destroy(m);
	}
	free(one.source);
	free(one.topic);
	rd_kafka_consume_stop(rkt, 0);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(c);
	if (eof)
		return 0;
	if (!sig_caught)
		progress_warnx("checkpoint topic \"%s\": not read to its end within %g s",
		    p->o->checkpoint_topic, p->o->ko.connect_timeout);
	return sig_caught ? EXIT_FAIL : EXIT_TEMP;
}

/* The input's identity when --source-id is not given: the operands. */
static char *
default_source(int argc, char **argv)
{
	size_t n = 2;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = xmalloc(n);
	strcpy(s, argc == 0 ? "-" : "");
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int
check_checkpoint(struct pub *p, const struct ckpt *c)
{
	if (strcmp(c->source, p->txn->source) != 0) {
		progress_warnx("ID %s was used for source \"%s\", and this run's source is "
		    "\"%s\": refused (another ID, or --restart)", p->o->eos_id,
		    c->source, p->txn->source);
		return EXIT_FAIL;
	}
	if (strcmp(c->topic, p->o->ko.topic) != 0) {
		progress_warnx("ID %s was used for topic \"%s\", and this run's topic is "
		    "\"%s\": refused (another ID, or --restart)", p->o->eos_id,
		    c->topic, p->o->ko.topic);
		return EXIT_FAIL;
	}
	p->txn->skip = p->txn->committed = c->lines;
	return 0;
}

/* Returns 0 to go on, or the exit status of a run that cannot start. */
int
txn_start(struct pub *p, int argc, char **argv)
{
	struct kafka_opts ko = p->ko;
	struct ckpt last = { 0, NULL, NULL, 0 };
	int status, found = 0;

	p->txn = xmalloc(sizeof(*p->txn));
	memset(p->txn, 0, sizeof(*p->txn));
	p->txn->source = p->o->source_id != NULL ? xstrdup(p->o->source_id) :
	    default_source(argc, argv);
	create_checkpoint_topic(p);
	/* Known before the first begin_transaction, which would wait for it. */
	ko.topic = p->o->checkpoint_topic;
	kafka_wait_topic(p->rk, &ko);
	p->txn->ckt = rd_kafka_topic_new(p->rk, p->o->checkpoint_topic, NULL);
	if ((status = init_txn(p)) != 0 || p->o->restart) {
		rd_kafka_conf_destroy(p->o->ckpt_conf);	/* no reader made */
		return status;
	}
	if ((status = read_checkpoint(p, &last, &found)) == 0 && found)
		status = check_checkpoint(p, &last);
	free(last.source);
	free(last.topic);
	return status;
}
