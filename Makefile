# sendergate - build, test, install.
#
#   make                 build milter/sendergate
#   make check           unit tests (cmocka) and integration tests against
#                        real slapd, redis-server and the daemon
#   make demo            private slapd + Redis + milter on loopback
#   make install         PREFIX=/usr SYSCONFDIR=/etc DESTDIR= (binaries, man
#                        pages, config, systemd unit, tmpfiles.d, sysusers.d,
#                        bash completion)
#   make SANITIZE=address,undefined check
#   make fuzz            libFuzzer targets (clang), FUZZ_SECONDS each
#   make fuzz-smoke      the same, 10 s each (CI)
#   make tsan-check      daemon and concurrency tests under ThreadSanitizer
#
# The user's CPPFLAGS, CFLAGS and LDFLAGS are added to, never replaced
# (debian/rules passes dpkg-buildflags': _FORTIFY_SOURCE is in CPPFLAGS).

PREFIX	?= /usr
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DATADIR	?= $(PREFIX)/share
DOCDIR	?= $(DATADIR)/doc/sendergate
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DESTDIR	?=
INSTALL	?= install

CC	?= cc
WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wcast-qual -Wformat=2 -Wpointer-arith -Wwrite-strings
SAN	= $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
SG_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g -pthread $(WARN) $(SAN) -Imilter \
	  $(CPPFLAGS) $(CFLAGS)
SG_LDFLAGS = -pthread $(SAN) $(LDFLAGS)
LIBS	= -lmilter -lldap -llber -lhiredis -lcrypto -lpthread
DAEMON_LIBS = $(LIBS) -lsystemd -lmicrohttpd

# The rooms of milter/ (see each folder's README): lib/ links without
# LDAP, Redis or libmilter; dir/ and redis/ are the backends; daemon/ and
# ctl/ are the two programs. mailfrom.o (daemon/) is linked into
# sendergatectl on purpose: explain runs the milter's own decision.
LIB	= milter/lib/log.o milter/lib/conf.o milter/lib/conf_params.o \
	  milter/lib/conf_check.o milter/lib/conf_secret.o milter/lib/conf_diff.o \
	  milter/lib/conf_copy.o \
	  milter/lib/conf_customer.o \
	  milter/lib/addr.o milter/lib/cidr.o \
	  milter/lib/dirval.o milter/lib/policy.o milter/lib/siphash.o \
	  milter/lib/hostport.o milter/lib/dsn.o milter/lib/mime.o \
	  milter/lib/arf.o milter/lib/metrics.o \
	  milter/lib/entry.o milter/lib/bounce.o milter/lib/fingerprint.o \
	  milter/lib/digest.o milter/lib/rate.o \
	  milter/lib/conf_dns.o milter/lib/dnscheck.o
DIR	= milter/dir/dir.o milter/dir/dir_ldap.o milter/dir/dir_query.o \
	  milter/dir/dir_mirror.o milter/dir/mirror_index.o \
	  milter/dir/mirror_model.o milter/dir/mirror_cookie.o \
	  milter/dir/mirror_sync.o
REDIS	= milter/redis/counter.o milter/redis/counter_script.o \
	  milter/redis/counter_pool.o milter/redis/counter_keys.o \
	  milter/redis/counter_record.o milter/redis/counter_arena.o \
	  milter/redis/sentinel.o \
	  milter/redis/suppress.o milter/redis/reputation.o
COMMON	= $(LIB) $(DIR) $(REDIS) milter/daemon/mailfrom.o
DAEMON	= milter/daemon/sendergate.o milter/daemon/sendergate_check.o \
	  milter/daemon/sendergate_pidfile.o milter/daemon/sendergate_reload.o \
	  milter/daemon/sendergate_socket.o milter/daemon/sendergate_version.o \
	  milter/daemon/sendergate_try.o \
	  milter/daemon/snap.o milter/daemon/milter.o milter/daemon/metrics_http.o \
	  milter/lib/notify.o milter/daemon/notify_queue.o \
	  milter/daemon/milter_notice.o milter/daemon/milter_log.o \
	  milter/daemon/milter_drain.o milter/daemon/milter_neg.o
CTL	= milter/ctl/sendergatectl.o milter/ctl/ctl_args.o milter/ctl/ctl_entry.o \
	  milter/ctl/ctl_list.o milter/ctl/ctl_json.o milter/ctl/ctl_rec.o \
	  milter/ctl/ctl_validate.o milter/ctl/ctl_ldap.o milter/ctl/ctl_passwd.o \
	  milter/ctl/ctl_usage.o milter/ctl/ctl_explain.o \
	  milter/ctl/ctl_explain_cmd.o milter/ctl/ctl_suppress.o \
	  milter/ctl/ctl_complaint.o \
	  milter/ctl/ctl_verify.o milter/ctl/ctl_sheet.o \
	  milter/ctl/ctl_sheet_cmd.o milter/lib/notify.o \
	  milter/ctl/ctl_domain_check.o milter/ctl/ctl_dns.o \
	  milter/ctl/ctl_spf.o milter/ctl/ctl_dmarc.o milter/ctl/ctl_reputation.o
# sendergatectl's DNS (domain token, domain check); the milter links none
DNS_LIBS = -lunbound -lspf2 -lopendmarc
HEADERS	= $(filter-out milter/lib/paths.h,$(wildcard milter/*/*.h))

UNIT	= tests/unit/test_addr tests/unit/test_cidr tests/unit/test_conf \
	  tests/unit/test_policy tests/unit/test_counter tests/unit/test_mirror \
	  tests/unit/test_ctl_validate tests/unit/test_ctl_passwd \
	  tests/unit/test_siphash tests/unit/test_dirval tests/unit/test_milter \
	  tests/unit/test_conf_customer tests/unit/test_ctl_sheet \
	  tests/unit/test_bounce tests/unit/test_dnscheck tests/unit/test_rate \
	  tests/unit/test_arf tests/unit/test_log
TOOLS	= tests/tools/mtclient tests/bench/mtload

.PHONY: all check unit integration demo deps install clean bench-mirror bench \
	bench-hash FORCE package

all: milter/sendergate milter/sendergatectl milter/lib/linked

milter/%.o: milter/%.c $(HEADERS)
	$(CC) $(SG_CFLAGS) -c -o $@ $<

# The paths compiled in: rewritten only when SYSCONFDIR changes, so that
# make install SYSCONFDIR=... rebuilds what uses them and nothing else.
milter/lib/paths.h: FORCE
	@printf '/* generated by make: the paths of the installation */\n#define SG_CONF_PATH "%s/sendergate/sendergate.conf"\n#define SG_DATA_PATH "%s/sendergate"\n' \
	    '$(SYSCONFDIR)' '$(DATADIR)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
milter/daemon/sendergate.o milter/ctl/ctl_args.o milter/ctl/sendergatectl.o \
milter/ctl/ctl_ldap.o: milter/lib/paths.h

milter/sendergate: $(DAEMON) $(COMMON)
	$(CC) $(SG_LDFLAGS) -o $@ $(DAEMON) $(COMMON) $(DAEMON_LIBS)

milter/sendergatectl: $(CTL) $(COMMON)
	$(CC) $(SG_LDFLAGS) -o $@ $(CTL) $(COMMON) $(LIBS) $(DNS_LIBS) -lcrypt

# Unit tests: each links the modules it tests (and fakes, if any).
tests/unit/%.o: tests/unit/%.c $(HEADERS) tests/unit/show.h
	$(CC) $(SG_CFLAGS) -c -o $@ $<

# lib/ as an archive: a program takes the objects it uses. That lib/
# needs no LDAP, Redis or libmilter is checked by linking all of it into
# a program with libc, libcrypto and pthread alone (milter/lib/linked).
LIBA	= milter/lib/libsg.a
$(LIBA): $(LIB)
	rm -f $@
	$(AR) rcs $@ $(LIB)
milter/lib/linked: $(LIBA)
	@printf 'int main(void) { return 0; }\n' >$@.c
	@$(CC) $(SG_LDFLAGS) -o $@.bin $@.c -Wl,--whole-archive $(LIBA) \
	    -Wl,--no-whole-archive -lcrypto || \
	    { echo "milter/lib/ needs more than libc and libcrypto (see above): it may not"; \
	      rm -f $@.c $@.bin; exit 1; }
	@rm -f $@.c $@.bin
	@touch $@

# Unit tests: each links the modules it tests (and fakes, if any) and
# takes the rest it needs from lib/.
tests/unit/test_addr tests/unit/test_cidr tests/unit/test_conf \
tests/unit/test_conf_customer tests/unit/test_policy tests/unit/test_bounce \
tests/unit/test_rate tests/unit/test_arf \
tests/unit/test_dirval: tests/unit/%: tests/unit/%.o $(LIBA)
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_dnscheck: tests/unit/test_dnscheck.o $(LIBA)
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcrypto -lcmocka
tests/unit/test_siphash: tests/unit/test_siphash.o $(LIBA)
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcrypto -lcmocka
# the counters' key names, pure: linked without hiredis
tests/unit/test_counter: tests/unit/test_counter.o milter/redis/counter_keys.o \
		milter/redis/counter_script.o milter/redis/counter_arena.o $(LIBA)
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lhiredis -lcrypto -lcmocka
tests/unit/test_ctl_validate: tests/unit/test_ctl_validate.o \
		milter/ctl/ctl_validate.o milter/ctl/ctl_rec.o $(LIBA)
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
# the sheet, pure: records and a configuration in, lines out
tests/unit/test_ctl_sheet: tests/unit/test_ctl_sheet.o milter/ctl/ctl_sheet.o \
		milter/ctl/ctl_rec.o milter/ctl/ctl_json.o $(LIBA)
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka
tests/unit/test_ctl_passwd: tests/unit/test_ctl_passwd.o milter/ctl/ctl_passwd.o
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcrypto -lcrypt -lcmocka

# milter.c with libmilter, the directory and the counters faked
tests/unit/test_milter: tests/unit/test_milter.o tests/unit/fake_milter.o \
		milter/daemon/milter.o milter/daemon/mailfrom.o \
		milter/daemon/snap.o milter/daemon/milter_notice.o \
		milter/daemon/milter_log.o milter/daemon/milter_drain.o \
		milter/daemon/milter_neg.o $(LIBA)
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcrypto -lcmocka
tests/unit/test_milter.o tests/unit/fake_milter.o: tests/unit/fake_milter.h
tests/unit/fake_milter.o: tests/unit/fake_milter.c tests/unit/fake_milter.h $(HEADERS)
	$(CC) $(SG_CFLAGS) -Itests/unit -c -o $@ $<

# the log lines (lib/log.c, the decision's of milter_log.c) as written
tests/unit/test_log: tests/unit/test_log.o milter/daemon/milter_log.o $(LIBA)
	$(CC) $(SG_LDFLAGS) -o $@ $^ -lcmocka

tests/unit/test_mirror: tests/unit/test_mirror.o $(DIR) $(LIBA)
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

# make bench [BENCH_SIZES="1000 100000 1000000"]: instructions a message
# (tests/bench/profile.sh), what a 1 MB body costs (bench_body.sh), the
# daemon under load (tests/bench/mtload), then Postfix end to end
# (tests/bench/e2e.sh), with 1 KB and with 1 MB messages.
tests/bench/mtload: tests/bench/mtload.c tests/tools/milterproto.c tests/tools/milterproto.h
	$(CC) $(SG_CFLAGS) -Itests/tools $(SG_LDFLAGS) -o $@ tests/bench/mtload.c \
		tests/tools/milterproto.c

tests/bench/nullmilter: tests/bench/nullmilter.c $(HEADERS)
	$(CC) $(SG_CFLAGS) $(SG_LDFLAGS) -o $@ $< -lmilter -lpthread

bench: deps all $(TOOLS) tests/bench/nullmilter
	@sh tests/bench/profile.sh 2000 | head -n 1
	@sh tests/bench/bench_body.sh
	@sh tests/bench/bench_milter.sh $(BENCH_SIZES)
	@sh tests/bench/e2e.sh
	@E2E_SIZE=1048576 E2E_MSGS=200 E2E_SETUPS="c d e" sh tests/bench/e2e.sh

tests/tools/mtclient: tests/tools/mtclient.c tests/tools/milterproto.c \
		tests/tools/milterproto.h
	$(CC) $(SG_CFLAGS) -Itests/tools $(SG_LDFLAGS) -o $@ tests/tools/mtclient.c \
		tests/tools/milterproto.c

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

# systemd/*.in with the installation's paths
SUBST	= sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/sendergate \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DATADIR)/sendergate
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
	$(SUBST) systemd/sendergate.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/sendergate.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/sendergate.service
	$(SUBST) systemd/sendergate-domain-check.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/sendergate-domain-check.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/sendergate-domain-check.service
	$(INSTALL) -m 644 systemd/sendergate-domain-check.timer \
		$(DESTDIR)$(SYSTEMDUNITDIR)/sendergate-domain-check.timer
	$(INSTALL) -m 644 systemd/sendergate.tmpfiles \
		$(DESTDIR)$(TMPFILESDIR)/sendergate.conf
	$(INSTALL) -m 644 systemd/sendergate.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/sendergate.conf
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/sendergate/ldap-schema
	$(INSTALL) -m 644 ldap-schema/sendergate.schema ldap-schema/sendergate.ldif \
		ldap-schema/example.ldif ldap-schema/debian-slapd.ldif \
		ldap-schema/sendergate-base.ldif ldap-schema/README.md \
		$(DESTDIR)$(DATADIR)/sendergate/ldap-schema
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/sendergate/prometheus
	$(INSTALL) -m 644 contrib/prometheus/sendergate.rules.yml \
		contrib/prometheus/sendergate.grafana.json \
		$(DESTDIR)$(DATADIR)/sendergate/prometheus
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(INSTALL) -m 644 postfix-examples/README.md \
		$(DESTDIR)$(DOCDIR)/README.postfix-examples.md
	$(INSTALL) -m 755 contrib/sendergate.init \
		$(DESTDIR)$(DATADIR)/sendergate/sendergate.init

# Fuzzing (clang, libFuzzer): one target per parser, seeds in
# tests/fuzz/corpus/NAME; new inputs and crashes go to $(FUZZ_OUT).
FUZZ_CC	?= clang
FUZZ_SECONDS ?= 60
FUZZ_OUT ?= tmp/fuzz
# (-Wno-format-nonliteral: clang flags log.c's vsnprintf of its fmt.)
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 $(WARN) -Imilter \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer -Wno-format-nonliteral
FUZZERS	= addr from cidr conf dsn arf
FUZZ_SRC_addr = milter/lib/addr.c
FUZZ_SRC_from = milter/lib/addr.c
FUZZ_SRC_cidr = milter/lib/cidr.c
FUZZ_SRC_dsn = milter/lib/dsn.c milter/lib/mime.c milter/lib/addr.c
FUZZ_SRC_arf = milter/lib/arf.c milter/lib/mime.c milter/lib/addr.c
FUZZ_SRC_conf = milter/lib/conf.c milter/lib/conf_params.c \
		milter/lib/conf_check.c milter/lib/conf_secret.c milter/lib/conf_copy.c \
		milter/lib/conf_customer.c milter/lib/conf_dns.c milter/lib/log.c milter/lib/cidr.c milter/lib/dirval.c \
		milter/lib/hostport.c milter/lib/rate.c

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
	@sh tests/tools/tsan-check.sh $(TSAN_OUT)

clean:
	rm -f milter/*/*.o $(LIBA) milter/lib/linked milter/sendergate milter/sendergatectl tests/unit/*.o $(UNIT) $(TOOLS)
	rm -f tests/bench/bench_mirror tests/bench/nullmilter tests/bench/bench_hash
	rm -f milter/lib/paths.h
	rm -rf $(FUZZ_OUT) $(TSAN_OUT)
