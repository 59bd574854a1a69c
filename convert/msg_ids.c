/*
 * msg_ids.c — (channel, per-channel number) -> trace-wide message id
 * (msg_ids.h).  An open-addressing table with linear probing; a receive
 * deletes its entry by shifting the following run back (no tombstones), so
 * the table holds only the messages in flight.
 */
#include <stdlib.h>

#include "msg_ids.h"

static inline uint64_t slot_of(const msg_ids *m, int64_t chan, int64_t local) {
    uint64_t h = (uint64_t)chan * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)local;
    h ^= h >> 29;
    h *= UINT64_C(0xBF58476D1CE4E5B9);
    h ^= h >> 32;
    return h & (m->cap - 1);
}

static bool grow(msg_ids *m) {
    uint64_t ncap = m->cap ? m->cap * 2 : 1024;
    msg_slot *old = m->s;
    uint64_t ocap = m->cap;
    m->s = calloc(ncap, sizeof *m->s);
    if (!m->s) {
        m->s = old;
        return false;
    }
    m->cap = ncap;
    for (uint64_t i = 0; i < ocap; i++) {
        if (!old[i].chan) continue;
        uint64_t j = slot_of(m, old[i].chan, old[i].local);
        while (m->s[j].chan) j = (j + 1) & (m->cap - 1);
        m->s[j] = old[i];
    }
    free(old);
    return true;
}

/* Remove slot i, moving back the entries after it that probed past it. */
static void remove_at(msg_ids *m, uint64_t i) {
    uint64_t mask = m->cap - 1, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->s[j].chan) break;
        uint64_t home = slot_of(m, m->s[j].chan, m->s[j].local);
        /* j's entry may fill hole i unless its home lies in (i, j] */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->s[i] = m->s[j];
            i = j;
        }
    }
    m->s[i].chan = 0;
    m->n--;
}

int64_t msg_ids_map(msg_ids *m, int64_t chan, int64_t local, bool send) {
    if (local == 0) return 0;
    if (chan == 0) chan = INT64_MIN; /* (never: channel ids start at 1) */
    if (m->cap) {
        uint64_t i = slot_of(m, chan, local);
        for (; m->s[i].chan; i = (i + 1) & (m->cap - 1)) {
            if (m->s[i].chan != chan || m->s[i].local != local) continue;
            int64_t id = m->s[i].id;
            if (!send) {
                remove_at(m, i);
                return id;
            }
            m->s[i].id = ++m->next; /* a number sent twice: a damaged log */
            return m->s[i].id;
        }
    }
    if (!send) return ++m->next; /* its send is not in the log */
    if ((m->n + 1) * 2 > m->cap && !grow(m)) return -1;
    uint64_t i = slot_of(m, chan, local);
    while (m->s[i].chan) i = (i + 1) & (m->cap - 1);
    m->s[i] = (msg_slot){chan, local, ++m->next};
    m->n++;
    return m->next;
}

void msg_ids_free(msg_ids *m) {
    free(m->s);
    *m = (msg_ids){0};
}
