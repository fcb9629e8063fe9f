// What a handler gets: the engine, the calling client, its arguments and its database, with
// reply helpers that encode per the client's protocol. Handlers follow one recipe: look up the
// key, check the type (WRONGTYPE), mutate, reply, and report the change with `modified`.

import RESP

public struct Call {
    // unowned(unsafe): a Call lives only while its command runs, and both outlive it; strong
    // references cost a retain/release pair per copy on the hot path.
    public unowned(unsafe) let engine: Engine
    public unowned(unsafe) let client: ClientState
    public let argv: Argv

    @inline(__always) public init(engine: Engine, client: ClientState, argv: Argv) {
        self.engine = engine
        self.client = client
        self.argv = argv
    }

    @inline(__always) public var db: Database { engine.dbs[client.db] }
    @inline(__always) public var proto: RESPVersion { client.proto }
    @inline(__always) public var now: Int64 { engine.now }

    // MARK: replies
    @inline(__always) public func ok() { client.out.writeOK() }
    @inline(__always) public func simple(_ s: StaticString) { client.out.writeSimple(s) }
    public func simple(_ s: String) { client.out.writeSimple(s) }
    @inline(__always) public func int(_ v: Int64) { client.out.writeInt(v) }
    @inline(__always) public func int(_ v: Int) { client.out.writeInt(Int64(v)) }
    @inline(__always) public func bulk(_ raw: UnsafeRawBufferPointer) { client.out.writeBulk(raw) }
    public func bulk(_ s: String) { client.out.writeBulk(s) }
    public func bulk(_ b: Bytes) { b.withBytes { client.out.writeBulk($0) } }
    /// A string value as a bulk reply (ints formatted).
    @inline(__always) public func bulk(value v: Value) {
        if case .int(let i) = v { client.out.writeBulkDecimal(i) } else { v.withStringBytes { client.out.writeBulk($0) } }
    }
    @inline(__always) public func null() { client.out.writeNull(client.proto) }
    public func nullArray() { client.out.writeNullArray(client.proto) }
    @inline(__always) public func array(_ n: Int) { client.out.writeArrayHeader(n) }
    public func map(_ n: Int) { client.out.writeMapHeader(n, client.proto) }
    public func set(_ n: Int) { client.out.writeSetHeader(n, client.proto) }
    public func bool(_ b: Bool) { client.out.writeBool(b, client.proto) }
    public func double(_ d: Double) { client.out.writeDouble(formatDouble(d), client.proto) }
    public func verbatim(_ s: String) { client.out.writeVerbatim(s, client.proto) }

    /// An error reply; `text` starts with its code ("ERR ...", "WRONGTYPE ...").
    public func error(_ text: String) {
        client.out.writeError(text)
        engine.countError(text)
        client.commandFailed = true
    }
    public func wrongType() { error(WireError.wrongType) }
    public func syntaxError() { error(WireError.syntax) }
    public func notInteger() { error(WireError.notInteger) }

    // MARK: keyspace with lazy expiry
    /// The live value at `key` in the client's db (expired keys are removed first).
    @inline(__always) public func lookup(_ key: UnsafeRawBufferPointer) -> Value? {
        engine.lookup(db: client.db, key, touch: !client.noTouch)
    }
    /// Like `lookup` for a write path: no hit/miss stats.
    @inline(__always) public func lookupWrite(_ key: UnsafeRawBufferPointer) -> Value? {
        engine.lookupWrite(db: client.db, key)
    }
    /// Reports that `key` changed (dirty counter, WATCH, keyspace events, propagation).
    @inline(__always) public func modified(_ key: UnsafeRawBufferPointer, event: StaticString) {
        engine.keyModified(db: client.db, key, event: event)
    }
}

/// Redis's double formatting for replies (%.17g, with inf/-inf/nan spelled as Redis does).
public func formatDouble(_ d: Double) -> String {
    if d.isInfinite { return d > 0 ? "inf" : "-inf" }
    if d.isNaN { return "nan" }
    return cFormat("%.17g", d)
}

/// printf-style formatting of one double (Foundation-free).
public func cFormat(_ fmt: String, _ d: Double) -> String {
    var buf = [CChar](repeating: 0, count: 64)
    let n = withVaList([d]) { vsnprintf(&buf, 64, fmt, $0) }
    return String(decoding: buf[0..<Int(min(n, 63))].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

#if canImport(Glibc)
import Glibc
#endif
