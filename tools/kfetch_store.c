/*
 * kfetch's credentials (Kaggle's own order of precedence), its output file
 * (put in place only when complete) and its cache of completed downloads,
 * revalidated with the server's validators.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kfetch.h"

static char *
join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = xmalloc(n);

	snprintf(s, n, "%s/%s", a, b);
	return s;
}

struct json_pick {
	char	*user, *key;
};

static void
pick_member(void *ctx, const struct json_member *m)
{
	struct json_pick *p = ctx;

	if (m->keylen == 8 && memcmp(m->key, "username", 8) == 0) {
		free(p->user);
		p->user = json_member_string(m);
	} else if (m->keylen == 3 && memcmp(m->key, "key", 3) == 0) {
		free(p->key);
		p->key = json_member_string(m);
	}
}

/* kaggle.json: {"username": ..., "key": ...}. The key is never printed. */
static int
read_kaggle_json(struct creds *c, const char *path)
{
	struct json_pick p = { NULL, NULL };
	struct stat st;
	char *text;
	size_t end, pos;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		/* Only a missing file means "no credentials here". */
		if (errno == ENOENT)
			return 0;
		err(EXIT_FAIL, "%s", path);
	}
	if (fstat(fd, &st) == -1 || st.st_size > 65536)
		errx(EXIT_FAIL, "%s: not a kaggle.json file", path);
	if (st.st_mode & 077)
		warnx("warning: %s is readable by other users; chmod 600 %s",
		    path, path);
	text = xmalloc((size_t)st.st_size + 1);
	n = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (n < 0 || json_check_object(text, (size_t)n, pick_member, &p, &end,
	    &pos) != NULL || p.user == NULL || p.key == NULL)
		errx(EXIT_FAIL, "%s: expected {\"username\": ..., \"key\": ...}",
		    path);
	free(text);
	c->kind = CREDS_BASIC;
	c->user = p.user;
	c->secret = p.key;
	c->source = xstrdup(path);
	return 1;
}

void
creds_find(struct creds *c)
{
	const char *token = getenv("KAGGLE_API_TOKEN");
	const char *user = getenv("KAGGLE_USERNAME"), *key = getenv("KAGGLE_KEY");
	const char *base[2] = { getenv("KAGGLE_CONFIG_DIR"), getenv("HOME") };
	const char *const file[2] = { "kaggle.json", ".kaggle/kaggle.json" };
	char *path;
	int i, found;

	memset(c, 0, sizeof(*c));
	if (token != NULL && *token != '\0') {
		c->kind = CREDS_BEARER;
		c->secret = xstrdup(token);
		c->source = xstrdup("KAGGLE_API_TOKEN");
		return;
	}
	if (user != NULL && *user != '\0' && key != NULL && *key != '\0') {
		c->kind = CREDS_BASIC;
		c->user = xstrdup(user);
		c->secret = xstrdup(key);
		c->source = xstrdup("KAGGLE_USERNAME and KAGGLE_KEY");
		return;
	}
	/* $KAGGLE_CONFIG_DIR/kaggle.json, then ~/.kaggle/kaggle.json. */
	for (i = 0; i < 2; i++) {
		if (base[i] == NULL || *base[i] == '\0')
			continue;
		path = join(base[i], file[i]);
		found = read_kaggle_json(c, path);
		free(path);
		if (found)
			return;
	}
	c->source = xstrdup("no credentials (anonymous)");
}

void
creds_free(struct creds *c)
{
	if (c->secret != NULL)
		memset(c->secret, 0, strlen(c->secret));
	free(c->user);
	free(c->secret);
	free(c->source);
}

void
output_open(struct fetch *f)
{
	mode_t mask;
	size_t n;

	f->out_fd = STDOUT_FILENO;
	if (f->o->out == NULL) {
		pipe_grow(STDOUT_FILENO);
		return;
	}
	/* A name of its own: two runs with one -o must not share a file. */
	n = strlen(f->o->out) + 13;
	f->part = xmalloc(n);
	snprintf(f->part, n, "%s.XXXXXX.part", f->o->out);
	if ((f->out_fd = mkstemps(f->part, 5)) == -1)
		err(EXIT_FAIL, "%s", f->part);
	/* mkstemps makes it 0600; the final file gets what open(2) gives. */
	mask = umask(0);
	umask(mask);
	if (fchmod(f->out_fd, 0666 & ~mask) == -1)
		warn("%s", f->part);
}

/* Puts the file under its final name only when it is complete and checked. */
int
output_close(struct fetch *f, int ok)
{
	if (f->o->out == NULL)
		return ok;
	if (close(f->out_fd) == -1) {
		warn("%s", f->part);
		ok = 0;
	}
	if (ok && rename(f->part, f->o->out) == -1) {
		warn("%s", f->o->out);
		ok = 0;
	}
	if (!ok)
		unlink(f->part);
	return ok;
}

static void
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			err(EXIT_FAIL, "%s", path);
		*p = '/';
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		err(EXIT_FAIL, "%s", path);
}

/*
 * A copy whose size is not the one recorded (cut short by a full disk,
 * or by hand) is not served: it is downloaded again.
 */
static void
check_size(struct cache *c, int has_size, int quiet)
{
	struct stat st;

	if (stat(c->data, &st) == -1)
		return;
	if (has_size && (uint64_t)st.st_size == c->size) {
		c->valid = 1;
		return;
	}
	if (!quiet)
		warnx("warning: %s has %llu bytes, not the %llu its metadata "
		    "says: downloading again", c->data,
		    (unsigned long long)st.st_size, (unsigned long long)c->size);
}

static void
read_meta(struct cache *c, int quiet)
{
	FILE *fp = fopen(c->meta, "r");
	char line[512], *end;
	size_t n;
	int has_size = 0;

	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		if (strncmp(line, "etag=", 5) == 0)
			snprintf(c->etag, sizeof(c->etag), "%.255s", line + 5);
		else if (strncmp(line, "last-modified=", 14) == 0)
			snprintf(c->last_modified, sizeof(c->last_modified), "%.127s",
			    line + 14);
		else if (strncmp(line, "size=", 5) == 0 && line[5] >= '0' &&
		    line[5] <= '9') {
			c->size = strtoull(line + 5, &end, 10);
			has_size = *end == '\0';
		}
	}
	fclose(fp);
	check_size(c, has_size, quiet);
}

/*
 * $XDG_CACHE_HOME/kfetch/OWNER/SLUG/VERSION/, for Kaggle datasets only;
 * a --file under files/NAME/ there, NAME percent-encoded: one folder, never
 * a path, and no cache when that is too long a name for the file system.
 */
void
cache_open(struct cache *c, const struct opts *o)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *base, *sub, *file, ver[32];
	size_t n;

	memset(c, 0, sizeof(*c));
	if (o->no_cache || o->is_url)
		return;
	if (xdg != NULL && *xdg == '/')
		base = join(xdg, "kfetch");
	else if (home != NULL && *home != '\0')
		base = join(home, ".cache/kfetch");
	else
		return;
	if (o->version > 0)
		snprintf(ver, sizeof(ver), "v%ld", o->version);
	else
		snprintf(ver, sizeof(ver), "latest");
	file = url_escape(o->file != NULL ? o->file : "");
	if (strlen(file) > 255) {
		free(file);
		free(base);
		return;
	}
	n = strlen(o->dataset) + strlen(ver) + strlen(file) + 10;
	sub = xmalloc(n);
	snprintf(sub, n, "%s/%s%s%s", o->dataset, ver,
	    o->file != NULL ? "/files/" : "", file);
	free(file);
	c->dir = join(base, sub);
	free(base);
	free(sub);
	c->data = join(c->dir, "data");
	c->meta = join(c->dir, "meta");
	c->tmp = join(c->dir, "data.XXXXXX");
	read_meta(c, o->quiet);
}

void
cache_free(struct cache *c)
{
	free(c->dir);
	free(c->data);
	free(c->meta);
	free(c->tmp);
}

/*
 * Returns a descriptor for the copy being made, or -1 when not caching.
 * Each run has a file of its own: two fetches of a dataset at once must
 * not write into one file; the first to finish renames its copy into
 * place, the second replaces it with its own, complete as well.
 */
int
cache_begin(struct cache *c)
{
	int fd;

	if (c->dir == NULL)
		return -1;
	mkdirs(c->dir);
	if ((fd = mkstemp(c->tmp)) == -1)
		warn("%s (not caching)", c->tmp);
	return fd;
}

/* The metadata, written aside and renamed, so never seen half-written. */
static void
write_meta(struct fetch *f)
{
	struct cache *c = &f->cache;
	size_t n = strlen(c->meta) + 8;
	char *tmp = xmalloc(n);
	FILE *fp = NULL;
	int fd;

	snprintf(tmp, n, "%s.XXXXXX", c->meta);
	if ((fd = mkstemp(tmp)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		warn("%s", tmp);
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return;
	}
	fprintf(fp, "etag=%s\nlast-modified=%s\nsize=%llu\n", f->r.etag,
	    f->r.last_modified, (unsigned long long)f->written);
	if (fclose(fp) == EOF || rename(tmp, c->meta) == -1) {
		warn("%s", c->meta);
		unlink(tmp);
	}
	free(tmp);
}

void
cache_commit(struct fetch *f)
{
	struct cache *c = &f->cache;

	if (f->cache_fd == -1)
		return;
	if (close(f->cache_fd) == -1 || rename(c->tmp, c->data) == -1) {
		warn("%s (not cached)", c->data);
		unlink(c->tmp);
		f->cache_fd = -1;
		return;
	}
	f->cache_fd = -1;
	write_meta(f);
}

void
cache_abort(struct fetch *f)
{
	if (f->cache_fd == -1)
		return;
	close(f->cache_fd);
	unlink(f->cache.tmp);
	f->cache_fd = -1;
}

/* A cache that cannot be written is given up; the download goes on. */
void
cache_drop(struct fetch *f, int errnum)
{
	warnx("%s: %s (not caching)", f->cache.tmp, strerror(errnum));
	cache_abort(f);
}

/* Copies the cached file to the output; -1: failed (out_errno: the output). */
int
cache_serve(struct fetch *f)
{
	char buf[65536];
	ssize_t n;
	int fd;

	if ((fd = open(f->cache.data, O_RDONLY)) == -1) {
		warn("%s", f->cache.data);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write_all(f->out_fd, buf, (size_t)n) == -1) {
			f->out_errno = errno;
			close(fd);
			return -1;
		}
		f->written += (uint64_t)n;
	}
	close(fd);
	if (n == -1) {
		warn("%s", f->cache.data);
		return -1;
	}
	if (f->written != f->cache.size) {
		warnx("%s: %llu bytes, not %llu: it changed while it was read",
		    f->cache.data, (unsigned long long)f->written,
		    (unsigned long long)f->cache.size);
		return -1;
	}
	return 0;
}
