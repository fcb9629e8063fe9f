// Per-connection state the engine needs: selected db, protocol, auth, name, reply buffer and
// flags. The server owns the socket and fills in the address fields; the engine never sees fds.

import RESP

public final class ClientState {
    public let id: Int64
    public var db = 0
    public var proto: RESPVersion = .v2
    public var authenticated = true
    public var user = "default"
    public var name: Bytes? = nil
    public var libName = ""
    public var libVersion = ""
    /// Replies are appended here; the server drains it to the socket.
    public var out = ByteBuffer(capacity: 16 * 1024)

    // Filled by the server (CLIENT LIST / INFO).
    public var addr = ""
    public var laddr = ""
    public var fd: Int32 = -1
    public var createdAt: Int64 = 0          // ms
    public var lastInteraction: Int64 = 0    // ms
    public var queryBufferSize = 0
    public var queryBufferFree = 0
    public var argvMem = 0

    public enum ReplyMode { case on, off, skipNext, skipThis }
    public var replyMode: ReplyMode = .on
    /// Close once `out` is flushed (QUIT, protocol errors).
    public var closeAfterReply = false
    /// Close as soon as possible without flushing (CLIENT KILL, output limits).
    public var closeASAP = false
    public var noEvict = false
    public var noTouch = false
    public var isMonitor = false
    public var isMaster = false
    public var isReplica = false
    public var lastCommandName = "NULL"

    /// Set when the current command's reply was an error (for failed_calls / errorstats).
    public var commandFailed = false
    /// Output offset at the start of the current command (reply-mode skipping, CLIENT REPLY).
    public var replyStart = 0

    /// Set while the client waits in a blocking command (BLPOP, BZPOPMIN, ...).
    public internal(set) var blocked: BlockedState? = nil
    /// True inside MULTI/EXEC and scripts, where commands must not block (they answer as on
    /// timeout instead).
    public var denyBlocking = false
    /// Pub/sub subscriptions; nil unless subscribed to something (Redis's CLIENT_PUBSUB).
    public internal(set) var pubsub: ClientPubSub? = nil
    /// The open transaction: non-nil from MULTI until EXEC/DISCARD (TransactionCommands.swift).
    public internal(set) var multi: MultiState? = nil
    /// WATCHed keys and the dirty-CAS flag; nil while the client watches nothing (Engine+Watch.swift).
    var watch: ClientWatch? = nil
    /// When (unix seconds) the output buffer first went past its soft limit; 0 = under it.
    public var outputSoftLimitSince: Int64 = 0

    /// The replication stream offset after this client's last write (Redis's c->woff): what
    /// WAIT waits for. Kept here rather than in a map so a write costs a store.
    public var replWriteOffset: Int64 = 0

    public init(id: Int64) { self.id = id }
}
