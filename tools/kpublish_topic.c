/*
 * kpublish's topic, before the first message: found (its partitions
 * checked against --partitions), created with the Admin API when
 * --partitions asks for it, or refused in one line when the cluster does not
 * create topics on first use. Says which cluster it reached, and how big.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "kpublish.h"

/* Stage notes: on a terminal or in a log, or with -v; never with -q. */
static int
chatty(const struct pub *p)
{
	return !p->o->ko.quiet && (p->progress != 0 || p->o->ko.verbose);
}

static void
topic_say_cluster(struct pub *p, const rd_kafka_metadata_t *md)
{
	char *id;

	if (!chatty(p))
		return;
	id = rd_kafka_clusterid(p->rk, 2000);
	progress_note("connected to %s: cluster %s, %d broker%s", p->o->ko.brokers,
	    id != NULL ? id : "(id unknown)", md->broker_cnt,
	    md->broker_cnt == 1 ? "" : "s");
	if (id != NULL)
		rd_kafka_mem_free(p->rk, id);
}

/* Waits, silently and bounded, until the topic has its partitions. */
static int
topic_settle(struct pub *p)
{
	const rd_kafka_metadata_t *md;
	rd_kafka_resp_err_t terr;
	double deadline = clock_now() + p->o->ko.connect_timeout;
	int n = 0;

	while (clock_now() < deadline && !sig_caught) {
		if (rd_kafka_metadata(p->rk, 0, p->rkt, &md, 2000) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR) {
			n = kafka_topic_partitions(md, p->o->ko.topic, &terr);
			rd_kafka_metadata_destroy(md);
			if (n > 0)
				return n;
		}
		clock_sleep(0.1);
	}
	return n;
}

/*
 * Sends one CreateTopics request (ao may be NULL) and waits up to wait_ms
 * for the answer: the topic's error, with the cluster's words in errstr.
 */
rd_kafka_resp_err_t
topic_create_request(struct pub *p, rd_kafka_NewTopic_t *nt,
    rd_kafka_AdminOptions_t *ao, int wait_ms, char *errstr, size_t n)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(p->rk);
	rd_kafka_event_t *ev;
	const rd_kafka_topic_result_t **res;
	rd_kafka_resp_err_t e;
	size_t nres;

	rd_kafka_CreateTopics(p->rk, &nt, 1, ao, q);
	ev = rd_kafka_queue_poll(q, wait_ms);
	e = ev == NULL ? RD_KAFKA_RESP_ERR__TIMED_OUT : rd_kafka_event_error(ev);
	snprintf(errstr, n, "%s", ev == NULL ? rd_kafka_err2str(e) :
	    rd_kafka_event_error_string(ev));
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
		res = rd_kafka_CreateTopics_result_topics(
		    rd_kafka_event_CreateTopics_result(ev), &nres);
		if (nres > 0 && (e = rd_kafka_topic_result_error(res[0])) != 0)
			snprintf(errstr, n, "%s",
			    rd_kafka_topic_result_error_string(res[0]) != NULL ?
			    rd_kafka_topic_result_error_string(res[0]) :
			    rd_kafka_err2str(e));
	}
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	return e;
}

static void
topic_create(struct pub *p)
{
	const struct opts *o = p->o;
	rd_kafka_NewTopic_t *nt;
	rd_kafka_resp_err_t e;
	char errstr[512], *kv, *val;
	int i;

	nt = rd_kafka_NewTopic_new(o->ko.topic, o->partitions, o->replication,
	    errstr, sizeof(errstr));
	if (nt == NULL) {
		progress_warnx("topic \"%s\": %s", o->ko.topic, errstr);
		pub_exit(p, EXIT_USAGE);
	}
	for (i = 0; i < o->ntopic_config; i++) {
		kv = xstrdup(o->topic_config[i]);
		val = strchr(kv, '=');
		*val++ = '\0';
		if (rd_kafka_NewTopic_set_config(nt, kv, val) != 0) {
			progress_warnx("--topic-config %s: not accepted", kv);
			pub_exit(p, EXIT_USAGE);
		}
		free(kv);
	}
	e = topic_create_request(p, nt, NULL,
	    (int)(1000 * o->ko.connect_timeout) + 5000, errstr, sizeof(errstr));
	rd_kafka_NewTopic_destroy(nt);
	if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
		return;		/* made meanwhile by another: checked below */
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		progress_warnx("topic \"%s\": cannot create it: %s", o->ko.topic, errstr);
		pub_exit(p, e == RD_KAFKA_RESP_ERR__TIMED_OUT ||
		    e == RD_KAFKA_RESP_ERR__TRANSPORT ? EXIT_TEMP : EXIT_FAIL);
	}
	if (o->replication == -1)
		snprintf(errstr, sizeof(errstr), "the cluster's default "
		    "replication factor");
	else
		snprintf(errstr, sizeof(errstr), "replication factor %d",
		    o->replication);
	if (!o->ko.quiet)
		progress_note("topic %s created: %d partition%s, %s", o->ko.topic,
		    o->partitions, o->partitions == 1 ? "" : "s", errstr);
}

static void
topic_found(struct pub *p, int n)
{
	const struct opts *o = p->o;

	if (chatty(p))
		progress_note("topic %s found: %d partition%s", o->ko.topic, n,
		    n == 1 ? "" : "s");
	if (o->partitions > 0 && n != o->partitions && !o->ko.quiet)
		progress_warnx("warning: topic %s has %d partition%s, not the %d of "
		    "--partitions (an existing topic is used as it is)",
		    o->ko.topic, n, n == 1 ? "" : "s", o->partitions);
}

/* A resource's setting: its value, copied to buf; NULL when not said. */
static const char *
config_value(struct pub *p, rd_kafka_ResourceType_t type, const char *name,
    const char *key, char *buf, size_t n)
{
	rd_kafka_ConfigResource_t *cr;
	const rd_kafka_ConfigResource_t **rs;
	const rd_kafka_DescribeConfigs_result_t *res;
	const rd_kafka_ConfigEntry_t **e;
	rd_kafka_queue_t *q = rd_kafka_queue_new(p->rk);
	rd_kafka_event_t *ev;
	const char *v = NULL;
	size_t nr, ne, i;
	int step;

	cr = rd_kafka_ConfigResource_new(type, name);
	rd_kafka_DescribeConfigs(p->rk, &cr, 1, NULL, q);
	/* Up to 10 s, cut short by a signal (the broker may be going away). */
	for (step = 0; (ev = rd_kafka_queue_poll(q, 200)) == NULL && step < 50 &&
	    !sig_caught; step++)
		;
	if (ev != NULL && rd_kafka_event_error(ev) == 0 &&
	    (res = rd_kafka_event_DescribeConfigs_result(ev)) != NULL) {
		rs = rd_kafka_DescribeConfigs_result_resources(res, &nr);
		e = nr == 1 && rd_kafka_ConfigResource_error(rs[0]) == 0 ?
		    rd_kafka_ConfigResource_configs(rs[0], &ne) : NULL;
		for (i = 0; e != NULL && i < ne; i++)
			if (strcmp(rd_kafka_ConfigEntry_name(e[i]), key) == 0 &&
			    rd_kafka_ConfigEntry_value(e[i]) != NULL) {
				snprintf(buf, n, "%s", rd_kafka_ConfigEntry_value(e[i]));
				v = buf;
			}
	}
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_ConfigResource_destroy(cr);
	rd_kafka_queue_destroy(q);
	return v;
}

/* A broker's auto.create.topics.enable: 1, 0, or -1 when it will not say. */
static int
topic_auto_create(struct pub *p, int32_t broker)
{
	char id[16], val[16];

	snprintf(id, sizeof(id), "%d", (int)broker);
	if (config_value(p, RD_KAFKA_RESOURCE_BROKER, id,
	    "auto.create.topics.enable", val, sizeof(val)) == NULL)
		return -1;
	return strcmp(val, "true") == 0;
}

/*
 * The topic's max.message.bytes (its own, or the broker's message.max.bytes
 * it defaults to), which the broker holds each compressed batch to; -1 when
 * the cluster will not say.
 */
long long
topic_max_message(struct pub *p)
{
	char val[32];

	if (config_value(p, RD_KAFKA_RESOURCE_TOPIC, p->o->ko.topic,
	    "max.message.bytes", val, sizeof(val)) == NULL)
		return -1;
	return atoll(val) > 0 ? atoll(val) : -1;
}

/*
 * Without --partitions, a missing topic is left to the cluster's creation on
 * first use. Kafka's first answer for a topic it is creating is "unknown
 * topic" all the same, so the broker's setting is asked instead: when it is
 * off, waiting would not help. A cluster that will not say (ACLs) is waited
 * for, as before.
 */
static void
topic_first_use(struct pub *p, int32_t broker)
{
	const char *t = p->o->ko.topic;
	int n;

	if (topic_auto_create(p, broker) == 0) {
		progress_warnx("topic \"%s\" does not exist and the cluster does not "
		    "create topics on first use: create it with --partitions N",
		    t);
		pub_exit(p, EXIT_FAIL);
	}
	if ((n = topic_settle(p)) > 0 && chatty(p))
		progress_note("topic %s created by the cluster on first use: "
		    "%d partition%s (its default)", t, n, n == 1 ? "" : "s");
}

void
topic_ensure(struct pub *p)
{
	const rd_kafka_metadata_t *md = kafka_wait_metadata(p->rk, &p->o->ko,
	    NULL);	/* the list of topics: it never creates one */
	rd_kafka_resp_err_t terr;
	int32_t broker = md->broker_cnt > 0 ? md->brokers[0].id : -1;
	int n;

	topic_say_cluster(p, md);
	n = kafka_topic_partitions(md, p->o->ko.topic, &terr);
	rd_kafka_metadata_destroy(md);
	if (n <= 0 && p->o->partitions > 0)
		topic_create(p);
	/* Only now: a topic handle makes librdkafka ask for the topic by
	 * name, which would have the cluster create it with its defaults. */
	p->rkt = rd_kafka_topic_new(p->rk, p->o->ko.topic, NULL);
	if (n > 0)
		topic_found(p, n);
	else if (p->o->partitions == 0)
		topic_first_use(p, broker);
	else if ((n = topic_settle(p)) > 0 && n != p->o->partitions)
		topic_found(p, n);
	rd_kafka_topic_destroy(p->rkt);	/* start() makes the one kept */
	p->rkt = NULL;
}
