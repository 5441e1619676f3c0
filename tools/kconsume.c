/*
 * kconsume: reads a Kafka topic and writes each message's value as a line
 * (or, with --meta, one JSON object per message), stopping after N
 * messages or once the end of every partition it was assigned is reached
 * and nothing more comes.
 */
#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "kafka.h"

#define USAGE "kconsume [-qv] [-b brokers] [-t topic] [-n count] " \
	"[-g group] [--from-beginning] [--idle-timeout s] [-f] [--meta] " \
	"[--read-uncommitted] [--connect-timeout s] [-X key=value]... " \
	"[-F file]..."

struct consume;

struct opts {
	struct kafka_opts ko;	/* first: librdkafka's opaque points here */
	struct consume *run;	/* for the rebalance callback */
	unsigned long long max;
	const char *group;
	int	 from_beginning, meta, follow, uncommitted;
	double	 idle;
};

/* What a partition is to this consumer. */
enum { P_NONE, P_READING, P_AT_END };

struct consume {
	const struct opts *o;
	rd_kafka_t *rk;
	struct wbuf out;
	int	 partitions;	/* the size of state */
	char	*state;		/* per partition: P_NONE, P_READING, P_AT_END */
	int	 assigned, at_end;
	int	 got_assignment;	/* the group gave it its partitions */
	int	 failed;	/* a fatal error ended the reading */
	unsigned long long count;
	double	 last;
};

static void
set_state(struct consume *c, int32_t part, int to)
{
	int from;

	if (part < 0)
		return;
	if (part >= c->partitions) {	/* partitions added since the start */
		c->state = xrealloc(c->state, (size_t)part + 1);
		memset(c->state + c->partitions, P_NONE,
		    (size_t)(part + 1 - c->partitions));
		c->partitions = part + 1;
	}
	from = c->state[part];
	c->assigned += (to != P_NONE) - (from != P_NONE);
	c->at_end += (to == P_AT_END) - (from == P_AT_END);
	c->state[part] = (char)to;
}

/* [["name","value"],...]: names may repeat; a value may be null. */
static void
write_headers(struct wbuf *w, const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *hs;
	const char *name;
	const void *val;
	size_t i, len;
	unsigned long bad = 0;

	wbuf_putc(w, '[');
	/* The headers stay the message's: destroyed with it. */
	if (rd_kafka_message_headers(m, &hs) == RD_KAFKA_RESP_ERR_NO_ERROR)
		for (i = 0; rd_kafka_header_get_all(hs, i, &name, &val, &len) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
			wbuf_puts(w, i > 0 ? ",[" : "[");
			json_write_string(w, name, strlen(name), &bad);
			wbuf_putc(w, ',');
			if (val != NULL)
				json_write_string(w, val, len, &bad);
			else
				wbuf_puts(w, "null");
			wbuf_putc(w, ']');
		}
	wbuf_putc(w, ']');
}

static void
write_meta(struct consume *c, const rd_kafka_message_t *m)
{
	struct wbuf *w = &c->out;
	rd_kafka_timestamp_type_t tstype;
	int64_t ts = rd_kafka_message_timestamp(m, &tstype);
	unsigned long bad = 0;
	const char *topic = rd_kafka_topic_name(m->rkt);

	wbuf_puts(w, "{\"topic\":");
	json_write_string(w, topic, strlen(topic), &bad);
	wbuf_puts(w, ",\"partition\":");
	wbuf_putu(w, (unsigned long long)m->partition);
	wbuf_puts(w, ",\"offset\":");
	wbuf_putu(w, (unsigned long long)m->offset);
	wbuf_puts(w, ",\"key\":");
	if (m->key != NULL)
		json_write_string(w, m->key, m->key_len, &bad);
	else
		wbuf_puts(w, "null");
	wbuf_puts(w, ",\"timestamp\":");
	if (ts >= 0)
		wbuf_putu(w, (unsigned long long)ts);
	else
		wbuf_puts(w, "null");
	wbuf_puts(w, ",\"headers\":");
	write_headers(w, m);
	wbuf_puts(w, ",\"value\":");
	if (m->payload != NULL)
		json_write_string(w, m->payload, m->len, &bad);
	else
		wbuf_puts(w, "null");
	wbuf_put(w, "}\n", 2);
}

/*
 * The errors after which reading cannot go on: the rest come and go. (A
 * broker's "unknown topic" may be a new topic not yet everywhere: only
 * librdkafka's own verdict, after topic.metadata.propagation.max.ms, counts.)
 */
static int
fatal_error(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR__FATAL ||
	    e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
	    e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
	    e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
	    e == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;
}

/* Returns 1 when the run is over. */
static int
handle(struct consume *c, rd_kafka_message_t *m)
{
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (m->partition < c->partitions &&
		    c->state[m->partition] == P_READING)
			set_state(c, m->partition, P_AT_END);
		return 0;
	}
	if (m->err) {
		warnx("%s", rd_kafka_message_errstr(m));
		if (!fatal_error(m->err))
			return 0;
		c->failed = 1;
		return 1;
	}
	if (m->partition < c->partitions && c->state[m->partition] == P_AT_END)
		set_state(c, m->partition, P_READING);
	c->last = clock_now();
	if (c->o->meta)
		write_meta(c, m);
	else {
		/* A tombstone (no value at all) is an empty line. */
		if (m->payload != NULL)
			wbuf_put(&c->out, m->payload, m->len);
		wbuf_putc(&c->out, '\n');
	}
	return ++c->count == c->o->max;
}

static void
consume(struct consume *c)
{
	rd_kafka_message_t *m;
	int done = 0;

	c->last = clock_now();
	while (!done && !sig_caught && !c->o->ko.setup_failed) {
		m = rd_kafka_consumer_poll(c->rk, 100);
		if (m != NULL) {
			done = handle(c, m);
			rd_kafka_message_destroy(m);
			continue;
		}
		/* Nothing came: flush what was written, then see if it is over. */
		wbuf_flush(&c->out);
		if (!c->o->follow && c->got_assignment &&
		    c->at_end == c->assigned &&
		    clock_now() - c->last >= c->o->idle)
			done = 1;
	}
	wbuf_flush(&c->out);
}

/* Without a group: every partition, from the start, nothing committed. */
static void
assign_all(struct consume *c)
{
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_resp_err_t e;
	int i;

	list = rd_kafka_topic_partition_list_new(c->partitions);
	for (i = 0; i < c->partitions; i++) {
		rd_kafka_topic_partition_list_add(list, c->o->ko.topic, i)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
		set_state(c, i, P_READING);
	}
	if ((e = rd_kafka_assign(c->rk, list)) != RD_KAFKA_RESP_ERR_NO_ERROR)
		errx(EXIT_FAIL, "assign: %s", rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(list);
	c->got_assignment = 1;
}

/*
 * With -g the group decides which partitions are this member's, and may
 * change its mind: the end is reached when the partitions it holds now
 * are all at their end.
 */
static void
on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e,
    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct consume *c = ((struct opts *)opaque)->run;
	int cooperative, assign = e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, i;
	rd_kafka_error_t *error = NULL;
	rd_kafka_resp_err_t ae = RD_KAFKA_RESP_ERR_NO_ERROR;

	if (!assign && e != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
		warnx("rebalance: %s", rd_kafka_err2str(e));
		parts = NULL;
	}
	cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	if (!cooperative || parts == NULL)	/* eager: all are taken back */
		for (i = 0; i < c->partitions; i++)
			set_state(c, i, P_NONE);
	for (i = 0; parts != NULL && i < parts->cnt; i++)
		if (strcmp(parts->elems[i].topic, c->o->ko.topic) == 0)
			set_state(c, parts->elems[i].partition,
			    assign ? P_READING : P_NONE);
	if (cooperative && parts != NULL)
		error = assign ? rd_kafka_incremental_assign(rk, parts) :
		    rd_kafka_incremental_unassign(rk, parts);
	else
		ae = rd_kafka_assign(rk, assign ? parts : NULL);
	if (error != NULL) {
		warnx("rebalance: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	} else if (ae != RD_KAFKA_RESP_ERR_NO_ERROR)
		warnx("rebalance: %s", rd_kafka_err2str(ae));
	if (assign)
		c->got_assignment = 1;
}

static void
subscribe(struct consume *c)
{
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_resp_err_t e;

	list = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(list, c->o->ko.topic,
	    RD_KAFKA_PARTITION_UA);
	if ((e = rd_kafka_subscribe(c->rk, list)) != RD_KAFKA_RESP_ERR_NO_ERROR)
		errx(EXIT_FAIL, "subscribe: %s", rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(list);
}

static void
usage(int status)
{
	if (status != 0)
		usage_error(USAGE, NULL);
	usage_help(USAGE,
	    "Write the messages of a Kafka topic to standard output, one per line.\n\n"
	    "  -b, --brokers LIST        bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS,\n"
	    "                            else localhost:9092)\n"
	    "  -t, --topic NAME          topic (default spotify-tracks)\n"
	    "  -n, --max-messages N      stop after N messages\n"
	    "  -g, --group ID            consume as this group, committing offsets\n"
	    "      --from-beginning      with -g and no committed offset: the oldest\n"
	    "                            (without -g, reading starts there anyway)\n"
	    "      --idle-timeout S      stop when the end of every partition it reads was\n"
	    "                            reached and nothing came for S s (default 1)\n"
	    "  -f, --follow              do not stop at the end; wait for more\n"
	    "      --meta                one JSON object per message: topic, partition,\n"
	    "                            offset, key, timestamp, headers, value\n"
	    "      --read-uncommitted    also messages of open and aborted transactions\n"
	    "                            (default: committed ones only)\n"
	    "      --connect-timeout S   wait this long for the cluster (default 60)\n"
	    "  -X KEY=VALUE              librdkafka property; repeatable\n"
	    "  -F FILE                   librdkafka properties file; repeatable\n"
	    "                            (default $KAFKA_CLIENT_PROPERTIES)\n"
	    "  -q, --quiet               no warnings\n"
	    "  -v, --verbose             librdkafka's notices\n"
	    "  -h, --help                this help\n"
	    "      --version             version\n");
}

static rd_kafka_conf_t *
parse_options(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		KAFKA_LONGOPTS,
		{ "max-messages", required_argument, NULL, 'n' },
		{ "group", required_argument, NULL, 'g' },
		{ "from-beginning", no_argument, NULL, 'B' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "follow", no_argument, NULL, 'f' },
		{ "meta", no_argument, NULL, 'M' },
		{ "read-uncommitted", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct kafka_props props = { NULL, 0 };
	int ch;
	rd_kafka_conf_t *conf;

	memset(o, 0, sizeof(*o));
	kafka_opts_init(&o->ko);
	o->idle = 1;
	while ((ch = getopt_long(argc, argv, KAFKA_SHORTOPTS "n:g:fh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'n': o->max = (unsigned long long)num_parse("--max-messages",
			    optarg, 1, 9223372036854775807LL); break;
		case 'g': o->group = optarg; break;
		case 'B': o->from_beginning = 1; break;
		case 'I': o->idle = num_parse_seconds("--idle-timeout", optarg,
			    86400); break;
		case 'f': o->follow = 1; break;
		case 'M': o->meta = 1; break;
		case 'U': o->uncommitted = 1; break;
		case 'h': usage(0); break;
		case 'V': kafka_version("kconsume");
		default:
			if (!kafka_option(&o->ko, &props, ch, optarg))
				usage(EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage_error(USAGE, "no operands expected: %s", argv[optind]);
	kafka_topic_check(USAGE, "-t", o->ko.topic);
	conf = kafka_conf_new(&o->ko);
	kafka_conf_set(conf, "enable.partition.eof", "true", "default");
	kafka_conf_set(conf, "group.id", o->group ? o->group : "kconsume",
	    "-g");
	kafka_conf_set(conf, "enable.auto.commit", o->group ? "true" : "false",
	    "default");
	kafka_conf_set(conf, "auto.offset.reset", o->from_beginning || !o->group ?
	    "earliest" : "latest", "default");
	/* Said, not left to the library: aborted data must never be read as data. */
	kafka_conf_set(conf, "isolation.level", o->uncommitted ?
	    "read_uncommitted" : "read_committed", "--read-uncommitted");
	kafka_props_apply(conf, &props, &o->ko);
	return conf;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct consume c;
	rd_kafka_conf_t *conf;

	stdfd_open();
	fshut_stdout_at_exit();
	conf = parse_options(&o, argc, argv);
	memset(&c, 0, sizeof(c));
	c.o = &o;
	o.run = &c;
	if (o.group != NULL)
		rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	sig_install();
	c.rk = kafka_new(RD_KAFKA_CONSUMER, conf);
	c.partitions = kafka_wait_topic(c.rk, &o.ko);
	rd_kafka_poll_set_consumer(c.rk);
	c.state = xrealloc(NULL, (size_t)c.partitions);
	memset(c.state, P_NONE, (size_t)c.partitions);
	wbuf_init(&c.out, STDOUT_FILENO, "<stdout>", 256 * 1024);
	if (o.group != NULL)
		subscribe(&c);
	else
		assign_all(&c);
	consume(&c);
	rd_kafka_consumer_close(c.rk);
	/*
	 * librdkafka 2.0.2's destroy can wait forever for a partition of a
	 * deleted topic: after a fatal error the process ends without it.
	 */
	if (!c.failed)
		rd_kafka_destroy(c.rk);
	wbuf_free(&c.out);
	free(c.state);
	return sig_caught || o.ko.setup_failed || c.failed ? EXIT_FAIL : EXIT_OK;
}
