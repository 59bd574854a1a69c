/*
 * signal_internal.h — signal handling shared with the tracer (internal).
 */
#ifndef CS_SIGNAL_INTERNAL_H
#define CS_SIGNAL_INTERNAL_H

/* Catch SIGINT and SIGTERM so that a traced program killed by them still
 * flushes its trace (end_reason "signal", exit status 128 + signal) before
 * dying by the same signal.  Called by the tracer at start-up when tracing;
 * idempotent; also done lazily by signal_notify(). */
void cs_signals_init(void);

#endif
