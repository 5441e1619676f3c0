# Build settings; override on the command line (make PREFIX=/opt/k CC=clang).
PREFIX   = /usr/local
MANPREFIX = $(PREFIX)/share/man
CC      ?= cc
PKG_CONFIG ?= pkg-config

# CPPFLAGS, CFLAGS and LDFLAGS are the user's (or a distribution's, from
# the environment: dpkg-buildflags); the Makefile adds what the build needs
# to them (KT_*) and never replaces them.
CPPFLAGS ?=
CFLAGS   ?= -O2 -g
LDFLAGS  ?=

RDKAFKA_LIBS  = $(shell $(PKG_CONFIG) --libs rdkafka 2>/dev/null || echo -lrdkafka)
RDKAFKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags rdkafka 2>/dev/null)
CURL_LIBS     = $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)
CURL_CFLAGS   = $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
ARCHIVE_LIBS  = $(shell $(PKG_CONFIG) --libs libarchive 2>/dev/null || echo -larchive)
ARCHIVE_CFLAGS = $(shell $(PKG_CONFIG) --cflags libarchive 2>/dev/null)
CRYPTO_LIBS   = $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto)
CRYPTO_CFLAGS = $(shell $(PKG_CONFIG) --cflags libcrypto 2>/dev/null)
