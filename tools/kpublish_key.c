/*
 * kpublish's message keys: the value of the first listed field present and
 * not null in the line's JSON object, read while the line is checked.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "kpublish.h"

void
key_init(struct keys *k, const char *fields, struct hdrs *h)
{
	char *list = xstrdup(fields), *f, *save = NULL;

	memset(k, 0, sizeof(*k));
	k->hdrs = h;
	for (f = strtok_r(list, ",", &save); f != NULL;
	    f = strtok_r(NULL, ",", &save)) {
		k->names = xrealloc(k->names, (k->n + 1) * sizeof(*k->names));
		k->lens = xrealloc(k->lens, (k->n + 1) * sizeof(*k->lens));
		k->names[k->n] = xstrdup(f);
		k->lens[k->n] = strlen(f);
		if (k->lens[k->n] > k->maxlen)
			k->maxlen = k->lens[k->n];
		k->n++;
	}
	free(list);
	if (h->maxlen > k->maxlen)	/* names are decoded once for both */
		k->maxlen = h->maxlen;
	k->cap = k->maxlen + 8;
	k->buf = xmalloc(k->cap);
	k->namebuf = xmalloc(k->maxlen + 8);
}

void
key_free(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->names[i]);
	free(k->names);
	free(k->lens);
	free(k->buf);
	free(k->namebuf);
}

static void
on_member(void *ctx, const struct json_member *m)
{
	struct keys *k = ctx;
	const char *name;
	long len;
	size_t i;

	if (m->vallen == 4 && memcmp(m->val, "null", 4) == 0)
		return;
	len = json_member_key(m, k->namebuf, k->maxlen + 8, &name);
	if (len < 0)
		return;
	if (k->hdrs->n > 0)
		hdr_member(k->hdrs, name, (size_t)len, m);
	for (i = 0; i < k->best; i++) {
		if ((size_t)len == k->lens[i] &&
		    memcmp(name, k->names[i], k->lens[i]) == 0) {
			k->best = i;
			k->val = m->val;
			k->vallen = m->vallen;
			return;
		}
	}
}

const char *
key_find(struct keys *k, const char *line, size_t len, const char **key,
    size_t *keylen)
{
	const char *why;
	size_t close, pos;
	long n;

	k->best = k->n;
	k->val = NULL;
	if ((why = json_check_object(line, len, on_member, k, &close, &pos)) != NULL)
		return why;
	*key = NULL;
	*keylen = 0;
	k->lines++;
	if (k->val == NULL)
		return NULL;
	k->keyed++;
	if (k->val[0] != '"') {		/* a number (or other value) as its text */
		*key = k->val;
		*keylen = k->vallen;
		return NULL;
	}
	if (k->cap < k->vallen + 8) {
		k->cap = k->vallen + 8;
		k->buf = xrealloc(k->buf, k->cap);
	}
	n = json_unescape(k->val + 1, k->vallen - 2, k->buf, k->cap);
	*key = k->buf;
	*keylen = (size_t)n;
	return NULL;
}

/*
 * A field list that matched nothing is most likely a misspelt --key, or
 * data of another shape: each message went out without a key, so lines of
 * one record are not kept in order on one partition. Said once, at the
 * end; a list whose later field matched (the default's record_id) is
 * working as meant.
 */
void
key_report(const struct keys *k, const char *fields)
{
	if (k->lines == 0 || k->keyed > 0)
		return;
	progress_warnx("warning: no line had %s %s: messages were sent "
	    "without keys", k->n == 1 ? "the key field" :
	    "any of the key fields", fields);
}
