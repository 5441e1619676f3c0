/*
 * libkafka.a, what kpublish and kconsume share and no other tool links:
 * configuration, options, logging, waiting for the cluster.
 */
#ifndef KAFKA_H
#define KAFKA_H

#include <librdkafka/rdkafka.h>

struct kafka_opts {
	const char *brokers;
	const char *topic;
	double	 connect_timeout;
	int	 quiet, verbose;
	/*
	 * Authentication or TLS failed. Set by the error callback, which
	 * rd_kafka_poll() calls in the polling thread: no signal handler
	 * and no other thread writes it, so a plain int.
	 */
	int	 setup_failed;
};

/* -X and -F options, kept in order until the configuration is made. */
struct kafka_props {
	char	**items;	/* 'X' or 'F', then the argument */
	int	 n;
};

/* conf.c: key=value pairs, from an option or a properties file. */
typedef int (*conf_cb)(void *ctx, const char *key, const char *val,
    const char *where);
int	 conf_split(char *kv, char **key, char **val);
int	 conf_read_file(const char *path, conf_cb cb, void *ctx);

const char *kafka_default_brokers(void);

/*
 * kafka_opt.c: the options both tools take, for their getopt_long tables;
 * kafka_option takes ch when it is one of them (1), else returns 0.
 */
#define KAFKA_SHORTOPTS "b:t:X:F:qv"
#define KAFKA_LONGOPTS \
	{ "brokers", required_argument, NULL, 'b' }, \
	{ "topic", required_argument, NULL, 't' }, \
	{ "connect-timeout", required_argument, NULL, 'C' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }
void	 kafka_opts_init(struct kafka_opts *ko);
int	 kafka_option(struct kafka_opts *ko, struct kafka_props *props, int ch,
	    const char *arg);
/* Kafka's rules for a topic name (see kafka_opt.c); exits 2 when broken. */
#define KAFKA_TOPIC_MAX 249
void	 kafka_topic_check(const char *usage, const char *opt, const char *name);
/* rd_kafka_new with the signals left to the main thread; exits 2 on failure. */
rd_kafka_t *kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf);
void	 kafka_props_add(struct kafka_props *p, int opt, const char *arg);
void	 kafka_props_apply(rd_kafka_conf_t *conf, struct kafka_props *p,
	    struct kafka_opts *ko);
rd_kafka_conf_t *kafka_conf_new(struct kafka_opts *ko);
void	 kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *val,
	    const char *where);
void	 kafka_conf_arg(rd_kafka_conf_t *conf, const char *kv);
void	 kafka_conf_file(rd_kafka_conf_t *conf, const char *path);
int	 kafka_setup_error(struct kafka_opts *ko, int code, const char *reason);
/* Partition count in a metadata answer; 0: listed with none; -1: absent. */
int	 kafka_topic_partitions(const rd_kafka_metadata_t *md, const char *topic,
	    rd_kafka_resp_err_t *terr);
/* kafka.c's back-off loop: metadata once the cluster answers (and the
 * topic, unless NULL, has partitions); exits 3 or 1 on failure. */
const rd_kafka_metadata_t *kafka_wait_metadata(rd_kafka_t *rk,
	    const struct kafka_opts *ko, const char *topic);
/* Partition count of the topic, waiting for the cluster; exits 3 or 1 on failure. */
int	 kafka_wait_topic(rd_kafka_t *rk, const struct kafka_opts *ko);
_Noreturn void kafka_version(const char *prog);

#endif
