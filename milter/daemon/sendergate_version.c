/*
 * sendergate_version.c - sendergate -V: its version and those of the
 * libraries it runs with (libmilter, libldap and OpenSSL as loaded;
 * hiredis, which has no run-time call for it, as built with).
 */
#include <stdio.h>
#include <stdlib.h>

#include <hiredis/hiredis.h>
#include <ldap.h>
#include <libmilter/mfapi.h>
#include <openssl/crypto.h>

#include "daemon/sendergate.h"
#include "lib/version.h"

/* "vendor major.minor.patch" of the libldap loaded. */
static void
print_libldap(void)
{
	LDAPAPIInfo	 api;
	int		 v, i;

	api.ldapai_info_version = LDAP_API_INFO_VERSION;
	if (ldap_get_option(NULL, LDAP_OPT_API_INFO, &api) !=
	    LDAP_OPT_SUCCESS) {
		printf("libldap (version unknown)\n");
		return;
	}
	v = api.ldapai_vendor_version;
	printf("libldap %s %d.%d.%d (API %d)\n", api.ldapai_vendor_name,
	    v / 10000, v / 100 % 100, v % 100, api.ldapai_api_version);
	if (api.ldapai_extensions != NULL) {
		for (i = 0; api.ldapai_extensions[i] != NULL; i++)
			ldap_memfree(api.ldapai_extensions[i]);
		ldap_memfree(api.ldapai_extensions);
	}
	ldap_memfree(api.ldapai_vendor_name);
}

/* One line each: sendergate, libmilter, libldap, hiredis, OpenSSL. */
void
print_version(void)
{
	unsigned int	 major, minor, patch;

	printf("sendergate %s\n", SG_VERSION);
	if (smfi_version(&major, &minor, &patch) == MI_SUCCESS)
		printf("libmilter %u.%u.%u\n", major, minor, patch);
	print_libldap();
	printf("hiredis %d.%d.%d (built with)\n", HIREDIS_MAJOR, HIREDIS_MINOR,
	    HIREDIS_PATCH);
	printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
}
