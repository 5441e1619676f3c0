/*
 * An output buffer written with write(2) in large blocks: the tools' hot
 * loops append to it without a call per byte. A failed write is fatal.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
wbuf_init(struct wbuf *w, int fd, const char *name, size_t cap)
{
	if (fd >= 0)
		pipe_grow(fd);
	w->buf = xmalloc(cap);
	w->len = 0;
	w->cap = cap;
	w->fd = fd;
	w->name = name;
}

void
wbuf_flush(struct wbuf *w)
{
	write_full(w->fd, w->name, w->buf, w->len);
	w->len = 0;
}

/*
 * Makes room for need more bytes: flush first, grow only for huge items.
 * A buffer with no file descriptor (-1) is a string in memory: it grows.
 */
void
wbuf_grow(struct wbuf *w, size_t need)
{
	if (w->fd != -1)
		wbuf_flush(w);
	if (w->cap - w->len < need) {
		w->cap = w->len + need > 2 * w->cap ? w->len + need : 2 * w->cap;
		w->buf = xrealloc(w->buf, w->cap);
	}
}

void
wbuf_free(struct wbuf *w)
{
	free(w->buf);
	w->buf = NULL;
}

void
wbuf_puts(struct wbuf *w, const char *s)
{
	wbuf_put(w, s, strlen(s));
}

void
wbuf_putu(struct wbuf *w, unsigned long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	wbuf_put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}
