/*
 * test_msg_ids.c — convert/msg_ids.c: per-channel message numbers become
 * trace-wide ids in send order, a receive gets its send's id, and the table
 * keeps only messages in flight (deletions keep every other entry findable).
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "msg_ids.h"

Test(msg_ids, ids_in_send_order_and_receives_match) {
    msg_ids m = {0};
    cr_assert_eq(msg_ids_map(&m, 7, 1, true), 1);
    cr_assert_eq(msg_ids_map(&m, 9, 1, true), 2); /* another channel's number 1 */
    cr_assert_eq(msg_ids_map(&m, 7, 2, true), 3);
    cr_assert_eq(msg_ids_map(&m, 9, 1, false), 2);
    cr_assert_eq(msg_ids_map(&m, 7, 1, false), 1);
    cr_assert_eq(msg_ids_map(&m, 7, 0, false), 0, "a receive of the close stays 0");
    cr_assert_eq(msg_ids_map(&m, 7, 2, false), 3);
    cr_assert_eq(m.n, 0, "nothing in flight");
    cr_assert_eq(msg_ids_map(&m, 7, 5, false), 4, "a receive without its send gets an id of its own");
    msg_ids_free(&m);
}

/* Random traffic on many channels against a plain reference: FIFO per
 * channel (as a buffered channel), up to 300 in flight per channel, so that
 * the table grows and deletions shift long probe runs. */
Test(msg_ids, random_traffic_matches_a_reference) {
    enum { NCHAN = 64, MAXQ = 300, OPS = 400000 };
    static int64_t q_local[NCHAN][MAXQ], q_id[NCHAN][MAXQ];
    int head[NCHAN] = {0}, len[NCHAN] = {0};
    int64_t sent[NCHAN] = {0}, expect_next = 0;
    msg_ids m = {0};
    srand(12345);
    for (int op = 0; op < OPS; op++) {
        int ch = rand() % NCHAN;
        bool send = len[ch] == 0 || (len[ch] < MAXQ && rand() % 2);
        if (send) {
            int64_t local = ++sent[ch];
            int64_t id = msg_ids_map(&m, ch + 1, local, true);
            cr_assert_eq(id, ++expect_next, "op %d: ids are given in send order", op);
            int tail = (head[ch] + len[ch]) % MAXQ;
            q_local[ch][tail] = local;
            q_id[ch][tail] = id;
            len[ch]++;
        } else {
            int64_t id = msg_ids_map(&m, ch + 1, q_local[ch][head[ch]], false);
            cr_assert_eq(id, q_id[ch][head[ch]], "op %d: channel %d's receive", op, ch + 1);
            head[ch] = (head[ch] + 1) % MAXQ;
            len[ch]--;
        }
    }
    uint64_t inflight = 0;
    for (int ch = 0; ch < NCHAN; ch++) inflight += (uint64_t)len[ch];
    cr_assert_eq(m.n, inflight);
    msg_ids_free(&m);
}
