/* summary: names and kinds of the counters in stats.h. */
#include "common/stats.h"

static const char *const names[ST__COUNT] = {
#define STAT_NAME(id, name, kind) name,
    STATS_LIST(STAT_NAME)
#undef STAT_NAME
};

static const char *const kinds[ST__COUNT] = {
#define STAT_KIND(id, name, kind) kind,
    STATS_LIST(STAT_KIND)
#undef STAT_KIND
};

const char *stats_name(enum stat_id id)
{
    return (unsigned)id < ST__COUNT ? names[id] : "?";
}

const char *stats_kind(enum stat_id id)
{
    return (unsigned)id < ST__COUNT ? kinds[id] : "?";
}
