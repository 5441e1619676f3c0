/*
 * A test helper, built by the test scripts that need it (cc khelper.c
 * -lrdkafka): what kcat 1.7 cannot do.
 *   khelper txn BROKERS TOPIC N M   N messages in an aborted transaction,
 *                                   then M in a committed one
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "txn") == 0)
		return txn(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: khelper txn BROKERS TOPIC N M\n");
	return 2;
}
