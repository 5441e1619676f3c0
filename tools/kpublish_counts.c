/*
 * What the run counts for --stats beyond its lines: the wall-clock start,
 * messages per partition, and the brokers' round-trip and queueing latency
 * percentiles as librdkafka's statistics report them (each a window of one
 * interval). kpublish_report.c writes them.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "kpublish.h"

/* One broker's numbers while its object in the statistics is read. */
struct brk_read {
	int32_t	 id;
	long long rtt_p50, rtt_p99, rtt_cnt, lat_p50, lat_p99;
	long long *want50, *want99, *wantcnt;	/* the window; cnt may be NULL */
};

static long long
member_ll(const struct json_member *m)
{
	return strtoll(m->val, NULL, 10);
}

static void
on_window(void *ctx, const struct json_member *m)
{
	struct brk_read *b = ctx;

	if (m->keylen == 3 && memcmp(m->key, "p50", 3) == 0)
		*b->want50 = member_ll(m);
	else if (m->keylen == 3 && memcmp(m->key, "p99", 3) == 0)
		*b->want99 = member_ll(m);
	else if (m->keylen == 3 && memcmp(m->key, "cnt", 3) == 0 &&
	    b->wantcnt != NULL)
		*b->wantcnt = member_ll(m);
}

static void
read_window(struct brk_read *b, const struct json_member *m, long long *p50,
    long long *p99, long long *cnt)
{
	size_t close, errpos;

	b->want50 = p50;
	b->want99 = p99;
	b->wantcnt = cnt;
	json_check_object(m->val, m->vallen, on_window, b, &close, &errpos);
}

static void
on_broker_member(void *ctx, const struct json_member *m)
{
	struct brk_read *b = ctx;

	if (m->keylen == 6 && memcmp(m->key, "nodeid", 6) == 0)
		b->id = (int32_t)member_ll(m);
	else if (m->keylen == 3 && memcmp(m->key, "rtt", 3) == 0)
		read_window(b, m, &b->rtt_p50, &b->rtt_p99, &b->rtt_cnt);
	else if (m->keylen == 11 && memcmp(m->key, "int_latency", 11) == 0)
		read_window(b, m, &b->lat_p50, &b->lat_p99, NULL);
}

static struct broker_rtt *
broker_slot(struct pstats *st, int32_t id)
{
	size_t i;

	for (i = 0; i < st->nbrokers; i++)
		if (st->brokers[i].id == id)
			return &st->brokers[i];
	st->brokers = xrealloc(st->brokers, (st->nbrokers + 1) *
	    sizeof(*st->brokers));
	memset(&st->brokers[st->nbrokers], 0, sizeof(*st->brokers));
	st->brokers[st->nbrokers].id = id;
	return &st->brokers[st->nbrokers++];
}

/* A window without a round trip says nothing: the last one that had some counts. */
static void
on_broker(void *ctx, const struct json_member *m)
{
	struct pstats *st = ctx;
	struct brk_read b;
	struct broker_rtt *r;
	size_t close, errpos;

	memset(&b, 0, sizeof(b));
	b.id = -1;
	if (json_check_object(m->val, m->vallen, on_broker_member, &b, &close,
	    &errpos) != NULL || b.id < 0 || b.rtt_cnt == 0)
		return;		/* bootstrap entries have no node id */
	r = broker_slot(st, b.id);
	r->rtt_p50 = b.rtt_p50;
	r->rtt_p99 = b.rtt_p99;
	if (b.rtt_p99 > r->rtt_p99_max)
		r->rtt_p99_max = b.rtt_p99;
	r->lat_p50 = b.lat_p50;
	r->lat_p99 = b.lat_p99;
}

static void
on_top(void *ctx, const struct json_member *m)
{
	size_t close, errpos;

	if (m->keylen == 7 && memcmp(m->key, "brokers", 7) == 0)
		json_check_object(m->val, m->vallen, on_broker, ctx, &close,
		    &errpos);
}

/* Called from rd_kafka_poll() in the main thread. */
static int
on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct pub *p = opaque;
	size_t close, errpos;

	(void)rk;
	json_check_object(json, len, on_top, &p->st, &close, &errpos);
	return 0;	/* librdkafka frees json */
}

/* Statistics only for --stats; an interval the user set with -X stays. */
void
stats_setup(struct pub *p, rd_kafka_conf_t *conf)
{
	char val[32];
	size_t n = sizeof(val);

	p->st.started_at = (long long)time(NULL);
	if (p->o->stats == NULL)
		return;
	if (rd_kafka_conf_get(conf, "statistics.interval.ms", val, &n) ==
	    RD_KAFKA_CONF_OK && strcmp(val, "0") == 0)
		kafka_conf_set(conf, "statistics.interval.ms", "1000", "--stats");
	rd_kafka_conf_set_stats_cb(conf, on_stats);
}

void
stats_count(struct pub *p, int32_t partition)
{
	struct pstats *st = &p->st;
	size_t n;

	if (partition < 0)
		return;
	if ((size_t)partition >= st->npart) {
		n = (size_t)partition + 1;
		st->part = xrealloc(st->part, n * sizeof(*st->part));
		memset(st->part + st->npart, 0, (n - st->npart) *
		    sizeof(*st->part));
		st->npart = n;
	}
	st->part[partition]++;
}

void
stats_free(struct pub *p)
{
	free(p->st.part);
	free(p->st.brokers);
}
