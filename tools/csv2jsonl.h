/*
 * csv2jsonl's parts: the CSV reader (apart so that the fuzz target can drive
 * it), and the converter's state that the column code shares.
 *
 * Layers, each calling only those before it, never one after it:
 *   1. csv2jsonl_scan.c   64-byte blocks as bitmasks, for the reader
 *      csv2jsonl_read.c   CSV records (RFC 4180); knows nothing of JSON
 *   2. csv2jsonl_names.c  keys from the header, and where bad UTF-8 began
 *   3. csv2jsonl_types.c  what values look like; column types; held rows
 *   4. csv2jsonl_write.c  records as JSON objects; the held rows written
 *   5. csv2jsonl_schema.c --schema and --json-schema, from what was written
 *   6. csv2jsonl.c        files, bad records, options, main()
 */
#ifndef CSV2JSONL_H
#define CSV2JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct field {
	const char *p;		/* into the reader's buffer, quotes removed */
	size_t	 len;
	int	 doubled;	/* holds "" pairs still to be undoubled */
	size_t	 off;		/* p's offset from the record, while parsing */
};

/*
 * Where the parse of a record stopped when the input ran out, as offsets
 * from the record: after the refill it goes on from there, so that a record
 * is read once however many refills it takes, not once per refill.
 */
struct csv_resume {
	int	 valid;
	size_t	 nfields;	/* fields complete before this one */
	size_t	 field;		/* the field being read (its quote, if quoted) */
	size_t	 pos;		/* scanned up to here */
	unsigned long long nl;	/* line ends in the record up to pos */
	int	 quoted;	/* which kind of field pos is in */
	int	 doubled;
};

/* Bit i: byte i of a 64-byte block is a quote, the delimiter, LF, CR. */
struct csv_masks {
	uint64_t quote, delim, lf, cr;
};
/* Reads 64 bytes at p, whatever the length of the data: slack covers it. */
typedef void (*csv_classify_fn)(const char *p, unsigned char delim,
    struct csv_masks *m);
/* csv2jsonl_scan.c: the best classifier here, or CSV2JSONL_SIMD's. */
csv_classify_fn csv_classifier(void);

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
	struct csv_resume res;
	size_t	 max_field;		/* longest field (bytes as read) */
	csv_classify_fn classify;
	const char *error;		/* set when csv_next returns -1 */
	size_t	 errpos;		/* where, from the record's start; */
					/* SIZE_MAX: at the end of input */
	int	 skip_quoted;		/* errpos is inside a quoted field */
	char	 errbuf[80];
};

void	 csv_open(struct csv *c, int fd, const char *name, unsigned char delim,
	    size_t max_field);
void	 csv_close(struct csv *c);
/* 1: a record in c->fields; 0: end of input; -1: error (c->error, or errno). */
int	 csv_next(struct csv *c);
/*
 * After an error with errpos < SIZE_MAX: on at the next line; 0, -1 (errno),
 * or 1 when the input ended inside the bad field (c->error).
 */
int	 csv_resync(struct csv *c);
/* The buffer holding the fields of the last record, for the caller to free. */
char	*csv_take_buffer(struct csv *c);
/*
 * Undoubles quotes of a field into out (at least f->len bytes); returns
 * length. out may be the field's own text, or before it in the same buffer.
 */
size_t	 csv_undouble(const struct field *f, char *out);

/* The converter (layers 2 to 6) */

enum coltype { T_AUTO, T_NUMBER, T_BOOLEAN, T_STRING };

/*
 * What a number is to a schema: an integer of 64 bits (BIGINT), of up to
 * 38 digits (DECIMAL(38,0)), a longer one, or any other number (DOUBLE).
 */
enum numkind { NUM_NONE, NUM_INT64, NUM_DEC38, NUM_LONGINT, NUM_REAL };

/* What a column's values were written as (struct column's written). */
enum {
	W_INT64 = 1 << NUM_INT64,
	W_DEC38 = 1 << NUM_DEC38,
	W_LONGINT = 1 << NUM_LONGINT,
	W_REAL = 1 << NUM_REAL,
	W_BOOLEAN = 1 << 5,
	W_STRING = 1 << 6,
	W_NULL = 1 << 7
};

struct typespec {
	const char *col;
	enum coltype type;
};

struct opts {
	unsigned char delim;
	int	 strings, no_header, skip_bad, rename;
	long	 infer_rows;
	struct typespec *types;
	size_t	 ntypes;
	const char *stdin_name;	/* standard input's name in messages */
	size_t	 max_field;	/* a longer field is a bad record */
	const char *schema, *json_schema;	/* files to write at the end */
};

struct column {
	char	*name;		/* raw header bytes: may hold NUL or bad UTF-8 */
	size_t	 namelen;
	char	*prefix;	/* ,"name": as JSON, written before each value */
	size_t	 prefixlen;
	enum coltype type;
	int	 maybe_number, maybe_boolean, seen;
	unsigned written;	/* W_* of every value written: for the schemas */
};

/* A record kept while the column types are not yet known. */
struct held {
	unsigned long long line;
	size_t	*off;		/* nfields + 1 offsets into data */
	char	*data;
	char	*mem;		/* what holds data, to free */
};

struct conv {
	const struct opts *o;
	struct csv csv;
	struct wbuf *out;
	struct column *cols;
	size_t	 ncols;
	char	*scratch;
	size_t	 scratchcap;
	struct held *held;
	size_t	 nheld;
	int	 typed;	/* the column types are decided: write, do not hold */
	unsigned long bad_utf8, misfits, skipped;
	int	 unreadable;	/* a read failed: the next file is still read */
	unsigned long long bad_utf8_line;
};

/* csv2jsonl_names.c */
/* The columns from the header record in conv->csv; -1 on duplicate names. */
int	 columns_from_header(struct conv *cv);
/* Whether a column has exactly this name (as read, for --type). */
int	 column_named(const struct conv *cv, const char *name);
/* Remembers line when it holds the first invalid UTF-8 seen. */
void	 note_bad_utf8(struct conv *cv, unsigned long before,
	    unsigned long long line);

/* csv2jsonl_types.c: what a value looks like; 1 for true, 0 for false, -1. */
enum numkind number_kind(const char *s, size_t n);
/* The same, faster, for s with WIDE_SLACK readable bytes after n. */
enum numkind number_kind_wide(const char *s, size_t n);
int	 is_number(const char *s, size_t n);
int	 boolean_value(const char *s, size_t n);
/* Every --type names a column of the header (exit 2 otherwise). */
void	 check_forced_types(const struct conv *cv);
/* Each column's type, from --strings, --type or the values held; sets typed. */
void	 decide_types(struct conv *cv);
/* Keeps the record in conv->csv (quotes undoubled) until the types are known. */
void	 hold_record(struct conv *cv);

/* csv2jsonl_write.c: one record as a JSON object, with the decided types. */
void	 write_record(struct conv *cv, const struct field *f,
	    unsigned long long line);
/* Decides the types, then writes and frees the records held. */
void	 release_held(struct conv *cv);

/* csv2jsonl_schema.c: the columns as Spark SQL DDL and as JSON Schema. */
struct schema {
	struct wbuf ddl, json;
};
/* Both texts, from the columns and what was written in them. */
void	 schema_build(const struct conv *cv, struct schema *sc);
/* Each file asked for, replaced whole (temporary file, rename); 0 or -1. */
int	 schema_save(const struct opts *o, struct schema *sc);

#endif
