/* kpublish's parts: options and summary (kpublish_conf.c), keys (kpublish_key.c). */
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
	FILE	*dl;
	char	**files;		/* input names, for delivery reports */
	size_t	 nfiles;
	unsigned long long read, delivered, failed, maybe, kept, lost;
	unsigned long long batches, bytes, outstanding, reasons;
	double	 started, next_progress;
	int	 fatal, input_error, progress;
};

rd_kafka_conf_t *parse_options(struct opts *o, int *argc, char ***argv);
int	 summarize(struct pub *p);

void	 key_init(struct keys *k, const char *fields);
void	 key_free(struct keys *k);
/* NULL and the key (NULL when no field is there), or why the line has none. */
const char *key_find(struct keys *k, const char *line, size_t len,
	    const char **key, size_t *keylen);

#endif
