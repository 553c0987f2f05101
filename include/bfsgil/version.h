/*
 * bfsgil/version.h: which bfsgil a program was compiled against, and
 * which one it runs with.
 *
 * The package version, as major.minor.patch.  The library's ABI has its
 * own number (libtool's), which the dynamic linker checks; these are for
 * programs that want to say what they run on, or to check at run time
 * that the library is at least the one they were built for.
 */
#ifndef BFSGIL_VERSION_H
#define BFSGIL_VERSION_H

#include <bfsgil/export.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BFSGIL_VERSION_MAJOR 0
#define BFSGIL_VERSION_MINOR 2
#define BFSGIL_VERSION_PATCH 0
/* "0.2.0": configure checks that it matches the package's version. */
#define BFSGIL_VERSION_STRING "0.2.0"
/* One number that orders versions: 0x000200 for 0.2.0. */
#define BFSGIL_VERSION \
	((BFSGIL_VERSION_MAJOR << 16) | (BFSGIL_VERSION_MINOR << 8) | \
	 BFSGIL_VERSION_PATCH)

/**
 * bfsgil_version - BFSGIL_VERSION of the library the program runs with,
 * which may be newer than the header it was compiled with.  Never fails.
 */
BFSGIL_API unsigned bfsgil_version(void);

/**
 * bfsgil_version_string - BFSGIL_VERSION_STRING of the library the
 * program runs with: a static string.  Never fails.
 */
BFSGIL_API const char *bfsgil_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* BFSGIL_VERSION_H */
