/* kpublish's parts: options and summary (kpublish_conf.c), keys (kpublish_key.c),
 * the topic's creation (kpublish_topic.c), the --stats details (kpublish_stats.c). */
#ifndef KPUBLISH_H
#define KPUBLISH_H

#include <stdint.h>
#include <stdio.h>

#include "util.h"
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
	const char *eos_id;	/* --exactly-once */
	const char *checkpoint_topic, *source_id;
	double	 commit_interval;
	int	 restart;
	int	 gate;			/* --gate: a descriptor, or -1 */
	char	**volatile_fields;	/* --volatile-field */
	size_t	 nvolatile;
	double	 txn_timeout;		/* transaction.timeout.ms, in seconds */
	rd_kafka_conf_t *ckpt_conf;	/* for the readers of positions and offsets */
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
	char	*namebuf;	/* a key decoded, maxlen + 8 bytes */
	/* per line: the best field found so far */
	size_t	 best;
	const char *val;
	size_t	 vallen;
	char	*buf;
	size_t	 cap;
	unsigned long long lines, keyed;	/* JSON objects seen; with a key */
};

/* kpublish_digest.c: the digest of the lines consumed (--exactly-once). */
struct digest {
	uint64_t h[2];
	char	**volatile_fields;
	size_t	 nvolatile, maxlen;
	char	*name;		/* a key decoded */
	struct wbuf scratch;	/* a line without its volatile members */
};
void	 murmur3_128(const void *key, size_t len, uint64_t out[2]);
void	 digest_init(struct digest *d, char **volatile_fields, size_t n);
void	 digest_line(struct digest *d, const char *line, size_t len);
void	 digest_hex(const struct digest *d, char out[33]);
void	 digest_free(struct digest *d);

/* kpublish_txn.c, kpublish_ckpt.c: --exactly-once */
#define STEP_MS 1000		/* blocking librdkafka calls, so signals are seen */
struct held {			/* a line of the open transaction, to redo it */
	size_t	 off, len, keylen;	/* line at buf + off, its key after it */
	unsigned long long lineno;
	size_t	 file;
	int	 has_key, done;
	int32_t	 partition;		/* where it was delivered; -1: not yet */
	int64_t	 offset;		/* and at which offset */
	rd_kafka_resp_err_t bad;	/* the broker refused it for good */
};

/* A line read but not yet consumed: with --gate, the latest line waits for the next. */
struct pending {
	char	*buf;
	size_t	 len, cap, file;
	unsigned long long lineno;
	int	 full;
};

struct txn {
	rd_kafka_topic_t *ckt;		/* the checkpoint topic */
	char	*group;			/* the position's consumer group */
	rd_kafka_consumer_group_metadata_t *cgmd;
	char	*source;		/* --source-id, or NULL */
	int	 nparts;		/* the data topic's, at the start; -1: none */
	int64_t	*ends;			/* per partition: past the load's last record */
	size_t	 nends;
	struct digest dg;		/* of the lines consumed */
	struct pending pend;
	unsigned long long pos;		/* input lines seen, blank ones too */
	unsigned long long consumed;	/* lines sent or kept, in order */
	unsigned long long committed;	/* consumed, as of the last commit */
	unsigned long long skip, skipped;
	char	 skip_digest[33];	/* of the lines skipped, as recorded */
	struct held *held;
	size_t	 nheld, capheld;
	char	*buf;
	size_t	 buflen, bufcap;
	uintptr_t gen;			/* attempt number, in each message's tag */
	int	 open, fenced, gave_up, timed_out, gate_abort, refused;
	int	 marked;		/* a position is committed: records may say so */
	double	 began;			/* the transaction's */
	double	 held_since;		/* the first line held for it */
	unsigned long long commits, aborts;
};

struct pub {
	struct opts *o;		/* o->ko: the error callback may mark it */
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct txn *txn;	/* --exactly-once, else NULL */
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
int	 dl_close(struct pub *p);
void	 fail_line(struct pub *p, const char *file, unsigned long long line,
	    const char *data, size_t len, const char *why);
int	 line_key(struct pub *p, const char *file, unsigned long long lineno,
	    const char *line, size_t *len, const char **key, size_t *keylen);
int	 wait_over(struct pub *p, double end);
int	 pub_open_input(struct pub *p, struct lines *in, const char *path);
/* Reads one operand (NULL: standard input); -1 when it cannot be read. */
typedef int (*input_reader)(struct pub *p, const char *path,
	    unsigned long *in_batch);
unsigned long pub_each_input(struct pub *p, int argc, char **argv,
	    input_reader read_file);
/* A signal or a fatal error: no more lines are read. */
static inline int
stopping(const struct pub *p)
{
	return sig_caught || p->fatal;
}
/* Queues a copy of one message, waiting for room unless a signal or a fatal error came. */
rd_kafka_resp_err_t queue_message(struct pub *p, rd_kafka_topic_t *rkt,
	    const char *val, size_t len, const char *key, size_t keylen,
	    void *tag);

/*
 * A message's tag, librdkafka's per-message opaque pointer, says which
 * line it is: the input file's index above TAG_LINE_BITS, the line number
 * below; --exactly-once runs (kpublish_txn.c) put the attempt in the first
 * part and the held line's index in the second. It needs a 64-bit pointer:
 * said here at compile time, not shifted away on a 32-bit build.
 */
_Static_assert(sizeof(uintptr_t) >= 8, "kpublish's message tags need 64-bit pointers");
#define TAG_LINE_BITS 40
static inline void *
tag_make(size_t file, unsigned long long line)
{
	return (void *)((uintptr_t)file << TAG_LINE_BITS | (uintptr_t)line);
}
static inline size_t
tag_file(const void *tag)
{
	return (size_t)((uintptr_t)tag >> TAG_LINE_BITS);
}
static inline unsigned long long
tag_line(const void *tag)
{
	return (uintptr_t)tag & (((uintptr_t)1 << TAG_LINE_BITS) - 1);
}
void	 show_progress(struct pub *p, int final);

int	 txn_start(struct pub *p);
/* kpublish_ckpt.c: the position sent to the open transaction; 0 or -1. */
rd_kafka_error_t *pos_send(struct pub *p, unsigned long long lines);
void	 pos_fold(struct txn *t);
void	 pos_free(struct txn *t);
void	 txn_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
	    void *opaque);
void	 txn_publish_all(struct pub *p, int argc, char **argv);
int	 txn_summarize(const struct pub *p);
void	 txn_stats(const struct pub *p, FILE *fp);
void	 txn_free(struct pub *p);

/* kpublish_topic.c: the topic found, created (--partitions) or refused. */
void	 topic_ensure(struct pub *p);
rd_kafka_resp_err_t topic_create_request(struct pub *p, rd_kafka_NewTopic_t *nt,
	    rd_kafka_AdminOptions_t *ao, int wait_ms, char *errstr, size_t n);
/* Ends the run before any line is sent: the client first, then exit. */
_Noreturn void pub_exit(struct pub *p, int status);

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
/* At the end: a warning when lines were sent and none had a key field. */
void	 key_report(const struct keys *k, const char *fields);

#endif
