/*
 * version.c: bfsgil_version and bfsgil_version_string (bfsgil/version.h).
 */
#include <bfsgil/version.h>

unsigned
bfsgil_version(void)
{
	return BFSGIL_VERSION;
}

const char *
bfsgil_version_string(void)
{
	return BFSGIL_VERSION_STRING;
}
