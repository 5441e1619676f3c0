# Build settings; override on the command line (make PREFIX=/opt/k CC=clang).
PREFIX   = /usr/local
MANPREFIX = $(PREFIX)/share/man
CC      ?= cc
PKG_CONFIG ?= pkg-config

CPPFLAGS = -D_DEFAULT_SOURCE -D_GNU_SOURCE -Ilib
CFLAGS   = -std=c11 -Wall -Wextra -Werror -pedantic -O2 -g
LDFLAGS  =

# make SANITIZE=1: the same programs under AddressSanitizer and UBSan.
ifeq ($(SANITIZE),1)
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

RDKAFKA_LIBS  = $(shell $(PKG_CONFIG) --libs rdkafka 2>/dev/null || echo -lrdkafka)
RDKAFKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags rdkafka 2>/dev/null)
CURL_LIBS     = $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)
CURL_CFLAGS   = $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
ARCHIVE_LIBS  = $(shell $(PKG_CONFIG) --libs libarchive 2>/dev/null || echo -larchive)
ARCHIVE_CFLAGS = $(shell $(PKG_CONFIG) --cflags libarchive 2>/dev/null)
CRYPTO_LIBS   = $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto)
CRYPTO_CFLAGS = $(shell $(PKG_CONFIG) --cflags libcrypto 2>/dev/null)
