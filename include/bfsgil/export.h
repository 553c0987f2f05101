/*
 * bfsgil/export.h: symbol visibility for the public API.
 *
 * The library is built with -fvisibility=hidden; only declarations marked
 * BFSGIL_API are exported, so internal helpers never become ABI by accident.
 */
#ifndef BFSGIL_EXPORT_H
#define BFSGIL_EXPORT_H

#if defined(BFSGIL_BUILDING) && defined(__GNUC__)
# define BFSGIL_API __attribute__((visibility("default")))
#else
# define BFSGIL_API
#endif

#endif /* BFSGIL_EXPORT_H */
