// Glob-style matching, byte for byte Redis 7.0.15's stringmatchlen (util.c), used by KEYS, SCAN
// MATCH and later HSCAN/SSCAN/ZSCAN, PSUBSCRIBE, CONFIG GET and ACL key patterns.
//
// Syntax: `*` any run, `?` any byte, `[abc]` `[^abc]` `[a-z]` classes (`\` escapes inside),
// `\x` a literal x. Quirks kept on purpose because clients can observe them:
// - the C code reads one byte past the pattern's end where sds has its NUL terminator; `at(_:)`
//   answers 0 there, so an unterminated `[` class behaves exactly as in Redis;
// - range bounds compare as signed `char` (x86), so `[a-\xff]` means bytes 0x00...0x61 and 0xff;
// - `nocase` folds ASCII only (tolower in the C locale), and an escaped byte inside a class
//   compares case-sensitively even with `nocase`.
// Limits: recursion (one level per `*`) stops at 1000 levels and answers "no match"
// (CVE-2024-31228, backported to 7.0.15 builds); `skipLongerMatches` prunes the exponential
// backtracking on patterns like `*a*a*a*b` (CVE-2022-36021).

/// True when `s` matches the glob `pattern`. O(len(pattern) * len(s)) with the pruning above.
public func globMatch(pattern: UnsafeRawBufferPointer, _ s: UnsafeRawBufferPointer, nocase: Bool) -> Bool {
    var skipLonger = false
    return globMatchImpl(pattern, 0, s, 0, nocase, &skipLonger, 0)
}

/// Convenience for callers holding `Bytes` (tests, stored patterns).
public func globMatch(pattern: Bytes, _ s: Bytes, nocase: Bool = false) -> Bool {
    pattern.withBytes { p in s.withBytes { globMatch(pattern: p, $0, nocase: nocase) } }
}

@inline(__always) private func lower(_ c: Int) -> Int { c >= 65 && c <= 90 ? c | 0x20 : c }

private func globMatchImpl(_ pat: UnsafeRawBufferPointer, _ p0: Int, _ str: UnsafeRawBufferPointer, _ s0: Int,
                           _ nocase: Bool, _ skipLonger: inout Bool, _ nesting: Int) -> Bool {
    if nesting > 1000 { return false }
    let pend = pat.count, send = str.count
    // The byte at `i`, or the NUL terminator C would read at or past the end.
    @inline(__always) func at(_ i: Int) -> UInt8 { i < pend ? pat[i] : 0 }
    var p = p0, s = s0

    while p < pend && s < send {
        switch pat[p] {
        case 42: // '*'
            while p < pend && at(p + 1) == 42 { p += 1 }
            if pend - p == 1 { return true }
            while s < send {
                if globMatchImpl(pat, p + 1, str, s, nocase, &skipLonger, nesting + 1) { return true }
                if skipLonger { return false }
                s += 1
            }
            // Nothing after this star matches anywhere in the rest of the string: no earlier star
            // can help by consuming more, so every caller up the stack gives up too.
            skipLonger = true
            return false
        case 63: // '?'
            s += 1
        case 91: // '['
            p += 1
            let not = at(p) == 94 // '^'
            if not { p += 1 }
            var match = false
            let c = str[s]
            while true {
                if at(p) == 92 && pend - p >= 2 { // '\' escapes the next byte, compared as is
                    p += 1
                    if pat[p] == c { match = true }
                } else if at(p) == 93 { // ']'
                    break
                } else if p >= pend { // unterminated class: step back so the final p += 1 lands on the end
                    p -= 1
                    break
                } else if pend - p >= 3 && pat[p + 1] == 45 { // 'a-z'
                    var start = Int(Int8(bitPattern: pat[p]))
                    var end = Int(Int8(bitPattern: pat[p + 2]))
                    var ch = Int(Int8(bitPattern: c))
                    if start > end { swap(&start, &end) }
                    if nocase { start = lower(start); end = lower(end); ch = lower(ch) }
                    p += 2
                    if ch >= start && ch <= end { match = true }
                } else if !nocase {
                    if pat[p] == c { match = true }
                } else if lower(Int(pat[p])) == lower(Int(c)) {
                    match = true
                }
                p += 1
            }
            if not { match = !match }
            if !match { return false }
            s += 1
        case 92: // '\'
            if pend - p >= 2 { p += 1 }
            fallthrough
        default:
            if nocase ? lower(Int(pat[p])) != lower(Int(str[s])) : pat[p] != str[s] { return false }
            s += 1
        }
        p += 1
        if s == send {
            while at(p) == 42 { p += 1 }
            break
        }
    }
    return p == pend && s == send
}
