/*
 * msg_ids.h — trace-wide message ids from the log's per-channel numbers.
 *
 * The runtime numbers the messages of each channel on its own (1, 2, ...
 * under the channel's lock: no counter shared by all threads); a trace
 * names a message by one id (messages.msg, chan_send.a = chan_recv.a).  As
 * the converter writes events in seq order it gives each chan_send the next
 * id (1, 2, ...: ids in send order) and each chan_recv the id of the send it
 * names.  Only messages in flight are held: a receive forgets its send.
 */
#ifndef CS_MSG_IDS_H
#define CS_MSG_IDS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct msg_slot {
    int64_t chan, local, id; /* chan 0: empty */
} msg_slot;

typedef struct msg_ids {
    msg_slot *s;
    uint64_t cap, n; /* cap: a power of two (0 before the first send) */
    int64_t next;    /* the last id given */
} msg_ids;

/* The trace's id for chan_send (send = true) or chan_recv number `local`
 * (0: a receive of the close, stays 0) on channel chan.  A receive whose
 * send is not in the log (a killed program's, a live snapshot's) gets an id
 * of its own.  -1 when out of memory. */
int64_t msg_ids_map(msg_ids *m, int64_t chan, int64_t local, bool send);

void msg_ids_free(msg_ids *m);

#endif
