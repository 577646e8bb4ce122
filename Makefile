# sendergate - build, test, install.
#
#   make                 build milter/sendergate
#   make check           unit tests (cmocka) and integration tests against
#                        real slapd, redis-server and the daemon
#   make demo            private slapd + Redis + milter on loopback
#   make install         PREFIX=/usr DESTDIR= (binaries, man pages, config)
#   make SANITIZE=address,undefined check
#
# The user's CFLAGS and LDFLAGS are added to, never replaced.

PREFIX	?= /usr
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR	?=
INSTALL	?= install

CC	?= cc
WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wcast-qual -Wformat=2 -Wpointer-arith -Wwrite-strings
SAN	= $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
SG_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g -pthread $(WARN) $(SAN) -Imilter $(CFLAGS)
SG_LDFLAGS = -pthread $(SAN) $(LDFLAGS)
LIBS	= -lmilter -lldap -llber -lhiredis -lcrypto -lpthread

COMMON	= milter/log.o milter/conf.o milter/addr.o milter/cidr.o \
	  milter/policy.o milter/dir.o milter/dir_ldap.o milter/dir_query.o \
	  milter/counter.o
DAEMON	= milter/sendergate.o milter/milter.o
HEADERS	= $(wildcard milter/*.h)

UNIT	= tests/unit/test_addr tests/unit/test_cidr tests/unit/test_conf \
	  tests/unit/test_policy tests/unit/test_counter
TOOLS	= tests/mtclient

.PHONY: all check unit integration demo deps install clean

all: milter/sendergate

milter/%.o: milter/%.c $(HEADERS)
	$(CC) $(SG_CFLAGS) -c -o $@ $<

milter/sendergate: $(DAEMON) $(COMMON)
	$(CC) $(SG_LDFLAGS) -o $@ $(DAEMON) $(COMMON) $(LIBS)

# Unit tests: each links the modules it tests (and fakes, if any).
tests/unit/%.o: tests/unit/%.c $(HEADERS)
	$(CC) $(SG_CFLAGS) -c -o $@ $<

tests/unit/test_addr: tests/unit/test_addr.o milter/addr.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_cidr: tests/unit/test_cidr.o milter/cidr.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_conf: tests/unit/test_conf.o milter/conf.o milter/log.o milter/cidr.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_policy: tests/unit/test_policy.o milter/policy.o milter/addr.o \
		milter/cidr.o milter/conf.o milter/log.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_counter: tests/unit/test_counter.o milter/counter.o milter/log.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lhiredis -lcrypto -lcmocka

tests/mtclient: tests/mtclient.c
	$(CC) $(SG_CFLAGS) $(SG_LDFLAGS) -o $@ $<

deps:
	@sh tests/lib/deps.sh

check: deps all $(UNIT) $(TOOLS)
	@sh tests/run-unit.sh $(UNIT)
	@sh tests/run-integration.sh

unit: all $(UNIT)
	@sh tests/run-unit.sh $(UNIT)

integration: all $(TOOLS)
	@sh tests/run-integration.sh

demo: deps all $(TOOLS)
	@sh tests/demo.sh

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/sendergate
	$(INSTALL) -m 755 milter/sendergate $(DESTDIR)$(SBINDIR)/sendergate
	$(INSTALL) -m 644 man/sendergate.8 $(DESTDIR)$(MANDIR)/man8/sendergate.8
	$(INSTALL) -m 644 man/sendergate.conf.5 $(DESTDIR)$(MANDIR)/man5/sendergate.conf.5
	test -e $(DESTDIR)$(SYSCONFDIR)/sendergate/sendergate.conf || \
		$(INSTALL) -m 644 sendergate.conf.example \
		$(DESTDIR)$(SYSCONFDIR)/sendergate/sendergate.conf

clean:
	rm -f milter/*.o milter/sendergate tests/unit/*.o $(UNIT) $(TOOLS)
