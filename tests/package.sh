#!/bin/sh
# package.sh - the Debian package, end to end (as root; .ci/run runs it):
# build it with dpkg-buildpackage -b -us -uc from a copy of the tree (the
# tree itself stays clean), check it with lintian (no error), install it
# with apt-get install ./sendergate_*.deb, run the installed sendergate
# -n and -V, look at what it installed (the sendergate user, the unit,
# the conffile, the schema), then purge it and check that it is gone.
# Prints "ok - ..." / "not ok - ..." lines and "package: N passed, N
# failed"; exits non-zero if anything failed. Leaves nothing behind: the
# copy is removed, and the package purged even when a check fails.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0

check() {
	_what=$1
	shift
	if "$@"; then
		echo "ok - $_what"
		passed=$((passed + 1))
	else
		echo "not ok - $_what"
		failed=$((failed + 1))
	fi
}

finish() {
	echo "package: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - tests/package.sh installs a package: run it as root"
	failed=1
	finish
fi
for t in dpkg-buildpackage dh lintian apt-get; do
	command -v "$t" >/dev/null 2>&1 ||
	    { echo "not ok - $t missing (sh tests/lib/deps.sh)"; failed=1; finish; }
done
if dpkg-query -W -f='${db:Status-Status}' sendergate 2>/dev/null |
    grep -qx installed; then
	echo "not ok - a sendergate package is installed already; not touching it"
	failed=1
	finish
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sg-package.XXXXXX")
cleanup() {
	if dpkg-query -W -f='${db:Status-Status}' sendergate 2>/dev/null |
	    grep -q .; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q sendergate \
		    >/dev/null 2>&1
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build, from a copy ---------------------------------------------------
before=$(cd "$top" && git status --porcelain 2>/dev/null)
mkdir "$work/sendergate"
(cd "$top" && tar cf - --exclude=./.git --exclude=./tmp --exclude='*.o' \
    --exclude=./milter/sendergate --exclude=./milter/sendergatectl \
    --exclude=./milter/lib/paths.h --exclude=./tests/tools/mtclient \
    --exclude=./tests/bench/mtload --exclude='./tests/unit/test_*[!c]' .) |
    (cd "$work/sendergate" && tar xf -)
(cd "$work/sendergate" && dpkg-buildpackage -b -us -uc) \
    >"$work/build.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || tail -n 30 "$work/build.log" | sed 's/^/# /'
check "dpkg-buildpackage -b -us -uc (status $rc)" test "$rc" -eq 0
deb=$(ls "$work"/sendergate_*.deb 2>/dev/null | head -n 1)
check "a .deb was built ($(basename "${deb:-none}"))" test -n "$deb"
[ -n "$deb" ] || finish
after=$(cd "$top" && git status --porcelain 2>/dev/null)
check "the source tree is as it was (git status)" test "$before" = "$after"

version=$(dpkg-deb -f "$deb" Version)
want=$(sed -n 's/^#define SG_VERSION[^"]*"\(.*\)"/\1/p' "$top/milter/lib/version.h")
check "package version $version is milter/lib/version.h's $want" \
    test "$version" = "$want"

lintian --no-tag-display-limit "$deb" >"$work/lintian.log" 2>&1
sed 's/^/# lintian: /' "$work/lintian.log"
check "lintian: no error" sh -c "! grep -q '^E:' '$work/lintian.log'"

contents=$(dpkg-deb -c "$deb")
for f in ./usr/sbin/sendergate ./usr/sbin/sendergatectl \
    ./usr/share/man/man8/sendergate.8.gz ./usr/share/man/man5/sendergate.conf.5.gz \
    ./usr/share/man/man8/sendergatectl.8.gz ./lib/systemd/system/sendergate.service \
    ./usr/lib/tmpfiles.d/sendergate.conf ./usr/lib/sysusers.d/sendergate.conf \
    ./etc/sendergate/sendergate.conf \
    ./usr/share/sendergate/ldap-schema/sendergate.schema \
    ./usr/share/sendergate/ldap-schema/sendergate.ldif \
    ./usr/share/sendergate/ldap-schema/debian-slapd.ldif \
    ./usr/share/sendergate/ldap-schema/sendergate-base.ldif \
    ./usr/share/sendergate/ldap-schema/README.md \
    ./usr/share/sendergate/sendergate.init \
    ./usr/share/sendergate/prometheus/sendergate.rules.yml \
    ./usr/share/sendergate/prometheus/sendergate.grafana.json \
    ./usr/share/doc/sendergate/README.md.gz \
    ./usr/share/doc/sendergate/examples/sendergate.conf.example; do
	check "the package holds $f" sh -c "echo '$contents' |
	    awk '{ print \$6 }' | grep -qx '$f'"
done
check "sendergate.conf is a conffile" sh -c "dpkg-deb --ctrl-tarfile '$deb' |
    tar xOf - ./conffiles | grep -qx /etc/sendergate/sendergate.conf"

# --- hardening: dpkg-buildflags' CPPFLAGS reached the compiler ------------
x=$(mktemp -d "$work/x.XXXXXX")
dpkg-deb -x "$deb" "$x"
for b in sendergate sendergatectl; do
	if command -v hardening-check >/dev/null 2>&1; then
		hardening-check "$x/usr/sbin/$b" >"$work/hc-$b.log" 2>&1
		rc=$?
		sed 's/^/# /' "$work/hc-$b.log"
		check "hardening-check $b: every protection (status $rc)" \
		    test "$rc" -eq 0
	fi
	check "$b is fortified (_FORTIFY_SOURCE: __*_chk symbols)" \
	    sh -c "nm -D '$x/usr/sbin/$b' | grep -q '__[a-z_]*_chk'"
done
check "lintian: no hardening-no-fortify-functions" \
    sh -c "! grep -q hardening-no-fortify-functions '$work/lintian.log'"

# --- install, run, purge --------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" \
    >"$work/install.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || tail -n 20 "$work/install.log" | sed 's/^/# /'
check "apt-get install ./$(basename "$deb") (status $rc)" test "$rc" -eq 0
check "the sendergate user exists (sysusers.d)" id sendergate
check "/run/sendergate made (tmpfiles.d)" test -d /run/sendergate
/usr/sbin/sendergate -n >"$work/n.out" 2>&1
rc=$?
sed 's/^/# /' "$work/n.out"
check "installed sendergate -n on /etc/sendergate/sendergate.conf: valid" \
    sh -c "[ $rc -eq 0 ] && grep -qx 'sendergate: /etc/sendergate/sendergate.conf: configuration is valid' '$work/n.out'"
/usr/sbin/sendergate -V >"$work/v.out" 2>&1
rc=$?
sed 's/^/# /' "$work/v.out"
check "installed sendergate -V: exit 0, version $want" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(head -n 1 '$work/v.out')\" = 'sendergate $want' ]"
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify /lib/systemd/system/sendergate.service \
	    >"$work/verify.log" 2>&1
	rc=$?
	sed 's/^/# /' "$work/verify.log"
	check "systemd-analyze verify on the installed unit" test "$rc" -eq 0
fi

# the README's set-up, as written, on the installed package
SG_README_INSTALLED=1 sh "$top/tests/integration/test_readme.sh" \
    >"$work/readme.log" 2>&1
rc=$?
sed 's/^/# readme: /' "$work/readme.log"
check "README.md's set-up runs on the installed package (test_readme.sh, status $rc)" \
    sh -c "[ $rc -eq 0 ] && ! grep -q '^not ok' '$work/readme.log'"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -q sendergate \
    >"$work/purge.log" 2>&1
rc=$?
check "apt-get purge sendergate (status $rc)" test "$rc" -eq 0
check "purged: no /usr/sbin/sendergate" test ! -e /usr/sbin/sendergate
check "purged: no /etc/sendergate" test ! -e /etc/sendergate
check "purged: dpkg knows it no more" sh -c "! dpkg-query -W sendergate >/dev/null 2>&1 ||
    [ -z \"\$(dpkg-query -W -f='\${db:Status-Status}' sendergate)\" ] ||
    dpkg-query -W -f='\${db:Status-Status}' sendergate | grep -qx not-installed"
finish
