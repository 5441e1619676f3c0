/* csv2jsonl's CSV reader, apart so that the fuzz target can drive it. */
#ifndef CSV2JSONL_H
#define CSV2JSONL_H

#include <stddef.h>

struct field {
	const char *p;		/* into the reader's buffer, quotes removed */
	size_t	 len;
	int	 doubled;	/* holds "" pairs still to be undoubled */
};

/* Where the scan of a quoted field stopped when the input ran out. */
struct csv_hint {
	size_t	 field;		/* its text's offset from the record; 0: none */
	size_t	 pos;		/* scanned up to here */
	unsigned long long nl;	/* line ends in the record up to pos */
	int	 doubled;
};

struct csv {
	int	 fd;
	const char *name;
	char	*buf;
	size_t	 start, end, cap;
	int	 eof;
	unsigned char delim;
	unsigned char stop[256];	/* bytes that end an unquoted field */
	unsigned long long line;	/* physical line of buf[start] */
	unsigned long long rec_line;	/* where the last record began */
	struct field *fields;
	size_t	 nfields, fcap;
	struct csv_hint hint;
	const char *error;		/* set when csv_next returns -1 */
	size_t	 errpos;		/* where, from the record's start; */
					/* SIZE_MAX: at the end of input */
};

void	 csv_open(struct csv *c, int fd, const char *name, unsigned char delim);
void	 csv_close(struct csv *c);
/* 1: a record in c->fields; 0: end of input; -1: error (c->error, or errno). */
int	 csv_next(struct csv *c);
/* After an error with errpos < SIZE_MAX: go on at the next line. 0, or -1 (errno). */
int	 csv_resync(struct csv *c);
/* Undoubles quotes of a field into out (at least f->len bytes); returns length. */
size_t	 csv_undouble(const struct field *f, char *out);

#endif
