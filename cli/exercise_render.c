/*
 * cli/exercise_render.c — an exercise's README.md for a terminal
 * (`chanscope exercise show`).  The README stays Markdown for the web and
 * the handouts; here it reads as plain text:
 *   # Title / ## Heading   the text, underlined with = / -
 *   ```fenced code```      each line indented by four spaces, no fences
 *   [text](url)            text
 *   ![alt](file), <img>    "(picture: alt — DIR/file)", the file's full path
 *   **bold**, *em*, `code` the text without its marks
 * Sections after the attempt ("What it teaches": it names the fix) are held
 * back unless `after` is true; the caller says how to see them.
 * Only the Markdown the exercises use is handled (exercises/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercise.h"

/* Headings whose section gives the fix away: shown only after a pass. */
static bool is_after_heading(const char *h) {
    return !strncmp(h, "What it teaches", 15);
}

/* Display width of UTF-8 text: code points (every character here is one column). */
static int width(const char *s, size_t n) {
    int w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
    return w;
}

/* One line of inline Markdown into out (plain text).  dir: where images are. */
static void inline_text(const char *s, const char *dir, char *out, size_t n) {
    size_t o = 0;
    const char *start = s;
    bool in_code = false; /* inside `code`: its * and _ are the code's own */
#define PUT(c) do { if (o + 1 < n) out[o++] = (c); } while (0)
    while (*s) {
        if ((s[0] == '!' && s[1] == '[') || s[0] == '[') {
            bool img = s[0] == '!';
            const char *t = s + (img ? 2 : 1);
            const char *te = strchr(t, ']');
            if (te && te[1] == '(' && strchr(te + 2, ')')) {
                const char *u = te + 2, *ue = strchr(u, ')');
                char buf[1024];
                if (img)
                    snprintf(buf, sizeof buf, "(picture: %.*s — %s/%.*s)", (int)(te - t), t, dir,
                             (int)(ue - u), u);
                else
                    snprintf(buf, sizeof buf, "%.*s", (int)(te - t), t);
                /* the link text may itself hold marks (`code`, **bold**) */
                char inner[1024];
                if (!img) inline_text(buf, dir, inner, sizeof inner);
                for (const char *b = img ? buf : inner; *b; b++) PUT(*b);
                s = ue + 1;
                continue;
            }
        }
        if (!strncmp(s, "<img", 4)) {
            const char *e = strchr(s, '>');
            const char *alt = strstr(s, "alt=\"");
            const char *src = strstr(s, "src=\"");
            if (e) {
                char buf[1024], a[400] = "", f[400] = "";
                if (alt && alt < e) sscanf(alt + 5, "%399[^\"]", a);
                if (src && src < e) sscanf(src + 5, "%399[^\"]", f);
                snprintf(buf, sizeof buf, "(picture: %s — %s/%s)", a, dir, f);
                for (const char *b = buf; *b; b++) PUT(*b);
                s = e + 1;
                continue;
            }
        }
        if (s[0] == '`') {
            in_code = !in_code;
            s++;
            continue;
        }
        if (!in_code && s[0] == '*' && s[1] == '*') { s += 2; continue; }
        if (!in_code && s[0] == '*') {
            /* *emphasis*: an opening * before a word, a closing one after it */
            char prev = s > start ? s[-1] : ' ', next = s[1];
            bool opens = (prev == ' ' || prev == '(') && next && next != ' ';
            bool closes = prev != ' ' && (!next || next == ' ' || strchr(".,;:)!?", next));
            if (opens || closes) { s++; continue; }
        }
        PUT(*s++);
    }
    out[o] = 0;
#undef PUT
}

bool ex_render_markdown(const char *text, const char *dir, bool after, FILE *out) {
    bool held = false, in_code = false, skipping = false;
    const char *l = text;
    while (*l) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        char *line = strndup(l, len);
        l = nl ? nl + 1 : l + len;
        if (!strncmp(line, "```", 3)) {
            in_code = !in_code;
            free(line);
            continue;
        }
        if (!in_code && line[0] == '#') {
            int level = 0;
            while (line[level] == '#') level++;
            const char *h = line + level;
            while (*h == ' ') h++;
            if (level <= 2) skipping = !after && is_after_heading(h);
            if (skipping) held = true;
        }
        if (skipping) {
            free(line);
            continue;
        }
        if (in_code) {
            fprintf(out, "    %s\n", line);
        } else if (line[0] == '#') {
            int level = 0;
            while (line[level] == '#') level++;
            const char *h = line + level;
            while (*h == ' ') h++;
            char buf[2048];
            inline_text(h, dir, buf, sizeof buf);
            fprintf(out, "%s\n", buf);
            if (level <= 2) {
                int w = width(buf, strlen(buf));
                for (int i = 0; i < w; i++) fputc(level == 1 ? '=' : '-', out);
                fputc('\n', out);
            }
        } else {
            char buf[4096];
            inline_text(line, dir, buf, sizeof buf);
            fprintf(out, "%s\n", buf);
        }
        free(line);
    }
    return held;
}
