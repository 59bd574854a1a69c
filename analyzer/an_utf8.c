/* an_utf8.c — valid UTF-8 for JSON output (an_utf8.h). */
#include <stdlib.h>
#include <string.h>

#include "an_utf8.h"

size_t an_utf8_seq(const unsigned char *s, size_t avail) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;      /* no overlong */
        else if (c == 0xED) hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;      /* no overlong */
        else if (c == 0xF4) hi = 0x8F; /* <= U+10FFFF */
    } else
        return 0;
    if (avail < n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return n;
}

char *an_utf8_valid(char *s) {
    if (!s) return s;
    size_t len = strlen(s), bad = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = an_utf8_seq(u + i, len - i);
        if (n) i += n;
        else bad++, i++;
    }
    if (!bad) return s;
    char *out = malloc(len + 2 * bad + 1); /* each bad byte: 1 -> 3 bytes */
    if (!out) {                            /* keep it valid at least */
        for (size_t i = 0; i < len;) {
            size_t n = an_utf8_seq(u + i, len - i);
            if (n) i += n;
            else s[i++] = '?';
        }
        return s;
    }
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = an_utf8_seq(u + i, len - i);
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    out[o] = 0;
    free(s);
    return out;
}
