// The replication backlog (Redis's repl_backlog): a fixed-size ring holding the last `size`
// bytes of the replication stream, so a replica that lost its link can ask for the bytes after
// its offset (PSYNC) instead of a full sync. Offsets are stream offsets: the first byte ever
// streamed has offset 1, `firstByteOffset` is the offset of the oldest byte still held.

public struct ReplBacklog {
    public private(set) var size: Int
    var buf: [UInt8]
    /// Where the next byte goes in `buf`.
    var writeIndex = 0
    /// Bytes held (≤ size).
    public private(set) var histlen = 0
    /// Offset of the oldest byte held (Redis's repl_backlog_first_byte_offset); when empty, the
    /// offset the next byte will have.
    public private(set) var firstByteOffset: Int64

    /// A backlog whose next byte will have offset `masterOffset + 1`.
    public init(size: Int, masterOffset: Int64) {
        self.size = max(16, size)
        self.buf = [UInt8](repeating: 0, count: self.size)
        self.firstByteOffset = masterOffset + 1
    }

    /// The offset of the last byte held (the master offset).
    public var endOffset: Int64 { firstByteOffset + Int64(histlen) - 1 }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var src = bytes
        // Only the last `size` bytes can survive.
        if src.count > size {
            let skip = src.count - size
            firstByteOffset += Int64(histlen + skip)
            histlen = 0
            src = UnsafeRawBufferPointer(rebasing: src[skip...])
        }
        var i = 0
        while i < src.count {
            let n = min(size - writeIndex, src.count - i)
            buf.withUnsafeMutableBytes { dst in
                dst.baseAddress!.advanced(by: writeIndex).copyMemory(from: src.baseAddress!.advanced(by: i), byteCount: n)
            }
            writeIndex = (writeIndex + n) % size
            i += n
        }
        let total = histlen + src.count
        if total > size { firstByteOffset += Int64(total - size) }
        histlen = min(total, size)
    }

    public mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// True when a replica that has everything before `offset` can continue from here
    /// (Redis's check in masterTryPartialResynchronization).
    public func canServe(from offset: Int64) -> Bool {
        offset >= firstByteOffset && offset <= firstByteOffset + Int64(histlen)
    }

    /// The bytes from stream offset `offset` to the end, or nil when not held.
    public func bytes(from offset: Int64) -> [UInt8]? {
        guard canServe(from: offset) else { return nil }
        let n = Int(firstByteOffset + Int64(histlen) - offset)
        var out = [UInt8]()
        out.reserveCapacity(n)
        // The oldest byte sits at writeIndex - histlen (mod size).
        var idx = ((writeIndex - n) % size + size) % size
        var left = n
        while left > 0 {
            let chunk = min(size - idx, left)
            out.append(contentsOf: buf[idx..<(idx + chunk)])
            idx = (idx + chunk) % size
            left -= chunk
        }
        return out
    }

    /// repl-backlog-size changed: keeps the newest bytes that fit.
    public mutating func resize(_ newSize: Int) {
        let newSize = max(16, newSize)
        guard newSize != size else { return }
        let keep = bytes(from: firstByteOffset + Int64(max(0, histlen - newSize))) ?? []
        let end = endOffset
        size = newSize
        buf = [UInt8](repeating: 0, count: newSize)
        writeIndex = 0
        histlen = 0
        firstByteOffset = end + 1 - Int64(keep.count)
        append(keep)
        firstByteOffset = end + 1 - Int64(histlen)
    }
}
