/*
 * conf_customer.c - the keys that say what customers are told: the host
 * names they connect to (customer_smtp_hosts) and the ports, each with
 * its TLS mode and the access method its listener maps to
 * (customer_ports), e.g.
 *
 *	customer_smtp_hosts = smtp.relay.example
 *	customer_ports = 587:required:smtp 25:optional:smtp 2525:optional:campaign
 *
 * TLS modes: "required" (the listener refuses mail before STARTTLS:
 * Postfix smtpd_tls_security_level = encrypt), "optional" (STARTTLS
 * offered: may), "none" (no TLS offered). A port with implicit TLS
 * (465) is not one of them. The daemon reads neither key; sendergatectl
 * sender sheet does, and conf.c checks them here: syntax, and that each
 * method a port names is one the milter gives some listener.
 *
 * Pure: no I/O, no allocation.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"

#define ITEM_MAX	64		/* octets of one customer_ports item */

static const char *const tls_words[] = { "required", "optional", "none" };

/* 1 if c ends an item: NUL or a blank. */
static int
is_end(int c)
{
	return c == '\0' || c == ' ' || c == '\t';
}

/* Length of the item at v (up to a blank or NUL). */
static size_t
item_len(const char *v)
{
	size_t	 n = 0;

	while (!is_end(v[n]))
		n++;
	return n;
}

/* Skip blanks. */
static const char *
skip_blanks(const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	return v;
}

/* 1 if s (len octets) is a host name: LDH labels, dots between. */
static int
is_hostname(const char *s, size_t len)
{
	size_t	 i, label = 0;

	if (len == 0 || len > SG_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
		if (s[i] == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[len - 1] != '-';
}

/* 1 if s (len octets) is an IPv4 or IPv6 address. */
static int
is_ip(const char *s, size_t len)
{
	char		 buf[64];
	unsigned char	 a[16];

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 ||
	    inet_pton(AF_INET6, buf, a) == 1;
}

/* customer_smtp_hosts: the number of names, or -1 (see conf.h). */
int
conf_customer_hosts(const char *v, const char **why)
{
	size_t	 len;
	int	 n = 0;

	for (v = skip_blanks(v); *v != '\0'; v = skip_blanks(v + len)) {
		len = item_len(v);
		if (!is_hostname(v, len) && !is_ip(v, len)) {
			*why = "expected host names (or IP addresses), blank "
			    "separated, like \"smtp.relay.example\", or "
			    "nothing";
			return -1;
		}
		if (++n > SG_HOSTS_MAX) {
			*why = "at most 16 host names";
			return -1;
		}
	}
	return n;
}

/* One "PORT:TLS:METHOD" item of len octets into *p. 0, or -1 and why. */
static int
parse_item(const char *v, size_t len, struct sg_port *p, const char **why)
{
	char	 buf[ITEM_MAX], *tls, *method, *end;
	size_t	 i;
	int	 bit;

	*why = "expected PORT:TLS:METHOD items, like \"587:required:smtp "
	    "25:optional:smtp\", or nothing";
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = '\0';
	if ((tls = strchr(buf, ':')) == NULL ||
	    (method = strchr(tls + 1, ':')) == NULL)
		return -1;
	*tls++ = '\0';
	*method++ = '\0';
	if (buf[0] < '0' || buf[0] > '9' || strlen(buf) > 5)
		goto badport;
	p->port = strtol(buf, &end, 10);
	if (*end != '\0' || p->port < 1 || p->port > 65535)
		goto badport;
	for (i = 0; i < sizeof(tls_words) / sizeof(tls_words[0]); i++)
		if (strcmp(tls, tls_words[i]) == 0)
			break;
	if (i == sizeof(tls_words) / sizeof(tls_words[0])) {
		*why = "the TLS mode of a port is required, optional or none";
		return -1;
	}
	p->tls = (int)i;
	/* the words of sgAccessMethod and listener_methods, lower case */
	if (strcmp(method, "smtp") != 0 && strcmp(method, "campaign") != 0)
		goto badmethod;
	if (dv_method(method, &bit) == -1)
		goto badmethod;
	p->method = bit;
	return 0;
badport:
	*why = "a port is a number from 1 to 65535";
	return -1;
badmethod:
	*why = "the method of a port is smtp or campaign";
	return -1;
}

/* customer_ports: the number of items, or -1 (see conf.h). */
int
conf_customer_ports(const char *v, struct sg_port p[SG_PORTS_MAX],
    const char **why)
{
	size_t	 len;
	int	 n = 0, i;

	for (v = skip_blanks(v); *v != '\0'; v = skip_blanks(v + len)) {
		len = item_len(v);
		if (n == SG_PORTS_MAX) {
			*why = "at most 16 ports";
			return -1;
		}
		if (parse_item(v, len, &p[n], why) == -1)
			return -1;
		for (i = 0; i < n; i++)
			if (p[i].port == p[n].port) {
				*why = "a port is named twice";
				return -1;
			}
		n++;
	}
	return n;
}

/* The word of a TLS mode. */
const char *
conf_tls_name(int tls)
{
	if (tls < 0 || tls >= (int)(sizeof(tls_words) / sizeof(tls_words[0])))
		return "unknown";
	return tls_words[tls];
}

/* 1 if some listener maps to method, or it is default_access_method. */
static int
method_served(const struct sg_conf *c, int method)
{
	size_t	 i;

	if (c->default_access_method == method)
		return 1;
	for (i = 0; i < c->nlisteners; i++)
		if (c->listeners[i].method == method)
			return 1;
	return 0;
}

/* The two keys against each other and listener_methods; see conf.h. */
const char *
conf_customer_check(const struct sg_conf *c, const char **key)
{
	struct sg_port	 p[SG_PORTS_MAX];
	const char	*why;
	int		 n, i;

	*key = "customer_ports";
	if ((n = conf_customer_ports(c->customer_ports, p, &why)) == -1)
		return "customer_ports: bad value";	/* conf.c said why */
	for (i = 0; i < n; i++)
		if (!method_served(c, p[i].method))
			return p[i].method == METHOD_CAMPAIGN ?
			    "customer_ports: a port names method campaign, "
			    "but no listener maps to it (listener_methods) "
			    "and default_access_method is smtp" :
			    "customer_ports: a port names method smtp, but "
			    "no listener maps to it (listener_methods) and "
			    "default_access_method is campaign";
	if (n > 0 && c->customer_smtp_hosts[0] == '\0')
		return "customer_ports is set but customer_smtp_hosts is not";
	*key = "customer_smtp_hosts";
	if (n == 0 && c->customer_smtp_hosts[0] != '\0')
		return "customer_smtp_hosts is set but customer_ports is not";
	return NULL;
}
