/*
 * race/race_symbolize.c — pcs and addresses to source terms (see
 * race_symbolize.h), with elfutils' libdwfl on the running process.
 *
 * One Dwfl session for the process, made at the first call: every mapped
 * module (the program, shared libraries) is reported from /proc/self/maps,
 * and each module's debug information is read lazily by libdwfl.  Libdwfl
 * is not thread-safe: everything here runs under `lock`.  Results are
 * cached per pc (a race report symbolizes the same few pcs again and
 * again); cached strings are never freed.
 *
 * Not instrumented (this file is in the race library, built without
 * -fsanitize=thread), so nothing here reaches the detector.
 */
#include "race_symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Dwfl *dwfl;     /* under lock; NULL until the first call */
static int dwfl_failed; /* under lock: no debug information at all */

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .debuginfo_path = &debuginfo_path,
};

/* Under lock. */
static Dwfl *session(void) {
    if (dwfl || dwfl_failed) return dwfl;
    Dwfl *d = dwfl_begin(&callbacks);
    if (!d || dwfl_linux_proc_report(d, getpid()) != 0 || dwfl_report_end(d, NULL, NULL) != 0) {
        if (d) dwfl_end(d);
        dwfl_failed = 1;
        return NULL;
    }
    dwfl = d;
    return dwfl;
}

/* Interned copy (never freed), NULL stays NULL.  Under lock. */
static const char *keep(const char *s) {
    if (!s) return NULL;
    char *c = strdup(s);
    return c ? c : "?";
}

/* A path as the compiler saw it: the line table holds it joined to the
 * compilation folder; cut that folder off again so it matches the __FILE__
 * of annotated sites (sites.file, docs/trace-format.md). */
static const char *relative(const char *file, const char *comp_dir) {
    if (!file || !comp_dir || !*comp_dir) return file;
    size_t n = strlen(comp_dir);
    while (n > 1 && comp_dir[n - 1] == '/') n--;
    if (!strncmp(file, comp_dir, n) && file[n] == '/') return file + n + 1;
    return file;
}

/* ---- the pc cache: open addressing, grows at half full ---------------- */

typedef struct entry {
    uintptr_t pc; /* 0: empty */
    cs_race_frame f;
} entry;
static entry *cache;
static size_t cache_cap, cache_len;

static size_t slot_of(uintptr_t pc, size_t cap) {
    uint64_t x = (uint64_t)pc * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(x >> 20) & (cap - 1);
}

static entry *cache_find(uintptr_t pc) {
    if (!cache_cap) return NULL;
    for (size_t i = slot_of(pc, cache_cap);; i = (i + 1) & (cache_cap - 1)) {
        if (cache[i].pc == pc) return &cache[i];
        if (!cache[i].pc) return NULL;
    }
}

static void cache_put(uintptr_t pc, const cs_race_frame *f) {
    if (2 * (cache_len + 1) > cache_cap) {
        size_t cap = cache_cap ? 2 * cache_cap : 64;
        entry *t = calloc(cap, sizeof *t);
        if (!t) return; /* not cached: looked up again next time */
        for (size_t i = 0; i < cache_cap; i++)
            if (cache[i].pc) {
                size_t j = slot_of(cache[i].pc, cap);
                while (t[j].pc) j = (j + 1) & (cap - 1);
                t[j] = cache[i];
            }
        free(cache);
        cache = t;
        cache_cap = cap;
    }
    size_t j = slot_of(pc, cache_cap);
    while (cache[j].pc) j = (j + 1) & (cache_cap - 1);
    cache[j].pc = pc;
    cache[j].f = *f;
    cache_len++;
}

/* Without .debug_aranges (clang's default; chanscope build --race asks for
 * them with -gdwarf-aranges) libdwfl cannot tell which compilation unit
 * holds a pc: ask each unit.  Under lock. */
static void line_from_cus(Dwfl_Module *mod, Dwarf_Addr at, cs_race_frame *f) {
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = NULL;
    while ((cu = dwfl_module_nextcu(mod, cu, &bias)) != NULL) {
        if (dwarf_haspc(cu, at - bias) <= 0) continue;
        Dwarf_Line *l = dwarf_getsrc_die(cu, at - bias);
        int lineno = 0;
        const char *file = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
        if (!file || dwarf_lineno(l, &lineno) != 0) return;
        Dwarf_Attribute attr;
        const char *comp = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
        f->file = keep(relative(file, comp));
        f->line = lineno;
        return;
    }
}

int cs_race_symbolize_pc(uintptr_t pc, cs_race_frame *f) {
    memset(f, 0, sizeof *f);
    if (!pc) return 0;
    pthread_mutex_lock(&lock);
    entry *e = cache_find(pc);
    if (e) {
        *f = e->f;
        pthread_mutex_unlock(&lock);
        return 0;
    }
    Dwfl *d = session();
    Dwarf_Addr at = (Dwarf_Addr)pc - 1; /* inside the call instruction */
    Dwfl_Module *mod = d ? dwfl_addrmodule(d, at) : NULL;
    if (mod) {
        f->func = keep(dwfl_module_addrname(mod, at));
        Dwfl_Line *line = dwfl_module_getsrc(mod, at);
        int lineno = 0;
        const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
        if (file) {
            f->file = keep(relative(file, dwfl_line_comp_dir(line)));
            f->line = lineno;
        } else {
            line_from_cus(mod, at, f);
        }
    }
    cache_put(pc, f);
    pthread_mutex_unlock(&lock);
    return 0;
}

/* ---- the part of a variable an address is in (DWARF types) ------------- */

/* Is the variable DIE v located at module address a (DW_OP_addr, or DWARF 5's
 * DW_OP_addrx through .debug_addr)? */
static int var_at(Dwarf_Die *v, Dwarf_Addr a) {
    Dwarf_Attribute at, res;
    Dwarf_Op *ops;
    size_t n;
    if (!dwarf_attr(v, DW_AT_location, &at) || dwarf_getlocation(&at, &ops, &n) != 0 || n != 1)
        return 0;
    if (ops[0].atom == DW_OP_addr) return ops[0].number == a;
    Dwarf_Addr x;
    if ((ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) &&
        dwarf_getlocation_attr(&at, &ops[0], &res) == 0 && dwarf_formaddr(&res, &x) == 0)
        return x == a;
    return 0;
}

/* A variable at a among parent's children: globals, and the statics of
 * functions and their blocks (a few levels down). */
static int find_var(Dwarf_Die *parent, Dwarf_Addr a, Dwarf_Die *out, int depth) {
    Dwarf_Die c;
    if (dwarf_child(parent, &c) != 0) return 0;
    do {
        int tag = dwarf_tag(&c);
        if (tag == DW_TAG_variable && var_at(&c, a)) {
            *out = c;
            return 1;
        }
        if ((tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block) && depth < 4 &&
            find_var(&c, a, out, depth + 1))
            return 1;
    } while (dwarf_siblingof(&c, &c) == 0);
    return 0;
}

/* The type DIE of d (DW_AT_type), 0 if none. */
static int type_of(Dwarf_Die *d, Dwarf_Die *t) {
    Dwarf_Attribute at;
    return dwarf_attr(d, DW_AT_type, &at) && dwarf_formref_die(&at, t) != NULL;
}

/* Append to buf the path of byte off inside type t: "[3]", ".hits[2]". */
static void type_path(Dwarf_Die *t, Dwarf_Word off, char *buf, size_t n) {
    Dwarf_Die cur = *t, next;
    for (int guard = 0; guard < 16; guard++) {
        int tag = dwarf_tag(&cur);
        if (tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
            tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type) {
            if (!type_of(&cur, &next)) return;
            cur = next;
        } else if (tag == DW_TAG_array_type) {
            Dwarf_Word esize;
            if (!type_of(&cur, &next) || dwarf_aggregate_size(&next, &esize) != 0 || !esize) return;
            size_t l = strlen(buf);
            snprintf(buf + l, n - l, "[%llu]", (unsigned long long)(off / esize));
            off %= esize;
            cur = next;
        } else if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
            Dwarf_Die m;
            int found = 0;
            if (dwarf_child(&cur, &m) != 0) return;
            do {
                Dwarf_Attribute at;
                Dwarf_Word loc = 0, msize;
                if (dwarf_tag(&m) != DW_TAG_member || !type_of(&m, &next)) continue;
                if (dwarf_attr(&m, DW_AT_data_member_location, &at) && dwarf_formudata(&at, &loc) != 0)
                    continue;
                if (dwarf_aggregate_size(&next, &msize) != 0 || off < loc || off >= loc + msize)
                    continue;
                const char *name = dwarf_diename(&m);
                size_t l = strlen(buf);
                snprintf(buf + l, n - l, ".%s", name ? name : "?");
                off -= loc;
                found = 1;
                break;
            } while (dwarf_siblingof(&m, &m) == 0);
            if (!found) return;
            cur = next;
        } else {
            return;
        }
    }
}

/* Under lock: "name[2]", "stats.hits" for byte off of the variable at
 * module address vaddr (its symbol's), into buf; 0 if DWARF does not say. */
static int var_path(Dwfl_Module *mod, Dwarf_Addr vaddr, const char *name, Dwarf_Word off,
                    char *buf, size_t n) {
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = NULL, var, type;
    while ((cu = dwfl_module_nextcu(mod, cu, &bias)) != NULL) {
        if (!find_var(cu, vaddr - bias, &var, 0)) continue;
        if (!type_of(&var, &type)) return 0;
        snprintf(buf, n, "%s", name);
        type_path(&type, off, buf, n);
        return strcmp(buf, name) != 0;
    }
    return 0;
}

const char *cs_race_var_name(uintptr_t addr, uintptr_t *offset, size_t *size) {
    *offset = 0;
    *size = 0;
    pthread_mutex_lock(&lock);
    Dwfl *d = session();
    Dwfl_Module *mod = d ? dwfl_addrmodule(d, (Dwarf_Addr)addr) : NULL;
    const char *name = NULL;
    if (mod) {
        GElf_Off off = 0;
        GElf_Sym sym;
        const char *n = dwfl_module_addrinfo(mod, (Dwarf_Addr)addr, &off, &sym, NULL, NULL, NULL);
        /* a data object that really contains addr (the nearest symbol below
         * may be a neighbour that ends before it) */
        if (n && GELF_ST_TYPE(sym.st_info) == STT_OBJECT && off < sym.st_size) {
            name = keep(n);
            *offset = (uintptr_t)off;
            *size = (size_t)sym.st_size;
        }
    }
    pthread_mutex_unlock(&lock);
    return name;
}

int cs_race_var_element(uintptr_t addr, char *buf, size_t n) {
    int ok = 0;
    pthread_mutex_lock(&lock);
    Dwfl *d = session();
    Dwfl_Module *mod = d ? dwfl_addrmodule(d, (Dwarf_Addr)addr) : NULL;
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name =
        mod ? dwfl_module_addrinfo(mod, (Dwarf_Addr)addr, &off, &sym, NULL, NULL, NULL) : NULL;
    if (name && GELF_ST_TYPE(sym.st_info) == STT_OBJECT && off < sym.st_size)
        ok = var_path(mod, (Dwarf_Addr)addr - off, name, off, buf, n);
    pthread_mutex_unlock(&lock);
    return ok;
}
