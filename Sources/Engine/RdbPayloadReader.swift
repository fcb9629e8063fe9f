// Reads the RDB payload of a full sync off the master link: `$<len>\r\n<len bytes>` (no
// trailing CRLF) or, from disk-less masters, `$EOF:<40 bytes>\r\n<rdb><the same 40 bytes>`.
// Bare `\n` keep-alives may precede the header. Bytes are fed as they arrive; the marker may
// straddle chunks. Pure: no sockets.

public struct RdbPayloadReader {
    public enum Result: Equatable {
        case needMore
        /// The payload is complete; `consumed` bytes of the last chunk belonged to it (the rest
        /// is the command stream).
        case done(consumed: Int)
    }

    public struct FramingError: Error, CustomStringConvertible {
        public let description: String
    }

    enum State {
        case header
        case length(Int)
        case eof([UInt8])
        case done
    }

    var state = State.header
    var headerLine: [UInt8] = []
    /// The RDB image read so far (the whole image once done).
    public private(set) var payload: [UInt8] = []

    public init() {}

    public var isDone: Bool { if case .done = state { return true } else { return false } }

    public mutating func feed(_ chunk: UnsafeRawBufferPointer) throws -> Result {
        var i = 0
        while i < chunk.count {
            switch state {
            case .header:
                let b = chunk[i]
                i += 1
                if b != UInt8(ascii: "\n") { headerLine.append(b); continue }
                if headerLine.last == UInt8(ascii: "\r") { headerLine.removeLast() }
                if headerLine.isEmpty { continue }   // keep-alive newline
                try parseHeader()
                if case .length(0) = state { state = .done; return .done(consumed: i) }
            case .length(let left):
                let n = min(left, chunk.count - i)
                payload.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[i..<(i + n)]))
                i += n
                if left - n == 0 { state = .done; return .done(consumed: i) }
                state = .length(left - n)
            case .eof(let marker):
                // Append, then look for the marker in the part that could hold a new match.
                let from = max(0, payload.count - marker.count + 1)
                let startCount = payload.count
                payload.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[i...]))
                if let end = Self.find(marker, in: payload, from: from) {
                    let used = end + marker.count - startCount
                    payload.removeSubrange(end...)
                    state = .done
                    return .done(consumed: i + used)
                }
                i = chunk.count
            case .done:
                return .done(consumed: i)
            }
        }
        return isDone ? .done(consumed: i) : .needMore
    }

    mutating func parseHeader() throws {
        let line = headerLine
        headerLine = []
        guard line.first == UInt8(ascii: "$") else {
            throw FramingError(description: "Bad protocol from MASTER, the first byte is not '$' (we received '\(String(decoding: line, as: UTF8.self))'), are you sure the host and port are right?")
        }
        let rest = Array(line.dropFirst())
        if rest.count >= 4 + 40 && rest.starts(with: Array("EOF:".utf8)) {
            state = .eof(Array(rest[4..<44]))
            return
        }
        guard let n = Int(String(decoding: rest, as: UTF8.self)), n >= 0 else {
            throw FramingError(description: "Bad RDB length from MASTER: \(String(decoding: line, as: UTF8.self))")
        }
        state = .length(n)
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = from
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == needle[0] {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
