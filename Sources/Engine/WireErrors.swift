import RESP

// The catalogue of error replies, byte-identical to Redis 7.0's texts (server.c shared.*,
// and the per-command messages). Defined once; handlers refer to these names.

public enum WireError {
    public static let wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"
    public static let syntax = "ERR syntax error"
    public static let notInteger = "ERR value is not an integer or out of range"
    public static let notFloat = "ERR value is not a valid float"
    public static let overflow = "ERR increment or decrement would overflow"
    public static let noSuchKey = "ERR no such key"
    public static let outOfRange = "ERR index out of range"
    public static let dbIndex = "ERR DB index is out of range"
    public static let sameObject = "ERR source and destination objects are the same"
    public static let invalidExpire = "ERR invalid expire time in '%s' command"
    public static let noAuth = "NOAUTH Authentication required."
    public static let wrongPass = "WRONGPASS invalid username-password pair or user is disabled."
    public static let offsetOutOfRange = "ERR offset is out of range"
    public static let bitOffset = "ERR bit offset is not an integer or out of range"
    public static let bitValue = "ERR bit is not an integer or out of range"
    public static let stringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    public static let timeout = "ERR timeout is not an integer or out of range"
    public static let nan = "ERR increment would produce NaN or Infinity"

    /// Redis 7.0 (server.c processCommand): up to 128 bytes of quoted arguments in total.
    public static func unknownCommand(_ name: String, _ args: [String]) -> String {
        var list = ""
        var length = 0   // bytes in `list` as sent (Redis's sdslen)
        for a in args where length < 128 {
            let part = "'\(truncated(cString(a), 128 - length))' "
            list += part
            length += rawBytes(part).count
        }
        return "ERR unknown command '\(truncated(cString(name), 128))', with args beginning with: \(list)"
    }
    public static func wrongArity(_ name: String) -> String {
        "ERR wrong number of arguments for '\(name)' command"
    }
    public static func unknownSubcommand(_ sub: String, _ cmd: String) -> String {
        "ERR unknown subcommand '\(truncated(cString(sub), 128))'. Try \(asciiUppercased(cString(cmd))) HELP."
    }
    public static func invalidExpireTime(_ cmd: String) -> String {
        "ERR invalid expire time in '\(cmd)' command"
    }

    /// The first `n` bytes of a byte string (C's `%.Ns`).
    static func truncated(_ s: String, _ n: Int) -> String {
        let b = rawBytes(s)
        return b.count <= n ? s : b.prefix(n).withUnsafeBytes { byteString($0) }
    }
    /// getIntFromObjectOrReply: an integer that doesn't fit in a C int.
    public static let intOutOfRange = "ERR value is out of range, value must between -2147483648 and 2147483647"
    /// SCAN-family cursor that isn't an unsigned 64-bit decimal.
    public static let invalidCursor = "ERR invalid cursor"
    /// getPositiveLongFromObjectOrReply (LPOP/RPOP count): also for non-integers.
    public static let notPositive = "ERR value is out of range, must be positive"
    /// LMPOP/BLMPOP (and ZMPOP/BZMPOP) numkeys.
    public static let numkeysNotPositive = "ERR numkeys should be greater than 0"
    /// LMPOP/BLMPOP (and ZMPOP/BZMPOP) COUNT.
    public static let countNotPositive = "ERR count should be greater than 0"
    /// A denyoom command while used memory stays over maxmemory.
    public static let oom = "OOM command not allowed when used memory > 'maxmemory'."
}

/// C's toupper over each byte (Unicode case mapping would change non-ASCII text).
public func asciiUppercased(_ s: String) -> String {
    rawBytes(s).map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }.withUnsafeBytes { byteString($0) }
}
