// Command propagation: the stream of effects the AOF and replicas replay (Redis's
// propagateNow / alsoPropagate / propagatePendingCommands). After each command that changed the
// dataset the engine queues its argv; handlers whose effect isn't reproducible from their
// arguments (relative expiry, SPOP, INCRBYFLOAT, blocking pops, scripts) queue a rewrite instead.
// An execution unit (one top-level command with everything it ran: EXEC, a script, lazy expiry)
// that queued more than one command is wrapped in MULTI/EXEC so a replica applies it atomically.
// Nothing is encoded unless a stream has a consumer.

import RESP

/// Where a propagated command goes: the AOF, replicas, or both (PUBLISH goes to replicas only).
public struct PropagationTargets: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let aof = PropagationTargets(rawValue: 1)
    public static let repl = PropagationTargets(rawValue: 2)
    public static let all: PropagationTargets = [.aof, .repl]
}

/// One argument of a rewritten command.
public enum PropagationArg: ExpressibleByStringLiteral {
    case argv(Int)                 // the caller's argv[i], unchanged
    case raw(UnsafeRawBufferPointer)
    case bytes(Bytes)
    case int(Int64)
    case text(StaticString)
    public init(stringLiteral s: StaticString) { self = .text(s) }
}

/// One consumer's view: its pending execution unit and the db its stream last selected.
public final class PropagationStream {
    /// Gets each finished execution unit as RESP bytes (array-of-bulk commands).
    public var sinks: [(UnsafeRawBufferPointer) -> Void] = [] {
        didSet { owner?.refreshActive() }
    }
    /// The db the consumer's stream is in; -1 makes the next command emit SELECT (a new
    /// consumer, an AOF rewrite, a replica's full sync).
    public var selectedDb = -1
    var pending = ByteBuffer(capacity: 256)
    var pendingOps = 0
    weak var owner: Propagation?

    init() {}

    var active: Bool { !sinks.isEmpty }

    func beginOp(db: Int, argc: Int) {
        if db != selectedDb {
            pending.writeArrayHeader(2)
            pending.writeBulk("SELECT" as StaticString)
            pending.writeBulk(String(db))
            selectedDb = db
        }
        pending.writeArrayHeader(argc)
        pendingOps += 1
    }

    /// Hands the pending unit to the sinks (MULTI/EXEC around it when it holds several commands).
    func flush(wrap: Bool) {
        guard pendingOps > 0 else { return }
        var unit = ByteBuffer(capacity: pending.readableCount + 64)
        let transaction = wrap && pendingOps > 1
        if transaction { unit.append("*1\r\n$5\r\nMULTI\r\n" as StaticString) }
        unit.append(pending.readable)
        if transaction { unit.append("*1\r\n$4\r\nEXEC\r\n" as StaticString) }
        pending.clear()
        pendingOps = 0
        let bytes = unit.readable
        for s in sinks { s(bytes) }
    }
}

public final class Propagation {
    public let aof = PropagationStream()
    public let repl = PropagationStream()
    /// True when any stream has a consumer; every propagation path checks this first.
    public private(set) var active = false
    /// What the running command asked for (saved and restored around nested calls).
    var callFlags: CallFlags = []
    /// The current unit runs commands that touch arbitrary keys (no MULTI wrapping, as Redis).
    var unitUnwrapped = false

    struct CallFlags: OptionSet {
        let rawValue: UInt8
        static let handled = CallFlags(rawValue: 1)   // the handler queued its own rewrite
        static let prevent = CallFlags(rawValue: 2)   // EXEC, EVAL: only their effects propagate
        static let forceAOF = CallFlags(rawValue: 4)
        static let forceRepl = CallFlags(rawValue: 8)
    }

    init() {
        aof.owner = self
        repl.owner = self
    }

    func refreshActive() { active = aof.active || repl.active }

    /// Queues one command on the streams in `targets`.
    func queue(db: Int, targets: PropagationTargets = .all, _ write: (inout ByteBuffer) -> Void, argc: Int) {
        for (s, t) in [(aof, PropagationTargets.aof), (repl, PropagationTargets.repl)] where targets.contains(t) && s.active {
            s.beginOp(db: db, argc: argc)
            write(&s.pending)
        }
    }

    func queue(db: Int, targets: PropagationTargets = .all, argv: Argv) {
        queue(db: db, targets: targets, { buf in
            for i in 0..<argv.count { buf.writeBulk(argv[i]) }
        }, argc: argv.count)
    }

    func queue(db: Int, targets: PropagationTargets = .all, args: [PropagationArg], argv: Argv) {
        queue(db: db, targets: targets, { buf in
            for a in args {
                switch a {
                case .argv(let i): buf.writeBulk(argv[i])
                case .raw(let r): buf.writeBulk(r)
                case .bytes(let b): b.withBytes { buf.writeBulk($0) }
                case .int(let v): buf.writeBulkDecimal(v)
                case .text(let s): buf.writeBulk(s)
                }
            }
        }, argc: args.count)
    }

    /// Ends an execution unit: everything queued goes to the consumers.
    func flushUnit() {
        let wrap = !unitUnwrapped
        unitUnwrapped = false
        aof.flush(wrap: wrap)
        repl.flush(wrap: wrap)
    }
}

extension Call {
    /// Propagates `args` instead of this command's argv (SET EX → SET PXAT, SPOP → SREM, ...).
    /// May be called several times; each call queues one command.
    public func propagate(_ args: [PropagationArg], targets: PropagationTargets = .all) {
        let p = engine.propagation
        guard p.active else { return }
        p.callFlags.insert(.handled)
        p.queue(db: client.db, targets: targets, args: args, argv: argv)
    }

    /// This command's own argv is not propagated (EXEC, EVAL: their effects are).
    public func preventPropagation() {
        engine.propagation.callFlags.insert(.prevent)
    }

    /// Propagates this command's argv even though it changed nothing (PUBLISH, FLUSHALL on
    /// empty dbs).
    public func forcePropagation(_ targets: PropagationTargets = .all) {
        if targets.contains(.aof) { engine.propagation.callFlags.insert(.forceAOF) }
        if targets.contains(.repl) { engine.propagation.callFlags.insert(.forceRepl) }
    }
}

extension Engine {
    /// Runs `body` (a command handler) and queues what it propagates. Only called while a stream
    /// has a consumer, so the common path pays one branch in `execute`. `executionDepth` is 1
    /// for a client's own command, more for those EXEC or a script runs.
    func runPropagating(_ client: ClientState, _ argv: Argv, _ cmd: CommandSpec, _ body: () -> Void) {
        let p = propagation
        let saved = p.callFlags
        p.callFlags = []
        // A read command propagates only lazy-expiry deletions (KEYS * may expire thousands):
        // like Redis's CMD_TOUCHES_ARBITRARY_KEYS, those don't need a transaction.
        if executionDepth == 1 && cmd.flags.contains(.readonly) { p.unitUnwrapped = true }
        let dirtyBefore = dirty
        let db = client.db
        body()
        let flags = p.callFlags
        p.callFlags = saved
        if !flags.contains(.prevent) && !flags.contains(.handled) {
            var targets: PropagationTargets = []
            if dirty != dirtyBefore { targets = .all }
            if flags.contains(.forceAOF) { targets.insert(.aof) }
            if flags.contains(.forceRepl) { targets.insert(.repl) }
            // SELECT, SWAPDB-free: the command ran in the db it started in (SELECT itself
            // never propagates; MOVE/COPY name the other db in their arguments).
            if !targets.isEmpty { p.queue(db: db, targets: targets, argv: argv) }
        }
        if executionDepth == 1 { p.flushUnit() }
    }

    /// A key removed by expiry or eviction reaches the streams as DEL (UNLINK when freed lazily).
    func propagateDeletion(db: Int, _ key: UnsafeRawBufferPointer, lazy: Bool) {
        let p = propagation
        guard p.active else { return }
        p.queue(db: db, { buf in
            buf.writeBulk(lazy ? "UNLINK" as StaticString : "DEL" as StaticString)
            buf.writeBulk(key)
        }, argc: 2)
        if executionDepth == 0 { p.flushUnit() }
    }
}
