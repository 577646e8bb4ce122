#!/bin/sh
# test_docs.sh - the documents a newcomer reads: every man page clean
# under mandoc -Tlint (nothing at WARNING or worse; the style notes that
# depend on this machine's installed pages aside) and groff -ww, a fixed
# .Dd and ".Os sendergate", sendergatectl(8) in the SEE ALSO of the other
# pages; README.md opening with the two commands; every repository file a
# document names existing; the bash completion knowing every command;
# the includes of milter/ running downward between its rooms.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

check() {
	_case=$1
	shift
	if "$@"; then echo "ok - $_case"; else echo "not ok - $_case"; fi
}

if ! command -v mandoc >/dev/null 2>&1; then
	echo "not ok - mandoc is not installed (sh tests/lib/deps.sh)"
	exit 1
fi
for m in man/*.[0-9]; do
	lint=$(mandoc -Tlint "$m" 2>&1 | grep -v -e 'outdated mandoc.db' \
	    -e 'referenced manual not found' \
	    -e 'operating system explicitly specified: Os sendergate')
	check "$m: mandoc -Tlint clean" test -z "$lint"
	[ -z "$lint" ] || echo "$lint" | sed 's/^/	# /'
	g=$(groff -t -ww -mandoc -Tutf8 -z "$m" 2>&1)
	check "$m: groff -ww clean" test -z "$g"
	[ -z "$g" ] || echo "$g" | sed 's/^/	# /'
	check "$m: a fixed .Dd" grep -qE '^\.Dd [A-Z][a-z]+ [0-9]{1,2}, [0-9]{4}$' "$m"
	check "$m: .Os sendergate" grep -qx '.Os sendergate' "$m"
	case $m in
	*/sendergatectl.8) ;;
	*)
		check "$m: sendergatectl(8) in SEE ALSO" sh -c \
		    "sed -n '/^\.Sh SEE ALSO/,/^\.Sh /p' '$m' | grep -q '^\.Xr sendergatectl 8'"
		;;
	esac
done

check "README.md opens with make demo and make check" \
    sh -c "head -n 30 README.md | grep -q '^make demo' &&
    head -n 30 README.md | grep -q '^make check'"

# Paths a document names: README.md, the READMEs beside the files they
# describe, the man pages. Words that look like files of this repository
# (a known top directory or a top-level *.md) must exist.
docs="README.md BENCHMARKS.md postfix-examples/README.md ldap-schema/README.md tests/README.md man/*.[0-9]"
missing=
for d in $docs; do
	[ -f "$d" ] || { missing="$missing $d(missing)"; continue; }
	for p in $(grep -oE '(^|[^A-Za-z0-9_./-])((milter|tests|ldap-schema|postfix-examples|man|contrib|\.ci)/[A-Za-z0-9_./-]*[A-Za-z0-9_]|[A-Z][A-Z_]*\.md)' "$d" |
	    sed 's/^[^A-Za-z.]//' | sort -u); do
		case $p in
		*\**|*/tmp/*) continue ;;
		esac
		# a program built from $p.c counts as named by its source
		[ -e "$p" ] || [ -e "$p.c" ] || missing="$missing $d:$p"
	done
done
check "every repository file the documents name exists" test -z "$missing"
[ -z "$missing" ] || echo "$missing" | tr ' ' '\n' | grep . | sed 's/^/	# /'

# the bash completion offers every command of sendergatectl --help
comp=contrib/sendergatectl.bash
if [ -f "$comp" ] && [ -x milter/sendergatectl ]; then
	for c in $(milter/sendergatectl --help | sed -n 's/^  \([a-z]*\) .*/\1/p' | sort -u); do
		grep -q "\\b$c\\b" "$comp" || missing_c="${missing_c:-} $c"
	done
	check "the bash completion knows every command${missing_c:+ (not:$missing_c)}" \
	    test -z "${missing_c:-}"
	check "the bash completion parses (bash -n)" bash -n "$comp"
	got=$(bash -c '. "$1"; COMP_WORDS=(sendergatectl sender ad)
	    COMP_CWORD=2; _sendergatectl; echo "${COMPREPLY[*]}"
	    COMP_WORDS=(sendergatectl sender add a@b.test --access "")
	    COMP_CWORD=5; _sendergatectl; echo "${COMPREPLY[*]}"' sh "$comp")
	check "the bash completion completes \"sender ad\" and --access's words" \
	    test "$got" = "add
smtp campaign"
else
	echo "not ok - $comp or milter/sendergatectl missing"
fi

# The rooms of milter/ (each folder's README.md): every include of ours
# runs downward. lib/ includes lib/ alone; dir/ and redis/ add lib/;
# daemon/ never ctl/; ctl/ of daemon/ only mailfrom.h (explain).
# allowed ROOM: the rooms its files may include, as an ERE.
allowed() {
	case $1 in
	lib) echo 'lib' ;;
	dir) echo 'lib|dir' ;;
	redis) echo 'lib|redis' ;;
	daemon) echo 'lib|dir|redis|daemon' ;;
	ctl) echo 'lib|dir|redis|ctl|daemon/mailfrom\.h' ;;
	esac
}
bad_inc=
for room in lib dir redis daemon ctl; do
	check "milter/$room/README.md exists" test -f "milter/$room/README.md"
	bad=$(grep -Hn '^#include "' milter/$room/*.[ch] |
	    grep -vE "#include \"($(allowed $room))(/|\")")
	[ -z "$bad" ] || bad_inc="$bad_inc
$bad"
done
check "every include of milter/ runs downward (lib < dir, redis < daemon, ctl)" \
    test -z "$bad_inc"
[ -z "$bad_inc" ] || echo "$bad_inc" | sed 's/^/	# /'
check "no .c file at the top of milter/" test -z "$(ls milter/*.c 2>/dev/null)"

# One name for one thing across the documents an operator follows: the
# READMEs, the man pages, the shipped examples (postfix-examples/,
# ldap-schema/, sendergate.conf.example, contrib/). Test data aside.
odocs="README.md postfix-examples/README.md ldap-schema/README.md man/*.[0-9]
    sendergate.conf.example postfix-examples/main.cf postfix-examples/master.cf
    postfix-examples/sendmail.mc postfix-examples/dovecot/* ldap-schema/*.ldif
    contrib/sendergate.init"
# DNs: each leading RDN under dc=example,dc=com names one DN everywhere
# (the milter's cn=sendergate, the admin's cn=admin, the base
# ou=sendergate, ou=services)
dns=$(grep -ohE '\b(cn|ou)=[A-Za-z0-9-]+(,(ou|dc)=[A-Za-z0-9-]+)*,dc=com\b' $odocs |
    sort -u)
split=
for rdn in $(echo "$dns" | cut -d, -f1 | sort -u); do
	n=$(echo "$dns" | grep -c "^$rdn,")
	[ "$n" -eq 1 ] || split="$split $(echo "$dns" | grep "^$rdn," | tr '\n' ' ')"
done
check "one DN per name across the documents" test -z "$split"
[ -z "$split" ] || echo "$split" | tr ' ' '\n' | grep . |
    while read -r d; do echo "	# $d: $(grep -lF "$d" $odocs | tr '\n' ' ')"; done
check "the milter's DN is cn=sendergate,ou=services,dc=example,dc=com" \
    sh -c "echo '$dns' | grep '^cn=sendergate,' | grep -qx 'cn=sendergate,ou=services,dc=example,dc=com'"
# Paths of the installation the documents name exist after make install
inst=$(mktemp -d "${TMPDIR:-/tmp}/sg-docs.XXXXXX")
if make -s install DESTDIR="$inst" PREFIX=/usr >"$inst.log" 2>&1; then
	gone=
	for p in $(grep -ohE '/(usr/share/(sendergate|doc/sendergate)|etc/sendergate)/[A-Za-z0-9_./-]*[A-Za-z0-9_]' \
	    $odocs | sort -u); do
		case $p in
		/etc/sendergate/*.secret|/etc/sendergate/*.pw) continue ;;	# the admin's own
		esac
		[ -e "$inst$p" ] || gone="$gone $p"
	done
	check "every installed path the documents name is installed${gone:+ (not:$gone)}" \
	    test -z "$gone"
else
	echo "not ok - make install DESTDIR=... failed"
	sed 's/^/	# /' "$inst.log"
fi
rm -rf "$inst" "$inst.log"
# Configuration keys written as "key = value" in the documents are keys
# of sendergate.conf(5)
keys=$(sed -n 's/^\.It Cm \([a-z_]*\).*/\1/p' man/sendergate.conf.5 | sort -u)
unknown=
for k in $(sed -n '/^<!-- readme-test: file/,/^```$/p' README.md |
    sed -n 's/^\([a-z_]*\) = .*/\1/p') \
    $(sed -n 's/^#* *\([a-z_]*\) = .*/\1/p' sendergate.conf.example); do
	echo "$keys" | grep -qx "$k" || unknown="$unknown $k"
done
check "README's and sendergate.conf.example's keys are sendergate.conf(5)'s${unknown:+ (not:$unknown)}" \
    test -z "$unknown"
# The secret file's name and mode advice agree
# (the bind password's, and the domain tokens' relay secret)
check "the secret files are /etc/sendergate/ldap.secret and domain-token.secret wherever named" \
    sh -c "! grep -ohE '/etc/sendergate/[a-z_.-]*secret[a-z_.-]*' $(echo $odocs) | sort -u | grep -vxE '/etc/sendergate/(ldap|domain-token)\.secret'"
