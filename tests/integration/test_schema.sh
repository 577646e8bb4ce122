#!/bin/sh
# test_schema.sh - checks ldap-schema/: the committed sendergate.ldif is what
# schema2ldif.sh makes of sendergate.schema; the .schema loads in slapd.conf
# form; the .ldif loads in cn=config form, offline (slapadd -n0) and online
# (ldapadd -Y EXTERNAL, as the SPEC documents); example.ldif loads into an
# mdb database, searches back, and uses every attribute and value.
#
# Prints "ok - ..." / "not ok - ..." lines; exits non-zero on any failure.

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/servers.sh"

schema=$top/ldap-schema/sendergate.schema
ldif=$top/ldap-schema/sendergate.ldif
example=$top/ldap-schema/example.ldif
sys=$SG_LDAP_SCHEMA_DIR
arc=2.25.299684228249764187700998004842023831344

# The names the SPEC fixes.
attrs="sgDomainName sgPrimaryDomain sgStatus sgStatusReason sgMonthlyLimit
sgAllowedNetwork sgArchiveAddress sgAccessMethod sgAuthMethod sgAuthId
sgBccAddress sgArchive sgReplyTo sgNotifyAddress sgReplyToVerified sgSendRate"
classes="sgDomain sgSender"

failed=0
n=0

# Report check $1 (a description) from the status of the last command.
check() {
	sg_st=$?
	n=$((n + 1))
	if [ "$sg_st" -eq 0 ]; then
		echo "ok - $1"
	else
		echo "not ok - $1"
		failed=$((failed + 1))
	fi
}

# Print a diagnostic line (TAP comment).
note() {
	echo "# $*"
}

# ldapsearch with bounded time, LDIF output without line wrapping.
lsearch() {
	timeout 30 ldapsearch -LLL -o ldif-wrap=no -o nettimeout=5 "$@" \
	    2>/dev/null
}

# Number of entries a search (ldapsearch arguments) returns.
count() {
	lsearch "$@" 1.1 | grep -c '^dn:'
}

# Write a cn=config LDIF to stdout: global, modules, schemas (the system
# ones, then the LDIF files given), config database reachable by root over
# ldapi, and an mdb database in directory $1.
config_ldif() {
	dbdir=$1
	shift
	cat <<-EOF
	dn: cn=config
	objectClass: olcGlobal
	cn: config
	olcPidFile: $dbdir/../slapd.pid
	olcArgsFile: $dbdir/../slapd.args

	dn: cn=module{0},cn=config
	objectClass: olcModuleList
	cn: module{0}
	olcModulePath: $SG_LDAP_MODULE_DIR
	olcModuleLoad: back_mdb

	dn: cn=schema,cn=config
	objectClass: olcSchemaConfig
	cn: schema

	EOF
	for f in "$sys/core.ldif" "$sys/cosine.ldif" \
	    "$sys/inetorgperson.ldif" "$sys/nis.ldif" "$@"; do
		cat "$f"
		echo
	done
	cat <<-EOF
	dn: olcDatabase={-1}frontend,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcFrontendConfig
	olcDatabase: {-1}frontend

	dn: olcDatabase={0}config,cn=config
	objectClass: olcDatabaseConfig
	olcDatabase: {0}config
	olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break

	dn: olcDatabase={1}mdb,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcMdbConfig
	olcDatabase: {1}mdb
	olcSuffix: dc=example,dc=com
	olcRootDN: cn=admin,dc=example,dc=com
	olcRootPW: adminpw
	olcDbDirectory: $dbdir
	olcDbIndex: objectClass eq
	olcDbIndex: mail eq
	olcAccess: {0}to * by * read
	EOF
}

# Build a cn=config directory in $1 from $1/config.ldif, start slapd on
# it (ldapi socket $1/ldapi, ldap on a free port). Sets cfg_uri, cfg_ldapi;
# returns non-zero on failure. (Not in a pipeline: it sets variables.)
config_slapd() {
	cdir=$1
	mkdir -p "$cdir/slapd.d" "$cdir/data" || return 1
	slapadd -n0 -F "$cdir/slapd.d" -l "$cdir/config.ldif" \
	    >"$cdir/slapadd.log" 2>&1 || {
		sed 's/^/# /' "$cdir/slapadd.log"
		return 1
	}
	cport=$(sg_free_port) || return 1
	cfg_uri=ldap://127.0.0.1:$cport
	cfg_ldapi=ldapi://$(printf '%s' "$cdir/ldapi" | sed 's,/,%2F,g')
	slapd -d 0 -F "$cdir/slapd.d" -h "$cfg_uri/ $cfg_ldapi" \
	    >"$cdir/slapd.log" 2>&1 &
	cpid=$!
	sg_atexit "sg_kill_wait $cpid slapd"
	i=0
	while [ "$i" -lt 100 ]; do
		sg_alive "$cpid" || break
		if timeout 5 ldapsearch -x -H "$cfg_uri" -o nettimeout=2 \
		    -b "" -s base >/dev/null 2>&1; then
			return 0
		fi
		i=$((i + 1))
		sleep 0.1
	done
	sed 's/^/# /' "$cdir/slapd.log"
	return 1
}

sg_setup || exit 1

# ---- the files -------------------------------------------------------

# (a) the committed LDIF is the generated one
sh "$top/ldap-schema/schema2ldif.sh" >"$SG_TMP/gen.ldif" 2>"$SG_TMP/gen.err"
check "schema2ldif.sh runs"
sh "$top/ldap-schema/schema2ldif.sh" "$schema" >"$SG_TMP/gen2.ldif" 2>&1 &&
    cmp -s "$SG_TMP/gen.ldif" "$SG_TMP/gen2.ldif"
check "schema2ldif.sh output is deterministic"
if cmp -s "$SG_TMP/gen.ldif" "$ldif"; then
	true
else
	diff -u "$ldif" "$SG_TMP/gen.ldif" | head -n 20 | sed 's/^/# /'
	false
fi
check "sendergate.ldif is up to date with sendergate.schema"

missing=
for a in $attrs $classes; do
	[ "$(grep -c "NAME '$a'" "$schema")" -eq 1 ] || missing="$missing $a"
done
[ -z "$missing" ]
check "every SPEC name defined once, quoted, in the .schema${missing:+ (missing:$missing)}"

defs=$(grep -ciE '^(attributetype|objectclass)[[:space:]]' "$schema")
[ "$defs" -eq 25 ]
check "the .schema has 23 attribute types and 2 object classes (got $defs)"

bad=$(grep -iE '^(attributetype|objectclass)[[:space:]]' "$schema" |
    grep -v "( $arc\.[12]\.[0-9][0-9]* *\$")
[ -z "$bad" ]
check "every OID hangs under the 2.25 arc"

dups=$(grep -oE "$arc\.[12]\.[0-9]+" "$schema" | sort | uniq -d)
[ -z "$dups" ]
check "no OID used twice${dups:+ ($dups)}"

grep -q "$arc" "$schema" && grep -qi 'uuid' "$schema" &&
    grep -q "$arc" "$ldif"
check "UUID and arc written in the headers"

# ---- (b) slapd.conf form ---------------------------------------------

mkdir -p "$SG_TMP/conf/data"
cat >"$SG_TMP/conf/slapd.conf" <<EOF
include $sys/core.schema
include $sys/cosine.schema
include $sys/inetorgperson.schema
include $sys/nis.schema
include $schema
modulepath $SG_LDAP_MODULE_DIR
moduleload back_mdb
database mdb
suffix "dc=example,dc=com"
rootdn "cn=admin,dc=example,dc=com"
directory $SG_TMP/conf/data
index objectClass,mail,sgPrimaryDomain,sgAuthId,sgDomainName eq
index sgAllowedNetwork,sgBccAddress eq,sub
index sgMonthlyLimit,sgArchive,sgStatus eq
EOF
slaptest -u -f "$SG_TMP/conf/slapd.conf" >"$SG_TMP/conf/slaptest.log" 2>&1 ||
    { sed 's/^/# /' "$SG_TMP/conf/slaptest.log"; false; }
check "slaptest: .schema loads after core, cosine, inetorgperson, nis"

# ---- (c) cn=config form, offline ---------------------------------------

mkdir -p "$SG_TMP/cfg"
config_ldif "$SG_TMP/cfg/data" "$ldif" >"$SG_TMP/cfg/config.ldif"
cat >>"$SG_TMP/cfg/config.ldif" <<EOF
olcDbIndex: sgPrimaryDomain eq
olcDbIndex: sgAuthId eq
EOF
config_slapd "$SG_TMP/cfg"
check "slapadd -n0 with the .ldif builds a cn=config; slapd -F starts"

timeout 30 slaptest -F "$SG_TMP/cfg/slapd.d" >/dev/null 2>&1 </dev/null
check "slaptest -F accepts that configuration"

lsearch -Y EXTERNAL -H "$cfg_ldapi" -b cn=schema,cn=config \
    '(cn=*sendergate)' olcAttributeTypes olcObjectClasses \
    >"$SG_TMP/cfg/olc.ldif"
at=$(grep -c '^olcAttributeTypes:' "$SG_TMP/cfg/olc.ldif")
oc=$(grep -c '^olcObjectClasses:' "$SG_TMP/cfg/olc.ldif")
[ "$at" -eq 23 ] && [ "$oc" -eq 2 ]
check "cn={N}sendergate,cn=schema,cn=config: 23 attribute types, 2 classes (got $at, $oc)"

lsearch -x -H "$cfg_uri" -b cn=Subschema -s base attributeTypes \
    objectClasses >"$SG_TMP/cfg/subschema.ldif"
missing=
for a in $attrs; do
	grep -q "^attributeTypes: ( $arc\.1\.[0-9]* NAME '$a' " \
	    "$SG_TMP/cfg/subschema.ldif" || missing="$missing $a"
done
for c in $classes; do
	grep -q "^objectClasses: ( $arc\.2\.[0-9]* NAME '$c' " \
	    "$SG_TMP/cfg/subschema.ldif" || missing="$missing $c"
done
[ -z "$missing" ]
check "subschema subentry publishes every name${missing:+ (missing:$missing)}"

grep "NAME 'sgSender'" "$SG_TMP/cfg/subschema.ldif" |
    grep -q "STRUCTURAL MUST mail MAY"
check "sgSender is STRUCTURAL, MUST mail"

grep "NAME 'sgDomain'" "$SG_TMP/cfg/subschema.ldif" |
    grep -q "MUST ( sgDomainName \$ sgPrimaryDomain )"
check "sgDomain MUST sgDomainName \$ sgPrimaryDomain"

single=
for a in sgDomainName sgPrimaryDomain sgStatus sgStatusReason sgMonthlyLimit \
    sgArchiveAddress sgArchive sgReplyTo; do
	grep "NAME '$a'" "$SG_TMP/cfg/subschema.ldif" | grep -q SINGLE-VALUE ||
	    single="$single $a"
done
for a in sgAllowedNetwork sgAccessMethod sgAuthMethod sgAuthId sgBccAddress; do
	grep "NAME '$a'" "$SG_TMP/cfg/subschema.ldif" | grep -q SINGLE-VALUE &&
	    single="$single $a"
done
[ -z "$single" ]
check "SINGLE-VALUE exactly where the SPEC says single${single:+ (wrong:$single)}"

# ---- (d) example.ldif in an mdb database --------------------------------

base=ou=sendergate,dc=example,dc=com

# ldapadd as the rootdn of that slapd.
admin_add() {
	timeout 60 ldapadd -x -H "$cfg_uri" -o nettimeout=5 \
	    -D cn=admin,dc=example,dc=com -w adminpw "$@"
}

admin_add >"$SG_TMP/cfg/add.log" 2>&1 <<EOF
dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
dc: example
o: Example
EOF
admin_add -f "$example" >>"$SG_TMP/cfg/add.log" 2>&1 ||
    { tail -n 5 "$SG_TMP/cfg/add.log" | sed 's/^/# /'; false; }
check "ldapadd example.ldif (schema checked on add)"

want=$(grep -c '^dn:' "$example")
got=$(count -x -H "$cfg_uri" -b "$base")
[ "$got" -eq "$want" ]
check "all $want example entries search back (got $got)"

# filter, expected count, description
while IFS='|' read -r filter expect what; do
	[ -n "$filter" ] || continue
	got=$(count -x -H "$cfg_uri" -b "$base" "$filter")
	[ "$got" -eq "$expect" ]
	check "search $what: $filter (got $got, want $expect)"
done <<'EOF'
(&(objectClass=sgDomain)(sgPrimaryDomain=AcmeCorp.COM))|1|domain by primary domain, any case
(&(objectClass=sgSender)(mail=John.Smith@ACMECORP.com))|1|sender by address, any case
(sgAuthId=JOHN.SMITH@acmecorp-com.relay.example)|2|senders of one login
(&(objectClass=sgSender)(sgMonthlyLimit>=1000))|2|integer ordering
(sgMonthlyLimit=0)|1|limit 0
(sgArchive=TRUE)|2|boolean TRUE
(sgArchive=FALSE)|1|boolean FALSE
(sgStatus=SUSPENDED)|1|status suspended
(sgStatus=disabled)|1|status disabled
(sgStatusReason=*under review*)|1|status reason substring
(sgAllowedNetwork=2001:DB8:300::10)|1|IPv6 network, any case
(sgBccAddress=*@acmecorp.com)|2|BCC address substring
(&(sgAccessMethod=smtp)(sgAccessMethod=campaign))|1|both access methods
(&(sgAuthMethod=user)(sgAuthMethod=ip))|1|both auth methods
EOF

# Every attribute and every fixed value of the schema appears in the
# example (the SPEC: "senders covering every option").
missing=
for a in $attrs cn description userPassword; do
	grep -q "^$a: " "$example" || missing="$missing $a"
done
for v in "sgAccessMethod: smtp" "sgAccessMethod: campaign" \
    "sgAuthMethod: user" "sgAuthMethod: ip" "sgArchive: TRUE" \
    "sgArchive: FALSE" "sgStatus: active" "sgStatus: suspended" \
    "sgStatus: disabled" "sgMonthlyLimit: 0" "userPassword: {SSHA}"; do
	grep -q "^$v" "$example" || missing="$missing '$v'"
done
grep -Eq '^sgAllowedNetwork: [0-9.]+$' "$example" &&
    grep -Eq '^sgAllowedNetwork: [0-9a-f:]+$' "$example" &&
    grep -Eq '^sgAllowedNetwork: [0-9.]+/[0-9]+$' "$example" &&
    grep -Eq '^sgAllowedNetwork: [0-9a-f:]+/[0-9]+$' "$example" ||
    missing="$missing networks"
[ -z "$missing" ]
check "example.ldif uses every attribute and value${missing:+ (missing:$missing)}"

timeout 30 ldapwhoami -x -H "$cfg_uri" -o nettimeout=5 \
    -D "mail=intern@acmecorp.com,sgDomainName=acmecorp-com.relay.example,$base" \
    -w Intern-2026 >/dev/null 2>&1
check "an example sender binds with the password its comment states"

# ---- cn=config form, online: the way the SPEC documents ----------------

mkdir -p "$SG_TMP/live"
config_ldif "$SG_TMP/live/data" >"$SG_TMP/live/config.ldif"
config_slapd "$SG_TMP/live"
check "a cn=config slapd without the sendergate schema starts"

timeout 60 ldapadd -Y EXTERNAL -H "$cfg_ldapi" -f "$ldif" \
    >"$SG_TMP/live/add.log" 2>&1 ||
    { sed 's/^/# /' "$SG_TMP/live/add.log"; false; }
check "ldapadd -Y EXTERNAL -H ldapi:/// -f sendergate.ldif"

timeout 60 ldapmodify -Y EXTERNAL -H "$cfg_ldapi" \
    >>"$SG_TMP/live/add.log" 2>&1 <<EOF
dn: olcDatabase={1}mdb,cn=config
changetype: modify
add: olcDbIndex
olcDbIndex: sgPrimaryDomain eq
olcDbIndex: sgAuthId eq
EOF
check "indexes on sgPrimaryDomain and sgAuthId can be added then"

got=$(lsearch -x -H "$cfg_uri" -b cn=Subschema -s base attributeTypes |
    grep -c "^attributeTypes: ( $arc\.1\.")
[ "$got" -eq 23 ]
check "the running slapd publishes the 23 attribute types (got $got)"

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	note "$failed of $n checks failed (SG_KEEP=1 keeps $SG_TMP)"
	exit 1
fi
exit 0
