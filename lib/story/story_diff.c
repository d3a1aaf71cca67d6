/* SPDX-License-Identifier: MIT */
/* story_diff.c -- where the versions of a story disagree. */
#include "story_internal.h"

rp_status rpi_story_disagreements(rp_engine *e)
{
    (void)e;
    return RP_OK;
}
