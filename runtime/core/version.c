/*
 * version.c - the version of the library linked, against the one in
 * trail/version.h that a program was compiled with.
 */
#include "trail/version.h"

const char *trail_version(void)
{
    return TRAIL_VERSION;
}
