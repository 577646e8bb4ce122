#!/bin/sh
# deps.sh - install the Debian packages that building, testing and the demo
# of sendergate need, if any is missing (make deps; make check runs it).
#
#   sh tests/lib/deps.sh        check, and install what is missing (root)
#   sh tests/lib/deps.sh -n     only say what is missing; exit 1 if any
#   sh tests/lib/deps.sh [-n] PACKAGE...
#                               the same for these packages instead of the
#                               list below (tests/bench/peers.sh: rspamd and
#                               policyd-rate-limit, which only the
#                               benchmark needs)
#
# Checks with dpkg-query; installs with one apt-get update and one
# non-interactive apt-get install --no-install-recommends. Not root and
# something missing: names the packages and exits 1. The daemons of the
# slapd, redis-server, postfix, dovecot and sasl2-bin packages are never
# started: a policy-rc.d that denies every start is put in place for the
# install (unless one exists), and slapd and postfix are preseeded to stay
# unconfigured (the tests run their own private instances). Not a Debian
# system (no dpkg-query): says so and exits 0; the build then tells what
# it lacks.

set -u

# Wanted packages; "a|b" is satisfied by either (libldap2-dev became
# libldap-dev in Debian 12; the first one apt knows is installed).
# clang and its runtime (libFuzzer) are for make fuzz; faketime
# (libfaketime) for the month rollover test (test_month.sh); libcrypt-dev
# for sendergatectl's {CRYPT} passwords (crypt_gensalt); mandoc for the
# man page lint (test_docs.sh); libunbound, libspf2 and libopendmarc for
# sendergatectl domain check, nsd (an authoritative server on loopback)
# and dig for its test (test_domain_check.sh).
PACKAGES="build-essential pkg-config libmilter-dev libldap-dev|libldap2-dev
libhiredis-dev libssl-dev libcmocka-dev slapd ldap-utils redis-server
redis-tools openssl ca-certificates
postfix swaks libnet-ssleay-perl dovecot-core dovecot-ldap m4 sasl2-bin
libsasl2-modules
clang libclang-rt-dev|libclang-rt-14-dev faketime
postfix-ldap linux-perf valgrind libcrypt-dev mandoc groff-base
libsystemd-dev python3 systemd debhelper lintian fakeroot
libmicrohttpd-dev prometheus curl
libunbound-dev libspf2-dev libopendmarc-dev nsd bind9-dnsutils|dnsutils"

POLICY=/usr/sbin/policy-rc.d

dry_run=0
if [ "${1:-}" = -n ]; then
	dry_run=1
	shift
fi
case ${1:-} in
-*)
	echo "usage: sh tests/lib/deps.sh [-n] [PACKAGE...]" >&2
	exit 2
	;;
esac
if [ $# -gt 0 ]; then
	PACKAGES="$*"
fi

# True when package $1 is installed.
installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = \
	    installed ]
}

# True when apt knows package $1 (so it can be installed).
known() {
	apt-cache show --no-all-versions "$1" >/dev/null 2>&1
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: not a Debian system; make sure these are installed:" >&2
	echo "  $PACKAGES" | tr '\n' ' ' >&2
	echo >&2
	exit 0
fi

# Collect the missing ones (for alternatives: the group, decided later).
missing=
for spec in $PACKAGES; do
	ok=0
	for p in $(echo "$spec" | tr '|' ' '); do
		if installed "$p"; then
			ok=1
			break
		fi
	done
	[ "$ok" -eq 1 ] || missing="$missing $spec"
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$dry_run" -eq 1 ]; then
	echo "deps.sh: missing:$missing"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages:$missing" >&2
	echo "deps.sh: run as root:  sh tests/lib/deps.sh" >&2
	echo "deps.sh: or:  sudo apt-get install$(echo "$missing" |
	    sed 's/|[^ ]*//g')" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

echo "deps.sh: installing:$missing"
apt-get update -qq || {
	echo "deps.sh: apt-get update failed" >&2
	exit 1
}

# Resolve alternatives to the first package apt knows.
install=
for spec in $missing; do
	pick=
	for p in $(echo "$spec" | tr '|' ' '); do
		if known "$p"; then
			pick=$p
			break
		fi
	done
	install="$install ${pick:-${spec%%|*}}"
done

# No daemon starts during the install.
own_policy=0
if [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\n# written by sendergate tests/lib/deps.sh\nexit 101\n' \
	    >"$POLICY" && chmod 755 "$POLICY" && own_policy=1
	trap 'rm -f "$POLICY"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
fi

# slapd: no default database, no questions.
case " $install " in
*" slapd "*)
	echo "slapd slapd/no_configuration boolean true" |
	    debconf-set-selections
	;;
esac
# postfix: no system configuration, no questions (the tests and the demo
# run private instances with postfix -c; tests/lib/postfix.sh).
case " $install " in
*" postfix "*)
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
	;;
esac

# shellcheck disable=SC2086 # word splitting of the package list is wanted
apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    $install
rc=$?

if [ "$own_policy" -eq 1 ]; then
	rm -f "$POLICY"
	trap - EXIT
fi
if [ "$rc" -ne 0 ]; then
	echo "deps.sh: apt-get install failed (status $rc)" >&2
	exit 1
fi

# Belt and braces: a daemon just installed and started anyway (someone
# else's policy-rc.d allows starts) is stopped through its init script.
for svc in slapd redis-server postfix dovecot saslauthd rspamd nsd \
    policyd-rate-limit; do
	pkg=$svc
	[ "$svc" = dovecot ] && pkg=dovecot-core
	[ "$svc" = saslauthd ] && pkg=sasl2-bin
	case " $install " in
	*" $pkg "*) ;;
	*) continue ;;
	esac
	if [ -x "/etc/init.d/$svc" ] &&
	    "/etc/init.d/$svc" status >/dev/null 2>&1; then
		echo "deps.sh: stopping the system $svc"
		"/etc/init.d/$svc" stop >/dev/null 2>&1 || :
	fi
done
exit 0
