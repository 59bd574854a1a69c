/* cli/cmd_report.h — the parts of `chanscope report` (cli/cmd_report.c) that
 * other commands use: `view --svg` writes the report's timeline alone. */
#ifndef CS_CLI_REPORT_H
#define CS_CLI_REPORT_H

/* Write the timeline of TRACE as a standalone SVG file to OUT ("-":
 * stdout).  The trace is only read (analysed in memory).  cmd names the
 * command in messages.  0 ok, 2 bad input (one line printed). */
int cs_write_svg(const char *cmd, const char *trace, const char *out);

#endif
