// Arbitrary client bytes inside Swift Strings, without loss. Redis echoes argument bytes in
// error texts as they came (`unknown command '\x94ECHO'`); a lossy UTF-8 decode would turn them
// into U+FFFD. Valid UTF-8 stays as it is; otherwise every byte >= 0x80 becomes a scalar in
// a private-use block (U+F780...U+F7FF) that `rawBytes` maps back. (A client that sends those
// private-use characters as real UTF-8 in an invalid argument gets them back as single bytes.)

public func byteString(_ raw: UnsafeRawBufferPointer) -> String {
    if let s = String(validating: raw, as: UTF8.self) { return s }
    var out = String.UnicodeScalarView()
    for b in raw {
        out.append(b < 0x80 ? Unicode.Scalar(b) : Unicode.Scalar(0xF700 + UInt32(b))!)
    }
    return String(out)
}

/// The bytes a `byteString` stands for.
public func rawBytes(_ s: String) -> [UInt8] {
    guard s.utf8.contains(0xEF) else { return Array(s.utf8) }
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
        if u.value >= 0xF780 && u.value <= 0xF7FF {
            out.append(UInt8(u.value - 0xF700))
        } else {
            out.append(contentsOf: String(u).utf8)
        }
    }
    return out
}

/// What C's `%s` prints of `s`: everything before the first NUL.
public func cString(_ s: String) -> String {
    guard let z = s.utf8.firstIndex(of: 0) else { return s }
    return String(s[..<z])
}
