/*
 * milterproto.h - the MTA side of the milter protocol, shared by the
 * test client (mtclient) and the load generator (tests/bench/mtload).
 */
#ifndef SG_MILTERPROTO_H
#define SG_MILTERPROTO_H

#include <sys/types.h>
#include <sys/socket.h>

/* Protocol constants, with the names and values of libmilter's mfdef.h. */
#define PROT_VERSION		6	/* version offered */
#define PROT_VERSION_MIN	2	/* oldest version accepted */

#define SMFIC_ABORT		'A'
#define SMFIC_BODY		'B'
#define SMFIC_CONNECT		'C'
#define SMFIC_MACRO		'D'
#define SMFIC_BODYEOB		'E'
#define SMFIC_HELO		'H'
#define SMFIC_HEADER		'L'
#define SMFIC_MAIL		'M'
#define SMFIC_EOH		'N'
#define SMFIC_OPTNEG		'O'
#define SMFIC_QUIT		'Q'
#define SMFIC_QUIT_NC		'K'	/* quit, a new connection follows */
#define SMFIC_RCPT		'R'
#define SMFIC_DATA		'T'

#define SMFIR_ADDRCPT		'+'
#define SMFIR_DELRCPT		'-'
#define SMFIR_ADDRCPT_PAR	'2'
#define SMFIR_SHUTDOWN		'4'
#define SMFIR_ACCEPT		'a'
#define SMFIR_REPLBODY		'b'
#define SMFIR_CONTINUE		'c'
#define SMFIR_DISCARD		'd'
#define SMFIR_CHGFROM		'e'
#define SMFIR_CONN_FAIL		'f'
#define SMFIR_ADDHEADER		'h'
#define SMFIR_INSHEADER		'i'
#define SMFIR_CHGHEADER		'm'
#define SMFIR_PROGRESS		'p'
#define SMFIR_QUARANTINE	'q'
#define SMFIR_REJECT		'r'
#define SMFIR_SKIP		's'
#define SMFIR_TEMPFAIL		't'
#define SMFIR_REPLYCODE		'y'

#define SMFIF_ADDHDRS		0x0001U
#define SMFIF_CHGBODY		0x0002U
#define SMFIF_ADDRCPT		0x0004U
#define SMFIF_DELRCPT		0x0008U
#define SMFIF_CHGHDRS		0x0010U
#define SMFIF_QUARANTINE	0x0020U
#define SMFIF_CHGFROM		0x0040U
#define SMFIF_ADDRCPT_PAR	0x0080U
#define SMFIF_SETSYMLIST	0x0100U

#define SMFIP_NOCONNECT		0x00000001U
#define SMFIP_NOHELO		0x00000002U
#define SMFIP_NOMAIL		0x00000004U
#define SMFIP_NORCPT		0x00000008U
#define SMFIP_NOBODY		0x00000010U
#define SMFIP_NOHDRS		0x00000020U
#define SMFIP_NOEOH		0x00000040U
#define SMFIP_NR_HDR		0x00000080U
#define SMFIP_NOUNKNOWN		0x00000100U
#define SMFIP_NR_UNKN		0x00020000U
#define SMFIP_NODATA		0x00000200U
#define SMFIP_NR_CONN		0x00001000U
#define SMFIP_NR_HELO		0x00002000U
#define SMFIP_NR_MAIL		0x00004000U
#define SMFIP_NR_RCPT		0x00008000U
#define SMFIP_NR_DATA		0x00010000U
#define SMFIP_NR_EOH		0x00040000U
#define SMFIP_NR_BODY		0x00080000U
#define SMFI_V1_PROT		0x0000003FU	/* what an offer of 0 means */

/* A milter's address. */
struct mt_target {
	struct sockaddr_storage ss;
	socklen_t	 len;
};

/* Parse inet:PORT@HOST, inet6:PORT@HOST, unix:PATH or local:PATH; 0 or -1. */
int	mt_parse_target(const char *, struct mt_target *);

#endif
