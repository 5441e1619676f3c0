/*
 * kpublish's parts, a one-way chain: each layer calls only the layers
 * below it (tests/make/test-layers checks it over the objects' symbols).
 *
 *   lib         lib/: libutil.a, then libkafka.a
 *   options     kpublish_conf.c: options, librdkafka's configuration
 *   core        kpublish_core.c: the client, queue, delivery report, drain,
 *               dead letter, keyed lines, input files, exit, the counters;
 *               kpublish_topic.c: the topic found or created;
 *               kpublish_key.c: message keys;
 *               kpublish_headers.c: message headers (-H, --header-field);
 *               kpublish_counts.c: deliveries per partition, brokers' latency
 *   pace        kpublish_pace.c: how a batch is paced (--batch-size, --delay),
 *               and the sends (--rate, --byte-rate)
 *   modes       plain: kpublish_plain.c; exactly-once: kpublish_txn.c,
 *               kpublish_ckpt.c, kpublish_digest.c (neither calls the other)
 *   report      kpublish_report.c: progress, summary, the --stats JSON
 *   main        kpublish.c
 *
 * The core calls a mode only through struct mode, and the report's
 * progress line only through pub.show: pointers that main sets.
 */
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
	double	 rate;			/* --rate: messages a second; 0 none */
	double	 byte_rate;		/* --byte-rate: bytes a second; 0 none */
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
	char	**headers;		/* -H: "name=value", as given */
	size_t	 nheaders;
	char	**header_fields;	/* --header-field */
	size_t	 nheader_fields;
	long long max_message;		/* the producer's message.max.bytes */
};

/* What librdkafka's statistics say of one broker (microseconds). */
struct broker_rtt {
	int32_t	 id;
	long long rtt_p50, rtt_p99, rtt_p99_max, lat_p50, lat_p99;
};

/* The --stats details gathered during the run (kpublish_counts.c). */
struct pstats {
	unsigned long long *part;	/* delivered per partition */
	size_t	 npart;
	struct broker_rtt *brokers;
	size_t	 nbrokers;
	long long started_at;		/* wall clock, seconds */
};

/*
 * kpublish_headers.c: the headers of a message. A line's --header-field
 * values are found while its key is (kpublish_key.c), kept encoded in enc
 * (so that the exactly-once mode can hold them with the line) and made
 * into librdkafka's headers at each send.
 */
struct hdrs {
	char	**names;	/* --header-field */
	size_t	*lens;
	size_t	 n, maxlen;
	const char **val;	/* per line: each field's JSON text, or NULL */
	size_t	*vallen;
	char	**fixed;	/* -H name=value: the name, its '=' made a NUL */
	size_t	 nfixed, fixed_bytes;
	struct wbuf enc;	/* the line's field values, encoded */
	size_t	 field_bytes;	/* their names and values */
};

struct keys {
	struct hdrs *hdrs;	/* --header-field values are looked for too */
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

/* kpublish_txn.c, kpublish_ckpt.c: --exactly-once */
#define STEP_MS 1000		/* blocking librdkafka calls, so signals are seen */
struct held {			/* a line of the open transaction, to redo it */
	size_t	 off, len, keylen;	/* line at buf + off, its key after it */
	size_t	 hdrlen;		/* its headers' values after the key */
	unsigned long long lineno;
	size_t	 file;
	int	 has_key, done;
	int32_t	 partition;		/* where it was delivered; -1: not yet */
	int64_t	 offset;		/* and at which offset */
	rd_kafka_resp_err_t bad;	/* the broker refused it for good */
	size_t	 bytes;			/* then: its size, as message_bytes */
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

struct pub;

/*
 * A mode: plain (kpublish_plain.c) or exactly-once (kpublish_txn.c), as
 * main picks it; the layers below call it only through this table.
 */
struct mode {
	/* After the client and the topic: 0, or the status of a run that cannot start. */
	int	 (*start)(struct pub *p);
	/* A delivery report (the core counts the message out first). */
	void	 (*delivered)(struct pub *p, const rd_kafka_message_t *m);
	/* One input line read from in; -1 when no more lines may be read. */
	int	 (*line)(struct pub *p, const struct lines *in, char *line,
		    size_t len);
	/* While the pace waits: -1 when the run must end (a commit failed). */
	int	 (*idle)(struct pub *p);
	/* A batch of n lines is full: with deliver, delivered before the pause. */
	int	 (*end_batch)(struct pub *p, unsigned long n, int deliver);
	/* The input has ended (or a signal came): what is open finished. */
	void	 (*finish)(struct pub *p);
	/* More summary lines; 1 when they make the run a failure. */
	int	 (*report)(const struct pub *p);
	void	 (*free)(struct pub *p);
};
extern const struct mode plain_mode, eos_mode;

/* The run: written by the core (its counters) and its mode; read by the report. */
struct pub {
	struct opts *o;		/* o->ko: the error callback may mark it */
	const struct mode *mode;
	void	 (*show)(struct pub *p, int final);	/* the progress line */
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct txn *txn;	/* --exactly-once, else NULL */
	struct keys keys;
	struct hdrs hdrs;
	int	 dl;		/* the dead-letter file, open from the start */
	char	**files;		/* input names, for delivery reports */
	size_t	 nfiles;
	unsigned long long read, delivered, failed, maybe, kept, lost;
	unsigned long long batches, bytes, outstanding, reasons;
	unsigned long in_batch;	/* lines of the batch being read (pace) */
	double	 tat, tat_bytes;	/* the rates' buckets, as times (pace) */
	unsigned long long paced, paced_bytes;	/* messages and bytes sent */
	double	 started, next_progress;
	double	 rate_at;		/* the last progress line's (report) */
	unsigned long long rate_msgs, rate_bytes;	/* paced, paced_bytes then */
	double	 progress;	/* seconds between lines; <0 live line; 0 none */
	double	 stop_by;	/* when a signal's wait ends; 0: no signal yet */
	int	 fatal, input_error, dl_created;
	long long topic_max;	/* the topic's max.message.bytes; -1 unknown */
	struct pstats st;
};

/* A signal or a fatal error: no more lines are read. */
static inline int
stopping(const struct pub *p)
{
	return sig_caught || p->fatal;
}

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

/* options: kpublish_conf.c */
rd_kafka_conf_t *parse_options(struct opts *o, int *argc, char ***argv);

/* core: kpublish_core.c */
/* The client made with the mode's callbacks, and the topic ready. */
void	 pub_start(struct pub *p, rd_kafka_conf_t *conf);
void	 dl_open(struct pub *p);
int	 dl_close(struct pub *p);
void	 fail_line(struct pub *p, const char *file, unsigned long long line,
	    const char *data, size_t len, const char *why);
/* A line's length without its CR, and its key: 1 read, 0 blank, -1 failed. */
int	 line_key(struct pub *p, const char *file, unsigned long long lineno,
	    const char *line, size_t *len, const char **key, size_t *keylen);
/*
 * Queues a copy of one message, waiting for room unless a signal or a
 * fatal error came. It takes hdrs (NULL: none), whatever the outcome.
 */
rd_kafka_resp_err_t queue_message(struct pub *p, rd_kafka_topic_t *rkt,
	    const char *val, size_t len, const char *key, size_t keylen,
	    rd_kafka_headers_t *hdrs, void *tag);
/* A message's bytes as its size is checked: value, key, headers' names and values. */
size_t	 message_bytes(const rd_kafka_message_t *m);
/* Why a message of bytes was refused for its size: by the client, or the broker. */
const char *size_reason(const struct pub *p, size_t bytes, int by_broker,
	    char *buf, size_t n);
/* Why a message was not queued. */
const char *queue_reason(const struct pub *p, rd_kafka_resp_err_t e,
	    size_t bytes, char *buf, size_t n);
/* The plain delivery report: the message counted delivered or failed. */
void	 pub_delivered(struct pub *p, const rd_kafka_message_t *m);
/* A message known delivered (the exactly-once mode says so at its commit). */
void	 count_delivered(struct pub *p, size_t len, int32_t partition);
void	 count_batch(struct pub *p);
int	 wait_over(struct pub *p, double end);
void	 drain(struct pub *p, double limit);
/* Each operand (standard input when none), each line to the mode. */
void	 pub_each_input(struct pub *p, int argc, char **argv);
/* Ends the run before any line is sent: the client first, then exit. */
_Noreturn void pub_exit(struct pub *p, int status);
void	 pub_free(struct pub *p);

/* core: kpublish_topic.c, the topic found, created (--partitions) or refused. */
void	 topic_ensure(struct pub *p);
rd_kafka_resp_err_t topic_create_request(struct pub *p, rd_kafka_NewTopic_t *nt,
	    rd_kafka_AdminOptions_t *ao, int wait_ms, char *errstr, size_t n);
long long topic_max_message(struct pub *p);

/* core: kpublish_counts.c, from librdkafka's statistics (for --stats). */
void	 stats_setup(struct pub *p, rd_kafka_conf_t *conf);
void	 stats_count(struct pub *p, int32_t partition);
void	 stats_free(struct pub *p);

/* core: kpublish_headers.c */
void	 hdr_init(struct hdrs *h, const struct opts *o);
void	 hdr_free(struct hdrs *h);
static inline int
hdr_any(const struct hdrs *h)
{
	return h->nfixed > 0 || h->n > 0;
}
/* A member of the line being parsed, its name decoded: kept if it is wanted. */
void	 hdr_member(struct hdrs *h, const char *name, size_t len,
	    const struct json_member *m);
void	 hdr_line_start(struct hdrs *h);
/* The line's field values encoded in h->enc. */
void	 hdr_line_end(struct hdrs *h);
/* The headers' names and values of the line last parsed. */
static inline size_t
hdr_line_bytes(const struct hdrs *h)
{
	return h->fixed_bytes + (h->n > 0 ? h->field_bytes : 0);
}
/* librdkafka's headers from -H and encoded values (NULL when none); *bytes, their names and values. */
rd_kafka_headers_t *hdr_make(struct hdrs *h, const char *enc, size_t enclen,
	    size_t *bytes);

/* core: kpublish_key.c */
void	 key_init(struct keys *k, const char *fields, struct hdrs *h);
void	 key_free(struct keys *k);
/* NULL and the key (NULL when no field is there), or why the line has none. */
const char *key_find(struct keys *k, const char *line, size_t len,
	    const char **key, size_t *keylen);
/* At the end: a warning when lines were sent and none had a key field. */
void	 key_report(const struct keys *k, const char *fields);

/* pace: kpublish_pace.c */
/* Before a message is sent: until the rates allow it; -1 when the run must end. */
int	 pace_wait(struct pub *p);
/* After each line read; bytes: the message's, when one was sent (sent). */
int	 pace_line(struct pub *p, size_t bytes, int sent);

/* exactly-once mode: kpublish_ckpt.c, the position, and kpublish_digest.c */
int	 txn_start(struct pub *p);
rd_kafka_error_t *pos_send(struct pub *p, unsigned long long lines);
void	 pos_fold(struct txn *t);
void	 pos_free(struct txn *t);
void	 murmur3_128(const void *key, size_t len, uint64_t out[2]);
void	 digest_init(struct digest *d, char **volatile_fields, size_t n);
void	 digest_line(struct digest *d, const char *line, size_t len);
void	 digest_hex(const struct digest *d, char out[33]);
void	 digest_free(struct digest *d);

/* report: kpublish_report.c */
void	 show_progress(struct pub *p, int final);
int	 summarize(struct pub *p);

#endif
