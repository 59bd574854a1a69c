/*
 * gen.c — generate the non-C views of the trace contract (format/build.mk
 * runs it at build time; nothing it writes is committed):
 *
 *   gen sql SCHEMA.sql ANALYSIS.sql   -> build/format/trace_sql.h
 *       the SQL as C string macros: CS_TRACE_TABLES_SQL, CS_TRACE_INDEXES_SQL,
 *       CS_TRACE_EVENT_KINDS_SQL (the rows of event_kinds),
 *       CS_ANALYSIS_TABLES_SQL, CS_ANALYSIS_INDEXES_SQL, CS_ANALYSIS_DROP_SQL
 *   gen tcl SCHEMA.sql ANALYSIS.sql   -> build/format/trace_format.tcl
 *       namespace ::trace for the viewer and its fixtures: every table of
 *       format/trace.def and the same SQL
 *
 * The tables come from format/trace.def through the preprocessor, the SQL
 * from the .sql files: a "-- @name" line starts a section, other "--"
 * lines and blank lines are dropped, a statement's lines are joined.
 * Output goes to stdout; exit status 2 with one line on a bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_format.h" /* CS_OLD_SCHEMA_FMT */

#define MAX_SECTIONS 4

typedef struct section {
    char name[32];
    char *text; /* statements, each on one line, each ending with ";\n" */
    size_t len, cap;
} section;

typedef struct sqlfile {
    const char *path;
    section sec[MAX_SECTIONS];
    int n;
} sqlfile;

static void die(const char *what, const char *path) {
    fprintf(stderr, "gen: %s: %s\n", path, what);
    exit(2);
}

static void append(section *s, const char *p, size_t n) {
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->text = realloc(s->text, s->cap);
        if (!s->text) die("out of memory", "gen");
    }
    memcpy(s->text + s->len, p, n);
    s->len += n;
    s->text[s->len] = 0;
}

static void read_sql(sqlfile *f, const char *path) {
    f->path = path;
    f->n = 0;
    FILE *in = fopen(path, "r");
    if (!in) die("cannot read", path);
    char line[1024];
    section *cur = NULL;
    while (fgets(line, sizeof line, in)) {
        size_t n = strcspn(line, "\n");
        if (!line[n] && !feof(in)) die("a line longer than 1023 bytes", path);
        line[n] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (!strncmp(p, "-- @", 4)) {
            if (f->n == MAX_SECTIONS) die("too many sections", path);
            cur = &f->sec[f->n++];
            size_t k = strcspn(p + 4, ": \t");
            if (k == 0 || k >= sizeof cur->name) die("bad section name", path);
            memcpy(cur->name, p + 4, k);
            cur->name[k] = 0;
            continue;
        }
        if (!*p || !strncmp(p, "--", 2)) continue;
        if (!cur) die("SQL before the first \"-- @section\" line", path);
        if (cur->len && cur->text[cur->len - 1] != '\n') append(cur, " ", 1);
        append(cur, p, strlen(p));
        if (p[strlen(p) - 1] == ';') append(cur, "\n", 1);
    }
    fclose(in);
    for (int i = 0; i < f->n; i++)
        if (!f->sec[i].len || f->sec[i].text[f->sec[i].len - 1] != '\n')
            die("a section is empty or its last statement has no ';'", path);
}

static const section *sec(const sqlfile *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->sec[i].name, name)) return &f->sec[i];
    fprintf(stderr, "gen: %s: no section \"-- @%s\"\n", f->path, name);
    exit(2);
}

/* ---- C ------------------------------------------------------------------ */

static void c_str(const char *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') putchar('\\');
        putchar(s[i]);
    }
    putchar('"');
}

/* #define NAME "stmt;" "stmt;" ... (one statement a line) */
static void c_define(const char *name, const char *text) {
    printf("#define %s \\\n", name);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        printf("    ");
        c_str(p, (size_t)(nl - p));
        printf("%s\n", nl[1] ? " \\" : "");
        p = nl + 1;
    }
    printf("\n");
}

/* "DROP TABLE IF EXISTS t;" for every CREATE TABLE t(...) of text */
static void drop_list(const char *text, section *out) {
    for (const char *p = text; (p = strstr(p, "CREATE TABLE ")); p++) {
        const char *name = p + strlen("CREATE TABLE ");
        size_t k = strcspn(name, "( ");
        append(out, "DROP TABLE IF EXISTS ", strlen("DROP TABLE IF EXISTS "));
        append(out, name, k);
        append(out, ";\n", 2);
    }
}

static void event_kinds_rows(section *out) {
    char buf[128];
    int first = 1;
    append(out, "INSERT INTO event_kinds VALUES", strlen("INSERT INTO event_kinds VALUES"));
#define EV(num, NAME, name, ref, obj, a, b, c, d, s)                                          \
    snprintf(buf, sizeof buf, "%s(%d,'%s')", first ? " " : ",", num, #name);                \
    append(out, buf, strlen(buf));                                                          \
    first = 0;
#include "trace.def"
    append(out, ";\n", 2);
}

static void gen_sql(const sqlfile *rec, const sqlfile *an) {
    printf("/* trace_sql.h — generated by format/gen.c from %s and %s.\n"
           " * Do not edit: edit those (docs/trace-format.md). */\n"
           "#ifndef CS_TRACE_SQL_H\n#define CS_TRACE_SQL_H\n\n",
           rec->path, an->path);
    c_define("CS_TRACE_TABLES_SQL", sec(rec, "tables")->text);
    c_define("CS_TRACE_INDEXES_SQL", sec(rec, "indexes")->text);
    section rows = {0};
    event_kinds_rows(&rows);
    c_define("CS_TRACE_EVENT_KINDS_SQL", rows.text);
    c_define("CS_ANALYSIS_TABLES_SQL", sec(an, "tables")->text);
    c_define("CS_ANALYSIS_INDEXES_SQL", sec(an, "indexes")->text);
    section drop = {0};
    drop_list(sec(an, "tables")->text, &drop);
    c_define("CS_ANALYSIS_DROP_SQL", drop.text);
    printf("#endif\n");
    free(rows.text);
    free(drop.text);
}

/* ---- Tcl ---------------------------------------------------------------- */

/* a Tcl word in double quotes, nothing substituted */
static void tcl_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (strchr("\"\\$[]", *s)) putchar('\\');
        if (*s == '\n') fputs("\\n", stdout);
        else putchar(*s);
    }
    putchar('"');
}

static void tcl_sql(const char *var, const char *text) {
    printf("    variable %s ", var);
    tcl_str(text);
    printf("\n");
}

/* Tcl helpers over the SQL above (statements are one a line there). */
static const char tcl_procs[] =
    "# The CREATE TABLE statements of TABLES (recorded or derived), and their\n"
    "# CREATE INDEX statements: for fixtures that build some tables only.\n"
    "proc ::trace::table_sql {args} {\n"
    "    return [::trace::Pick {TABLES_SQL ANALYSIS_TABLES_SQL} {^CREATE TABLE (\\w+)\\(} $args]\n"
    "}\n"
    "proc ::trace::index_sql {args} {\n"
    "    return [::trace::Pick {INDEXES_SQL ANALYSIS_INDEXES_SQL} { ON (\\w+)\\(} $args]\n"
    "}\n"
    "proc ::trace::Pick {vars re tables} {\n"
    "    set out {}\n"
    "    foreach v $vars {\n"
    "        foreach line [split [set ::trace::$v] \\n] {\n"
    "            if {[regexp $re $line - t] && $t in $tables} { append out $line \\n }\n"
    "        }\n"
    "    }\n"
    "    return $out\n"
    "}\n";

static void gen_tcl(const sqlfile *rec, const sqlfile *an) {
    printf("# trace_format.tcl — generated by format/gen.c from format/trace.def,\n"
           "# %s and %s.  Do not edit: edit those.\n"
           "# The viewer sources it (viewer/main.tcl finds it beside itself or in\n"
           "# build/format/); so do its test fixtures and bench_trace.tcl.\n",
           rec->path, an->path);
    printf("namespace eval ::trace {\n");
#define TRACE_VERSION(what, n) printf("    variable %s_VERSION %d\n", #what, n);
#include "trace.def"
    printf("    # format: PATH's version, SCHEMA_VERSION\n    variable OLD_SCHEMA_FMT ");
    tcl_str(CS_OLD_SCHEMA_FMT);
    printf("\n");
    printf("    # events.kind: EV(name) -> number; KIND(number) -> name\n");
    printf("    variable EV\n    array set EV {");
#define EV(num, NAME, name, ref, obj, a, b, c, d, s) printf("\n        %s %d", #name, num);
#include "trace.def"
    printf("\n    }\n    variable KIND\n    array set KIND {");
#define EV(num, NAME, name, ref, obj, a, b, c, d, s) printf("\n        %d %s", num, #name);
#include "trace.def"
    printf("\n    }\n    # block reasons: BLOCK(word) -> number; reasons: dict number -> word\n");
    printf("    variable BLOCK\n    array set BLOCK {");
#define REASON(num, NAME, word) printf(" %s %d", #word, num);
#include "trace.def"
    printf(" }\n    variable reasons {");
#define REASON(num, NAME, word) printf(" %d %s", num, #word);
#include "trace.def"
    printf(" }\n    # chan_send/chan_recv d flags: EVF(name) -> bit\n");
    printf("    variable EVF\n    array set EVF {");
#define EVF(bit, NAME, name, meaning) printf(" %s %d", #name, bit);
#include "trace.def"
    printf(" }\n    # misuse codes: dicts number -> message, number -> findings.class\n");
    printf("    variable misuses {");
#define MISUSE(num, NAME, class, message) printf("\n        %d ", num), tcl_str(message);
#include "trace.def"
    printf("\n    }\n    variable misuse_classes {");
#define MISUSE(num, NAME, class, message) printf(" %d %s", num, #class);
#include "trace.def"
    printf(" }\n    # objects.type: OBJ(type_name) -> number; dicts number -> type_name,\n"
           "    # number -> the word prose uses\n");
    printf("    variable OBJ\n    array set OBJ {");
#define OBJTYPE(num, NAME, type_name, word) printf(" %s %d", #type_name, num);
#include "trace.def"
    printf(" }\n    variable type_names {");
#define OBJTYPE(num, NAME, type_name, word) printf(" %d %s", num, #type_name);
#include "trace.def"
    printf(" }\n    variable typewords {");
#define OBJTYPE(num, NAME, type_name, word) printf(" %d ", num), tcl_str(word);
#include "trace.def"
    printf(" }\n    # finding kinds in report order: {name label severity blocking description}\n");
    printf("    variable finding_kinds {");
#define FINDING(name, label, severity, blocking, description)                                 \
    printf("\n        {%s ", #name), tcl_str(label), printf(" %s %d ", #severity, blocking),       \
        tcl_str(description), printf("}");
#include "trace.def"
    printf("\n    }\n    # meta keys: META(key) -> who writes it (tracer, end, converter, analyzer)\n");
    printf("    variable META\n    array set META {");
#define META(key, from) printf("\n        %s %s", #key, #from);
#include "trace.def"
    printf("\n    }\n    # the SQL of format/schema.sql and format/analysis.sql\n");
    tcl_sql("TABLES_SQL", sec(rec, "tables")->text);
    tcl_sql("INDEXES_SQL", sec(rec, "indexes")->text);
    section rows = {0};
    event_kinds_rows(&rows);
    tcl_sql("EVENT_KINDS_SQL", rows.text);
    tcl_sql("ANALYSIS_TABLES_SQL", sec(an, "tables")->text);
    tcl_sql("ANALYSIS_INDEXES_SQL", sec(an, "indexes")->text);
    printf("}\n");
    printf("%s", tcl_procs);
    free(rows.text);
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[1], "sql") && strcmp(argv[1], "tcl"))) {
        fprintf(stderr, "usage: gen sql|tcl SCHEMA.sql ANALYSIS.sql\n");
        return 2;
    }
    sqlfile rec, an;
    memset(&rec, 0, sizeof rec);
    memset(&an, 0, sizeof an);
    read_sql(&rec, argv[2]);
    read_sql(&an, argv[3]);
    if (!strcmp(argv[1], "sql")) gen_sql(&rec, &an);
    else gen_tcl(&rec, &an);
    for (int i = 0; i < rec.n; i++) free(rec.sec[i].text);
    for (int i = 0; i < an.n; i++) free(an.sec[i].text);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "gen: cannot write the output\n");
        return 2;
    }
    return 0;
}
