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
        for a in args where list.utf8.count < 128 {
            list += "'\(truncated(a, 128 - list.utf8.count))' "
        }
        return "ERR unknown command '\(truncated(name, 128))', with args beginning with: \(list)"
    }
    public static func wrongArity(_ name: String) -> String {
        "ERR wrong number of arguments for '\(name)' command"
    }
    public static func unknownSubcommand(_ sub: String, _ cmd: String) -> String {
        "ERR unknown subcommand '\(truncated(sub, 128))'. Try \(cmd.uppercased()) HELP."
    }
    public static func invalidExpireTime(_ cmd: String) -> String {
        "ERR invalid expire time in '\(cmd)' command"
    }

    static func truncated(_ s: String, _ n: Int) -> String {
        s.utf8.count <= n ? s : String(decoding: s.utf8.prefix(n), as: UTF8.self)
    }
    /// getIntFromObjectOrReply: an integer that doesn't fit in a C int.
    public static let intOutOfRange = "ERR value is out of range, value must between -2147483648 and 2147483647"
    /// SCAN-family cursor that isn't an unsigned 64-bit decimal.
    public static let invalidCursor = "ERR invalid cursor"
}
