/*
 * kpublish: publishes each input line as one Kafka message, in batches with
 * a pause between them, keyed from the line's JSON; every line ends either
 * delivered or in the dead-letter file, and a summary says which. main
 * picks the mode, plain or exactly-once, and runs the layers of
 * kpublish.h in order.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "kafka.h"
#include "kpublish.h"

int
main(int argc, char **argv)
{
	struct opts o;
	struct pub p;
	rd_kafka_conf_t *conf;
	int status;

	stdfd_open();
	fshut_stdout_at_exit();
	conf = parse_options(&o, &argc, &argv);
	memset(&p, 0, sizeof(p));
	p.o = &o;
	p.mode = o.eos_id != NULL ? &eos_mode : &plain_mode;
	p.show = show_progress;
	p.progress = o.ko.quiet ? 0 : progress_mode(!o.no_progress,
	    o.progress_interval);
	hdr_init(&p.hdrs, &o);
	key_init(&p.keys, o.key_fields, &p.hdrs);
	sig_install();
	pub_start(&p, conf);
	/* A mode that cannot start has read nothing and published nothing. */
	if ((status = p.mode->start(&p)) == 0) {
		dl_open(&p);
		p.started = p.rate_at = clock_now();
		pub_each_input(&p, argc, argv);
		p.mode->finish(&p);
		show_progress(&p, 1);
		progress_done();
		status = summarize(&p);
	}
	p.mode->free(&p);
	pub_free(&p);
	free(o.dead_letter);
	free(o.topic_config);
	free(o.volatile_fields);
	free(o.headers);
	free(o.header_fields);
	if (o.ckpt_conf != NULL)
		rd_kafka_conf_destroy(o.ckpt_conf);
	return status;
}
