// The lock documents of the admin protocol: what `ADMIN LOCKS` lists (LocksDocument) and the
// failure record the KeywardLocks wrapper writes after its last attempt (LockFailureRecord).
// The server, the lock library and the console share these types (docs/locks.md).

/// Where the lock library keeps failure records and announces them (documented names; the
/// server reads the same key for `ADMIN LOCKS`).
public enum LockConventions {
    /// A list in db 0; newest record first (LPUSH), trimmed to `failureKeep` entries.
    public static let failureKey = "keyward:lock-failures"
    /// Pub/sub channel carrying each failure record's JSON as it is written.
    public static let alertChannel = "keyward:lock-alerts"
    public static let failureKeep = 1000
    /// Connections of the lock library are named `keyward-lock:<clientId>` (CLIENT SETNAME), so
    /// the server can tell whether a lock owner's client is still connected.
    public static let clientNamePrefix = "keyward-lock:"
}

/// What a task under a lock is, for the people who must act when it could not run.
public struct TaskInfo: Codable, Sendable, Equatable {
    public var name: String
    public var id: String?
    /// Who is responsible (a person, a team, an on-call alias).
    public var owner: String?
    public var details: [String: String]?

    public init(name: String, id: String? = nil, owner: String? = nil, details: [String: String]? = nil) {
        self.name = name
        self.id = id
        self.owner = owner
        self.details = details
    }
}

/// One field of a Redisson lock hash: `<clientId>:<threadId>` -> reentrancy count.
public struct LockOwnerInfo: Codable, Sendable, Equatable {
    public var field: String
    public var clientId: String
    public var threadId: String
    public var reentrancy: Int64
    /// "alive" (a connection named keyward-lock:<clientId> is open), "gone" (one was open and
    /// closed, none is open now) or "unknown" (the client never named itself, e.g. Redisson).
    public var connection: String?

    public init(field: String, clientId: String, threadId: String, reentrancy: Int64, connection: String? = nil) {
        self.field = field
        self.clientId = clientId
        self.threadId = threadId
        self.reentrancy = reentrancy
        self.connection = connection
    }

    /// Splits `<clientId>:<threadId>` at the last colon (client ids may contain colons).
    public init?(field: String, reentrancy: Int64) {
        guard let colon = field.lastIndex(of: ":") else { return nil }
        let cid = String(field[..<colon]), tid = String(field[field.index(after: colon)...])
        guard !cid.isEmpty, !tid.isEmpty else { return nil }
        self.init(field: field, clientId: cid, threadId: tid, reentrancy: reentrancy)
    }
}

/// One held lock as `ADMIN LOCKS` reports it.
public struct LockHolder: Codable, Sendable, Equatable {
    public var name: String
    public var db: Int
    public var owners: [LockOwnerInfo]
    public var remainingLeaseMs: Int64
    /// The value of `redisson_lock_token:{name}` when present (fenced locks).
    public var fencingToken: Int64?
    /// Subscribers of `redisson_lock__channel:{name}` (clients waiting for the unlock message).
    public var waiters: Int

    public init(name: String, db: Int, owners: [LockOwnerInfo], remainingLeaseMs: Int64,
                fencingToken: Int64?, waiters: Int) {
        self.name = name
        self.db = db
        self.owners = owners
        self.remainingLeaseMs = remainingLeaseMs
        self.fencingToken = fencingToken
        self.waiters = waiters
    }
}

/// The durable record the wrapper writes when a task gave up waiting for its lock.
public struct LockFailureRecord: Codable, Sendable, Equatable {
    public var lock: String
    public var task: TaskInfo
    /// The lock's fields when the wrapper gave up (who held it), empty if it was free by then.
    public var holders: [LockOwnerInfo]
    public var attempts: Int
    /// Unix time in milliseconds.
    public var time: Int64
    /// The giving-up client's id.
    public var clientId: String
    public var message: String

    public init(lock: String, task: TaskInfo, holders: [LockOwnerInfo], attempts: Int, time: Int64,
                clientId: String, message: String) {
        self.lock = lock
        self.task = task
        self.holders = holders
        self.attempts = attempts
        self.time = time
        self.clientId = clientId
        self.message = message
    }
}

/// `ADMIN LOCKS [pattern]`'s reply.
public struct LocksDocument: Codable, Sendable {
    public var schema: Int
    public var pattern: String
    public var locks: [LockHolder]
    /// The newest failure records (parsed JSON of LockFailureRecord; raw text if unparsable).
    public var failures: [JSONValue]
    public var failureKey: String
    public var alertChannel: String

    public init(pattern: String, locks: [LockHolder], failures: [JSONValue]) {
        self.schema = AdminSchema.version
        self.pattern = pattern
        self.locks = locks
        self.failures = failures
        self.failureKey = LockConventions.failureKey
        self.alertChannel = LockConventions.alertChannel
    }
}
