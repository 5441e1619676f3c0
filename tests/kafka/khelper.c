/*
 * A test helper, built by the test scripts that need it (cc khelper.c
 * -lrdkafka): what kcat 1.7 cannot do.
 *   khelper txn BROKERS TOPIC N M   N messages in an aborted transaction,
 *                                   then M in a committed one
 *   khelper open BROKERS ID TOPIC...  a transaction of transactional.id ID
 *                                   with a message in every partition of
 *                                   each TOPIC, left open: the process ends
 *                                   without committing or aborting it
 *   khelper delete BROKERS TOPIC    deletes the topic (the Admin API)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

static rd_kafka_t *
client(rd_kafka_type_t type, const char *brokers, const char *txn_id)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[512];
	rd_kafka_t *rk;

	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK ||
	    (txn_id != NULL && rd_kafka_conf_set(conf, "transactional.id",
	    txn_id, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) ||
	    (rk = rd_kafka_new(type, conf, errstr, sizeof(errstr))) == NULL) {
		fprintf(stderr, "khelper: %s\n", errstr);
		exit(1);
	}
	return rk;
}

static void
check(rd_kafka_error_t *e, const char *what)
{
	if (e == NULL)
		return;
	fprintf(stderr, "khelper: %s: %s\n", what, rd_kafka_error_string(e));
	exit(1);
}

static void
produce_n(rd_kafka_t *rk, const char *topic, const char *what, int n)
{
	char buf[64];
	int i;
	rd_kafka_resp_err_t e;

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s-%d", what, i);
		e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
		    RD_KAFKA_V_VALUE(buf, strlen(buf)),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (e) {
			fprintf(stderr, "khelper: produce: %s\n", rd_kafka_err2str(e));
			exit(1);
		}
	}
	rd_kafka_flush(rk, 30000);
}

static int
txn(const char *brokers, const char *topic, int n, int m)
{
	char id[128];
	rd_kafka_t *rk;

	snprintf(id, sizeof(id), "khelper-%s", topic);
	rk = client(RD_KAFKA_PRODUCER, brokers, id);
	check(rd_kafka_init_transactions(rk, 60000), "init");
	check(rd_kafka_begin_transaction(rk), "begin");
	produce_n(rk, topic, "aborted", n);
	check(rd_kafka_abort_transaction(rk, 60000), "abort");
	check(rd_kafka_begin_transaction(rk), "begin");
	produce_n(rk, topic, "committed", m);
	check(rd_kafka_commit_transaction(rk, 60000), "commit");
	rd_kafka_destroy(rk);
	return 0;
}

static int
partitions(rd_kafka_t *rk, const char *topic)
{
	const rd_kafka_metadata_t *md;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	int n = 0;

	if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == 0) {
		if (md->topic_cnt == 1 && md->topics[0].err == 0)
			n = md->topics[0].partition_cnt;
		rd_kafka_metadata_destroy(md);
	}
	rd_kafka_topic_destroy(rkt);
	return n;
}

static int
open_txn(const char *brokers, const char *id, char **topics, int ntopics)
{
	rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, brokers, id);
	rd_kafka_resp_err_t e;
	int i, j, n;

	check(rd_kafka_init_transactions(rk, 60000), "init");
	check(rd_kafka_begin_transaction(rk), "begin");
	for (i = 0; i < ntopics; i++) {
		if ((n = partitions(rk, topics[i])) == 0) {
			fprintf(stderr, "khelper: %s: no partitions\n", topics[i]);
			return 1;
		}
		for (j = 0; j < n; j++)
			if ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topics[i]),
			    RD_KAFKA_V_PARTITION(j), RD_KAFKA_V_KEY("khelper", 7),
			    RD_KAFKA_V_VALUE("{\"open\":1}", 10), RD_KAFKA_V_END)) != 0) {
				fprintf(stderr, "khelper: produce: %s\n", rd_kafka_err2str(e));
				return 1;
			}
	}
	if (rd_kafka_flush(rk, 30000) != 0) {
		fprintf(stderr, "khelper: flush: not delivered\n");
		return 1;
	}
	_exit(0);	/* no commit, no abort: the transaction stays open */
}

static int
delete_topic(const char *brokers, const char *topic)
{
	rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, brokers, NULL);
	rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(topic);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_event_t *ev;
	const rd_kafka_topic_result_t **res;
	size_t n;
	int status = 1;

	rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
	if ((ev = rd_kafka_queue_poll(q, 30000)) == NULL)
		fprintf(stderr, "khelper: delete: no answer\n");
	else if (rd_kafka_event_error(ev) != 0)
		fprintf(stderr, "khelper: delete: %s\n", rd_kafka_event_error_string(ev));
	else {
		res = rd_kafka_DeleteTopics_result_topics(
		    rd_kafka_event_DeleteTopics_result(ev), &n);
		if (n == 1 && rd_kafka_topic_result_error(res[0]) != 0)
			fprintf(stderr, "khelper: delete: %s\n",
			    rd_kafka_err2str(rd_kafka_topic_result_error(res[0])));
		else
			status = 0;
	}
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_DeleteTopic_destroy(dt);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	return status;
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "txn") == 0)
		return txn(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	if (argc >= 5 && strcmp(argv[1], "open") == 0)
		return open_txn(argv[2], argv[3], argv + 4, argc - 4);
	if (argc == 4 && strcmp(argv[1], "delete") == 0)
		return delete_topic(argv[2], argv[3]);
	fprintf(stderr, "usage: khelper txn BROKERS TOPIC N M | open BROKERS ID "
	    "TOPIC... | delete BROKERS TOPIC\n");
	return 2;
}
