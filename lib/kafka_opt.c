/*
 * What kpublish and kconsume both do before they run: the options they
 * share (-b -t -X -F -q -v --connect-timeout), and the client made with
 * the signals that their loops watch kept for the main thread.
 */
#include <err.h>
#include <signal.h>
#include <string.h>

#include "util.h"
#include "kafka.h"

void
kafka_opts_init(struct kafka_opts *ko)
{
	ko->brokers = kafka_default_brokers();
	ko->topic = "spotify-tracks";
	ko->connect_timeout = 60;
}

int
kafka_option(struct kafka_opts *ko, struct kafka_props *props, int ch,
    const char *arg)
{
	switch (ch) {
	case 'b': ko->brokers = arg; break;
	case 't': ko->topic = arg; break;
	case 'C': ko->connect_timeout = num_parse_seconds("--connect-timeout",
		    arg, 86400); break;
	case 'X':
	case 'F': kafka_props_add(props, ch, arg); break;
	case 'q': ko->quiet = 1; break;
	case 'v': ko->verbose = 1; break;
	default: return 0;
	}
	return 1;
}

/*
 * Kafka's rules for a topic name, checked before connecting: the broker
 * answers a bad one with "Invalid topic", which looks like a topic not yet
 * created and is waited for. Exits 2 naming opt when name breaks them.
 */
void
kafka_topic_check(const char *usage, const char *opt, const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		usage_error(usage, "%s: empty topic name", opt);
	if (n > KAFKA_TOPIC_MAX)
		usage_error(usage, "%s: a topic name has at most %d characters, "
		    "not %zu", opt, KAFKA_TOPIC_MAX, n);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		usage_error(usage, "%s: \"%s\" is not a topic name", opt, name);
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		usage_error(usage, "%s: \"%s\": a topic name has only ASCII "
		    "letters, digits, '.', '_' and '-'", opt, name);
}

static void
block_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(how, &set, NULL);
}

/*
 * librdkafka's threads inherit the signal mask of the thread that makes
 * the client: with SIGINT and SIGTERM blocked there, they come to the main
 * thread, whose loops look at sig_caught. Exits 2 when librdkafka refuses
 * the configuration.
 */
rd_kafka_t *
kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf)
{
	char errstr[512];
	rd_kafka_t *rk;

	block_signals(SIG_BLOCK);
	rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
	block_signals(SIG_UNBLOCK);
	if (rk == NULL)
		errx(EXIT_USAGE, "%s", errstr);
	return rk;
}
