/*
 * test_heads.c - a node's heads (sync/heads.h): trail__heads_node_at()
 * answers from an index by node that is made again after every change, and
 * must answer as a scan of every lane does, forks (two lanes at one
 * node_seq) included, whatever lanes were added and removed before.
 */
#include "sync/heads.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *const nodes[] = { "alpha", "beta", "gamma" };
#define N_NODES 3
#define MAX_SEQ 12

/* What trail__heads_node_at() answered before it had an index: the reference. */
static const trail__head *scan(const trail__heads *h, const char *node_id, int64_t node_seq)
{
    const trail__head *last = NULL;
    for (size_t i = 0; i < h->n; i++) {
        const trail__head *x = &h->v[i];
        if (strcmp(x->node_id, node_id) != 0)
            continue;
        if (node_seq >= 0 ? x->node_seq == node_seq : !last || x->node_seq > last->node_seq)
            last = x;
    }
    return last;
}

/* Every question of every node, answered alike. */
static void expect_same(const trail__heads *h)
{
    for (int n = 0; n < N_NODES; n++)
        for (int64_t seq = -1; seq <= MAX_SEQ + 1; seq++) {
            const trail__head *want = scan(h, nodes[n], seq), *got;
            got = trail__heads_node_at(h, nodes[n], seq);
            if (want != got)
                fail_msg("node %s at %lld: lane %s, expected %s", nodes[n], (long long)seq,
                         got ? got->lane_id : "none", want ? want->lane_id : "none");
        }
    assert_null(trail__heads_node_at(h, "nobody", 1));
}

static void test_node_at_as_a_scan(void **state)
{
    (void)state;
    trail__heads h = { 0 };
    unsigned seed = 19;
    expect_same(&h);
    for (int step = 0; step < 600; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        if (r % 4 == 0 && h.n) {
            char id[TRAIL_ULID_LEN + 1];
            snprintf(id, sizeof id, "%s", h.v[r / 4 % h.n].lane_id);
            trail__heads_remove(&h, id);
        } else {
            trail__head x = { .node_seq = 1 + (int64_t)(r / 4 % MAX_SEQ), .sealed_seq = -1 };
            snprintf(x.lane_id, sizeof x.lane_id, "L%025u", r % 100000);
            snprintf(x.node_id, sizeof x.node_id, "%s", nodes[r / 64 % N_NODES]);
            if (!trail__heads_find(&h, x.lane_id))
                assert_int_equal(trail__heads_add(&h, &x), TRAIL_OK);
        }
        expect_same(&h);
    }
    assert_true(h.n > 20); /* forks among them: MAX_SEQ places per node */
    trail__heads_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_at_as_a_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
