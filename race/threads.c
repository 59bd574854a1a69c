/*
 * threads.c — pthread_create and pthread_join as synchronisation, for
 * threads the program starts itself (they become goroutines at their first
 * runtime call: "foreign" goroutines, runtime/goroutine.c).
 *
 *   pthread_create → the new thread's start       (as ThreadSanitizer)
 *   the thread's end → pthread_join returning
 *
 * The library defines pthread_create/pthread_join over glibc's (found with
 * dlsym(RTLD_NEXT)).  The creator's clock travels in the start record to
 * the new thread, which takes it when it becomes a goroutine (hb.c calls
 * race_thread_adopted); the thread's clock at its end (its go_end, from the
 * thread's exit) is kept in the record until pthread_join takes it.  The
 * runtime's own threads (Ms, sysmon, the trace writer) never become
 * goroutines: their record is only freed at their end.
 */
#include <dlfcn.h>
#include <pthread.h>

#include "race_internal.h"

typedef struct thr_start {
    void *(*fn)(void *);
    void *arg;
    rvc *start;             /* the creator's clock */
    rvc *end;               /* the thread's clock at its end (NULL: none) */
    pthread_t th;
    bool joinable_record;   /* on the list until joined */
    struct thr_start *next;
} thr_start;

static _Thread_local thr_start *my_start;
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static thr_start *list; /* records of threads started by a goroutine */

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
typedef int (*join_fn)(pthread_t, void **);

static void *trampoline(void *p) {
    thr_start *t = p;
    my_start = t;
    return t->fn(t->arg);
}

int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
    static _Atomic(create_fn) real;
    create_fn f = atomic_load(&real);
    if (!f) {
        f = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
        atomic_store(&real, f);
    }
    race_g *g = race_cur;
    if (!g) return f(th, attr, fn, arg); /* the runtime's own threads */
    thr_start *t = __libc_calloc(1, sizeof *t);
    if (!t) return f(th, attr, fn, arg);
    t->fn = fn;
    t->arg = arg;
    race_release(g, &t->start);
    int rc = f(th, attr, trampoline, t);
    if (rc != 0) {
        rvc_unref(t->start);
        __libc_free(t);
        return rc;
    }
    t->th = *th;
    pthread_mutex_lock(&list_lock);
    t->joinable_record = true;
    t->next = list;
    list = t;
    pthread_mutex_unlock(&list_lock);
    return 0;
}

int pthread_join(pthread_t th, void **ret) {
    static _Atomic(join_fn) real;
    join_fn f = atomic_load(&real);
    if (!f) {
        f = (join_fn)dlsym(RTLD_NEXT, "pthread_join");
        atomic_store(&real, f);
    }
    int rc = f(th, ret);
    if (rc != 0) return rc;
    pthread_mutex_lock(&list_lock);
    thr_start *t = NULL;
    for (thr_start **pp = &list; *pp; pp = &(*pp)->next)
        if (pthread_equal((*pp)->th, th)) {
            t = *pp;
            *pp = t->next;
            break;
        }
    pthread_mutex_unlock(&list_lock);
    if (!t) return 0;
    race_g *g = race_cur;
    if (g) race_acquire(g, t->end);
    rvc_unref(t->start);
    rvc_unref(t->end);
    __libc_free(t);
    return 0;
}

/* hb.c: this thread became goroutine g (its first runtime call). */
void race_thread_adopted(race_g *g) {
    if (my_start) race_acquire(g, my_start->start);
}

/* hb.c: goroutine g, a thread of the program, ends with its thread. */
void race_thread_ending(race_g *g) {
    if (!my_start) return;
    race_release(g, &my_start->end);
    my_start = NULL; /* (the record belongs to pthread_join now) */
}
