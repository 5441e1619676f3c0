/* The project's one shared library: what every tool needs. */
#ifndef UTIL_H
#define UTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#define VERSION "0.3.0"

/* Exit statuses, the same in every program (see each man page). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_TEMP = 3
};

/* err.c: messages as "prog: ..." on stderr, built on err(3). */
_Noreturn void usage_error(const char *usage, const char *fmt, ...);
_Noreturn void usage_help(const char *usage, const char *text);

/* stdfd.c: descriptors 0, 1 and 2 opened on /dev/null when closed. */
void	 stdfd_open(void);

/* fshut.c: standard output flushed, checked and closed (exit 1 on failure). */
int	 fshut(FILE *fp, const char *name);
void	 fshut_stdout_at_exit(void);

/* xalloc.c: allocation that exits on failure. */
void	*xmalloc(size_t n);
void	*xrealloc(void *p, size_t n);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);

/* num.c: bounded number parsing for option values; exit 2 when out of range. */
long long num_parse(const char *opt, const char *s, long long min, long long max);
double	 num_parse_seconds(const char *opt, const char *s, double max);
double	 num_parse_duration(const char *opt, const char *s, double min,
	    double max);
uint64_t num_parse_size(const char *opt, const char *s);

/* sig.c: SIGINT/SIGTERM set a flag; the loops look at it. */
extern volatile sig_atomic_t sig_caught;
void	 sig_install(void);

/* progress.c: one self-overwriting line on stderr, only when useful. */
int	 progress_wanted(int forced);
void	 progress_show(const char *fmt, ...);
void	 progress_done(void);
double	 progress_mode(int live, double interval);
void	 progress_note(const char *fmt, ...);
void	 progress_clear(void);
void	 progress_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 progress_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* version.c */
void	 version_print(const char *prog, const char *libs);

/* pipe.c: a pipe on fd grown to PIPE_SIZE where the kernel allows. */
#define PIPE_SIZE (1024 * 1024)
void	 pipe_grow(int fd);

/* write.c: all of buf written to fd, or exit 1 naming name. */
int	 write_all(int fd, const void *buf, size_t n);
void	 write_full(int fd, const char *name, const void *buf, size_t n);

/* clock.c: monotonic seconds; a sleep that a signal cuts short; UTC text. */
double	 clock_now(void);
void	 clock_sleep(double seconds);
void	 clock_utc(char *buf, size_t n, time_t t);

/* input.c: file operands (none or "-": standard input). */
const char *input_name(const char *path);
int	 input_open(const char *path);
void	 input_close(int fd);
/* Keeps buf[start..end), reads more after it; the bytes read, 0 or -1. */
ssize_t	 input_fill(int fd, char **buf, size_t *start, size_t *end,
	    size_t *cap);

/* wbuf.c: a large output buffer on a file descriptor. */
struct wbuf {
	char	*buf;
	size_t	 len, cap;
	int	 fd;
	const char *name;
};
void	 wbuf_init(struct wbuf *w, int fd, const char *name, size_t cap);
void	 wbuf_flush(struct wbuf *w);
void	 wbuf_free(struct wbuf *w);
void	 wbuf_grow(struct wbuf *w, size_t need);
static inline char *
wbuf_reserve(struct wbuf *w, size_t n)
{
	if (w->cap - w->len < n)
		wbuf_grow(w, n);
	return w->buf + w->len;
}
static inline void
wbuf_put(struct wbuf *w, const void *p, size_t n)
{
	memcpy(wbuf_reserve(w, n), p, n);
	w->len += n;
}
static inline void
wbuf_putc(struct wbuf *w, char c)
{
	*wbuf_reserve(w, 1) = c;
	w->len++;
}
void	 wbuf_puts(struct wbuf *w, const char *s);

/*
 * Wide copies for hot loops: a short value costs a move or two rather than
 * a call to memcpy. The source and the destination both need WIDE_SLACK
 * bytes to spare after n, as buffers made for it have (reading and writing
 * past n there is harmless: nothing counts those bytes).
 */
#define WIDE_SLACK 64
static inline void
wide_copy(char *d, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 16)
		memcpy(d + i, s + i, 16);
}
void	 wbuf_putu(struct wbuf *w, unsigned long long v);

/* lines.c: read lines of any length from a file descriptor. */
struct lines {
	char	*buf;
	size_t	 start, end, cap;
	int	 fd, eof;
	const char *name;
	unsigned long long lineno;
};
int	 lines_open(struct lines *l, const char *path);
void	 lines_close(struct lines *l);
/* Returns 1 with *line (without its LF) and *len, 0 at end, -1 on error. */
int	 lines_next(struct lines *l, char **line, size_t *len);

/* json.c: JSON strings, and a strict validator without recursion. */
void	 json_write_string(struct wbuf *w, const char *s, size_t n,
	    unsigned long *bad_utf8);
/*
 * The same string written straight to d, which has room for 6 * n + 2 +
 * WIDE_SLACK bytes; s has WIDE_SLACK readable bytes after n. Returns the
 * bytes written: no call per field, and plain ASCII sixteen bytes a step.
 */
size_t	 json_put_string_wide(char *d, const char *s, size_t n,
	    unsigned long *bad_utf8);

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when invalid. */
static inline size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xC2 || c > 0xF4)
		return 0;
	if (c < 0xE0)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
			return 0;
		return 3;
	}
	if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
	    (s[3] & 0xC0) != 0x80 || (c == 0xF0 && s[1] < 0x90) ||
	    (c == 0xF4 && s[1] >= 0x90))
		return 0;
	return 4;
}

#define JSON_MAX_DEPTH 1000
struct json_member {
	const char *key;	/* raw, between the quotes, escapes as written */
	size_t	 keylen;
	const char *val;	/* the value's text */
	size_t	 vallen;
	int	 key_escaped;
};
typedef void (*json_member_cb)(void *ctx, const struct json_member *m);
/*
 * Checks that p[0..n) is exactly one JSON object (white space around it
 * allowed). Calls cb for each top-level member. Returns NULL when valid
 * and sets *close to the offset of the closing brace; otherwise returns
 * what is wrong and sets *errpos to the offset where it was seen.
 */
const char *json_check_object(const char *p, size_t n, json_member_cb cb,
	    void *ctx, size_t *close, size_t *errpos);
/* Decodes a raw key (escapes as written) into buf; returns its length or -1. */
long	 json_unescape(const char *s, size_t n, char *buf, size_t cap);
/*
 * A member's key as text: *key is the raw key, or buf with its escapes
 * decoded. Returns its length, or -1 when the decoded key may not fit in
 * cap bytes: it is then longer than cap - 4, so a buf of the longest name
 * looked for + 4 bytes or more never misses a match.
 */
long	 json_member_key(const struct json_member *m, char *buf, size_t cap,
	    const char **key);
char	*json_member_string(const struct json_member *m);

#endif
