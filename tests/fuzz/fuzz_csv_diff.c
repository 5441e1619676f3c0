/*
 * Differential fuzz target: csv2jsonl's reader against the reference, the
 * byte parser it had before (csv_ref_read.c, built with its functions named
 * ref_*), on the same bytes, read in chunks of a size the input chooses so
 * that every buffer boundary comes up, under each classifier. Every record,
 * error, error position and line number must agree, and so must the fast
 * number typing and string writing with the plain ones, field by field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"
#include "csv2jsonl.h"

void	 ref_csv_open(struct csv *, int, const char *, unsigned char, size_t);
void	 ref_csv_close(struct csv *);
int	 ref_csv_next(struct csv *);
int	 ref_csv_resync(struct csv *);

/* The chunk size of each read: both readers get the same cuts. */
static size_t chunk;

ssize_t
fuzz_input_fill(int fd, char **buf, size_t *start, size_t *end, size_t *cap)
{
	ssize_t n;
	size_t room;

	if (*start > 0) {
		memmove(*buf, *buf + *start, *end - *start);
		*end -= *start;
		*start = 0;
	}
	if (*end == *cap) {
		*cap *= 2;
		*buf = xrealloc(*buf, *cap);
	}
	room = *cap - *end;
	n = read(fd, *buf + *end, chunk < room ? chunk : room);
	if (n > 0)
		*end += (size_t)n;
	return n;
}

static int
input_fd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("csv", 0);

	if (fd == -1 || write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* The writing side: the fast forms must equal the plain ones. */
static void
check_field(const char *s, size_t n)
{
	char *copy = malloc(n + WIDE_SLACK), *out;
	struct wbuf w;
	unsigned long b1 = 0, b2 = 0;
	size_t len;

	memcpy(copy, s, n);
	memset(copy + n, 'x', WIDE_SLACK);
	if (number_kind(s, n) != number_kind_wide(copy, n))
		abort();
	wbuf_init(&w, -1, NULL, 64);
	json_write_string(&w, s, n, &b1);
	out = malloc(6 * n + 2 + WIDE_SLACK);
	len = json_put_string_wide(out, copy, n, &b2);
	if (len != w.len || memcmp(out, w.buf, len) != 0 || b1 != b2)
		abort();
	wbuf_free(&w);
	free(out);
	free(copy);
}

static void
same_record(const struct csv *a, const struct csv *b)
{
	size_t i, la, lb;
	char *ua, *ub;

	if (a->nfields != b->nfields || a->rec_line != b->rec_line ||
	    a->line != b->line)
		abort();
	for (i = 0; i < a->nfields; i++) {
		if (a->fields[i].len != b->fields[i].len ||
		    a->fields[i].doubled != b->fields[i].doubled)
			abort();
		ua = malloc(a->fields[i].len + 1);
		ub = malloc(b->fields[i].len + 1);
		la = csv_undouble(&a->fields[i], ua);
		lb = csv_undouble(&b->fields[i], ub);
		if (la != lb || memcmp(ua, ub, la) != 0)
			abort();
		check_field(ua, la);
		free(ua);
		free(ub);
	}
}

static void
run(const uint8_t *data, size_t size, size_t max_field, const char *path)
{
	struct csv a, b;
	int ra, rb, n;

	setenv("CSV2JSONL_SIMD", path, 1);
	ref_csv_open(&a, input_fd(data, size), "ref", ',', max_field);
	csv_open(&b, input_fd(data, size), "new", ',', max_field);
	for (n = 0; n < 100000; n++) {
		ra = ref_csv_next(&a);
		rb = csv_next(&b);
		if (ra != rb)
			abort();
		if (ra == 0)
			break;
		if (ra == 1) {
			same_record(&a, &b);
			continue;
		}
		if ((a.error == NULL) != (b.error == NULL) ||
		    (a.error != NULL && strcmp(a.error, b.error) != 0) ||
		    a.errpos != b.errpos || a.skip_quoted != b.skip_quoted ||
		    a.line != b.line)
			abort();
		if (a.errpos == SIZE_MAX)
			break;
		ra = ref_csv_resync(&a);
		rb = csv_resync(&b);
		if (ra != rb || a.line != b.line)
			abort();
		if (ra != 0)
			break;
	}
	close(a.fd);
	close(b.fd);
	ref_csv_close(&a);
	csv_close(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "scalar", "sse2", "avx2" };
	size_t max_field, i;

	if (size < 2)
		return 0;
	/* Byte 0: the read size (0: whole blocks); byte 1: --max-field. */
	chunk = data[0] == 0 ? SIZE_MAX : data[0];
	max_field = data[1] < 64 ? data[1] : SIZE_MAX;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
#if defined(__x86_64__)
		if (i == 2 && !__builtin_cpu_supports("avx2"))
			continue;
#else
		if (i > 0)
			continue;
#endif
		run(data + 2, size - 2, max_field, paths[i]);
	}
	return 0;
}
