/*
 * log_read.c — decoding a binary event log (see log_read.h, trace_log.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_read.h"
#include "trace_format.h" /* the event kinds (format/trace.def) */

static int cmp_chunk(const void *x, const void *y) {
    const cslog_chunk *a = *(const cslog_chunk *const *)x, *b = *(const cslog_chunk *const *)y;
    if (a->thread != b->thread) return a->thread < b->thread ? -1 : 1;
    return (a->thread_chunk > b->thread_chunk) - (a->thread_chunk < b->thread_chunk);
}

static int cmp_point(const void *x, const void *y) {
    const lr_point *a = x, *b = y;
    return (a->raw > b->raw) - (a->raw < b->raw);
}

static void stream_enter(lr_stream *st) {
    const cslog_chunk *c = st->chunks[st->ci];
    uint32_t used = atomic_load_explicit(&((cslog_chunk *)c)->used, memory_order_acquire);
    if (used > CSLOG_CHUNK - sizeof *c) used = CSLOG_CHUNK - sizeof *c;
    st->p = (const uint8_t *)(c + 1);
    st->end = st->p + used;
    st->prev_raw = c->base_raw;
    st->prev_g = 0;
    st->nfiles = 0;
}

int lr_open(lr_log *log, const uint8_t *map, size_t size, char *err, size_t errlen) {
    memset(log, 0, sizeof *log);
    log->map = map;
    log->size = size;
    const cslog_header *h = (const cslog_header *)map;
    if (size < CSLOG_HEADER_SIZE || memcmp(h->magic, CSLOG_MAGIC, 8) != 0) {
        snprintf(err, errlen, "not a chanscope event log");
        return -1;
    }
    if (h->version != CSLOG_VERSION || h->header_size != CSLOG_HEADER_SIZE ||
        h->chunk_size != CSLOG_CHUNK) {
        snprintf(err, errlen, "an event log of another format (version %u; this chanscope reads "
                 "version %d): convert it with the chanscope that recorded it", h->version,
                 CSLOG_VERSION);
        return -1;
    }
    if (h->meta_len > CSLOG_HEADER_SIZE - CSLOG_META_OFF) {
        snprintf(err, errlen, "damaged event log (meta length %u)", h->meta_len);
        return -1;
    }
    log->hdr = h;
    log->finished = atomic_load(&((cslog_header *)h)->finished) == 1;
    size_t nch = (size - CSLOG_HEADER_SIZE) / CSLOG_CHUNK, nused = 0;
    const cslog_chunk **all = malloc((nch ? nch : 1) * sizeof *all);
    log->pts = malloc((nch + 2) * sizeof *log->pts);
    if (!all || !log->pts) {
        free(all);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    log->pts[log->npts++] = (lr_point){h->start_raw, h->start_mono};
    if (log->finished) log->pts[log->npts++] = (lr_point){h->end_raw, h->end_mono};
    for (size_t k = 0; k < nch; k++) {
        const cslog_chunk *c = (const cslog_chunk *)(map + CSLOG_HEADER_SIZE + k * CSLOG_CHUNK);
        if (c->magic != CSLOG_CHUNK_MAGIC || c->thread == 0) continue;
        all[nused++] = c;
        log->pts[log->npts++] = (lr_point){c->base_raw, c->base_mono};
    }
    qsort(all, nused, sizeof *all, cmp_chunk);
    /* streams: runs of one thread's chunks */
    log->streams = calloc(nused ? nused : 1, sizeof *log->streams);
    if (!log->streams) {
        free(all);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < nused;) {
        size_t j = i;
        while (j < nused && all[j]->thread == all[i]->thread) j++;
        lr_stream *st = &log->streams[log->nstreams++];
        st->chunks = all + i;
        st->nchunks = j - i;
        stream_enter(st);
        i = j;
    }
    if (!log->nstreams) free(all);
    /* calibration points: sorted by raw, mono made non-decreasing */
    qsort(log->pts, log->npts, sizeof *log->pts, cmp_point);
    size_t k = 0;
    for (size_t i = 0; i < log->npts; i++) {
        if (k && (log->pts[i].raw == log->pts[k - 1].raw || log->pts[i].mono < log->pts[k - 1].mono))
            continue;
        log->pts[k++] = log->pts[i];
    }
    log->npts = k;
    return 0;
}

void lr_close(lr_log *log) {
    if (log->nstreams) free((void *)log->streams[0].chunks);
    for (size_t i = 0; i < log->nstreams; i++) free(log->streams[i].files);
    free(log->streams);
    free(log->pts);
    memset(log, 0, sizeof *log);
}

int lr_meta_next(const lr_log *log, size_t *pos, const char **key, const char **value) {
    const char *base = (const char *)log->map + CSLOG_META_OFF;
    size_t len = log->hdr->meta_len;
    if (*pos >= len) return 0;
    const char *k = base + *pos;
    size_t kl = strnlen(k, len - *pos);
    if (*pos + kl + 1 >= len) return 0;
    const char *v = k + kl + 1;
    size_t vl = strnlen(v, len - *pos - kl - 1);
    if (*pos + kl + 1 + vl >= len) return 0;
    *key = k;
    *value = v;
    *pos += kl + vl + 2;
    return 1;
}

#define GET(v)                                                                 \
    do {                                                                       \
        (v) = cslog_get_u(&p, end);                                            \
        if (!p) goto bad;                                                      \
    } while (0)
#define GETZ(v)                                                                \
    do {                                                                       \
        uint64_t u_;                                                           \
        GET(u_);                                                               \
        (v) = cslog_unzz(u_);                                                  \
    } while (0)

int lr_next(lr_log *log, lr_stream *st, lr_rec *r) {
    for (;;) {
        if (st->p >= st->end) {
            if (st->ci + 1 >= st->nchunks) return 0;
            st->ci++;
            stream_enter(st);
            continue;
        }
        const uint8_t *p = st->p, *end = st->end;
        int kind = *p++;
        if (kind == CSLOG_REC_FILE) {
            uint64_t idx, n;
            GET(idx);
            GET(n);
            if (n > (uint64_t)(end - p) || idx != st->nfiles) goto bad;
            if (st->nfiles == st->files_cap) {
                size_t nc = st->files_cap ? st->files_cap * 2 : 16;
                lr_file *nf = realloc(st->files, nc * sizeof *nf);
                if (!nf) goto bad;
                st->files = nf;
                st->files_cap = nc;
            }
            st->files[st->nfiles++] = (lr_file){(const char *)p, (uint32_t)n, -1};
            st->p = p + n;
            continue;
        }
        if (end - p < 1) goto bad;
        uint8_t mask = *p++;
        memset(r, 0, sizeof *r);
        r->kind = kind;
        if (kind == CSLOG_REC_OBJECT) {
            GETZ(r->obj);
            GETZ(r->a);
            GETZ(r->b);
            GETZ(r->c);
        } else if (kind >= 1 && kind < CSLOG_REC_OBJECT) {
            if (kind & CSLOG_K_BEGUN) { /* only on the kinds that have a begin */
                r->kind = kind &= ~CSLOG_K_BEGUN;
                if (kind != EV_CHAN_SEND && kind != EV_CHAN_RECV) goto bad;
                r->begun = true;
            }
            int64_t dt, dseq;
            GETZ(dt);
            GETZ(dseq);
            r->raw = st->prev_raw += dt;
            r->seq = (uint64_t)r->raw + (uint64_t)dseq;
            if (mask & CSLOG_M_G) GETZ(st->prev_g);
            r->g = st->prev_g;
        } else {
            goto bad;
        }
        if (mask & CSLOG_M_SITE) {
            uint64_t fi;
            int64_t line;
            GET(fi);
            GETZ(line);
            if (fi >= st->nfiles) goto bad;
            r->file = &st->files[fi];
            r->line = (int32_t)line;
        }
        if (kind != CSLOG_REC_OBJECT) {
            if (mask & CSLOG_M_OBJ) GETZ(r->obj);
            if (mask & CSLOG_M_A) GETZ(r->a);
            if (mask & CSLOG_M_B) GETZ(r->b);
            if (mask & CSLOG_M_C) GETZ(r->c);
            if (mask & CSLOG_M_D) GETZ(r->d);
        }
        if (mask & CSLOG_M_S) {
            uint64_t n;
            GET(n);
            if (n > (uint64_t)(end - p)) goto bad;
            r->s = (const char *)p;
            r->slen = (uint32_t)n;
            p += n;
        }
        st->p = p;
        return 1;
    bad:
        log->bad_chunks++;
        st->p = st->end; /* the rest of this chunk is unreadable */
    }
}

int lr_thread_tail(lr_log *log, uint32_t thread, uint64_t *events, uint64_t *last_seq) {
    *events = *last_seq = 0;
    for (size_t i = 0; i < log->nstreams; i++) {
        const lr_stream *of = &log->streams[i];
        if (of->chunks[0]->thread != thread) continue;
        /* a reader of its own over the same chunks (the merge's is untouched) */
        lr_stream st = {.chunks = of->chunks, .nchunks = of->nchunks};
        stream_enter(&st);
        size_t bad = log->bad_chunks; /* (the merge counts damage once) */
        lr_rec r;
        while (lr_next(log, &st, &r)) {
            if (r.kind == CSLOG_REC_OBJECT) continue;
            *events += r.begun ? 2 : 1;
            *last_seq = r.seq;
        }
        log->bad_chunks = bad;
        free(st.files);
        return 1;
    }
    return 0;
}

int64_t lr_time_ns(const lr_log *log, lr_stream *st, int64_t raw) {
    const cslog_header *h = log->hdr;
    if (!(h->flags & CSLOG_F_TSC)) return raw - h->start_mono;
    const lr_point *pt = log->pts;
    size_t n = log->npts;
    size_t i = st->seg;
    if (!(i + 1 < n && pt[i].raw <= raw && raw < pt[i + 1].raw)) {
        size_t lo = 0, hi = n; /* last point with raw <= x */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (pt[mid].raw <= raw) lo = mid;
            else hi = mid;
        }
        i = st->seg = lo;
    }
    double mono;
    if (i + 1 < n && pt[i].raw <= raw)
        mono = (double)pt[i].mono + (double)(raw - pt[i].raw) * (double)(pt[i + 1].mono - pt[i].mono) /
                                        (double)(pt[i + 1].raw - pt[i].raw);
    else
        mono = (double)pt[i].mono + (double)(raw - pt[i].raw) * h->ns_per_raw;
    return (int64_t)mono - h->start_mono;
}
