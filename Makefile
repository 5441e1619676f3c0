# kafka-tools: kfetch | kunzip | csv2jsonl | jsonl-enrich | kpublish
include config.mk

# One program per tools/NAME.c; tools/NAME_part.c files belong to NAME.
TOOLS = $(basename $(notdir $(filter-out $(wildcard tools/*_*.c),$(wildcard tools/*.c))))
BINS  = $(TOOLS:%=bin/%)
LIBSRC = $(wildcard lib/*.c)
# SANITIZE=1 builds into its own folder so that objects never mix.
OBJDIR = build$(if $(filter 1,$(SANITIZE)),-san)
LIBOBJ = $(LIBSRC:lib/%.c=$(OBJDIR)/lib/%.o)
MANS  = $(wildcard man/*.1 man/*.7)

# Extra flags and libraries per tool.
csv2jsonl_LIBS =
jsonl-enrich_LIBS =
kunzip_CFLAGS = $(ARCHIVE_CFLAGS)
kunzip_LIBS = $(ARCHIVE_LIBS)
# libcrypto (Debian: libssl-dev) for kfetch's MD5 and base64.
kfetch_CFLAGS = $(CURL_CFLAGS) $(shell $(PKG_CONFIG) --cflags libcrypto 2>/dev/null)
kfetch_LIBS = $(CURL_LIBS) $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto) -lm
kpublish_CFLAGS = $(RDKAFKA_CFLAGS)
kpublish_LIBS = $(RDKAFKA_LIBS)
kconsume_CFLAGS = $(RDKAFKA_CFLAGS)
kconsume_LIBS = $(RDKAFKA_LIBS)

all: deps-build $(BINS)

# The deps stamp makes 'make' install what is missing once, quietly.
deps-build:
	@scripts/install-deps build

$(OBJDIR)/lib/%.o: lib/%.c lib/util.h lib/kafka.h | $(OBJDIR)/lib
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OBJDIR)/libutil.a: $(LIBOBJ)
	rm -f $@ && ar rcs $@ $(LIBOBJ)

$(OBJDIR)/lib:
	mkdir -p $@ bin

.SECONDEXPANSION:
bin/%: tools/%.c $$(wildcard tools/$$*_*.c) $(OBJDIR)/libutil.a lib/util.h
	@mkdir -p bin
	$(CC) $(CPPFLAGS) $(CFLAGS) $($*_CFLAGS) -o $@ tools/$*.c \
	    $(wildcard tools/$*_*.c) $(OBJDIR)/libutil.a $(LDFLAGS) $($*_LIBS)

# SANITIZE changes the flags: rebuild the programs whenever it changes.
bin/.flags: FORCE
	@mkdir -p bin; echo "$(SANITIZE)" | cmp -s - $@ || echo "$(SANITIZE)" > $@
$(BINS): bin/.flags

test: all
	@scripts/install-deps test
	tests/run

test-spark: all
	@scripts/install-deps test spark
	tests/run tests/kafka-spark

load: all
	@scripts/install-deps test
	TESTS_VERBOSE=1 tests/run tests/load

bench: all
	@scripts/install-deps bench
	scripts/bench

demo: all
	@scripts/install-deps demo
	scripts/demo

run: all
	@scripts/install-deps demo
	scripts/run

fuzz: all
	@scripts/install-deps fuzz
	tests/fuzz/run

lint:
	mandoc -Tlint -W warning $(MANS)
	@if command -v cppcheck >/dev/null; then \
	    cppcheck -q --error-exitcode=1 -Ilib lib tools; fi

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 \
	    $(DESTDIR)$(MANPREFIX)/man7
	cp -f $(BINS) $(DESTDIR)$(PREFIX)/bin/
	for m in man/*.1; do cp -f $$m $(DESTDIR)$(MANPREFIX)/man1/; done
	for m in man/*.7; do [ -e $$m ] && cp -f $$m $(DESTDIR)$(MANPREFIX)/man7/ || :; done

clean:
	rm -rf bin build build-san

.PHONY: all deps-build test test-spark load bench demo run fuzz lint install clean FORCE
