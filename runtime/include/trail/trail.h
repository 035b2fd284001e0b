/*
 * trail/trail.h - libtrail, the runtime behind trailgen's generated code.
 *
 * Include this one header; it pulls in the module headers.
 */
#ifndef TRAIL_TRAIL_H
#define TRAIL_TRAIL_H

#include "trail/version.h"
#include "trail/error.h"
#include "trail/types.h"
#include "trail/ctx.h"
#include "trail/hlc.h"
#include "trail/ulid.h"
#include "trail/conn.h"
#include "trail/redact.h"
#include "trail/record.h"
#include "trail/migrate.h"
#include "trail/history.h"
#include "trail/verify.h"
#include "trail/digest.h"
#include "trail/sync.h"
#include "trail/diff.h"
#include "trail/conflict.h"

#endif /* TRAIL_TRAIL_H */
