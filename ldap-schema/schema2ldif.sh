#!/bin/sh
# schema2ldif.sh - turn sendergate.schema (slapd.conf form) into the
# cn=config LDIF form (cn=sendergate,cn=schema,cn=config).
#
#   sh ldap-schema/schema2ldif.sh [SCHEMA] > ldap-schema/sendergate.ldif
#
# SCHEMA defaults to sendergate.schema next to this script. The output is
# deterministic: each definition keeps the line breaks of the .schema, its
# continuation lines become LDIF folded lines ("  " = fold marker plus one
# blank), so unfolding yields the definition on one line. The .schema's
# "Object identifiers" header paragraph is copied into the LDIF header.
# Only attributetype and objectclass statements are understood; anything
# else, or a non-ASCII byte, is an error (exit 1).

set -u

here=$(cd "$(dirname "$0")" && pwd)
schema=${1:-$here/sendergate.schema}

if [ ! -r "$schema" ]; then
	echo "schema2ldif.sh: cannot read $schema" >&2
	exit 1
fi

name=$(basename "$schema" .schema)

LC_ALL=C awk -v name="$name" -v src="$(basename "$schema")" '
function fail(msg) {
	printf "schema2ldif.sh: %s:%d: %s\n", src, NR, msg > "/dev/stderr"
	bad = 1
	exit 1
}
function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t\r]+$/, "", s)
	return s
}
BEGIN {
	inheader = 1; copying = 0; ndef = 0; cur = ""
}
/[^\001-\177]/ { fail("non-ASCII character") }
# The leading comment block: copy its "Object identifiers" paragraph.
inheader && /^#/ {
	if ($0 ~ /^# Object identifiers/)
		copying = 1
	else if (copying && $0 ~ /^#[ \t]*$/)
		copying = 0
	if (copying)
		hdr = hdr $0 "\n"
	next
}
{ inheader = 0 }
/^#/ || /^[ \t]*$/ { next }
/^[ \t]/ {
	if (cur == "")
		fail("continuation line outside a definition")
	def[ndef] = def[ndef] "\n  " trim($0)
	next
}
{
	kw = tolower($1)
	rest = trim(substr($0, length($1) + 1))
	if (kw == "attributetype")
		cur = "olcAttributeTypes"
	else if (kw == "objectclass")
		cur = "olcObjectClasses"
	else
		fail("unsupported statement \"" $1 "\"")
	if (rest == "")
		fail("definition must start on the keyword line")
	def[++ndef] = cur ": " rest
}
END {
	if (bad)
		exit 1
	if (ndef == 0) {
		printf "schema2ldif.sh: %s: no definitions\n", src > "/dev/stderr"
		exit 1
	}
	printf "# %s.ldif - LDAP schema of the sendergate milter (cn=config form)\n", name
	printf "#\n"
	printf "# GENERATED from %s by schema2ldif.sh: do not edit. Change the\n", src
	printf "# .schema, then run in the top directory:\n"
	printf "#     sh ldap-schema/schema2ldif.sh > ldap-schema/%s.ldif\n", name
	printf "# Load into a running slapd:\n"
	printf "#     ldapadd -Y EXTERNAL -H ldapi:/// -f %s.ldif\n", name
	printf "# (after core, cosine, inetorgperson and nis).\n"
	if (hdr != "")
		printf "#\n%s", hdr
	printf "\n"
	printf "dn: cn=%s,cn=schema,cn=config\n", name
	printf "objectClass: olcSchemaConfig\n"
	printf "cn: %s\n", name
	for (i = 1; i <= ndef; i++)
		printf "%s\n", def[i]
}
' "$schema"
