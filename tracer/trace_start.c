/*
 * trace_start.c — turning tracing on (CHANSCOPE_TRACE, before main) and off
 * (every exit path), exactly once each; and turning the binary log into the
 * SQLite trace at the end.
 *
 * Recording: cs_trace_start creates TRACE.cslog (flock LOCK_EX while the
 * program records: the mark of a live trace), maps its header and writes the
 * meta text (program, args, start, deterministic-mode settings); events go
 * into it from trace_buf.c.  An old trace at TRACE stays untouched until the
 * conversion replaces it (atomically, convert/convert.c).
 *
 * Exit paths and who calls cs_trace_finish:
 *   return from main / exit()   our on_exit() handler, reason "exit"
 *   panic, fatal misuse         the runtime (panic.c), reason "panic", status 2
 *   global deadlock             the runtime (panic.c), reason "deadlock", status 2
 *   a fatal signal (SIGINT, SIGTERM, SIGSEGV, abort() ...: every signal
 *                               whose default action kills) the runtime's
 *                               signal handling (cs_signals_init, installed
 *                               here), reason "signal", 128 + sig
 *   SIGKILL                     nobody: every event written so far is in the
 *                               log; the header says "not finished"
 * finish writes program_end and the end fields into the log, then converts
 * it by running `chanscope import --remove-log LOG -o TRACE` and waiting for
 * it (the runtime does not link SQLite) — unless CHANSCOPE_TRACE_NOCONVERT=1
 * (what `chanscope run` sets: it converts after the program ends, however it
 * ends).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "det.h"
#include "trace_format.h"
#include "trace_log.h"
#include "tracer.h"

#include "signal_internal.h"

_Atomic int cs_tracing;

/* The chanscope command itself links the library; it defines this (strong)
 * so that a CHANSCOPE_TRACE in the user's environment never makes the tool
 * record (and overwrite) a trace of itself. */
extern const int cs_trace_no_autostart __attribute__((weak));

enum { ST_OFF, ST_RUNNING, ST_DONE };
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static int state = ST_OFF;
static int log_fd = -1;          /* the log, flock(LOCK_EX) while recording */
static cslog_header *hdr;        /* its mapped header */
static char *trace_path, *log_path;
static bool no_convert;          /* CHANSCOPE_TRACE_NOCONVERT=1: the CLI converts */
static uint64_t final_emitted;   /* after finish */

#ifndef CS_BUILD_BIN
#define CS_BUILD_BIN ""
#endif
#ifndef CS_PREFIX_BIN
#define CS_PREFIX_BIN "/usr/local/bin/chanscope"
#endif

char *cs_trace_log_path(const char *path) {
    size_t n = strlen(path) + sizeof ".cslog";
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s.cslog", path);
    return p;
}

/* ---- program name and arguments ----------------------------------------- */

static void json_str(FILE *f, const char *s, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* argv[0] and the JSON array of argv[1..] from /proc/self/cmdline. */
static void read_cmdline(char **program, char **args_json) {
    *program = NULL;
    *args_json = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        for (;;) {
            if (len + 4096 > cap) {
                char *nb = realloc(buf, cap = len + 65536);
                if (!nb) break;
                buf = nb;
            }
            ssize_t r = read(fd, buf + len, cap - len);
            if (r <= 0) break;
            len += (size_t)r;
        }
        close(fd);
    }
    size_t mlen = 0;
    char *mem = NULL;
    FILE *f = open_memstream(&mem, &mlen);
    if (f) {
        fputc('[', f);
        size_t i = 0, argi = 0;
        while (buf && i < len) {
            size_t n = strnlen(buf + i, len - i);
            if (argi == 0) *program = strndup(buf + i, n);
            else {
                if (argi > 1) fputc(',', f);
                json_str(f, buf + i, n);
            }
            argi++;
            i += n + 1;
        }
        fputc(']', f);
        fclose(f);
        *args_json = mem;
    }
    free(buf);
    if (!*program) *program = strdup("?");
    if (!*args_json) *args_json = strdup("[]");
}

/* ---- exit paths --------------------------------------------------------- */

static void on_exit_handler(int status, void *arg) {
    (void)arg;
    cs_trace_finish("exit", status);
}

/* A forked child must not write into the parent's log (the mapping is
 * shared) nor convert it: it simply stops tracing.  Its copy of the log
 * descriptor is closed (the flock stays the parent's). */
static void after_fork_child(void) {
    pthread_mutex_init(&state_lock, NULL);
    if (state == ST_RUNNING) {
        atomic_store(&cs_trace_closed, 1);
        atomic_store(&cs_tracing, 0);
        cs_log_fork_child(); /* unmaps the chunks: they would hold the lock */
        munmap(hdr, CSLOG_HEADER_SIZE);
        hdr = NULL;
        if (log_fd >= 0) close(log_fd); /* never LOCK_UN: the lock is the parent's */
        log_fd = -1;
        state = ST_DONE;
    }
}

/* Run `chanscope import --remove-log LOG -o TRACE` and wait for it.  The
 * binary: $CHANSCOPE_BIN, then the build tree's, then the installed one,
 * then `chanscope` on PATH.  0 when the trace was written.  With `detach`
 * (a program ended by a signal, which must die at once, as it would
 * untraced) in a new session, waited for 1 s at most: a big trace goes on
 * converting in the background. */
/* A second signal that would end the program, pending while a signal's
 * end waits for the conversion (the threads that could take it may all
 * block it by then): stop waiting, so that it kills at once. */
static bool end_signal_pending(void) {
    static const int ending[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM};
    sigset_t pend;
    if (sigpending(&pend) != 0) return false;
    for (size_t i = 0; i < sizeof ending / sizeof *ending; i++)
        if (sigismember(&pend, ending[i])) return true;
    return false;
}

static int run_import(bool detach) {
    extern char **environ;
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    /* No signal blocked in the converter: the calling thread may block them
     * all (the poller thread ends a program killed by a signal), and a mask
     * is inherited through exec: a converter left running in the
     * background would then ignore the SIGTERM or Ctrl-C meant to stop it. */
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | (detach ? POSIX_SPAWN_SETSID : 0));
    const char *cands[] = {getenv("CHANSCOPE_BIN"), CS_BUILD_BIN, CS_PREFIX_BIN};
    char *argv[] = {"chanscope", "import", "--quiet", "--remove-log", log_path, "-o", trace_path, NULL};
    pid_t pid = -1;
    for (size_t i = 0; i < sizeof cands / sizeof *cands && pid < 0; i++) {
        if (!cands[i] || !*cands[i] || access(cands[i], X_OK) != 0) continue;
        argv[0] = (char *)cands[i];
        if (posix_spawn(&pid, cands[i], NULL, &attr, argv, environ) != 0) pid = -1;
    }
    if (pid < 0) {
        argv[0] = "chanscope";
        if (posix_spawnp(&pid, "chanscope", NULL, &attr, argv, environ) != 0) pid = -1;
    }
    posix_spawnattr_destroy(&attr);
    if (pid < 0) return -1;
    int st = 0;
    pid_t r;
    if (detach) { /* wait 1 s at most, then let it finish on its own */
        int64_t until = cs_trace_now() + 1000000000LL;
        while ((r = waitpid(pid, &st, WNOHANG)) == 0 && cs_trace_now() < until &&
               !end_signal_pending()) {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
        if (r == 0) {
            fprintf(stderr, "chanscope: converting the trace %s in the background (pid %d)\n",
                    trace_path, (int)pid);
            return 0;
        }
    } else {
        while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
        }
    }
    if (r < 0) /* SIGCHLD ignored: the child was reaped for us */
        return access(log_path, F_OK) != 0 ? 0 : -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

void cs_trace_finish(const char *reason, int status) {
    pthread_mutex_lock(&state_lock);
    if (state != ST_RUNNING) {
        pthread_mutex_unlock(&state_lock);
        return;
    }
    /* Close the log: every event begun before this is written; every
     * later attempt is dropped.  program_end comes after all of them. */
    unsigned stuck = cs_log_close();
    int64_t end_g;
    int end_sig;
    cs_trace_end_info(&end_g, &end_sig);
    if (!reason) reason = "exit";
    cs_log_emit_end(end_g, status, end_sig, reason);
    /* accepted: every record begun before the close (a thread mid-record
     * now is dropping an attempt that saw the close) */
    final_emitted = cs_log_written(NULL) + stuck;
    hdr->end_mono = cs_trace_now();
    hdr->end_raw = cs_det_on ? atomic_load(&cs_det_vclock) : hdr->end_mono;
    if (hdr->flags & CSLOG_F_TSC) {
#if defined(__x86_64__) || defined(__i386__)
        hdr->end_raw = (int64_t)__builtin_ia32_rdtsc();
#endif
    }
    hdr->end_g = end_g;
    hdr->end_status = status;
    hdr->end_sig = end_sig;
    hdr->end_seq = CSLOG_SEQ_END;
    snprintf(hdr->end_reason, sizeof hdr->end_reason, "%s", reason);
    atomic_store_explicit(&hdr->finished, 1, memory_order_release);
    atomic_store(&cs_tracing, 0);
    state = ST_DONE;
    /* The trace is no longer being recorded.  LOCK_UN, not just close: the
     * mappings hold the file open (and with it the lock). */
    flock(log_fd, LOCK_UN);
    close(log_fd);
    log_fd = -1;
    if (!no_convert) {
        fflush(stdout);
        fflush(stderr);
        if (run_import(!strcmp(reason, "signal")) != 0) {
            fprintf(stderr, "chanscope: the trace is still in its binary log %s; convert it "
                            "with: chanscope import '%s' -o '%s'\n", log_path, log_path, trace_path);
            fflush(stderr);
        }
    }
    pthread_mutex_unlock(&state_lock);
}

/* ---- start -------------------------------------------------------------- */

/* Without SQLite: does this file (its first bytes in p[0 .. n)) look like a
 * chanscope trace?  An SQLite file whose first page (the schema's) holds
 * the CREATE TABLE of meta and of events, or one without any table (a
 * trace whose creation was interrupted, by older versions).  The converter
 * checks it for real (meta.schema_version) before it replaces it. */
static bool has_table(const unsigned char *p, size_t n, const char *name) {
    char pat[64];
    int len = snprintf(pat, sizeof pat, "CREATE TABLE %s(", name);
    return memmem(p, n, pat, (size_t)len) != NULL;
}

static bool looks_like_trace(const unsigned char *p, size_t n) {
    if (n < 108 || memcmp(p, "SQLite format 3", 16) != 0) return false;
    size_t psz = (size_t)p[16] << 8 | p[17];
    if (psz == 1) psz = 65536;
    if (psz > n) psz = n;
    if (p[100] == 0x0d && (p[103] << 8 | p[104]) == 0) return true; /* no table */
    return has_table(p, psz, "meta") && has_table(p, psz, "events");
}

/* May `path` become a trace?  The runtime's half of the rule in
 * docs/trace-format.md ("Files"), without SQLite: nothing there, an empty
 * file, or a file that starts like an SQLite database (the converter makes
 * sure it is a chanscope trace before it replaces it); not a file that a
 * running program records.  0, or -1 with one line in err. */
static int check_output(const char *path, const char *lp, char *err, size_t errlen) {
    if (!*path) {
        snprintf(err, errlen, "empty trace path");
        return -1;
    }
    if (cs_trace_check_folder(path, err, errlen) != 0) return -1;
    /* a finished log still locked: its conversion runs (`chanscope import`,
     * perhaps of a program killed during it): wait for it, 60 s at most */
    for (int i = 0; i < 6000 && cs_file_flocked(lp) == 1 && cs_log_finished(lp); i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    if (cs_file_flocked(path) == 1 || cs_file_flocked(lp) == 1) {
        long long pid = cs_log_pid(lp);
        char who[48] = "";
        if (pid > 0) snprintf(who, sizeof who, " (pid %lld)", pid);
        snprintf(err, errlen, "%s is being recorded by a running program%s: not replacing it "
                 "(wait for that program to end, or choose another file)", path, who);
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "cannot write trace %s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot write trace %s: it is a directory", path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot write trace %s: not a regular file", path);
        return -1;
    }
    if (st.st_size == 0) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    static unsigned char page[65536];
    ssize_t n = fd >= 0 ? read(fd, page, sizeof page) : -1;
    if (fd >= 0) close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read %s: %s (not overwriting it)", path, strerror(errno));
        return -1;
    }
    if (!looks_like_trace(page, (size_t)n)) {
        snprintf(err, errlen, "%s exists and is not a chanscope trace (not overwriting it)", path);
        return -1;
    }
    return 0;
}

/* The file at lp starts with our magic, or with zeros (a start killed
 * before it wrote the header), or is shorter than a magic. */
static bool ours_or_empty(const char *lp) {
    int fd = open(lp, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return false;
    char m[8];
    ssize_t n = read(fd, m, sizeof m);
    close(fd);
    if (n < (ssize_t)sizeof m) return n >= 0;
    static const char zero[8];
    return !memcmp(m, CSLOG_MAGIC, 8) || !memcmp(m, zero, 8);
}

/* Create (or take over) the log `lp` and flock(LOCK_EX) it: the mark of a
 * live trace.  Creators in one folder are serialised by a flock on the
 * folder, so that between the check of the old files and the lock of the
 * new log no other program can slip in: two programs started into the same
 * path at the same moment get one trace and one clear refusal.  Returns the
 * locked fd (the file emptied), or -1 with err set. */
static int create_locked(const char *path, const char *lp, char *err, size_t errlen) {
    char *copy = strdup(path);
    int dfd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(copy);
    if (dfd >= 0) flock(dfd, LOCK_EX); /* best effort: no flock there, no lock */
    int fd = -1;
    if (check_output(path, lp, err, errlen) == 0) {
        struct stat st;
        if (lstat(lp, &st) == 0 && (!S_ISREG(st.st_mode) || !ours_or_empty(lp))) {
            snprintf(err, errlen, "%s exists and is not a chanscope event log (not overwriting it)", lp);
        } else {
            fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
            if (fd < 0) {
                snprintf(err, errlen, "cannot create the event log %s: %s", lp, strerror(errno));
            } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
                snprintf(err, errlen, "cannot create trace %s: another program took it", path);
                close(fd);
                fd = -1;
            } else if (ftruncate(fd, 0) != 0 || ftruncate(fd, CSLOG_HEADER_SIZE) != 0) {
                snprintf(err, errlen, "cannot create the event log %s: %s", lp, strerror(errno));
                close(fd);
                fd = -1;
            }
        }
    }
    if (dfd >= 0) close(dfd); /* releases the folder lock */
    return fd;
}

static void wall_rfc3339(char *buf, size_t n) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

/* Append "key\0value\0" to the header's meta text (cut if it does not fit). */
static void put_meta(const char *key, const char *value) {
    assert(cs_meta_key_known(key)); /* a META row of format/trace.def */
    char *base = (char *)hdr + CSLOG_META_OFF;
    size_t room = CSLOG_HEADER_SIZE - CSLOG_META_OFF - hdr->meta_len;
    size_t kl = strlen(key) + 1, vl = strlen(value) + 1;
    if (kl + vl > room) {
        if (kl + 1 > room) return;
        vl = room - kl;
    }
    memcpy(base + hdr->meta_len, key, kl);
    memcpy(base + hdr->meta_len + kl, value, vl);
    base[hdr->meta_len + kl + vl - 1] = 0;
    hdr->meta_len += (uint32_t)(kl + vl);
}

int cs_trace_start(const char *path, char *err, size_t errlen) {
    cs_det_setup(); /* the meta and the clock depend on it */
    pthread_mutex_lock(&state_lock);
    if (state != ST_OFF) {
        pthread_mutex_unlock(&state_lock);
        snprintf(err, errlen, "tracing was already started in this process");
        return -1;
    }
    char *lp = cs_trace_log_path(path);
    char *tp = strdup(path);
    int fd = lp && tp ? create_locked(path, lp, err, errlen) : -1;
    if (fd >= 0) {
        void *m = mmap(NULL, CSLOG_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED) {
            snprintf(err, errlen, "cannot map the event log %s: %s", lp, strerror(errno));
            close(fd);
            unlink(lp);
            fd = -1;
        } else {
            hdr = m;
        }
    } else if (!lp || !tp) {
        snprintf(err, errlen, "out of memory");
    }
    if (fd < 0) {
        free(lp);
        free(tp);
        pthread_mutex_unlock(&state_lock);
        return -1;
    }
    log_fd = fd;
    log_path = lp;
    trace_path = tp;
    const char *nc = getenv("CHANSCOPE_TRACE_NOCONVERT");
    no_convert = nc && !strcmp(nc, "1");
    unsetenv("CHANSCOPE_TRACE_NOCONVERT");
    hdr->version = CSLOG_VERSION;
    hdr->header_size = CSLOG_HEADER_SIZE;
    hdr->chunk_size = CSLOG_CHUNK;
    hdr->pid = (int64_t)getpid();
    cs_log_setup(fd, hdr);
    char *program, *args;
    read_cmdline(&program, &args);
    char buf[64];
    put_meta("chanscope_version", CHANSCOPE_VERSION);
    put_meta("program", program);
    put_meta("args", args);
    wall_rfc3339(buf, sizeof buf);
    put_meta("start_wall", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)hdr->start_mono);
    put_meta("start_mono_ns", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)getpid());
    put_meta("pid", buf);
    if (cs_det_on) { /* deterministic mode (det.h, docs/schedules.md) */
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)cs_det_seed);
        put_meta("seed", buf);
        put_meta("strategy", cs_det_strategy_name());
        put_meta("virtual_time", "1");
    }
    free(program);
    free(args);
    memcpy(hdr->magic, CSLOG_MAGIC, 8); /* last: a reader sees a whole header */
    state = ST_RUNNING;
    atomic_store(&cs_tracing, 1);
    static bool hooks;
    if (!hooks) {
        hooks = true;
        on_exit(on_exit_handler, NULL);
        pthread_atfork(NULL, NULL, after_fork_child);
    }
    pthread_mutex_unlock(&state_lock);
    cs_signals_init(); /* fatal signals: finish, then die by the signal */
    return 0;
}

/* Priority 101, the first one open to programs: the library is linked
 * statically after the program's objects, so a plain constructor here would
 * run after the program's own (.init_array runs in link order) and miss what
 * a program's constructor does with the runtime before main.  Prioritised
 * constructors all run before every plain one. */
__attribute__((constructor(101))) static void trace_from_env(void) {
    if (&cs_trace_no_autostart && cs_trace_no_autostart) return;
    const char *env = getenv("CHANSCOPE_TRACE");
    if (!env || !*env) return;
    char *path = strdup(env);
    /* Programs this one starts must not overwrite our trace. */
    unsetenv("CHANSCOPE_TRACE");
    char err[1024];
    if (!path || cs_trace_start(path, err, sizeof err) != 0) {
        fprintf(stderr, "chanscope: %s\n", path ? err : "out of memory");
        fflush(stderr);
        _exit(2);
    }
    free(path);
}

void cs_trace_get_stats(cs_trace_stats *st) {
    pthread_mutex_lock(&state_lock);
    uint64_t begun;
    st->stored = cs_log_written(&begun);
    st->emitted = state == ST_DONE ? final_emitted : begun;
    st->commits = cs_log_chunks();
    st->dropped = atomic_load(&cs_trace_dropped);
    st->writer_cpu_ns = 0;
    st->writer_cpu_finish_ns = 0;
    pthread_mutex_unlock(&state_lock);
}
