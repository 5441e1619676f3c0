/*
 * librdkafka set-up shared by kpublish and kconsume: -X and -F straight to
 * librdkafka (never echoing a secret's value), librdkafka's log lines as
 * "prog: ..." on stderr, and waiting for the cluster with backoff.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "kafka.h"

static int log_verbose, log_quiet;
static char *conf_brokers;	/* bootstrap.servers as configured: kept for the run */

const char *
kafka_default_brokers(void)
{
	const char *s = getenv("KAFKA_BOOTSTRAP_SERVERS");

	return s != NULL && *s != '\0' ? s : "localhost:9092";
}

/* --version of a librdkafka tool: its own version and librdkafka's; exit 0. */
_Noreturn void
kafka_version(const char *prog)
{
	char libs[64];

	snprintf(libs, sizeof(libs), "librdkafka %s", rd_kafka_version_str());
	version_print(prog, libs);
	exit(EXIT_OK);
}

static int
is_secret(const char *key)
{
	return strstr(key, "password") != NULL || strstr(key, "secret") != NULL ||
	    strstr(key, ".key") != NULL || strstr(key, "jaas") != NULL ||
	    strstr(key, "token") != NULL;
}

void
kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *val,
    const char *where)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, key, val, errstr, sizeof(errstr)) ==
	    RD_KAFKA_CONF_OK)
		return;
	/* librdkafka's message may quote the value: not for secrets. */
	if (is_secret(key))
		errx(EXIT_USAGE, "%s: invalid value for %s", where, key);
	errx(EXIT_USAGE, "%s: %s", where, errstr);
}

void
kafka_conf_arg(rd_kafka_conf_t *conf, const char *arg)
{
	char *kv = xstrdup(arg), *key, *val;

	if (conf_split(kv, &key, &val) == -1)
		errx(EXIT_USAGE, "-X: expected key=value: %s", arg);
	if (is_secret(key))
		progress_warnx("-X %s: a secret on the command line is visible to other "
		    "users (ps); put it in a -F file", key);
	kafka_conf_set(conf, key, val, "-X");
	free(kv);
}

static int
file_pair(void *ctx, const char *key, const char *val, const char *where)
{
	char place[600];

	snprintf(place, sizeof(place), "%s", where);
	kafka_conf_set(ctx, key, val, place);
	return 0;
}

void
kafka_conf_file(rd_kafka_conf_t *conf, const char *path)
{
	if (conf_read_file(path, file_pair, conf) == -1)
		exit(EXIT_USAGE);
}

void
kafka_props_add(struct kafka_props *p, int opt, const char *arg)
{
	size_t n = strlen(arg) + 2;

	p->items = xrealloc(p->items, (size_t)(p->n + 1) * sizeof(*p->items));
	p->items[p->n] = xmalloc(n);
	snprintf(p->items[p->n++], n, "%c%s", opt, arg);
}

/*
 * Applied after the tools' own defaults, in order, so the user's win.
 * KAFKA_CLIENT_PROPERTIES is the -F used when none is given, so that one
 * export serves every tool and the scripts built on them.
 */
void
kafka_props_apply(rd_kafka_conf_t *conf, struct kafka_props *p,
    struct kafka_opts *ko)
{
	const char *env = getenv("KAFKA_CLIENT_PROPERTIES");
	size_t len = 0;
	int i, has_file = 0;

	for (i = 0; i < p->n; i++)
		has_file |= p->items[i][0] == 'F';
	if (!has_file && env != NULL && *env != '\0')
		kafka_conf_file(conf, env);
	for (i = 0; i < p->n; i++) {
		if (p->items[i][0] == 'X')
			kafka_conf_arg(conf, p->items[i] + 1);
		else
			kafka_conf_file(conf, p->items[i] + 1);
		free(p->items[i]);
	}
	free(p->items);
	p->items = NULL;
	p->n = 0;
	/* A file may have named the brokers: messages name what is used. */
	if (rd_kafka_conf_get(conf, "bootstrap.servers", NULL, &len) !=
	    RD_KAFKA_CONF_OK || len == 0)
		return;
	free(conf_brokers);
	conf_brokers = xmalloc(len);
	if (rd_kafka_conf_get(conf, "bootstrap.servers", conf_brokers, &len) ==
	    RD_KAFKA_CONF_OK)
		ko->brokers = conf_brokers;
}

static void
log_line(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	/* Errors reach the tools through their own paths; the log is for -v. */
	(void)level;
	if (log_quiet || !log_verbose)
		return;
	/* Not progress_warnx: this runs on librdkafka's threads. */
	warnx("librdkafka: %s: %s", fac, buf);
}

/*
 * Authentication and TLS failures do not mend by waiting, though librdkafka
 * keeps trying: say so once, with librdkafka's reason (which never holds the
 * password), and mark the run failed; the main thread ends it (exiting from
 * a librdkafka callback would race its threads).
 */
int
kafka_setup_error(struct kafka_opts *ko, int code, const char *reason)
{
	if (code != RD_KAFKA_RESP_ERR__AUTHENTICATION &&
	    code != RD_KAFKA_RESP_ERR__SSL)
		return 0;
	/*
	 * A connection lost in the middle of its handshake ("Broker transport
	 * failure", the broker's mechanisms "(n/a)") says nothing of the
	 * credentials: librdkafka connects again. Seen once on a coordinator
	 * connection under load, after 5 messages were read over another.
	 */
	if (code == RD_KAFKA_RESP_ERR__AUTHENTICATION &&
	    strstr(reason, "Broker transport failure") != NULL)
		return 0;
	if (!ko->setup_failed) {
		if (code == RD_KAFKA_RESP_ERR__SSL)
			progress_warnx("TLS failed: %s", reason);
		else
			progress_warnx("authentication failed: %s", reason);
		if (strstr(reason, "SCRAM") != NULL && rd_kafka_version() < 0x020601ff)
			progress_warnx("note: librdkafka %s cannot use SCRAM with Kafka 4 "
			    "brokers (fixed in librdkafka 2.6.1)",
			    rd_kafka_version_str());
	}
	ko->setup_failed = 1;
	return 1;
}

static void
on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
	(void)rk;
	if (!kafka_setup_error(opaque, code, reason) && log_verbose)
		progress_warnx("%s", reason);
}

rd_kafka_conf_t *
kafka_conf_new(struct kafka_opts *ko)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	log_verbose = ko->verbose;
	log_quiet = ko->quiet;
	rd_kafka_conf_set_log_cb(conf, log_line);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_opaque(conf, (void *)ko);
	kafka_conf_set(conf, "bootstrap.servers", ko->brokers, "-b");
	kafka_conf_set(conf, "client.id", "kafka-tools", "client.id");
	return conf;
}

/* Partition count in a metadata answer; 0: listed with none; -1: absent. */
int
kafka_topic_partitions(const rd_kafka_metadata_t *md, const char *topic,
    rd_kafka_resp_err_t *terr)
{
	int i;

	for (i = 0; i < md->topic_cnt; i++) {
		if (strcmp(md->topics[i].topic, topic) != 0)
			continue;
		*terr = md->topics[i].err;
		return md->topics[i].err ? 0 : md->topics[i].partition_cnt;
	}
	*terr = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
	return -1;
}

/*
 * The one back-off loop of the Kafka tools: metadata asked until the
 * cluster answers and, when topic is not NULL, the topic has partitions
 * (asking for it may create it where auto-creation is on); NULL asks for
 * the list of every topic, which never creates one. The back-off goes from
 * 0.25 s to 5 s, up to the connect timeout. Returns the answer, to be
 * destroyed; on failure destroys rk (its threads must not outlive main)
 * and exits 3 when no broker answered, else 1.
 */
const rd_kafka_metadata_t *
kafka_wait_metadata(rd_kafka_t *rk, const struct kafka_opts *ko,
    const char *topic)
{
	rd_kafka_topic_t *rkt = topic != NULL ?
	    rd_kafka_topic_new(rk, topic, NULL) : NULL;
	const rd_kafka_metadata_t *md;
	rd_kafka_resp_err_t e, terr = RD_KAFKA_RESP_ERR_NO_ERROR;
	double deadline = clock_now() + ko->connect_timeout, wait = 0.25, left;
	int attempt = 0, reached = 0;

	for (;;) {
		attempt++;
		left = deadline - clock_now();
		md = NULL;
		e = rd_kafka_metadata(rk, topic == NULL, rkt, &md,
		    (int)(1000 * (left < 2 ? (left > 0.1 ? left : 0.1) : 2)));
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
			reached = 1;
			if (topic == NULL ||
			    kafka_topic_partitions(md, topic, &terr) > 0)
				break;
			rd_kafka_metadata_destroy(md);
			md = NULL;
		}
		rd_kafka_poll(rk, 0);	/* serves the error callback */
		if (sig_caught || ko->setup_failed || clock_now() + wait > deadline)
			break;
		if (!ko->quiet)
			progress_warnx("waiting for %s (attempt %d: %s)", reached ?
			    "topic" : ko->brokers, attempt, rd_kafka_err2str(
			    e ? e : terr));
		clock_sleep(wait);
		wait = wait * 2 > 5 ? 5 : wait * 2;
	}
	if (rkt != NULL)
		rd_kafka_topic_destroy(rkt);
	if (md != NULL)
		return md;
	rd_kafka_destroy(rk);
	if (ko->setup_failed || sig_caught)
		exit(EXIT_FAIL);
	if (!reached) {
		progress_warnx("no broker reachable at %s within %g s", ko->brokers,
		    ko->connect_timeout);
		exit(EXIT_TEMP);
	}
	progress_warnx("topic \"%s\": %s (it does not exist, and the cluster did not "
	    "create it)", topic, rd_kafka_err2str(terr));
	exit(EXIT_FAIL);
}

/* Partition count of ko's topic, waiting for the cluster; exits 3 or 1 on failure. */
int
kafka_wait_topic(rd_kafka_t *rk, const struct kafka_opts *ko)
{
	const rd_kafka_metadata_t *md = kafka_wait_metadata(rk, ko, ko->topic);
	rd_kafka_resp_err_t terr;
	int n = kafka_topic_partitions(md, ko->topic, &terr);

	rd_kafka_metadata_destroy(md);
	return n;
}
