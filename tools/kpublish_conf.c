/* kpublish's options, and librdkafka's configuration made from them. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "kpublish.h"

#define USAGE "kpublish [-qv] [-b brokers] [-t topic] [--batch-size n] " \
	"[--delay s] [--rate n] [--byte-rate size] [--key f1,f2,...] [--no-key] [-H name=value]... " \
	"[--header-field name]... [--dead-letter file] " \
	"[--stats file] [--connect-timeout s] [--timeout s] " \
	"[-X key=value]... [-F file]... [--partitions n] " \
	"[--replication-factor n] [--topic-config key=value]... " \
	"[--expect n] [--no-progress] [--progress-interval s] " \
	"[--exactly-once id [--commit-interval s] [--volatile-field name]... " \
	"[--gate fd] [--source-id text] [--restart] [--checkpoint-topic name]] " \
	"[file ...]"

/* Chosen for safety and for Spark; see kpublish(1) for why each. */
static const char *const defaults[][2] = {
	{ "enable.idempotence", "true" },
	{ "partitioner", "murmur2_random" },
	{ "linger.ms", "20" },
	{ "compression.type", "lz4" },
	{ "batch.num.messages", "10000" },
	{ "queue.buffering.max.kbytes", "65536" },
	{ "queue.buffering.max.messages", "100000" },
};

static void
usage(int status)
{
	if (status != 0)
		usage_error(USAGE, NULL);
	usage_help(USAGE,
	    "Publish each line as a Kafka message; every line is delivered or kept.\n\n"
	    "  -b, --brokers LIST        bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS,\n"
	    "                            else localhost:9092)\n"
	    "  -t, --topic NAME          topic (default spotify-tracks)\n"
	    "      --batch-size N        lines per batch (default 1000)\n"
	    "      --delay S             pause after each delivered batch (default 1,\n"
	    "                            or 0 with a rate; 0: no pause and no waiting\n"
	    "                            between batches)\n"
	    "      --rate N              at most N messages a second, spread evenly\n"
	    "                            (a burst of at most one batch)\n"
	    "      --byte-rate SIZE      at most SIZE bytes (key, value and headers) a\n"
	    "                            second; K, M, G suffixes (powers of 1024)\n"
	    "      --key F1,F2,...       key from the first field present and not null\n"
	    "                            (default track_id,record_id); a warning at the\n"
	    "                            end when no line had any\n"
	    "      --no-key              publish without keys (lines need not be JSON)\n"
	    "  -H, --header NAME=VALUE   a header on every message; repeatable\n"
	    "      --header-field NAME   a header NAME with the value of the line's\n"
	    "                            JSON field NAME (none when null or missing);\n"
	    "                            repeatable\n"
	    "      --dead-letter FILE    where lines not delivered go (default\n"
	    "                            kpublish-failed-TOPIC-TIME.jsonl; opened at the\n"
	    "                            start, removed at the end if unused)\n"
	    "      --stats FILE          write the summary as JSON to FILE\n"
	    "      --connect-timeout S   wait this long for the cluster (default 60)\n"
	    "      --timeout S           give up on a message after S (default 300)\n"
	    "      --exactly-once ID     publish in transactions, the position kept in\n"
	    "                            consumer group kpublish-ID; a re-run resumes\n"
	    "                            after what is committed, once the digest of\n"
	    "                            the lines it skips matches\n"
	    "      --commit-interval S   with --delay 0, commit every S (default 0.5)\n"
	    "      --volatile-field NAME  a top-level field left out of the digest\n"
	    "                            (its value differs on every run); repeatable\n"
	    "      --gate FD             at the end of the input, read \"commit\" or\n"
	    "                            \"abort\" from descriptor FD; the last line read\n"
	    "                            is committed only after \"commit\"\n"
	    "      --source-id TEXT      the input's identity, checked on resume\n"
	    "      --restart             ignore ID's position: start from line 1\n"
	    "      --checkpoint-topic T  where kpublish 0.2 kept checkpoints (default\n"
	    "                            kpublish-checkpoints): an ID found there is refused\n"
	    "  -X KEY=VALUE              librdkafka property; repeatable\n"
	    "  -F FILE                   librdkafka properties file; repeatable\n"
	    "                            (default $KAFKA_CLIENT_PROPERTIES)\n"
	    "  -q, --quiet               no progress and no warnings\n"
	    "  -v, --verbose             each batch, and librdkafka's notices\n"
	    "      --partitions N        create the topic with N partitions when it\n"
	    "                            does not exist (default: do not create it)\n"
	    "      --replication-factor R  for a topic created (default -1: the\n"
	    "                            cluster's default)\n"
	    "      --topic-config K=V    a setting of a topic created; repeatable\n"
	    "      --expect N            N lines are coming: the progress line shows\n"
	    "                            the share done and an ETA\n"
	    "      --no-progress         no progress line on a terminal\n"
	    "      --progress-interval S  when stderr is not a terminal, a timestamped\n"
	    "                            progress line every S seconds (default: none)\n"
	    "  -h, --help                this help\n"
	    "      --version             version\n");
}

/* Long options only; numbered apart from the short ones. */
enum {
	OPT_PARTITIONS = 0x1601, OPT_REPLICATION, OPT_TOPIC_CONFIG,
	OPT_EXPECT, OPT_NO_PROGRESS, OPT_INTERVAL, OPT_VOLATILE, OPT_GATE,
	OPT_HEADER_FIELD, OPT_RATE, OPT_BYTE_RATE
};

/* -H and --header-field: kept as given, checked here. */
static void
header_option(struct opts *o, int ch, char *arg)
{
	if (ch == 'H') {
		if (*arg == '=' || strchr(arg, '=') == NULL)
			usage_error(USAGE, "-H: expected name=value: %s", arg);
		o->headers = xrealloc(o->headers, (o->nheaders + 1) *
		    sizeof(*o->headers));
		o->headers[o->nheaders++] = arg;
		return;
	}
	if (*arg == '\0')
		usage_error(USAGE, "--header-field: empty name");
	o->header_fields = xrealloc(o->header_fields, (o->nheader_fields + 1) *
	    sizeof(*o->header_fields));
	o->header_fields[o->nheader_fields++] = arg;
}

#define MAX_SOURCE_ID 1024	/* a position's metadata stays under 4096 bytes */

/* The options of --exactly-once's position, digest and gate. */
static void
eos_option(struct opts *o, int ch, const char *arg)
{
	switch (ch) {
	case OPT_VOLATILE:
		if (*arg == '\0')
			usage_error(USAGE, "--volatile-field: empty name");
		o->volatile_fields = xrealloc(o->volatile_fields,
		    (o->nvolatile + 1) * sizeof(*o->volatile_fields));
		o->volatile_fields[o->nvolatile++] = (char *)arg;
		break;
	case OPT_GATE:
		o->gate = (int)num_parse("--gate", arg, 0, 1 << 20);
		if (fcntl(o->gate, F_GETFD) == -1)
			usage_error(USAGE, "--gate: descriptor %d is not open", o->gate);
		break;
	case 'U':
		if (strlen(arg) > MAX_SOURCE_ID)
			usage_error(USAGE, "--source-id: longer than %d bytes",
			    MAX_SOURCE_ID);
		o->source_id = arg;
		break;
	}
}

/* The options of progress and of the topic's creation. */
static void
progress_option(struct opts *o, int ch, const char *arg)
{
	switch (ch) {
	case OPT_PARTITIONS:
		o->partitions = (int)num_parse("--partitions", arg, 1, 100000);
		break;
	case OPT_REPLICATION:
		o->replication = (int)num_parse("--replication-factor", arg, -1,
		    32767);
		if (o->replication == 0)
			usage_error(USAGE, "--replication-factor: 0 is not a "
			    "replication factor (-1: the cluster's default)");
		break;
	case OPT_TOPIC_CONFIG:
		if (strchr(arg, '=') == NULL || *arg == '=')
			usage_error(USAGE, "--topic-config: expected key=value: %s",
			    arg);
		o->topic_config = xrealloc(o->topic_config,
		    (size_t)(o->ntopic_config + 1) * sizeof(*o->topic_config));
		o->topic_config[o->ntopic_config++] = (char *)arg;
		break;
	case OPT_EXPECT:
		o->expect = (unsigned long long)num_parse("--expect", arg, 0,
		    INT64_MAX);
		break;
	case OPT_NO_PROGRESS: o->no_progress = 1; break;
	case OPT_INTERVAL:
		o->progress_interval = num_parse_seconds("--progress-interval",
		    arg, 86400);
		break;
	}
}

static char *
default_dead_letter(const char *topic)
{
	char stamp[32], *name;
	size_t n;
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	n = strlen(topic) + strlen(stamp) + 32;
	name = xmalloc(n);
	snprintf(name, n, "kpublish-failed-%s-%s.jsonl", topic, stamp);
	return name;
}

static void
check_key_fields(const char *s)
{
	if (*s == '\0' || *s == ',' || strstr(s, ",,") != NULL ||
	    s[strlen(s) - 1] == ',')
		usage_error(USAGE, "--key: expected field names separated by "
		    "commas: %s", s);
}

/*
 * --exactly-once: the checkpoint reader gets the same connection settings;
 * the producer gets a transactional.id from the ID, and a transaction
 * timeout no shorter than the message timeout (librdkafka requires it).
 */
static void
conf_transactions(struct opts *o, rd_kafka_conf_t *conf)
{
	char val[64];
	size_t len = sizeof(val), n = strlen(o->eos_id) + 16;
	double tt = 0;
	char *tid = xmalloc(n);

	o->ckpt_conf = rd_kafka_conf_dup(conf);
	snprintf(tid, n, "kpublish-%s", o->eos_id);
	kafka_conf_set(conf, "transactional.id", tid, "--exactly-once");
	free(tid);
	if (rd_kafka_conf_get(conf, "transaction.timeout.ms", val, &len) ==
	    RD_KAFKA_CONF_OK)
		tt = atof(val) / 1000;
	if (tt < o->message_timeout) {
		tt = o->message_timeout;
		snprintf(val, sizeof(val), "%.0f", tt * 1000);
		kafka_conf_set(conf, "transaction.timeout.ms", val, "--timeout");
	}
	o->txn_timeout = tt;
}

/* -X and -F are applied after the defaults, in order, so they win. */
static rd_kafka_conf_t *
make_conf(struct opts *o, struct kafka_props *props, double timeout)
{
	rd_kafka_conf_t *conf = kafka_conf_new(&o->ko);
	char val[64];
	size_t len, i;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		kafka_conf_set(conf, defaults[i][0], defaults[i][1], "default");
	snprintf(val, sizeof(val), "%.0f", timeout * 1000);
	kafka_conf_set(conf, "message.timeout.ms", val, "--timeout");
	/* Commits are small requests that wait on each other: no Nagle delay. */
	if (o->eos_id != NULL) {
		kafka_conf_set(conf, "socket.nagle.disable", "true", "default");
		/* --timeout bounds a transaction too (-X may say otherwise). */
		snprintf(val, sizeof(val), "%.0f", timeout < 1 ? 1000 : timeout * 1000);
		kafka_conf_set(conf, "transaction.timeout.ms", val, "--timeout");
	}
	kafka_props_apply(conf, props, &o->ko);
	len = sizeof(val);
	if (rd_kafka_conf_get(conf, "message.timeout.ms", val, &len) ==
	    RD_KAFKA_CONF_OK)
		o->message_timeout = atof(val) / 1000;
	len = sizeof(val);
	if (rd_kafka_conf_get(conf, "message.max.bytes", val, &len) ==
	    RD_KAFKA_CONF_OK)
		o->max_message = atoll(val);
	if (o->eos_id != NULL)
		conf_transactions(o, conf);
	return conf;
}

rd_kafka_conf_t *
parse_options(struct opts *o, int *argcp, char ***argvp)
{
	static const struct option longopts[] = {
		KAFKA_LONGOPTS,
		{ "batch-size", required_argument, NULL, 'N' },
		{ "delay", required_argument, NULL, 'D' },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "byte-rate", required_argument, NULL, OPT_BYTE_RATE },
		{ "key", required_argument, NULL, 'K' },
		{ "no-key", no_argument, NULL, 'k' },
		{ "header", required_argument, NULL, 'H' },
		{ "header-field", required_argument, NULL, OPT_HEADER_FIELD },
		{ "dead-letter", required_argument, NULL, 'L' },
		{ "stats", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "exactly-once", required_argument, NULL, 'E' },
		{ "checkpoint-topic", required_argument, NULL, 'P' },
		{ "commit-interval", required_argument, NULL, 'I' },
		{ "source-id", required_argument, NULL, 'U' },
		{ "restart", no_argument, NULL, 'R' },
		{ "volatile-field", required_argument, NULL, OPT_VOLATILE },
		{ "gate", required_argument, NULL, OPT_GATE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "partitions", required_argument, NULL, OPT_PARTITIONS },
		{ "replication-factor", required_argument, NULL, OPT_REPLICATION },
		{ "topic-config", required_argument, NULL, OPT_TOPIC_CONFIG },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "progress-interval", required_argument, NULL, OPT_INTERVAL },
		{ NULL, 0, NULL, 0 }
	};
	struct kafka_props props = { NULL, 0 };
	char **argv = *argvp;
	int argc = *argcp, ch, eos_only = 0, delay_given = 0;
	double timeout = 300;
	rd_kafka_conf_t *conf;

	memset(o, 0, sizeof(*o));
	kafka_opts_init(&o->ko);
	o->batch_size = 1000;
	o->delay = 1;
	o->key_fields = "track_id,record_id";
	o->replication = -1;
	o->checkpoint_topic = "kpublish-checkpoints";
	o->commit_interval = 0.5;
	o->gate = -1;
	while ((ch = getopt_long(argc, argv, KAFKA_SHORTOPTS "hH:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'N': o->batch_size = (unsigned long)num_parse("--batch-size",
			    optarg, 1, 100000000); break;
		case 'D': o->delay = num_parse_seconds("--delay", optarg, 86400);
			delay_given = 1; break;
		case OPT_RATE: o->rate = (double)num_parse("--rate", optarg, 1,
			    100000000); break;
		case OPT_BYTE_RATE:
			if ((o->byte_rate = (double)num_parse_size("--byte-rate",
			    optarg)) < 1)
				usage_error(USAGE, "--byte-rate: 0 bytes a second");
			break;
		case 'K': check_key_fields(optarg); o->key_fields = optarg; break;
		case 'k': o->no_key = 1; break;
		case 'H': case OPT_HEADER_FIELD: header_option(o, ch, optarg); break;
		case 'L': o->dead_letter = xstrdup(optarg); break;
		case 'S': o->stats = optarg; break;
		case 'T': timeout = num_parse_duration("--timeout", optarg,
			    0.001, 86400); break;
		case 'E': o->eos_id = optarg; break;
		case 'P': o->checkpoint_topic = optarg; eos_only++; break;
		case 'I': o->commit_interval = num_parse_duration(
			    "--commit-interval", optarg, 0.001, 3600); eos_only++; break;
		case 'U': case OPT_VOLATILE: case OPT_GATE:
			eos_option(o, ch, optarg); eos_only++; break;
		case 'R': o->restart = 1; eos_only++; break;
		case 'h': usage(0); break;
		case 'V': kafka_version("kpublish");
		case OPT_PARTITIONS: case OPT_REPLICATION: case OPT_TOPIC_CONFIG:
		case OPT_EXPECT: case OPT_NO_PROGRESS: case OPT_INTERVAL:
			progress_option(o, ch, optarg); break;
		default:
			if (!kafka_option(&o->ko, &props, ch, optarg))
				usage(EXIT_USAGE);
		}
	}
	kafka_topic_check(USAGE, "-t", o->ko.topic);
	if (!delay_given && (o->rate > 0 || o->byte_rate > 0))
		o->delay = 0;	/* the rate is the pacing */
	if (o->eos_id != NULL && *o->eos_id == '\0')
		usage_error(USAGE, "--exactly-once: empty ID");
	if (o->eos_id == NULL && eos_only)
		usage_error(USAGE, "--checkpoint-topic, --commit-interval, "
		    "--volatile-field, --gate, --source-id and --restart need "
		    "--exactly-once");
	kafka_topic_check(USAGE, "--checkpoint-topic", o->checkpoint_topic);
	if (o->dead_letter == NULL)
		o->dead_letter = default_dead_letter(o->ko.topic);
	conf = make_conf(o, &props, timeout);
	*argcp = argc - optind;
	*argvp = argv + optind;
	return conf;
}
