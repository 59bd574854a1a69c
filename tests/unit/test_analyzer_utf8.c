/*
 * test_analyzer_utf8.c — an_utf8_valid: JSON leaves chanscope as valid
 * UTF-8, each invalid byte replaced by U+FFFD (as Go's encoding/json does),
 * valid text (multi-byte included) untouched.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "an_utf8.h"

static void expect(const char *in, const char *want) {
    char *s = an_utf8_valid(strdup(in));
    cr_assert_str_eq(s, want, "in '%s'", in);
    free(s);
}

#define R "\xEF\xBF\xBD" /* U+FFFD */

Test(utf8, valid_text_is_kept) {
    char *in = strdup("plain, \xC3\xA9t\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x90\xB9, \xF4\x8F\xBF\xBF");
    char *out = an_utf8_valid(in);
    cr_assert_eq(out, in, "valid text must come back as the same pointer");
    free(out);
    cr_assert_null(an_utf8_valid(NULL));
}

Test(utf8, invalid_bytes_become_replacement_chars) {
    expect("a\xFF" "b", "a" R "b");
    expect("\xC0\xAF", R R);                 /* overlong '/' */
    expect("\xE0\x80\xAF", R R R);           /* overlong, 3 bytes */
    expect("\xED\xA0\x80", R R R);           /* UTF-16 surrogate */
    expect("\xF4\x90\x80\x80", R R R R);     /* above U+10FFFF */
    expect("\xF5\x80", R R);
    expect("cut \xE2\x82", "cut " R R);      /* truncated sequence at the end */
    expect("\xC3", R);
    expect("\x80 lone continuation", R " lone continuation");
}
