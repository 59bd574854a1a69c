/* an_utf8.h — make text valid UTF-8 before it leaves as JSON (an_utf8.c). */
#ifndef CS_AN_UTF8_H
#define CS_AN_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the byte at s does
 * not start one (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF). */
size_t an_utf8_seq(const unsigned char *s, size_t avail);

/* Takes a malloc'ed NUL-terminated string (may be NULL) and returns it as
 * valid UTF-8: the same pointer when it already is, else a new malloc'ed
 * copy (s is freed) in which every byte that is not part of a valid
 * sequence became U+FFFD, as Go's encoding/json does.  JSON text from cJSON
 * goes through it: cJSON copies string bytes unchecked, and the strings
 * come from the trace (log and panic texts, names, file names). */
char *an_utf8_valid(char *s);

#endif
