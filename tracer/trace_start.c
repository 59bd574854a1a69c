/*
 * trace_start.c — turning tracing on (CHANSCOPE_TRACE, before main) and off
 * (every exit path), exactly once each.
 *
 * Exit paths and who calls cs_trace_finish:
 *   return from main / exit()   our on_exit() handler, reason "exit"
 *   panic, fatal misuse         the runtime (panic.c), reason "panic", status 2
 *   global deadlock             the runtime (panic.c), reason "deadlock", status 2
 *   a fatal signal (SIGINT, SIGTERM, SIGSEGV, abort() ...: every signal
 *                               whose default action kills) the runtime's
 *                               signal handling (cs_signals_init, installed
 *                               here), reason "signal", 128 + sig
 *   SIGKILL                     nobody: the last commit (<= 25 ms old) is
 *                               the trace; meta.end_reason stays absent
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sqlite3.h>

#include "det.h"
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
static cs_writer *writer;
static uint64_t final_emitted, final_stored; /* after finish */
static int64_t final_cpu, final_cpu_before_finish;

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

/* A forked child must not touch the parent's writer (no thread, shared
 * file): it simply stops tracing. */
static void after_fork_child(void) {
    pthread_mutex_init(&state_lock, NULL);
    if (state == ST_RUNNING) {
        atomic_fetch_or(&cs_trace_seq, CS_SEQ_CLOSED);
        atomic_store(&cs_tracing, 0);
        cs_writer_abandon(writer);
        writer = NULL;
        state = ST_DONE;
    }
}

void cs_trace_finish(const char *reason, int status) {
    pthread_mutex_lock(&state_lock);
    if (state != ST_RUNNING) {
        pthread_mutex_unlock(&state_lock);
        return;
    }
    /* Take the last seq (program_end) and close the seq space in one step:
     * every event that got a smaller seq is published by its thread a few
     * instructions later; every later attempt is dropped. */
    uint64_t cur = atomic_load(&cs_trace_seq);
    while (!atomic_compare_exchange_weak(&cs_trace_seq, &cur, (cur + 1) | CS_SEQ_CLOSED)) {
    }
    final_emitted = cur;
    int64_t end_g;
    int end_sig;
    cs_trace_end_info(&end_g, &end_sig);
    final_stored = cs_writer_finish(writer, cur, cs_trace_event_now(), reason ? reason : "exit", status,
                                    end_g, end_sig, &final_cpu, &final_cpu_before_finish);
    writer = NULL;
    atomic_store(&cs_tracing, 0);
    state = ST_DONE;
    pthread_mutex_unlock(&state_lock);
}

/* ---- start -------------------------------------------------------------- */

/* Create `path` as a new empty file and flock(LOCK_EX) it: the mark of a
 * live trace (trace_file.c).  Creators in one folder are serialised by a
 * flock on the folder, so that between the check of the old file and the
 * lock of the new one no other program can slip in: two programs started
 * into the same path at the same moment get one trace and one clear refusal,
 * never two traces of which one silently vanishes.  Returns the locked fd,
 * or -1 with err set. */
static int create_locked(const char *path, char *err, size_t errlen) {
    char *copy = strdup(path);
    int dfd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(copy);
    if (dfd >= 0) flock(dfd, LOCK_EX); /* best effort: no flock there, no lock */
    int fd = -1;
    if (cs_trace_check_output(path, err, errlen) == 0) {
        cs_trace_unlink(path); /* an old or half-created trace is replaced */
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
        if (fd < 0 && errno == EEXIST) {
            snprintf(err, errlen, "cannot replace trace %s: the old file could not be removed "
                     "(check the folder's permissions)", path);
        } else if (fd < 0) {
            snprintf(err, errlen, "cannot create trace %s: %s", path, strerror(errno));
        } else if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
            snprintf(err, errlen, "cannot create trace %s: another program took it", path);
            close(fd);
            fd = -1;
        }
    }
    if (dfd >= 0) close(dfd); /* releases the folder lock */
    return fd;
}

int cs_trace_start(const char *path, char *err, size_t errlen) {
    cs_det_setup(); /* the meta and the clock depend on it */
    pthread_mutex_lock(&state_lock);
    if (state != ST_OFF) {
        pthread_mutex_unlock(&state_lock);
        snprintf(err, errlen, "tracing was already started in this process");
        return -1;
    }
    /* No global memory accounting (one mutex less per SQLite allocation);
     * refused (harmlessly) if SQLite was already initialised. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    int lock_fd = create_locked(path, err, errlen);
    if (lock_fd < 0) {
        pthread_mutex_unlock(&state_lock);
        return -1;
    }
    char *program, *args;
    read_cmdline(&program, &args);
    int64_t start = cs_trace_event_now();
    cs_writer *w = cs_writer_open(path, lock_fd, program, args, start, err, errlen);
    free(program);
    free(args);
    if (!w) {
        cs_trace_unlink(path); /* nothing of it committed: leave no half-created file */
        pthread_mutex_unlock(&state_lock);
        return -1;
    }
    if (cs_writer_start(w) != 0) {
        snprintf(err, errlen, "cannot start the trace writer thread");
        cs_writer_finish(w, 0, start, "exit", 0, 0, 0, NULL, NULL);
        cs_trace_unlink(path);
        pthread_mutex_unlock(&state_lock);
        return -1;
    }
    writer = w;
    state = ST_RUNNING;
    atomic_store(&cs_tracing, 1);
    static bool hooks;
    if (!hooks) {
        hooks = true;
        on_exit(on_exit_handler, NULL);
        pthread_atfork(NULL, NULL, after_fork_child);
    }
    pthread_mutex_unlock(&state_lock);
    cs_signals_init(); /* fatal signals: flush, then die by the signal */
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
    uint64_t seq = atomic_load(&cs_trace_seq);
    st->emitted = state == ST_DONE ? final_emitted : (seq & ~CS_SEQ_CLOSED) - 1;
    st->stored = writer ? cs_writer_stored(writer) : final_stored;
    st->commits = writer ? cs_writer_commits(writer) : 0;
    st->dropped = atomic_load(&cs_trace_dropped);
    st->writer_cpu_ns = writer ? cs_writer_cpu_ns(writer) : final_cpu;
    st->writer_cpu_finish_ns = writer ? 0 : final_cpu - final_cpu_before_finish;
    pthread_mutex_unlock(&state_lock);
}
