// The replica side of the replication handshake as a pure state machine (Redis's
// syncWithMaster): bytes from the master go in, bytes to send and actions come out. Steps:
// PING → [AUTH] → REPLCONF listening-port → REPLCONF capa eof capa psync2 → PSYNC, then either
// +FULLRESYNC and the RDB payload, or +CONTINUE; after that the rest is the command stream.

public final class ReplicaHandshake {
    public enum Step: Equatable {
        case idle, ping, auth, port, ip, capa, psync, rdb, streaming, failed
    }

    public enum Action: Equatable {
        case send([UInt8])
        /// +FULLRESYNC: the RDB transfer begins (ROLE's "sync" state).
        case transferStarted
        /// Replace the dataset with `rdb`; the stream continues from `offset` under `replid`.
        case fullResync(replid: String, offset: Int64, rdb: [UInt8])
        /// Partial resync accepted; `replid` is the master's id when it sent one.
        case continued(replid: String?)
        /// The command stream starts (with these bytes already read).
        case stream([UInt8])
        /// Give up this attempt and reconnect later (logged text).
        case retry(String)
    }

    public let listeningPort: Int
    /// PSYNC carries FAILOVER (a FAILOVER's old master asking its target to take over).
    public var failover = false
    /// replica-announce-ip: sent as REPLCONF ip-address when set.
    public var announceIP: String? = nil
    public let auth: (user: String?, password: String)?
    /// What PSYNC asks for: nil sends `PSYNC ? -1`.
    public let cached: (replid: String, offset: Int64)?
    public private(set) var step = Step.idle
    var line: [UInt8] = []
    var rdb = RdbPayloadReader()
    var fullReplid = ""
    var fullOffset: Int64 = 0

    public init(listeningPort: Int, auth: (user: String?, password: String)?, cached: (replid: String, offset: Int64)?) {
        self.listeningPort = listeningPort
        self.auth = auth
        self.cached = cached
    }

    public static func command(_ args: [String]) -> [UInt8] {
        var s = "*\(args.count)\r\n"
        for a in args { s += "$\(a.utf8.count)\r\n\(a)\r\n" }
        return Array(s.utf8)
    }

    /// The connection is up: send PING.
    public func start() -> [Action] {
        step = .ping
        return [.send(Self.command(["PING"]))]
    }

    public func feed(_ bytes: [UInt8]) -> [Action] {
        var actions: [Action] = []
        var i = 0
        while i < bytes.count {
            switch step {
            case .rdb:
                let r: RdbPayloadReader.Result
                do {
                    r = try bytes.withUnsafeBytes { try rdb.feed(UnsafeRawBufferPointer(rebasing: $0[i...])) }
                } catch {
                    step = .failed
                    actions.append(.retry(String(describing: error)))
                    return actions
                }
                switch r {
                case .needMore:
                    return actions
                case .done(let used):
                    i += used
                    step = .streaming
                    actions.append(.fullResync(replid: fullReplid, offset: fullOffset, rdb: rdb.payload))
                    actions.append(.stream(Array(bytes[i...])))
                    return actions
                }
            case .streaming, .failed, .idle:
                return actions
            default:
                let b = bytes[i]
                i += 1
                if b != UInt8(ascii: "\n") { line.append(b); continue }
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                let text = String(decoding: line, as: UTF8.self)
                line = []
                if text.isEmpty { continue }   // keep-alive while the master prepares
                actions += reply(text)
                if step == .streaming {
                    actions.append(.stream(Array(bytes[i...])))
                    return actions
                }
            }
        }
        return actions
    }

    /// One reply line for the current step.
    func reply(_ text: String) -> [Action] {
        switch step {
        case .ping:
            // An auth error is fine here: AUTH comes next (Redis accepts NOAUTH/NOPERM).
            if text.hasPrefix("-") && !text.hasPrefix("-NOAUTH") && !text.hasPrefix("-NOPERM") && !text.hasPrefix("-ERR operation not permitted") {
                return fail("Error reply to PING from master: '\(text)'")
            }
            if let a = auth {
                step = .auth
                return [.send(Self.command(a.user.map { ["AUTH", $0, a.password] } ?? ["AUTH", a.password]))]
            }
            return sendPort()
        case .auth:
            if text.hasPrefix("-") { return fail("Unable to AUTH to MASTER: \(text)") }
            return sendPort()
        case .port:
            // Errors are only logged by Redis (old masters don't know REPLCONF).
            if let ip = announceIP {
                step = .ip
                return [.send(Self.command(["REPLCONF", "ip-address", ip]))]
            }
            return sendCapa()
        case .ip:
            return sendCapa()
        case .capa:
            step = .psync
            let c = cached.map { [$0.replid, String($0.offset)] } ?? ["?", "-1"]
            return [.send(Self.command(["PSYNC"] + c + (failover ? ["FAILOVER"] : [])))]
        case .psync:
            let parts = text.split(separator: " ").map(String.init)
            if parts.first == "+FULLRESYNC" && parts.count >= 3, let off = Int64(parts[2]) {
                fullReplid = parts[1]
                fullOffset = off
                step = .rdb
                return [.transferStarted]
            }
            if parts.first == "+CONTINUE" {
                step = .streaming
                return [.continued(replid: parts.count > 1 ? parts[1] : nil)]
            }
            return fail("Unexpected reply to PSYNC from master: \(text)")
        default:
            return []
        }
    }

    func sendCapa() -> [Action] {
        step = .capa
        return [.send(Self.command(["REPLCONF", "capa", "eof", "capa", "psync2"]))]
    }

    func sendPort() -> [Action] {
        step = .port
        return [.send(Self.command(["REPLCONF", "listening-port", String(listeningPort)]))]
    }

    func fail(_ why: String) -> [Action] {
        step = .failed
        return [.retry(why)]
    }
}
