/*
 * sync/texts.c - one copy of each row statement sync built (texts.h).
 */
#include "sync/texts.h"

#include <stdlib.h>
#include <string.h>

struct trail_sync_texts {
    char **items; /* open addressing by the text's hash; cap a power of two */
    size_t cap, used;
};

static size_t hash_of(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return (size_t)(h ^ h >> 32);
}

static int grow(struct trail_sync_texts *t)
{
    size_t cap = t->cap ? t->cap * 2 : 32;
    char **items = calloc(cap, sizeof *items);
    if (!items)
        return TRAIL_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->items[i])
            continue;
        size_t j = hash_of(t->items[i]) & (cap - 1);
        while (items[j])
            j = (j + 1) & (cap - 1);
        items[j] = t->items[i];
    }
    free(t->items);
    t->items = items;
    t->cap = cap;
    return TRAIL_OK;
}

int trail__sync_text(trail_conn *db, char *built, const char **out)
{
    struct trail_sync_texts *t = db->sync_texts;
    if (!built)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    if ((!t && !(t = db->sync_texts = calloc(1, sizeof *t))) ||
        ((t->used + 1) * 2 > t->cap && grow(t) < 0)) {
        free(built);
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    }
    size_t i = hash_of(built) & (t->cap - 1);
    while (t->items[i] && strcmp(t->items[i], built) != 0)
        i = (i + 1) & (t->cap - 1);
    if (t->items[i]) {
        free(built);
    } else {
        t->items[i] = built;
        t->used++;
    }
    *out = t->items[i];
    return TRAIL_OK;
}

void trail__sync_texts_free(trail_conn *db)
{
    struct trail_sync_texts *t = db->sync_texts;
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++)
        free(t->items[i]);
    free(t->items);
    free(t);
    db->sync_texts = NULL;
}
