/*
 * trail/trail.h - libtrail, the runtime behind trailgen's generated code.
 *
 * Include this one header; it pulls in the module headers.
 */
#ifndef TRAIL_TRAIL_H
#define TRAIL_TRAIL_H

#include "trail/api.h"

#include "trail/version.h"
#include "trail/error.h"
#include "trail/ctx.h"
#include "trail/hlc.h"
#include "trail/ulid.h"
#include "trail/conn.h"
#include "trail/record.h"
#include "trail/history.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * trail_version - the version of the linked library, "MAJOR.MINOR.PATCH".
 * Compare with TRAIL_VERSION to catch headers and library out of step.
 */
TRAIL_API const char *trail_version(void);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_TRAIL_H */
