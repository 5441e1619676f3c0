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
void	 kafka_props_add(struct kafka_props *p, int opt, const char *arg);
void	 kafka_props_apply(rd_kafka_conf_t *conf, struct kafka_props *p);
rd_kafka_conf_t *kafka_conf_new(struct kafka_opts *ko);
void	 kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *val,
	    const char *where);
void	 kafka_conf_arg(rd_kafka_conf_t *conf, const char *kv);
void	 kafka_conf_file(rd_kafka_conf_t *conf, const char *path);
int	 kafka_setup_error(struct kafka_opts *ko, int code, const char *reason);
/* Partition count of the topic, waiting for the cluster; exits 3 or 1 on failure. */
int	 kafka_wait_topic(rd_kafka_t *rk, struct kafka_opts *ko);
_Noreturn void kafka_version(const char *prog);
double	 kafka_now(void);
void	 kafka_sleep(double seconds);

#endif
