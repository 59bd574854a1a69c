/*
 * chan_internal.h — channel operations for the runtime's own threads
 * (internal).  The timer and signal threads are not goroutines: they act
 * through these, attributing the step to `by` (NULL: the runtime, gid 0).
 */
#ifndef CS_CHAN_INTERNAL_H
#define CS_CHAN_INTERNAL_H

#include "chanscope.h"
#include "scheduler.h"

/* Non-blocking send (select with default): true if delivered. */
bool cs_chan_send_nb_by(chan_t *ch, const void *elem, cs_g *by, cs_site site);
/* close(ch) done by `by`; panics like close() on nil/closed. */
void cs_chan_close_by(chan_t *ch, cs_g *by, cs_site site);

#endif
