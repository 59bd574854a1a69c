# json-flat.awk — print every scalar of a JSON document as "path<TAB>value".
#
#   {"figures": [{"name": "x", "value": 1.5}], "ok": true}
#   →  figures.0.name  x
#      figures.0.value 1.5
#      ok              true
#
# Strings lose their quotes (escapes other than \" and \\ are kept as
# written); null prints as "null".  Enough for the small JSON files the
# bench targets write; plain POSIX awk (Debian's default awk is mawk).
# A syntax error prints "json-flat: ..." on stderr and exits 1.

function fail(msg) {
    printf "json-flat: %s at offset %d\n", msg, pos > "/dev/stderr"
    bad = 1
    exit 1
}
function skip_ws() {
    while (pos <= len && index(" \t\r\n", substr(text, pos, 1)) > 0) pos++
}
function parse_string(   out, c) {
    # text at pos is the opening quote
    pos++
    out = ""
    while (pos <= len) {
        c = substr(text, pos, 1)
        if (c == "\\") {
            c = substr(text, pos + 1, 1)
            if (c == "\"" || c == "\\" || c == "/") out = out c
            else out = out "\\" c
            pos += 2
            continue
        }
        if (c == "\"") { pos++; return out }
        out = out c
        pos++
    }
    fail("unterminated string")
}
function emit(path, value) {
    print path "\t" value
}
function join(path, key) {
    return path == "" ? key : path "." key
}
function parse_value(path,   c, key, i, start) {
    skip_ws()
    c = substr(text, pos, 1)
    if (c == "{") {
        pos++
        skip_ws()
        if (substr(text, pos, 1) == "}") { pos++; return }
        while (1) {
            skip_ws()
            if (substr(text, pos, 1) != "\"") fail("expected a key")
            key = parse_string()
            skip_ws()
            if (substr(text, pos, 1) != ":") fail("expected ':'")
            pos++
            parse_value(join(path, key))
            skip_ws()
            c = substr(text, pos, 1)
            pos++
            if (c == "}") return
            if (c != ",") fail("expected ',' or '}'")
        }
    }
    if (c == "[") {
        pos++
        skip_ws()
        if (substr(text, pos, 1) == "]") { pos++; return }
        for (i = 0; ; i++) {
            parse_value(join(path, i))
            skip_ws()
            c = substr(text, pos, 1)
            pos++
            if (c == "]") return
            if (c != ",") fail("expected ',' or ']'")
        }
    }
    if (c == "\"") { emit(path, parse_string()); return }
    start = pos
    while (pos <= len && index(",}] \t\r\n", substr(text, pos, 1)) == 0) pos++
    if (pos == start) fail("expected a value")
    c = substr(text, start, pos - start)
    if (c !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ && c != "true" && c != "false" && c != "null")
        fail("not a JSON value: " c)
    emit(path, c)
}
{ text = text $0 "\n" }
END {
    if (bad) exit 1
    len = length(text)
    pos = 1
    parse_value("")
    skip_ws()
    if (pos <= len) fail("trailing characters")
}
