/*
 * trace_format.h — the C side of the trace contract (format/trace.def):
 * its enums, versions and name tables, expanded by the preprocessor from
 * the .def file itself, so no C file repeats a number or a name.
 * (runtime/trace_hooks.h includes it; the SQL schema is embedded by
 * format/gen.c into build/format/trace_sql.h.)
 */
#ifndef CS_TRACE_FORMAT_H
#define CS_TRACE_FORMAT_H

#include <stddef.h>
#include <string.h>

/* CS_TRACE_SCHEMA_VERSION, CS_TRACE_ANALYSIS_VERSION */
enum {
#define TRACE_VERSION(what, n) CS_TRACE_##what##_VERSION = n,
#include "trace.def"
};

/* What a reader says of a trace of an older schema version (after "PATH: "):
 * printf arguments (long) its version, (int) CS_TRACE_SCHEMA_VERSION.  The
 * analyzer, `chanscope view` and the viewer (::trace::OLD_SCHEMA_FMT) say it. */
#define CS_OLD_SCHEMA_FMT                                                        \
    "recorded by an older chanscope (trace schema version %ld; this one reads "   \
    "version %d): re-run the program to record it again"

enum cs_ev_kind {
#define EV(num, NAME, name, ref, obj, a, b, c, d, s) EV_##NAME = num,
#include "trace.def"
};

/* Why a goroutine is blocked (EV_GO_BLOCK.a, spans.reason). */
enum cs_block_reason {
#define REASON(num, NAME, word) BLOCK_##NAME = num,
#include "trace.def"
};

/* EV_CHAN_SEND / EV_CHAN_RECV d flags */
enum cs_evf {
#define EVF(bit, NAME, name, meaning) CS_EVF_##NAME = bit,
#include "trace.def"
};

/* Misuse codes (EV_PANIC.a, EV_MISUSE.a); 0: none (a user panic). */
enum cs_misuse {
    MISUSE_NONE = 0,
#define MISUSE(num, NAME, class, message) MISUSE_##NAME = num,
#include "trace.def"
};

/* Object types (objects.type). */
enum cs_obj_type {
#define OBJTYPE(num, NAME, type_name, word) OBJ_##NAME = num,
#include "trace.def"
};

/* What events.obj holds for a kind (the ref column of trace.def). */
enum cs_ev_ref { CS_REF_none, CS_REF_obj, CS_REF_gid, CS_REF_some };

/* events.kind -> its name (event_kinds.name), NULL if not a kind. */
static inline const char *cs_ev_name(long long kind) {
    switch (kind) {
#define EV(num, NAME, name, ref, obj, a, b, c, d, s) case num: return #name;
#include "trace.def"
    default: return NULL;
    }
}

/* events.kind -> what its obj holds (CS_REF_none for an unknown kind). */
static inline enum cs_ev_ref cs_ev_ref(long long kind) {
    switch (kind) {
#define EV(num, NAME, name, ref, obj, a, b, c, d, s) case num: return CS_REF_##ref;
#include "trace.def"
    default: return CS_REF_none;
    }
}

/* go_block.a -> spans.reason word ("send", "wg", ...), NULL if unknown. */
static inline const char *cs_reason_word(long long reason) {
    switch (reason) {
#define REASON(num, NAME, word) case num: return #word;
#include "trace.def"
    default: return NULL;
    }
}

/* misuse code -> findings.class ("send_on_closed"), NULL if unknown. */
static inline const char *cs_misuse_class(long long code) {
    switch (code) {
#define MISUSE(num, NAME, class, message) case num: return #class;
#include "trace.def"
    default: return NULL;
    }
}

/* misuse code -> its message ("send on closed channel"), NULL if unknown. */
static inline const char *cs_misuse_message(long long code) {
    switch (code) {
#define MISUSE(num, NAME, class, message) case num: return message;
#include "trace.def"
    default: return NULL;
    }
}

/* objects.type -> objects.type_name ("chan"), NULL if unknown. */
static inline const char *cs_obj_type_name(long long type) {
    switch (type) {
#define OBJTYPE(num, NAME, type_name, word) case num: return #type_name;
#include "trace.def"
    default: return NULL;
    }
}

/* objects.type -> the word prose uses ("channel", "RWMutex"), NULL if unknown. */
static inline const char *cs_obj_type_word(long long type) {
    switch (type) {
#define OBJTYPE(num, NAME, type_name, word) case num: return word;
#include "trace.def"
    default: return NULL;
    }
}

/* meta.key -> true if format/trace.def lists it (a META row). */
static inline int cs_meta_key_known(const char *key) {
#define META(key_, from) if (!strcmp(key, #key_)) return 1;
#include "trace.def"
    return 0;
}

#endif
