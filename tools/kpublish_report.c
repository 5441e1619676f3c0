/*
 * kpublish's report, which reads what the layers below counted: the
 * progress line, the summary at the end, and the --stats JSON (built here
 * alone, its members in a fixed order).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "kafka.h"
#include "kpublish.h"

static void
format_duration(char *buf, size_t n, double secs)
{
	unsigned long s = (unsigned long)(secs + 0.5);

	if (s >= 3600)
		snprintf(buf, n, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, n, "%lu:%02lu", s / 60, s % 60);
}

/* Lines an earlier run committed under the same --exactly-once ID. */
static unsigned long long
before(const struct pub *p)
{
	return p->txn != NULL ? p->txn->skipped : 0;
}

/* At the end the time taken; before it, the time left when it can be known. */
static void
format_when(const struct pub *p, double t, double rate, int final, char *buf,
    size_t n)
{
	unsigned long long want = p->o->expect, done = before(p) + p->delivered;
	char d[24];

	*buf = '\0';
	if (final) {
		format_duration(d, sizeof(d), t - p->started);
		snprintf(buf, n, "%llu batch%s, %s", p->batches,
		    p->batches == 1 ? "" : "es", d);
		return;
	}
	/* The batch being read; between batches, the one just ended. */
	snprintf(buf, n, "batch %llu", p->batches + (p->batches == 0 ||
	    p->read > p->batches * p->o->batch_size));
	if (want > done && rate > 0) {
		format_duration(d, sizeof(d), (double)(want - done) / rate);
		snprintf(buf + strlen(buf), n - strlen(buf), ", ETA %s", d);
	}
}

/* A byte rate in KiB/s or MiB/s, the units of --byte-rate's suffixes. */
static void
format_bytes_rate(char *buf, size_t n, double v)
{
	if (v >= 1024 * 1024)
		snprintf(buf, n, "%.2f MiB/s", v / (1024 * 1024));
	else
		snprintf(buf, n, "%.1f KiB/s", v / 1024);
}

/*
 * With --rate or --byte-rate, the rates held beside their limits: the
 * messages and bytes sent since the last progress line (at the end, over
 * the run; an initial burst of one batch is in it).
 */
static void
format_rates(struct pub *p, double t, int final, char *buf, size_t n)
{
	char held[32], limit[32];
	double since = final ? p->started : p->rate_at, secs = t - since;
	unsigned long long msgs = p->paced, bytes = p->paced_bytes;
	size_t len;

	*buf = '\0';
	if (p->o->rate <= 0 && p->o->byte_rate <= 0)
		return;
	if (!final) {
		msgs -= p->rate_msgs;
		bytes -= p->rate_bytes;
		p->rate_at = t;
		p->rate_msgs = p->paced;
		p->rate_bytes = p->paced_bytes;
	}
	if (secs <= 0.05)	/* too short to tell */
		return;
	if (p->o->rate > 0)
		snprintf(buf, n, ", sending %.0f/s of --rate %.0f",
		    (double)msgs / secs, p->o->rate);
	if (p->o->byte_rate > 0) {
		format_bytes_rate(held, sizeof(held), (double)bytes / secs);
		format_bytes_rate(limit, sizeof(limit), p->o->byte_rate);
		len = strlen(buf);
		snprintf(buf + len, n - len, ", %s of --byte-rate %s", held, limit);
	}
}

/*
 * The same facts on a terminal (live) and in a log (every interval). Lines
 * an earlier run committed count as read and delivered, so that the share
 * of --expect is of the whole input; the rate is this run's.
 */
void
show_progress(struct pub *p, int final)
{
	double t, rate;
	char of[32] = "", share[80] = "", when[80], rates[128];
	size_t n;
	unsigned long long want = p->o->expect, old = before(p);

	if (p->progress == 0)	/* per line: no clock read unless shown */
		return;
	if ((t = clock_now()) < p->next_progress && !final)
		return;
	p->next_progress = t + (p->progress < 0 ? 0.5 : p->progress);
	rate = t > p->started ? p->delivered / (t - p->started) : 0;
	if (want > 0) {
		snprintf(of, sizeof(of), " of %llu", want);
		snprintf(share, sizeof(share), "%.0f%%",
		    100.0 * (double)(old + p->delivered) / (double)want);
	}
	if (old > 0) {
		n = strlen(share);
		snprintf(share + n, sizeof(share) - n, "%s%llu by an earlier run",
		    n > 0 ? ", " : "", old);
	}
	format_when(p, t, rate, final, when, sizeof(when));
	format_rates(p, t, final, rates, sizeof(rates));
	progress_show("%llu read, %llu%s delivered%s%s%s, %llu failed, %.0f/s%s, %s",
	    old + p->read, old + p->delivered, of, *share ? " (" : "", share,
	    *share ? ")" : "", p->failed, rate, rates, when);
}

/* A JSON string, escaped as RFC 8259 says. */
static void
put_string(FILE *fp, const char *s)
{
	struct wbuf w;
	unsigned long bad = 0;

	wbuf_init(&w, -1, NULL, 256);
	json_write_string(&w, s, strlen(s), &bad);
	fwrite(w.buf, 1, w.len, fp);
	wbuf_free(&w);
}

static void
put_time(FILE *fp, const char *name, time_t t)
{
	char buf[32];

	clock_utc(buf, sizeof(buf), t);
	fprintf(fp, ",\"%s\":\"%s\"", name, buf);
}

/*
 * The --stats object, every member here and in a fixed order: the
 * summary's, the wall clock, bytes, partitions and brokers (the core's
 * counts), then --exactly-once's.
 */
static void
stats_json(const struct pub *p, double secs, FILE *fp)
{
	const struct pstats *st = &p->st;
	const struct txn *t = p->txn;
	const struct broker_rtt *b;
	size_t i;

	fputs("{\"topic\":", fp);
	put_string(fp, p->o->ko.topic);
	fprintf(fp, ",\"read\":%llu,\"delivered\":%llu,"
	    "\"failed\":%llu,\"possibly_persisted\":%llu,\"batches\":%llu,"
	    "\"seconds\":%.3f,\"messages_per_second\":%.0f,"
	    "\"megabytes_per_second\":%.2f,\"dead_letter\":", p->read,
	    p->delivered, p->failed, p->maybe, p->batches, secs,
	    secs > 0 ? p->delivered / secs : 0,
	    secs > 0 ? p->bytes / secs / 1e6 : 0);
	if (p->kept > 0)
		put_string(fp, p->o->dead_letter);
	else
		fputs("null", fp);
	put_time(fp, "started_at", (time_t)st->started_at);
	put_time(fp, "ended_at", time(NULL));
	fprintf(fp, ",\"bytes\":%llu,\"partitions\":{", p->bytes);
	for (i = 0; i < st->npart; i++)
		fprintf(fp, "%s\"%zu\":%llu", i ? "," : "", i, st->part[i]);
	fputs("},\"brokers\":[", fp);
	for (i = 0; i < st->nbrokers; i++) {
		b = &st->brokers[i];
		fprintf(fp, "%s{\"id\":%d,\"rtt_p50_us\":%lld,\"rtt_p99_us\":%lld,"
		    "\"rtt_p99_max_us\":%lld,\"int_latency_p50_us\":%lld,"
		    "\"int_latency_p99_us\":%lld}", i ? "," : "", (int)b->id,
		    b->rtt_p50, b->rtt_p99, b->rtt_p99_max, b->lat_p50, b->lat_p99);
	}
	fputc(']', fp);
	if (t != NULL)
		fprintf(fp, ",\"skipped\":%llu,\"committed_lines\":%llu,"
		    "\"transactions\":%llu,\"aborted\":%llu,\"fenced\":%s",
		    t->skipped, t->committed, t->commits, t->aborts,
		    t->fenced ? "true" : "false");
	fputs("}\n", fp);
}

/* -1, said, when the file could not be written: the summary promised is lost. */
static int
write_stats(const struct pub *p, double secs)
{
	FILE *fp;
	int bad_write;

	if ((fp = fopen(p->o->stats, "w")) == NULL) {
		progress_warn("%s", p->o->stats);
		return -1;
	}
	stats_json(p, secs, fp);
	errno = 0;
	bad_write = fflush(fp) == EOF || ferror(fp);
	if (fclose(fp) == EOF || bad_write) {
		if (errno != 0)
			progress_warn("%s", p->o->stats);
		else
			progress_warnx("%s: write error", p->o->stats);
		return -1;
	}
	return 0;
}

/* Prints the summary; returns the exit status. */
int
summarize(struct pub *p)
{
	double secs = clock_now() - p->started;
	unsigned long long missing;
	int dl_error, mode_fail = 0, stats_error = 0;

	dl_error = dl_close(p) == -1;
	missing = p->read - p->delivered - p->failed;
	/* A line of its own, timestamped in a log like the progress. */
	progress_note("%llu read, %llu delivered, %llu failed, "
	    "%llu batch%s, %.2f s, %.0f msg/s, %.1f MB/s", p->read,
	    p->delivered, p->failed, p->batches, p->batches == 1 ? "" : "es",
	    secs, secs > 0 ? p->delivered / secs : 0,
	    secs > 0 ? p->bytes / secs / 1e6 : 0);
	if (!p->o->no_key && !p->o->ko.quiet)
		key_report(&p->keys, p->o->key_fields);
	if (sig_caught)
		progress_warnx("interrupted by a signal: the input was not read to its end");
	if (p->kept > 0)
		progress_warnx("%llu line%s not delivered kept in %s%s", p->kept,
		    p->kept == 1 ? "" : "s", p->o->dead_letter, dl_error ?
		    " (but closing it failed)" : "");
	if (p->maybe > 0)
		progress_warnx("%llu of the failed may be in the topic all the same",
		    p->maybe);
	if (p->lost > 0)
		progress_warnx("%llu line%s not delivered could not be kept", p->lost,
		    p->lost == 1 ? "" : "s");
	if (p->txn != NULL)	/* lines not committed are told there */
		missing = 0;
	mode_fail = p->mode->report(p);
	if (missing > 0)
		progress_warnx("%llu line%s unaccounted for", missing, missing == 1 ? "" : "s");
	if (p->o->stats != NULL)
		stats_error = write_stats(p, secs) == -1;
	if (p->failed > 0 || missing > 0 || p->input_error || dl_error ||
	    stopping(p) || mode_fail || stats_error)
		return EXIT_FAIL;
	return EXIT_OK;
}
