/*
 * version.h - the version of sendergate (sendergate -V); debian/changelog
 * carries the same number (tests/package.sh checks that they agree).
 */
#ifndef SG_VERSION_H
#define SG_VERSION_H

#define SG_VERSION	"1.0.0"

#endif
