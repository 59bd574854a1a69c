/*
 * synth.h — build small (or very large) traces by hand, with the recorded
 * schema of docs/trace-format.md.  Used by the analyzer's unit tests, its
 * fuzz target and its benchmark; never by the traced runtime itself.
 *
 *   an_synth *s = an_synth_open(path);       // NULL path: in memory
 *   an_synth_goroutine(s, 2, "worker", 1, site, 0);
 *   an_synth_object(s, 10, OBJ_CHAN, "results", site, 0, 8);
 *   an_synth_ev(s, 1, EV_GO_CREATE, 2, 0, 0, 0, 0, site, "worker");
 *   ...
 *   an_synth_end(s, "exit", 0);              // omit to make it "truncated"
 *   an_synth_close(s);                       // or an_synth_db(s) to analyze in place
 */
#ifndef CS_AN_SYNTH_H
#define CS_AN_SYNTH_H

#include <stdint.h>

typedef struct sqlite3 sqlite3;
typedef struct an_synth an_synth;

an_synth *an_synth_open(const char *path); /* NULL on error; path NULL: in memory */
sqlite3 *an_synth_db(an_synth *s);
void an_synth_meta(an_synth *s, const char *key, const char *value);
int32_t an_synth_site(an_synth *s, const char *file, int line); /* returns the site id */
void an_synth_goroutine(an_synth *s, int64_t id, const char *name, int64_t parent,
                        int32_t site, int64_t create_seq);
void an_synth_object(an_synth *s, int64_t id, int type, const char *name, int32_t site,
                     int64_t a, int64_t b);
/* Append an event; seq is the next number, t_ns = 1000 * seq.  Returns seq. */
int64_t an_synth_ev(an_synth *s, int64_t g, int kind, int64_t obj, int64_t a, int64_t b,
                    int64_t c, int64_t d, int32_t site, const char *str);
/* program_end event by g (usually 1) + meta end_reason / exit_status. */
void an_synth_end(an_synth *s, int64_t g, const char *reason, int status);
/* Commit what is pending (the builder batches inserts in a transaction). */
void an_synth_flush(an_synth *s);
void an_synth_close(an_synth *s); /* flushes, closes (keeps nothing in memory) */

#endif
