# kafka-tools: kfetch | kunzip | csv2jsonl | jsonl-enrich | kpublish
include config.mk

# What the build needs, whatever the user's CPPFLAGS, CFLAGS and LDFLAGS
# (added after these, so that a distribution's -O or -g wins).
KT_CPPFLAGS = -D_DEFAULT_SOURCE -D_GNU_SOURCE -Ilib
KT_CFLAGS = -std=c11 -Wall -Wextra -pedantic
KT_LDFLAGS =
# make SANITIZE=1: the same programs under AddressSanitizer and UBSan (after
# the user's CFLAGS: -O1 keeps the reports readable).
ifeq ($(SANITIZE),1)
SAN_CFLAGS = -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
KT_LDFLAGS += -fsanitize=address,undefined
endif
# -Werror is for developers (make DEVELOPER=1, make test, CI), not for a
# user's or a distribution's build, whose newer compiler may warn anew.
# $(OBJDIR)/.strict exists while every object was built with -Werror: a
# build without it removes the stamp, so that the next DEVELOPER=1 build
# compiles everything again rather than keep objects that warned.
ifeq ($(DEVELOPER),1)
KT_CFLAGS += -Werror
STRICT = $(OBJDIR)/.strict
UNSTRICT = :
else
STRICT =
UNSTRICT = rm -f $(OBJDIR)/.strict
endif
ALL_CPPFLAGS = $(KT_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = $(KT_CFLAGS) $(CFLAGS) $(SAN_CFLAGS)
ALL_LDFLAGS = $(KT_LDFLAGS) $(LDFLAGS)

# One program per tools/NAME.c; tools/NAME_part.c files belong to NAME.
TOOLS = $(basename $(notdir $(filter-out $(wildcard tools/*_*.c),$(wildcard tools/*.c))))
BINS  = $(TOOLS:%=bin/%)
# SANITIZE=1 builds into its own folder so that objects never mix.
OBJDIR = build$(if $(filter 1,$(SANITIZE)),-san)
# lib/ makes two archives: libkafka.a (librdkafka's set-up, the options the
# Kafka tools share, key=value files) for kpublish and kconsume alone, and
# libutil.a, built without librdkafka's headers, for every tool.
KAFKASRC = $(wildcard lib/kafka*.c) lib/conf.c
UTILSRC = $(filter-out $(KAFKASRC),$(wildcard lib/*.c))
KAFKAOBJ = $(KAFKASRC:lib/%.c=$(OBJDIR)/lib/%.o)
UTILOBJ = $(UTILSRC:lib/%.c=$(OBJDIR)/lib/%.o)
LIBOBJ = $(UTILOBJ) $(KAFKAOBJ)
MANS  = $(wildcard man/*.1 man/*.7)

# Extra flags and libraries per tool.
csv2jsonl_LIBS =
jsonl-enrich_LIBS =
kunzip_CFLAGS = $(ARCHIVE_CFLAGS)
kunzip_LIBS = $(ARCHIVE_LIBS)
# libcrypto (Debian: libssl-dev) for kfetch's MD5 and base64.
kfetch_CFLAGS = $(CURL_CFLAGS) $(CRYPTO_CFLAGS)
kfetch_LIBS = $(CURL_LIBS) $(CRYPTO_LIBS) -lm
# NAME_A: archives of ours beyond libutil.a; NAME_H: the headers they need.
kpublish_CFLAGS = $(RDKAFKA_CFLAGS)
kpublish_LIBS = $(RDKAFKA_LIBS)
kpublish_A = $(OBJDIR)/libkafka.a
kpublish_H = lib/kafka.h
kconsume_CFLAGS = $(RDKAFKA_CFLAGS)
kconsume_LIBS = $(RDKAFKA_LIBS)
kconsume_A = $(OBJDIR)/libkafka.a
kconsume_H = lib/kafka.h

# Plain make only builds: it never installs. The targets that run things
# (test, demo, ...) call scripts/install-deps first, then build.
all: $(BINS)

# One clear line instead of a compiler error when a library is not found.
PKG_MODULES = rdkafka libcurl libarchive libcrypto
check-libs:
	@for m in $(PKG_MODULES); do $(PKG_CONFIG) --exists $$m 2>/dev/null || { \
	    echo "make: pkg-config finds no $$m (scripts/install-deps build installs it)" >&2; \
	    exit 1; }; done

$(UTILOBJ): $(OBJDIR)/lib/%.o: lib/%.c lib/util.h | $(OBJDIR)/lib check-libs
	@$(UNSTRICT)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(KAFKAOBJ): $(OBJDIR)/lib/%.o: lib/%.c lib/util.h lib/kafka.h | $(OBJDIR)/lib check-libs
	@$(UNSTRICT)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(RDKAFKA_CFLAGS) -c -o $@ $<

$(OBJDIR)/libutil.a: $(UTILOBJ)
	rm -f $@ && ar rcs $@ $(UTILOBJ)

$(OBJDIR)/libkafka.a: $(KAFKAOBJ)
	rm -f $@ && ar rcs $@ $(KAFKAOBJ)

$(OBJDIR)/lib:
	mkdir -p $@ bin

# A tool is rebuilt when its own parts or private headers (tools/NAME.h,
# tools/NAME_*.h) change, or the lib headers and archives it uses.
.SECONDEXPANSION:
bin/%: tools/%.c $$(wildcard tools/$$*_*.c tools/$$*.h tools/$$*_*.h) \
    $$($$*_A) $(OBJDIR)/libutil.a lib/util.h $$($$*_H) | check-libs
	@mkdir -p bin; $(UNSTRICT)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $($*_CFLAGS) -o $@ tools/$*.c \
	    $(wildcard tools/$*_*.c) $($*_A) $(OBJDIR)/libutil.a $(ALL_LDFLAGS) \
	    $($*_LIBS)

# SANITIZE and CC change the objects: rebuild whenever either changes.
bin/.flags: FORCE
	@mkdir -p bin; echo "$(SANITIZE) $(CC)" | cmp -s - $@ || \
	    echo "$(SANITIZE) $(CC)" > $@
$(BINS) $(LIBOBJ): bin/.flags $(STRICT)
$(OBJDIR)/.strict: | $(OBJDIR)/lib
	@touch $@

# What a target needs is installed before the build, never alongside it.
BUILD = @$(MAKE) --no-print-directory all
# The tests' build is a developer's: a warning fails it.
TEST_BUILD = @$(MAKE) --no-print-directory DEVELOPER=1 all

test:
	@scripts/install-deps test
	$(TEST_BUILD)
	tests/run -j 3

test-spark:
	@scripts/install-deps test spark
	$(TEST_BUILD)
	tests/run tests/kafka-spark

load:
	@scripts/install-deps test
	$(TEST_BUILD)
	TESTS_VERBOSE=1 tests/run tests/load

bench:
	@scripts/install-deps bench
	$(BUILD)
	scripts/bench

demo:
	@scripts/install-deps demo
	$(BUILD)
	scripts/demo

run:
	@scripts/install-deps demo
	$(BUILD)
	scripts/run

fuzz:
	@scripts/install-deps fuzz
	$(BUILD)
	tests/fuzz/run

# A fresh Debian 12 root running make demo and make test (minutes; root);
# make fresh-check FRESH=--deb: the Debian package installed there instead,
# and the demo run from the installed commands.
fresh-check:
	scripts/fresh-check $(FRESH)

# The Debian package (debian/), built by dpkg-buildpackage in a copy of the
# tree in deb/, so that its clean step leaves this bin/ and build/ alone:
# deb/kafka-tools_VERSION_ARCH.deb, then lintian at its default level
# (warnings fail too).
VERSION = $(shell sed -n 's/^\#define VERSION "\(.*\)"/\1/p' lib/util.h)
DEBSRC = deb/kafka-tools-$(VERSION)
deb:
	@scripts/install-deps deb
	rm -rf deb && mkdir -p $(DEBSRC)/tests
	cp -r Makefile config.mk LICENSE NEWS README.md debian lib man scripts tools $(DEBSRC)/
	cp -r tests/run tests/README tests/csv2jsonl tests/jsonl-enrich tests/kunzip $(DEBSRC)/tests/
	cd $(DEBSRC) && dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning deb/*.changes
	@ls deb/*.deb

# make lint: mandoc -Tlint -W warning on every manual (and each .Os names
# this version); shellcheck -S warning on the shell scripts of scripts/
# (warnings and errors fail; info and style notes are left to taste),
# sourcing lib.sh as the scripts do; cppcheck when installed; the Debian
# package's version is the programs'.
LINT_SCRIPTS = $(filter-out %.py %.xml %.sql %.ddl scripts/bench.d,$(wildcard scripts/*))
lint:
	@scripts/install-deps lint
	mandoc -Tlint -W warning $(MANS)
	@v=$$(sed -n 's/^#define VERSION "\(.*\)"/\1/p' lib/util.h); for m in $(MANS); do \
	    grep -qx ".Os kafka-tools $$v" $$m || { echo "$$m: not .Os kafka-tools $$v" >&2; exit 1; }; done; \
	    head -n 1 debian/changelog | grep -q "^kafka-tools ($$v) " || \
	    { echo "debian/changelog: its first entry is not version $$v" >&2; exit 1; }
	shellcheck -x -S warning $(LINT_SCRIPTS)
	@if command -v cppcheck >/dev/null; then echo cppcheck -q lib tools; \
	    cppcheck -q --error-exitcode=1 --inline-suppr -Ilib lib tools; fi

# The scripts are installed without their folder: spotify-to-kafka, ...
# (scripts/spotify-to-kafka is a link to kaggle-to-kafka: cp installs a copy,
# which acts by the name it is called by).
SCRIPTS = kaggle-to-kafka spotify-to-kafka verify-topic kafka-local
DATADIR = $(PREFIX)/share/kafka-tools

# DESTDIR stages the install for a package (make install DESTDIR=/tmp/pkg).
install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(DATADIR)
	cp -f $(BINS) $(DESTDIR)$(PREFIX)/bin/
	for s in $(SCRIPTS); do cp -f scripts/$$s $(DESTDIR)$(PREFIX)/bin/; done
	cp -f scripts/kafka-pom.xml scripts/lib.sh $(DESTDIR)$(DATADIR)/
	cp -f $(wildcard man/*.1) $(DESTDIR)$(MANPREFIX)/man1/
	$(if $(wildcard man/*.7),mkdir -p $(DESTDIR)$(MANPREFIX)/man7 && \
	    cp -f $(wildcard man/*.7) $(DESTDIR)$(MANPREFIX)/man7/)

uninstall:
	rm -f $(BINS:bin/%=$(DESTDIR)$(PREFIX)/bin/%) \
	    $(SCRIPTS:%=$(DESTDIR)$(PREFIX)/bin/%) \
	    $(patsubst man/%,$(DESTDIR)$(MANPREFIX)/man1/%,$(filter %.1,$(MANS))) \
	    $(patsubst man/%,$(DESTDIR)$(MANPREFIX)/man7/%,$(filter %.7,$(MANS))) \
	    $(DESTDIR)$(DATADIR)/kafka-pom.xml $(DESTDIR)$(DATADIR)/lib.sh
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	rm -rf bin build build-san deb

.PHONY: all check-libs test test-spark load bench demo run fuzz fresh-check deb lint install uninstall clean FORCE
