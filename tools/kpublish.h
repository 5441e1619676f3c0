/* kpublish's parts: options and summary (kpublish_conf.c), keys (kpublish_key.c),
 * the topic's creation (kpublish_topic.c), the --stats details (kpublish_stats.c). */
#ifndef KPUBLISH_H
#define KPUBLISH_H

#include <stdint.h>
#include <stdio.h>

#include "kafka.h"

struct opts {
	struct kafka_opts ko;
	unsigned long batch_size;
	double	 delay;
	double	 message_timeout;	/* seconds, as librdkafka will use it */
	const char *key_fields;
	int	 no_key;
	char	*dead_letter;
	const char *stats;
	/* progress, topic creation (see kpublish_topic.c) */
	unsigned long long expect;	/* lines expected, for "of N" and ETA */
	double	 progress_interval;
	int	 no_progress;
	int	 partitions;		/* 0: do not create the topic */
	int	 replication;		/* -1: the cluster's default */
	char	**topic_config;		/* "key=value" */
	int	 ntopic_config;
};

/* What librdkafka's statistics say of one broker (microseconds). */
struct broker_rtt {
	int32_t	 id;
	long long rtt_p50, rtt_p99, rtt_p99_max, lat_p50, lat_p99;
};

/* The --stats details gathered during the run (kpublish_stats.c). */
struct pstats {
	unsigned long long *part;	/* delivered per partition */
	size_t	 npart;
	struct broker_rtt *brokers;
	size_t	 nbrokers;
	long long started_at;		/* wall clock, seconds */
};

struct keys {
	char	**names;
	size_t	*lens;
	size_t	 n, maxlen;
	/* per line: the best field found so far */
	size_t	 best;
	const char *val;
	size_t	 vallen;
	char	*buf;
	size_t	 cap;
};

struct pub {
	const struct opts *o;
	struct kafka_opts ko;	/* a copy the error callback may mark */
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct keys keys;
	int	 dl;		/* the dead-letter file, open from the start */
	char	**files;		/* input names, for delivery reports */
	size_t	 nfiles;
	unsigned long long read, delivered, failed, maybe, kept, lost;
	unsigned long long batches, bytes, outstanding, reasons;
	double	 started, next_progress;
	double	 progress;	/* seconds between lines; <0 live line; 0 none */
	double	 stop_by;	/* when a signal's wait ends; 0: no signal yet */
	int	 fatal, input_error, dl_created;
	struct pstats st;
};

rd_kafka_conf_t *parse_options(struct opts *o, int *argc, char ***argv);
int	 summarize(struct pub *p);
void	 dead_letter(struct pub *p, const char *line, size_t len);

/* kpublish_topic.c: the topic found, created (--partitions) or refused. */
void	 topic_ensure(struct pub *p);

/* kpublish_stats.c */
void	 stats_setup(struct pub *p, rd_kafka_conf_t *conf);
void	 stats_count(struct pub *p, int32_t partition);
void	 stats_write_more(const struct pub *p, FILE *fp);
void	 stats_free(struct pub *p);

void	 key_init(struct keys *k, const char *fields);
void	 key_free(struct keys *k);
/* NULL and the key (NULL when no field is there), or why the line has none. */
const char *key_find(struct keys *k, const char *line, size_t len,
	    const char **key, size_t *keylen);

#endif
