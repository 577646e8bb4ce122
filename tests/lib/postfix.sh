# postfix.sh - a private Postfix for sendergate's tests and demo: Postfix
# with sendergate as its milter, a private Dovecot checking SMTP AUTH
# against the test slapd, and smtp-sink capturing what Postfix relays.
#
# A POSIX sh library, sourced after servers.sh and milter.sh:
#
#     sg_setup; slapd_start ...; redis_start
#     milter_conf main; milter_start main
#     sink_start                     # the outbound side: smtp-sink -d
#     pf_start "$MILTER_SOCK_main"   # Postfix: ports 25, 587, campaign,
#                                    # and Dovecot SASL on the test LDAP
#     pf_send CASE PORT --from a@x --to b@y [swaks options...]
#     pf_reply CASE                  # the SMTP reply that decided
#     pf_delivered CASE              # envelope recipients at the sink
#
# Everything listens on 127.0.0.1 ports from sg_free_port, lives in
# $SG_TMP and is stopped at exit (sg_atexit). The configuration is the
# shipped postfix-examples/main.cf, master.cf and dovecot/* with paths,
# ports and secrets replaced, so the tests check what users copy.
#
# Functions
#   pf_ldif FILE          write the LDIF of the pf.test customer (below)
#   sink_start            smtp-sink on $SINK_PORT, one file per message in
#                         $SINK_DIR (its envelope in X-Rcpt-Args lines)
#   dove_start            Dovecot auth-only: socket private/auth of the
#                         Postfix queue (made by pf_prepare), log $DOVE_LOG
#   pf_prepare MILTER_SOCK  write the Postfix configuration ($PF_CONF)
#   pf_start MILTER_SOCK  pf_prepare, then pf_launch
#   pf_launch             start the prepared Postfix; then dove_start
#   pf_transport KEY TRANSPORT  a transport_maps entry (before pf_launch)
#   pf_learn_bounces USER COMMAND...  bounce copies piped to COMMAND as
#                         USER (sendergatectl suppress learn), as
#                         postfix-examples/README.md recommends
#   pf_stop, dove_stop, sink_stop
#   pf_send CASE PORT ARGS...  swaks to 127.0.0.1:PORT, with header
#                         "X-Case: CASE"; transcript in $SG_TMP/CASE.swaks
#   pf_reply CASE         the first error reply of the transcript, or the
#                         reply to the end of data ("250 2.0.0 Ok: queued
#                         as ..."), without the "<-" marks
#   pf_delivered CASE [SECONDS]  wait for CASE at the sink (default 10 s)
#                         and print its envelope recipients, one a line,
#                         sorted, as "<addr>[ PARAMS]"; 1 if it never came
#   pf_queue_count        messages in Postfix's queue
#   pf_log_has TEXT       Postfix's maillog has TEXT
#   sm_fetch, sm_sasl_start, sm_start MILTER_SOCK, sm_run ARGS, sm_stop:
#                         the real Sendmail, its SMTP AUTH through
#                         saslauthd on the test slapd (see "Sendmail")
#
# Knobs: PF_REGISTER=1 lists $PF_CONF in alternate_config_directories of
# an existing /etc/postfix/main.cf for the run (for postqueue -c);
# SM_CACHE (default /var/cache/sendergate-tests) keeps the Sendmail .debs.
#
# Variables
#   PF_DIR ($SG_TMP/postfix), PF_CONF (config dir), PF_QUEUE, PF_LOG,
#   PF_PORT_SMTP, PF_PORT_SUBMISSION, PF_PORT_CAMPAIGN,
#   SINK_PORT, SINK_DIR, DOVE_DIR, DOVE_LOG
#
# Needs: postfix (smtp-sink), dovecot-core, dovecot-ldap, swaks, openssl
# (tests/lib/deps.sh). Must run as root (Postfix's queue is root's).
#
# The pf.test customer (pf_ldif), loaded beside tests/integration/data.ldif
# (which it leaves alone): logins in realm pf-test.relay.example; the
# client of every test is 127.0.0.1.
#   pfuser@pf.test   user; login pfuser@, password PfUser-1; two BCC
#                    copies, archived (pf-archive@vault.test), Reply-To
#   pfother@pf.test  user; login pfother@, password PfOther-1
#   pfshared@pf.test user; logins pfshared@ (its home, PfShared-1) and
#                    pfuser@ (another home): pfuser@ with PfShared-1 fails
#   pfip@pf.test     ip; sgAllowedNetwork 127.0.0.1/32, one BCC copy
#   pfcamp@pf.test   campaign only; user, login pfcamp@, PfCamp-1
#   pfquota@pf.test  ip from 127.0.0.1; limit 1 a month
#   pfnoip@pf.test   ip, from 192.0.2.0/24 only (not loopback)
#   pfplain@pf.test  user; a plain login without realm, pfplain,
#                    password PfPlain-1 ({CRYPT}, SHA-512)

PF_EXAMPLES=${PF_EXAMPLES:-$SG_ROOT/postfix-examples}
PF_REALM=pf-test.relay.example

# Print a message on stderr.
pf_say() {
	echo "postfix.sh: $*" >&2
}

# Write the pf.test customer's entries to FILE (passwords hashed here).
pf_ldif() {
	_pl_base=ou=sendergate,dc=example,dc=com
	_pl_dom="sgDomainName=$PF_REALM,$_pl_base"
	_pl_u=$(slappasswd -h '{SSHA}' -s PfUser-1) &&
	_pl_o=$(slappasswd -h '{SSHA}' -s PfOther-1) &&
	_pl_s=$(slappasswd -h '{SSHA}' -s PfShared-1) &&
	_pl_c=$(slappasswd -h '{SSHA}' -s PfCamp-1) &&
	_pl_p=$(slappasswd -h '{CRYPT}' -c '$6$%.16s' -s PfPlain-1) || return 1
	cat >"$1" <<-EOF
	dn: $_pl_dom
	objectClass: sgDomain
	sgDomainName: $PF_REALM
	sgPrimaryDomain: pf.test
	sgMonthlyLimit: 1000
	sgArchiveAddress: pf-archive@vault.test

	dn: mail=pfuser@pf.test,$_pl_dom
	objectClass: sgSender
	mail: pfuser@pf.test
	cn: PF user
	userPassword: $_pl_u
	sgAuthMethod: user
	sgAuthId: pfuser@$PF_REALM
	sgBccAddress: pf-bcc1@copies.test
	sgBccAddress: pf-bcc2@copies.test
	sgArchive: TRUE
	sgReplyTo: pf-replies@pf.test
	sgReplyToVerified: TRUE
	sgMonthlyLimit: 100

	dn: mail=pfother@pf.test,$_pl_dom
	objectClass: sgSender
	mail: pfother@pf.test
	cn: PF other
	userPassword: $_pl_o
	sgAuthMethod: user
	sgAuthId: pfother@$PF_REALM

	dn: mail=pfshared@pf.test,$_pl_dom
	objectClass: sgSender
	mail: pfshared@pf.test
	cn: PF shared
	userPassword: $_pl_s
	sgAuthMethod: user
	sgAuthId: pfshared@$PF_REALM
	sgAuthId: pfuser@$PF_REALM

	dn: mail=pfip@pf.test,$_pl_dom
	objectClass: sgSender
	mail: pfip@pf.test
	cn: PF IP-controlled
	sgAuthMethod: ip
	sgAllowedNetwork: 127.0.0.1/32
	sgBccAddress: pf-ipcopy@copies.test

	dn: mail=pfcamp@pf.test,$_pl_dom
	objectClass: sgSender
	mail: pfcamp@pf.test
	cn: PF campaigns
	userPassword: $_pl_c
	sgAccessMethod: campaign
	sgAuthMethod: user
	sgAuthId: pfcamp@$PF_REALM

	dn: mail=pfquota@pf.test,$_pl_dom
	objectClass: sgSender
	mail: pfquota@pf.test
	cn: PF quota
	sgAuthMethod: ip
	sgAllowedNetwork: 127.0.0.1/32
	sgMonthlyLimit: 1

	dn: mail=pfplain@pf.test,$_pl_dom
	objectClass: sgSender
	mail: pfplain@pf.test
	cn: PF plain login
	userPassword: $_pl_p
	sgAuthMethod: user
	sgAuthId: pfplain

	dn: mail=pfnoip@pf.test,$_pl_dom
	objectClass: sgSender
	mail: pfnoip@pf.test
	cn: PF elsewhere
	sgAuthMethod: ip
	sgAllowedNetwork: 192.0.2.0/24
	EOF
}

# pf_netns_enter SCRIPT [ARGS...]: run the test script again in a
# network namespace of its own, where only a loopback interface exists
# (brought up): the shipped examples' ports 25, 587, 2525 and 8891 are
# free there whatever this machine runs, and nothing can listen beyond
# loopback. Returns at once inside it (SG_NETNS=1).
pf_netns_enter() {
	[ "${SG_NETNS:-0}" = 1 ] && return 0
	if ! unshare --net true 2>/dev/null; then
		echo "not ok - network namespaces (unshare --net) are needed"
		exit 1
	fi
	SG_NETNS=1 exec unshare --net sh -c \
	    'ip link set lo up && exec sh "$@"' sh "$@"
}

# Wait until TCP port $1 of 127.0.0.1 listens, at most $2 tenths.
pf_wait_port() {
	_wp_i=0
	_wp_hex=$(printf ':%04X' "$1")
	while [ "$_wp_i" -lt "$2" ]; do
		awk -v h="$_wp_hex" '
		    substr($2, length($2) - 4) == h && $4 == "0A" { f = 1 }
		    END { exit !f }' /proc/net/tcp && return 0
		_wp_i=$((_wp_i + 1))
		sleep 0.1
	done
	return 1
}

# ---- the outbound side ---------------------------------------------------

# Start smtp-sink: every message relayed to it lands in $SINK_DIR.
sink_start() {
	SINK_DIR=$SG_TMP/sink
	# smtp-sink writes as postfix: it must reach into $SG_TMP (traverse
	# only; the secrets in it are mode 0600)
	chmod 711 "$SG_TMP" || return 1
	mkdir -p "$SINK_DIR" && chown postfix "$SINK_DIR" || return 1
	SINK_PORT=$(sg_free_port) || return 1
	export SINK_DIR SINK_PORT
	smtp-sink -u postfix -R / -d "$SINK_DIR/msg." \
	    "127.0.0.1:$SINK_PORT" 64 >>"$SG_TMP/sink.log" 2>&1 &
	SINK_PID=$!
	sg_atexit sink_stop
	pf_wait_port "$SINK_PORT" 50 || {
		pf_say "smtp-sink did not listen on $SINK_PORT"
		return 1
	}
}

# Stop smtp-sink.
sink_stop() {
	[ -n "${SINK_PID:-}" ] || return 0
	sg_kill_wait "$SINK_PID" smtp-sink
	SINK_PID=
}

# ---- Dovecot SASL ---------------------------------------------------------

# Write $DOVE_DIR: the shipped dovecot.conf and its three LDAP files,
# pointed at the test slapd, the socket in the private Postfix queue.
dove_prepare() {
	DOVE_DIR=$SG_TMP/dovecot
	DOVE_LOG=$SG_TMP/dovecot.log
	export DOVE_DIR DOVE_LOG
	mkdir -p "$DOVE_DIR/run" "$DOVE_DIR/state" || return 1
	for _dp_f in sendergate-home sendergate-deny sendergate-any; do
		sed -e "s|^uris = .*|uris = $SLAPD_URI|" \
		    -e '/^tls_ca_cert_file/d' \
		    -e "s|^dn = .*|dn = $SLAPD_BIND_DN|" \
		    -e "s|^dnpass = .*|dnpass = $(cat "$SLAPD_BIND_PW_FILE")|" \
		    -e "s|^base = .*|base = $SLAPD_BASE|" \
		    "$PF_EXAMPLES/dovecot/$_dp_f.conf.ext" \
		    >"$DOVE_DIR/$_dp_f.conf.ext" || return 1
	done
	chmod 600 "$DOVE_DIR"/*.conf.ext
	{
		echo "# written by tests/lib/postfix.sh"
		echo "base_dir = $DOVE_DIR/run"
		echo "state_dir = $DOVE_DIR/state"
		echo "log_path = $DOVE_LOG"
		echo "instance_name = sendergate-test-$$"
		echo "ssl = no"
		echo "listen = 127.0.0.1"
		sed -e "s|/etc/dovecot/|$DOVE_DIR/|" \
		    -e "s|/var/spool/postfix/|$PF_QUEUE/|" \
		    "$PF_EXAMPLES/dovecot/dovecot.conf"
		# wrong passwords are answered at once in the tests, and the
		# auth penalty (failures from one IP delay its next logins, up
		# to 15 s: all our clients are 127.0.0.1) is off: auth cannot
		# reach anvil's penalty socket, which Dovecot takes as "none"
		echo "auth_failure_delay = 0"
		echo "service anvil {"
		echo "  unix_listener anvil-auth-penalty {"
		echo "    mode = 0"
		echo "  }"
		echo "}"
	} >"$DOVE_DIR/dovecot.conf"
}

# Start Dovecot (after pf_prepare: its socket goes in Postfix's queue).
dove_start() {
	dove_prepare || return 1
	dovecot -c "$DOVE_DIR/dovecot.conf" >>"$DOVE_LOG" 2>&1 || {
		pf_say "dovecot did not start:"
		tail -n 20 "$DOVE_LOG" >&2
		return 1
	}
	sg_atexit dove_stop
	_ds_i=0
	while [ ! -S "$PF_QUEUE/private/auth" ]; do
		_ds_i=$((_ds_i + 1))
		if [ "$_ds_i" -ge 100 ]; then
			pf_say "dovecot made no socket $PF_QUEUE/private/auth"
			tail -n 20 "$DOVE_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
}

# Stop Dovecot (its master, by the pid it wrote).
dove_stop() {
	[ -f "$DOVE_DIR/run/master.pid" ] || return 0
	_dv_pid=$(cat "$DOVE_DIR/run/master.pid")
	rm -f "$DOVE_DIR/run/master.pid"
	[ -n "$_dv_pid" ] && sg_kill_wait "$_dv_pid" dovecot
}

# ---- Postfix --------------------------------------------------------------

# Add $PF_CONF to alternate_config_directories of the default main.cf
# (exact paths are what Postfix compares) and remove it at exit. Only
# with PF_REGISTER=1: "postfix -c" as root does not need it (seen with
# 3.7); the set-gid postqueue and postdrop do, and the tests use neither.
pf_register_config_dir() {
	# no default main.cf: postfix(1) as root needs none; never make one
	# (a system Postfix would then look configured)
	[ -f /etc/postfix/main.cf ] || return 0
	_pr_now=$(postconf -c /etc/postfix -h alternate_config_directories \
	    2>/dev/null)
	case " $(echo "$_pr_now" | tr ',' ' ') " in
	*" $PF_CONF "*) return 0 ;;
	esac
	postconf -c /etc/postfix -e \
	    "alternate_config_directories = $(echo "$_pr_now $PF_CONF" |
	    sed 's/^ *//')" || return 1
	sg_atexit pf_unregister_config_dir
}

# Remove $PF_CONF from alternate_config_directories again.
pf_unregister_config_dir() {
	_pu_now=$(postconf -c /etc/postfix -h alternate_config_directories \
	    2>/dev/null) || return 0
	_pu_new=$(echo "$_pu_now" | tr ', ' '\n\n' | grep -vxF "$PF_CONF" |
	    grep -v '^$' | tr '\n' ' ' | sed 's/ *$//')
	postconf -c /etc/postfix -e "alternate_config_directories = $_pu_new"
}

# Write the configuration of the private Postfix: the shipped main.cf
# and master.cf byte for byte, then this machine's site settings on top
# (postconf -e: paths, certificates, the relayhost, test timings), never
# a setting of the shipped files (pf_site_check proves it).
#
# In a network namespace of the test's own (SG_NETNS=1, sg_netns_enter)
# the shipped master.cf is taken as it is: ports 25, 587 and 2525, the
# milter at inet:127.0.0.1:8891, smtpd chrooted (chroot = y) into the
# queue, set up by Debian's own configure-instance.sh; the chrooted
# smtpd reaches Dovecot's socket under the queue (private/auth). Outside
# one (the demo, the benchmarks), the listeners get free ports instead.
pf_prepare() {
	PF_DIR=$SG_TMP/postfix
	PF_CONF=$PF_DIR/etc
	PF_QUEUE=$PF_DIR/queue
	PF_LOG=$SG_TMP/postfix.log
	if [ "${SG_NETNS:-0}" = 1 ]; then
		PF_PORT_SMTP=25
		PF_PORT_SUBMISSION=587
		PF_PORT_CAMPAIGN=2525
	else
		PF_PORT_SMTP=$(sg_free_port) || return 1
		PF_PORT_SUBMISSION=$(sg_free_port) || return 1
		PF_PORT_CAMPAIGN=$(sg_free_port) || return 1
	fi
	export PF_DIR PF_CONF PF_QUEUE PF_LOG PF_PORT_SMTP \
	    PF_PORT_SUBMISSION PF_PORT_CAMPAIGN
	sg_tls_make || return 1
	# Postfix's daemons run as postfix: they must reach into $SG_TMP
	# (traverse only; the secrets in it are mode 0600).
	chmod 711 "$SG_TMP" || return 1
	mkdir -p "$PF_CONF" "$PF_QUEUE" "$PF_DIR/data" || return 1
	chown root:root "$PF_QUEUE" && chmod 755 "$PF_QUEUE" || return 1
	chown postfix "$PF_DIR/data" || return 1
	: >"$PF_LOG"

	cp "$PF_EXAMPLES/main.cf" "$PF_CONF/main.cf" || return 1
	# the learn address refused to SMTP clients: main.cf names it in
	# $config_directory, here $PF_CONF
	cp "$PF_EXAMPLES/sendergate-learn.access" "$PF_CONF/" || return 1
	{
		# the stock services without its smtp listener, then ours
		sed '/^smtp[[:space:]]\{1,\}inet[[:space:]]/,/^[^[:space:]#]/{
		    /^smtp[[:space:]]\{1,\}inet[[:space:]]/d
		    /^[[:space:]]/d
		}' /usr/share/postfix/master.cf.dist
		if [ "${SG_NETNS:-0}" = 1 ]; then
			cat "$PF_EXAMPLES/master.cf"
		else
			sed -e "s|^smtp |127.0.0.1:$PF_PORT_SMTP |" \
			    -e "s|^submission |127.0.0.1:$PF_PORT_SUBMISSION |" \
			    -e "s|^2525 |127.0.0.1:$PF_PORT_CAMPAIGN |" \
			    "$PF_EXAMPLES/master.cf"
		fi
	} >"$PF_CONF/master.cf" || return 1

	pf_site_settings "$1" || return 1
	# the chroot jail in the queue, as Debian's init prepares it
	MAIL_CONFIG=$PF_CONF /usr/lib/postfix/configure-instance.sh - \
	    >>"$SG_TMP/postfix-start.log" 2>&1 || {
		pf_say "configure-instance.sh failed:"
		tail -n 5 "$SG_TMP/postfix-start.log" >&2
		return 1
	}
	[ "${PF_REGISTER:-0}" = 1 ] && { pf_register_config_dir || return 1; }
	return 0
}

# The site settings of the private Postfix, on top of the shipped main.cf.
# Outside a network namespace, the milter's port of $1 replaces 8891 in
# the shipped smtpd_milters (its per-milter settings kept).
pf_site_settings() {
	postconf -c "$PF_CONF" -e \
	    "compatibility_level = 3.6" \
	    "queue_directory = $PF_QUEUE" \
	    "data_directory = $PF_DIR/data" \
	    "mail_owner = postfix" \
	    "setgid_group = postdrop" \
	    "myhostname = relay.test" \
	    "mydomain = relay.test" \
	    "myorigin = relay.test" \
	    "inet_protocols = ipv4" \
	    "relayhost = [127.0.0.1]:$SINK_PORT" \
	    "smtp_tls_security_level = none" \
	    "smtp_dns_support_level = disabled" \
	    "alias_maps =" "alias_database =" \
	    "maillog_file = $PF_LOG" \
	    "maillog_file_prefixes = $SG_TMP" \
	    "smtpd_tls_cert_file = $SG_TMP/tls/server.pem" \
	    "smtpd_tls_key_file = $SG_TMP/tls/server.key" \
	    "smtpd_error_sleep_time = 0s" \
	    "smtpd_soft_error_limit = 1000" \
	    "smtpd_hard_error_limit = 1000" \
	    "smtpd_client_connection_count_limit = 0" \
	    "smtpd_client_connection_rate_limit = 0" \
	    "smtpd_client_message_rate_limit = 0" \
	    "smtpd_client_recipient_rate_limit = 0" \
	    "smtpd_client_auth_rate_limit = 0" \
	    "default_process_limit = 50" \
	    "queue_run_delay = 1s" "minimal_backoff_time = 1s" \
	    "maximal_backoff_time = 2s" \
	    "delay_warning_time = 0" \
	    "biff = no" || return 1
	if [ "${SG_NETNS:-0}" != 1 ]; then
		postconf -c "$PF_CONF" -e "inet_interfaces = 127.0.0.1" \
		    "smtpd_milters = $(postconf -c "$PF_CONF" -h smtpd_milters |
		    sed "s|inet:127\.0\.0\.1:8891|inet:127.0.0.1:$(echo "$1" |
		    sed 's/^inet:\([0-9]*\)@.*/\1/')|")" || return 1
	fi
}

# pf_transport KEY TRANSPORT: a line of transport_maps (an address or a
# domain, then transport:nexthop), in texthash:$PF_CONF/transport (read
# at start: after pf_prepare, before pf_launch).
pf_transport() {
	printf '%s\t%s\n' "$1" "$2" >>"$PF_CONF/transport" &&
	postconf -c "$PF_CONF" -e "transport_maps = texthash:$PF_CONF/transport"
}

# pf_learn_bounces USER COMMAND...: the set-up postfix-examples/README.md
# recommends for "sendergatectl suppress learn": Postfix sends a copy of
# every bounce (notify_classes bounce) to bounce_notice_recipient, an
# address that transport_maps gives to a pipe(8) service running
# COMMAND as USER with the notice on standard input. After pf_prepare,
# before pf_launch.
# The address is the one of the shipped sendergate-learn.access, which
# smtpd refuses to every client.
PF_LEARN_ADDR=suppress-learn@relay.example
pf_learn_bounces() {
	_lb_user=$1
	shift
	postconf -c "$PF_CONF" -e \
	    "notify_classes = resource, software, bounce" \
	    "bounce_notice_recipient = $PF_LEARN_ADDR" || return 1
	pf_transport "$PF_LEARN_ADDR" sendergate-learn: || return 1
	postconf -c "$PF_CONF" -M "sendergate-learn/unix=sendergate-learn unix - n n - - pipe user=$_lb_user argv=$*"
}

# The site keys pf_site_settings may set (and config_directory, which
# postconf -n reports for -c); pf_site_check: the running
# main.cf has every other parameter of the shipped one unchanged.
PF_SITE_KEYS="config_directory smtpd_tls_cert_file smtpd_tls_key_file"
pf_site_check() {
	postconf -c "$PF_EXAMPLES" -n 2>/dev/null | while IFS= read -r _sc; do
		_sc_k=${_sc%% =*}
		case " $PF_SITE_KEYS " in
		*" $_sc_k "*) continue ;;
		esac
		_sc_got=$(postconf -c "$PF_CONF" -n "$_sc_k")
		if [ "$_sc_got" != "$_sc" ]; then
			echo "	# $_sc_k: running \"$_sc_got\", shipped \"$_sc\""
			echo fail
		fi
	done | { ! grep -q '^fail$'; }
}

# Start the private Postfix and its Dovecot; 0 when port 587 answers.
pf_start() {
	pf_prepare "$1" || return 1
	pf_launch
}

# Start the Postfix pf_prepare wrote (and settings added since, e.g. by
# pf_transport or pf_learn_bounces), then its Dovecot.
pf_launch() {
	postfix -c "$PF_CONF" check >>"$SG_TMP/postfix-start.log" 2>&1
	if ! postfix -c "$PF_CONF" start >>"$SG_TMP/postfix-start.log" 2>&1
	then
		pf_say "postfix did not start:"
		cat "$SG_TMP/postfix-start.log" "$PF_LOG" >&2
		return 1
	fi
	sg_atexit pf_stop
	if ! pf_wait_port "$PF_PORT_SUBMISSION" 100; then
		pf_say "postfix does not listen on $PF_PORT_SUBMISSION:"
		tail -n 30 "$PF_LOG" >&2
		return 1
	fi
	dove_start
}

# Stop Postfix: "postfix stop", then wait for its master to be gone.
pf_stop() {
	[ -n "${PF_CONF:-}" ] && [ -f "$PF_CONF/main.cf" ] || return 0
	_ps_pid=$(tr -d ' \n' <"$PF_DIR/data/master.lock" 2>/dev/null)
	postfix -c "$PF_CONF" stop >/dev/null 2>&1
	if [ -n "$_ps_pid" ]; then
		_ps_i=0
		while kill -0 "$_ps_pid" 2>/dev/null; do
			_ps_i=$((_ps_i + 1))
			if [ "$_ps_i" -ge 100 ]; then
				postfix -c "$PF_CONF" abort >/dev/null 2>&1
				break
			fi
			sleep 0.1
		done
	fi
}

# ---- clients and checks -----------------------------------------------------

# pf_send CASE PORT SWAKS-ARGS...: one SMTP transaction by swaks.
pf_send() {
	_pf_case=$1
	_pf_port=$2
	shift 2
	swaks --server 127.0.0.1 --port "$_pf_port" --timeout 20 \
	    --helo client.test --header "X-Case: $_pf_case" \
	    --tls-verify --tls-ca-path "$SG_TMP/tls/ca.pem" \
	    "$@" >"$SG_TMP/$_pf_case.swaks" 2>&1
	return 0
}

# pf_reply CASE: the reply that decided the transaction.
pf_reply() {
	awk '
	    /^<[-~]?\*+ +/ { sub(/^<[-~]?\*+ +/, ""); print; found = 1; exit }
	    /^<[-~] +/ { last = $0 }
	    /^ [-~]> \.$/ { data = 1; next }
	    data && /^<[-~] +/ { sub(/^<[-~] +/, ""); print; found = 1; exit }
	    END {
		if (!found && last != "") { sub(/^<[-~] +/, "", last); print last }
	    }
	' "$SG_TMP/$1.swaks"
}

# pf_sink_file CASE: the sink's file of CASE (the newest), if any: the
# message whose own header has "X-Case: CASE", not a bounce returning it.
pf_sink_file() {
	set -- "$1" "$SINK_DIR"/msg.*
	[ -f "$2" ] || return 0
	_sf_case=$1
	shift
	awk -v want="X-Case: $_sf_case" '
	    FNR == 1 { head = 1 }
	    !head { nextfile }
	    { sub(/\r$/, "") }
	    $0 == "" { head = 0; nextfile }
	    $0 == want { last = FILENAME; head = 0; nextfile }
	    END { if (last != "") print last }' "$@"
}

# pf_delivered CASE [SECONDS]: the envelope recipients that reached the
# sink, sorted, one a line.
pf_delivered() {
	_pd_limit=$((${2:-10} * 10))
	_pd_i=0
	while :; do
		_pd_f=$(pf_sink_file "$1")
		[ -n "$_pd_f" ] && break
		_pd_i=$((_pd_i + 1))
		[ "$_pd_i" -lt "$_pd_limit" ] || return 1
		sleep 0.1
	done
	sed -n 's/^X-Rcpt-Args: //p' "$_pd_f" | tr -d '\r' | sort
}

# pf_queue_count: messages in the private Postfix's queue.
pf_queue_count() {
	find "$PF_QUEUE/incoming" "$PF_QUEUE/active" "$PF_QUEUE/deferred" \
	    "$PF_QUEUE/hold" "$PF_QUEUE/maildrop" -type f 2>/dev/null | wc -l
}

# pf_log_has TEXT: Postfix's log has TEXT.
pf_log_has() {
	grep -qF "$1" "$PF_LOG"
}

# ---- Sendmail ---------------------------------------------------------------
#
# The real sendmail of Debian's sendmail-bin, never installed (it would
# replace Postfix): the packages sendmail-bin and sendmail-cf are fetched
# with "apt-get download" into $SM_CACHE (default
# /var/cache/sendergate-tests) once and unpacked with dpkg -x into
# $SG_TMP/sm-root. Its sendmail.cf is made with m4 from sendmail-cf's
# files: a test header (paths, the relay to the sink), the shipped
# postfix-examples/sendmail.mc included as it is (ports 25, 587, 2525 and
# the milter on 8891: in the test's own network namespace), then this
# machine's certificate paths.
#
#   sm_fetch              the two .debs in $SM_CACHE; 1 if unavailable
#   sm_sasl_start         saslauthd -a ldap for Sendmail's AUTH (before
#                         sm_start); 1 if it cannot be had
#   sm_start MILTER_SOCK  sendmail -bd on $SM_PORT_SMTP, $SM_PORT_SUBMISSION,
#                         $SM_PORT_CAMPAIGN, relaying to the sink
#   sm_stop

SM_CACHE=${SM_CACHE:-/var/cache/sendergate-tests}

# Fetch sendmail-bin and sendmail-cf (.deb files) into $SM_CACHE.
sm_fetch() {
	mkdir -p "$SM_CACHE" || return 1
	for _sf_p in sendmail-bin sendmail-cf; do
		ls "$SM_CACHE/${_sf_p}_"*.deb >/dev/null 2>&1 && continue
		(cd "$SM_CACHE" && apt-get download "$_sf_p") \
		    >>"$SM_CACHE/fetch.log" 2>&1 || {
			# an old package list may name a version gone
			apt-get update -qq >>"$SM_CACHE/fetch.log" 2>&1
			(cd "$SM_CACHE" && apt-get download "$_sf_p") \
			    >>"$SM_CACHE/fetch.log" 2>&1
		} || {
			pf_say "cannot download $_sf_p:"
			tail -n 5 "$SM_CACHE/fetch.log" >&2
			return 1
		}
	done
}

# Write $SM_DIR/sendmail.cf for milter $1 (inet:PORT@127.0.0.1).
sm_prepare() {
	SM_ROOT=$SG_TMP/sm-root
	SM_DIR=$SG_TMP/sendmail
	SM_BIN=$SM_ROOT/usr/libexec/sendmail/sendmail
	SM_CF_DIR=$SM_ROOT/usr/share/sendmail/cf
	if [ "${SG_NETNS:-0}" != 1 ]; then
		pf_say "sm_prepare: the shipped sendmail.mc listens on ports 25," \
		    "587 and 2525: run in a namespace of its own (pf_netns_enter)"
		return 1
	fi
	SM_PORT_SMTP=25
	SM_PORT_SUBMISSION=587
	SM_PORT_CAMPAIGN=2525
	export SM_ROOT SM_DIR SM_BIN SM_PORT_SMTP SM_PORT_SUBMISSION \
	    SM_PORT_CAMPAIGN
	mkdir -p "$SM_ROOT" "$SM_DIR/mqueue" || return 1
	chmod 700 "$SM_DIR/mqueue"
	for _sp_deb in "$SM_CACHE"/sendmail-bin_*.deb \
	    "$SM_CACHE"/sendmail-cf_*.deb; do
		dpkg -x "$_sp_deb" "$SM_ROOT" || return 1
	done
	[ -x "$SM_BIN" ] || { pf_say "no $SM_BIN in the package"; return 1; }
	: >"$SM_DIR/statistics"
	sg_tls_make || return 1
	case $1 in
	inet:8891@127.0.0.1) ;;
	*)
		pf_say "sm_prepare: the shipped sendmail.mc asks the milter at" \
		    "inet:8891@127.0.0.1, not $1"
		return 1
		;;
	esac
	{
		cat <<-EOF
		divert(-1)
		# sendmail.mc written by tests/lib/postfix.sh
		divert(0)dnl
		include(\`$SM_CF_DIR/m4/cf.m4')dnl
		VERSIONID(\`sendergate tests')dnl
		OSTYPE(\`linux')dnl
		define(\`confDOMAIN_NAME', \`relay.test')dnl
		define(\`confDONT_PROBE_INTERFACES', \`True')dnl
		define(\`confPID_FILE', \`$SM_DIR/sendmail.pid')dnl
		define(\`QUEUE_DIR', \`$SM_DIR/mqueue')dnl
		define(\`STATUS_FILE', \`$SM_DIR/statistics')dnl
		define(\`HELP_FILE', \`$SM_ROOT/etc/mail/helpfile')dnl
		define(\`ALIAS_FILE', \`')dnl
		define(\`confDEF_USER_ID', \`mail:mail')dnl
		define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit,GroupWritableDirPathSafe,WorldWritableAliasFile')dnl
		define(\`confTO_IDENT', \`0s')dnl
		define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
		define(\`confHOSTS_FILE', \`$SM_DIR/hosts')dnl
		define(\`confSERVICE_SWITCH_FILE', \`$SM_DIR/service.switch')dnl
		define(\`confREFUSE_LA', \`1000')dnl
		define(\`confQUEUE_LA', \`1000')dnl
		define(\`confLOG_LEVEL', \`9')dnl
		define(\`SMART_HOST', \`[127.0.0.1]')dnl
		define(\`RELAY_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
		define(\`confTLS_SRV_OPTIONS', \`V')dnl
		FEATURE(\`nocanonify')dnl
		FEATURE(\`accept_unresolvable_domains')dnl
		dnl the shipped file, as it is
		include(\`$PF_EXAMPLES/sendmail.mc')dnl
		dnl this machine's certificates (read at the end, by proto.m4)
		define(\`confCACERT', \`$SG_TMP/tls/ca.pem')dnl
		define(\`confSERVER_CERT', \`$SG_TMP/tls/server.pem')dnl
		define(\`confSERVER_KEY', \`$SG_TMP/tls/server.key')dnl
		MAILER(\`smtp')dnl
		EOF
	} >"$SM_DIR/sendmail.mc"
	# Names are looked up in a hosts file of ours, no DNS asked.
	printf 'hosts\tfiles\n' >"$SM_DIR/service.switch"
	_sp_h=$(uname -n)
	printf '127.0.0.1\t%s.relay.test %s relay.test localhost\n' \
	    "$_sp_h" "$_sp_h" >"$SM_DIR/hosts"
	m4 "$SM_DIR/sendmail.mc" >"$SM_DIR/sendmail.cf" 2>"$SM_DIR/m4.log" || {
		pf_say "m4 failed on $SM_DIR/sendmail.mc:"
		cat "$SM_DIR/m4.log" >&2
		return 1
	}
}

# sm_run ARGS...: sendmail with our .cf. Sendmail sleeps 60 s at every
# start when the host name has no dot and cannot be qualified (this
# machine's is "vm"): where unshare(1) can, it runs in a UTS namespace of
# its own whose host name is relay.test, else with the real one.
#
# With sm_sasl_start before, it also runs in a mount namespace of its own
# where $SM_SASL_LIB (copies of Cyrus SASL's plugins and our
# Sendmail.conf) is mounted over the system's plugin directory, the one
# place of Cyrus' configuration path that exists here: Sendmail finds our
# SASL configuration, and the system's files stay untouched.
sm_run() {
	if [ -n "${SM_SASL_LIB:-}" ]; then
		unshare --uts --mount sh -c 'hostname relay.test &&
		    mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
		    "$SM_SASL_LIB" "$SM_SASL_SYSLIB" \
		    "$SM_BIN" -C "$SM_DIR/sendmail.cf" "$@"
	elif unshare --uts true 2>/dev/null; then
		unshare --uts sh -c 'hostname relay.test && exec "$@"' sh \
		    "$SM_BIN" -C "$SM_DIR/sendmail.cf" "$@"
	else
		"$SM_BIN" -C "$SM_DIR/sendmail.cf" "$@"
	fi
}

# Start sendmail as a daemon; 0 when its ports listen.
sm_start() {
	sm_fetch || return 1
	sm_prepare "$1" || return 1
	sm_run -bd -q30s >>"$SG_TMP/sendmail.out" 2>&1 || {
		pf_say "sendmail did not start:"
		cat "$SG_TMP/sendmail.out" >&2
		return 1
	}
	sg_atexit sm_stop
	for _ss_p in "$SM_PORT_SMTP" "$SM_PORT_SUBMISSION" "$SM_PORT_CAMPAIGN"
	do
		pf_wait_port "$_ss_p" 100 || {
			pf_say "sendmail does not listen on $_ss_p"
			cat "$SG_TMP/sendmail.out" >&2
			return 1
		}
	done
}

# Stop sendmail (the daemon, by the pid it wrote).
sm_stop() {
	[ -f "${SM_DIR:-/nonexistent}/sendmail.pid" ] || return 0
	_sm_pid=$(head -n 1 "$SM_DIR/sendmail.pid")
	rm -f "$SM_DIR/sendmail.pid"
	[ -n "$_sm_pid" ] && sg_kill_wait "$_sm_pid" sendmail
}

# Start saslauthd on the test slapd (binding as the entry found by the
# login, like Dovecot's sendergate-any lookup) and prepare $SM_SASL_LIB
# for sm_run; 1 when saslauthd (sasl2-bin) or mount namespaces are not
# available.
sm_sasl_start() {
	command -v saslauthd >/dev/null 2>&1 || return 1
	SM_SASL_SYSLIB=$(dirname "$(ls /usr/lib/*/sasl2/libplain.so.2 \
	    /usr/lib/sasl2/libplain.so.2 2>/dev/null | head -n 1)")
	[ -d "$SM_SASL_SYSLIB" ] || return 1
	unshare --mount true 2>/dev/null || return 1
	_sa=$SG_TMP/saslauthd
	mkdir -p "$_sa/mux" "$_sa/lib" || return 1
	cp -P "$SM_SASL_SYSLIB"/* "$_sa/lib/" || return 1
	cat >"$_sa/lib/Sendmail.conf" <<-EOF
	pwcheck_method: saslauthd
	saslauthd_path: $_sa/mux/mux
	mech_list: PLAIN LOGIN
	EOF
	(umask 077 && cat >"$_sa/saslauthd.conf") <<-EOF
	ldap_servers: $SLAPD_URI
	ldap_search_base: $SLAPD_BASE
	ldap_bind_dn: $SLAPD_BIND_DN
	ldap_password: $(cat "$SLAPD_BIND_PW_FILE")
	ldap_auth_method: bind
	ldap_filter: (&(objectClass=sgSender)(sgAuthId=%u@%r))
	EOF
	# -d: in the foreground, its log on stderr; in a session of its own,
	# for on SIGTERM it signals its whole process group
	setsid saslauthd -d -a ldap -O "$_sa/saslauthd.conf" -m "$_sa/mux" -n 2 \
	    >>"$SG_TMP/saslauthd.log" 2>&1 &
	SM_SASL_PID=$!
	sg_atexit sm_sasl_stop
	_sa_i=0
	while [ ! -S "$_sa/mux/mux" ]; do
		_sa_i=$((_sa_i + 1))
		[ "$_sa_i" -lt 50 ] || return 1
		sleep 0.1
	done
	SM_SASL_LIB=$_sa/lib
	export SM_SASL_LIB SM_SASL_SYSLIB
}

# Stop saslauthd.
sm_sasl_stop() {
	[ -n "${SM_SASL_PID:-}" ] || return 0
	sg_kill_wait "$SM_SASL_PID" saslauthd
	SM_SASL_PID=
}

# delivered_is CASE RCPT...: the sink got CASE with exactly these
# envelope recipients (each "<addr>[ params]"; compared sorted).
delivered_is() {
	_di_case=$1
	shift
	_di_want=$(printf '%s\n' "$@" | sort)
	_di_got=$(pf_delivered "$_di_case" 10) || {
		echo "	# $_di_case: never reached the sink"
		return 1
	}
	[ "$_di_got" = "$_di_want" ] && return 0
	echo "	# $_di_case: delivered:"
	echo "$_di_got" | sed 's/^/	#   /'
	echo "	# want:"
	echo "$_di_want" | sed 's/^/	#   /'
	return 1
}

# pf_backends: what the MTA tests stand on, after sg_setup: slapd with
# data.ldif and the pf_ldif senders, Redis, the milter "main" and the
# sink. Prints a "not ok" line and fails if any does not start.
pf_backends() {
	pf_ldif "$SG_TMP/pf.ldif" || { echo "not ok - pf_ldif"; return 1; }
	SLAPD_NO_EXAMPLE=1 slapd_start "$SG_TOP/tests/integration/data.ldif" \
	    "$SG_TMP/pf.ldif" ||
		{ echo "not ok - slapd did not start"; return 1; }
	redis_start || { echo "not ok - redis did not start"; return 1; }
	# in a namespace of our own, the port of the shipped examples
	[ "${SG_NETNS:-0}" = 1 ] && SG_MILTER_PORT=8891
	milter_conf main
	SG_MILTER_PORT=
	milter_start main ||
		{ echo "not ok - sendergate did not start"; return 1; }
	sink_start || { echo "not ok - smtp-sink did not start"; return 1; }
}
