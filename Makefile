# sendergate - build, test, install.
#
#   make                 build milter/sendergate
#   make check           unit tests (cmocka) and integration tests against
#                        real slapd, redis-server and the daemon
#   make demo            private slapd + Redis + milter on loopback
#   make install         PREFIX=/usr DESTDIR= (binaries, man pages, config,
#                        bash completion)
#   make SANITIZE=address,undefined check
#   make fuzz            libFuzzer targets (clang), FUZZ_SECONDS each
#   make fuzz-smoke      the same, 10 s each (CI)
#   make tsan-check      daemon and concurrency tests under ThreadSanitizer
#
# The user's CFLAGS and LDFLAGS are added to, never replaced.

PREFIX	?= /usr
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR	?=
INSTALL	?= install

CC	?= cc
WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wcast-qual -Wformat=2 -Wpointer-arith -Wwrite-strings
SAN	= $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
SG_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g -pthread $(WARN) $(SAN) -Imilter $(CFLAGS)
SG_LDFLAGS = -pthread $(SAN) $(LDFLAGS)
LIBS	= -lmilter -lldap -llber -lhiredis -lcrypto -lpthread

COMMON	= milter/log.o milter/conf.o milter/addr.o milter/cidr.o milter/dirval.o \
	  milter/policy.o milter/dir.o milter/dir_ldap.o milter/dir_query.o \
	  milter/dir_mirror.o milter/mirror_index.o milter/mirror_model.o \
	  milter/mirror_cookie.o milter/counter.o milter/mailfrom.o milter/siphash.o
DAEMON	= milter/sendergate.o milter/milter.o
CTL	= milter/sendergatectl.o milter/ctl_args.o milter/ctl_entry.o \
	  milter/ctl_list.o milter/ctl_json.o milter/ctl_rec.o \
	  milter/ctl_validate.o milter/ctl_ldap.o milter/ctl_passwd.o \
	  milter/ctl_usage.o milter/ctl_explain.o milter/ctl_explain_cmd.o
HEADERS	= $(wildcard milter/*.h)

UNIT	= tests/unit/test_addr tests/unit/test_cidr tests/unit/test_conf \
	  tests/unit/test_policy tests/unit/test_counter tests/unit/test_mirror \
	  tests/unit/test_ctl_validate tests/unit/test_ctl_passwd \
	  tests/unit/test_siphash tests/unit/test_dirval
TOOLS	= tests/mtclient tests/bench/mtload

.PHONY: all check unit integration demo deps install clean bench-mirror bench \
	bench-hash

all: milter/sendergate milter/sendergatectl

milter/%.o: milter/%.c $(HEADERS)
	$(CC) $(SG_CFLAGS) -c -o $@ $<

milter/sendergate: $(DAEMON) $(COMMON)
	$(CC) $(SG_LDFLAGS) -o $@ $(DAEMON) $(COMMON) $(LIBS)

milter/sendergatectl: $(CTL) $(COMMON)
	$(CC) $(SG_LDFLAGS) -o $@ $(CTL) $(COMMON) $(LIBS) -lcrypt

# Unit tests: each links the modules it tests (and fakes, if any).
tests/unit/%.o: tests/unit/%.c $(HEADERS) tests/unit/show.h
	$(CC) $(SG_CFLAGS) -c -o $@ $<

tests/unit/test_addr: tests/unit/test_addr.o milter/addr.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_cidr: tests/unit/test_cidr.o milter/cidr.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_conf: tests/unit/test_conf.o milter/conf.o milter/log.o milter/cidr.o \
		milter/dirval.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_policy: tests/unit/test_policy.o milter/policy.o milter/addr.o milter/dirval.o \
		milter/cidr.o milter/conf.o milter/log.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_counter: tests/unit/test_counter.o milter/counter.o milter/log.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lhiredis -lcrypto -lcmocka

tests/unit/test_ctl_validate: tests/unit/test_ctl_validate.o \
		milter/ctl_validate.o milter/ctl_rec.o milter/addr.o milter/cidr.o \
		milter/dirval.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka

tests/unit/test_siphash: tests/unit/test_siphash.o milter/siphash.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcrypto -lcmocka
tests/unit/test_dirval: tests/unit/test_dirval.o milter/dirval.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka

tests/unit/test_ctl_passwd: tests/unit/test_ctl_passwd.o milter/ctl_passwd.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcrypto -lcrypt -lcmocka

MIRROR	= milter/mirror_index.o milter/mirror_model.o milter/mirror_cookie.o \
	  milter/dir.o milter/dir_query.o milter/dir_mirror.o milter/dir_ldap.o milter/log.o \
	  milter/addr.o milter/cidr.o milter/dirval.o milter/siphash.o
tests/unit/test_mirror: tests/unit/test_mirror.o $(MIRROR)
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lldap -llber -lcmocka

# Benchmarks (not part of check): make bench-mirror [BENCH_SIZES="10000 100000"]
tests/bench/bench_mirror: tests/bench/bench_mirror.c $(COMMON) $(HEADERS)
	$(CC) $(SG_CFLAGS) $(SG_LDFLAGS) -o $@ tests/bench/bench_mirror.c \
		$(COMMON) $(LIBS)

# Hash flooding: FNV-1a collisions against random addresses (make bench-hash).
tests/bench/bench_hash: tests/bench/bench_hash.c $(COMMON) $(HEADERS)
	$(CC) $(SG_CFLAGS) $(SG_LDFLAGS) -o $@ tests/bench/bench_hash.c \
		$(COMMON) $(LIBS)

bench-hash: tests/bench/bench_hash
	@tests/bench/bench_hash

bench-mirror: tests/bench/bench_mirror
	@sh tests/bench/bench_mirror.sh $(BENCH_SIZES)

# make bench [BENCH_SIZES="1000 100000 1000000"]: the daemon under load
# (tests/bench/mtload), then Postfix end to end (tests/bench/e2e.sh).
tests/bench/mtload: tests/bench/mtload.c tests/milterproto.c tests/milterproto.h
	$(CC) $(SG_CFLAGS) -Itests $(SG_LDFLAGS) -o $@ tests/bench/mtload.c \
		tests/milterproto.c

tests/bench/nullmilter: tests/bench/nullmilter.c $(HEADERS)
	$(CC) $(SG_CFLAGS) $(SG_LDFLAGS) -o $@ $< -lmilter -lpthread

bench: deps all $(TOOLS) tests/bench/nullmilter
	@sh tests/bench/bench_milter.sh $(BENCH_SIZES)
	@sh tests/bench/e2e.sh

tests/mtclient: tests/mtclient.c tests/milterproto.c tests/milterproto.h
	$(CC) $(SG_CFLAGS) -Itests $(SG_LDFLAGS) -o $@ tests/mtclient.c tests/milterproto.c

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
	$(INSTALL) -m 755 milter/sendergatectl $(DESTDIR)$(SBINDIR)/sendergatectl
	$(INSTALL) -m 644 man/sendergatectl.8 $(DESTDIR)$(MANDIR)/man8/sendergatectl.8
	$(INSTALL) -m 644 man/sendergate.8 $(DESTDIR)$(MANDIR)/man8/sendergate.8
	$(INSTALL) -m 644 man/sendergate.conf.5 $(DESTDIR)$(MANDIR)/man5/sendergate.conf.5
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 644 contrib/sendergatectl.bash \
		$(DESTDIR)$(BASHCOMPDIR)/sendergatectl
	test -e $(DESTDIR)$(SYSCONFDIR)/sendergate/sendergate.conf || \
		$(INSTALL) -m 644 sendergate.conf.example \
		$(DESTDIR)$(SYSCONFDIR)/sendergate/sendergate.conf

# Fuzzing (clang, libFuzzer): one target per parser, seeds in
# tests/fuzz/corpus/NAME; new inputs and crashes go to $(FUZZ_OUT).
FUZZ_CC	?= clang
FUZZ_SECONDS ?= 60
FUZZ_OUT ?= tmp/fuzz
# (-Wno-format-nonliteral: clang flags log.c's vsnprintf of its fmt.)
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -Imilter \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer -Wno-format-nonliteral
FUZZERS	= addr from cidr conf
FUZZ_SRC_addr = milter/addr.c
FUZZ_SRC_from = milter/addr.c
FUZZ_SRC_cidr = milter/cidr.c
FUZZ_SRC_conf = milter/conf.c milter/log.c milter/cidr.c milter/dirval.c

.PHONY: fuzz fuzz-smoke fuzz-build tsan-check
.SECONDEXPANSION:
$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) $(HEADERS)
	@mkdir -p $(FUZZ_OUT)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*)

fuzz-build: $(FUZZERS:%=$(FUZZ_OUT)/fuzz_%)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_OUT) $(FUZZ_SECONDS) $(FUZZERS)

fuzz-smoke:
	@$(MAKE) fuzz FUZZ_SECONDS=10

# ThreadSanitizer: the daemon and the concurrency tests, built in
# $(TSAN_OUT) (a copy of the tree) so the normal objects stay as they are.
TSAN_OUT ?= tmp/tsan
tsan-check:
	@sh tests/tsan-check.sh $(TSAN_OUT)

clean:
	rm -f milter/*.o milter/sendergate milter/sendergatectl tests/unit/*.o $(UNIT) $(TOOLS)
	rm -f tests/bench/bench_mirror tests/bench/nullmilter tests/bench/bench_hash
	rm -rf $(FUZZ_OUT) $(TSAN_OUT)
