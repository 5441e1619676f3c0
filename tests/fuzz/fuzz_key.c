/* libFuzzer target: kpublish's key extraction (and so the JSON validator). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kpublish.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keys k;
	static struct hdrs no_headers;	/* no --header-field: keys alone */
	static int ready;
	const char *key;
	size_t keylen;
	char *copy;

	if (!ready) {
		key_init(&k, "track_id,record_id,a", &no_headers);
		ready = 1;
	}
	copy = malloc(size ? size : 1);	/* no terminator: reads past end are caught */
	memcpy(copy, data, size);
	if (key_find(&k, copy, size, &key, &keylen) == NULL && key != NULL) {
		/* The key must lie in the line or in the decoding buffer. */
		volatile char c = keylen ? key[keylen - 1] : 0;
		(void)c;
	}
	free(copy);
	return 0;
}
