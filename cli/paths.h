/* cli/paths.h — what every command checks about the files it is given,
 * before it opens them (cli/paths.c). */
#ifndef CS_CLI_PATHS_H
#define CS_CLI_PATHS_H

/* 1 if a and b name the same existing file (same st_dev and st_ino, after
 * symbolic links: a symlink or a hard link to the trace is the trace),
 * 0 otherwise (also when either does not exist). */
int same_file(const char *a, const char *b);

/* Refuse an output path that names an input (`export T -o T`, `view T
 * --screenshot T`): prints "chanscope: CMD: OUT is INPUT itself ..." and
 * returns 2; 0 when they differ. */
int cs_refuse_same(const char *cmd, const char *input, const char *output);

/* Everything a command does before it opens TRACE for reading:
 *  - a FIFO, device or socket is refused (reading one would block forever);
 *  - a file shorter than its SQLite header says is called truncated;
 *  - a hot journal left by an interrupted write (a killed `chanscope check`)
 *    is rolled back, so the trace is exactly what it was before that write
 *    (cs_trace_recover; it needs write access, else a clear line).
 * 0 when the trace may be opened (a missing file is left to an_open's own
 * message); else one line printed and 2 returned.  Call it before any SQLite
 * connection of this process is open on TRACE. */
int cs_input_trace(const char *cmd, const char *path);

#endif
