// `keyward lock list|show|unlock`: the Locks view's data and its force-unlock from a shell.
// list needs Keyward's ADMIN LOCKS; show and unlock read the Redisson hash itself (TYPE, HGETALL,
// PTTL, the fencing counter, PUBSUB NUMSUB of the unlock channel), so they work on plain Redis.
// unlock sends the same forceUnlock script as the lock library and the console (Admin's
// RedissonLockText), on the master: a replica seed is followed to its master (ROLE), a cluster
// MOVED reply once. Exit codes (also in `keyward --help` and docs/locks.md): 0 done, 1 the lock
// is not held, 2 connection or server error, 3 force-unlock refused (not confirmed), 64 usage.

import Admin
import Foundation
import KeywardClient
import RESP

enum LockCommand {
    struct Exit: Error { var code: Int32; var message: String }

    static func run(_ args: Arguments) throws -> Int32 {
        let seed = args.flags["--seed"] ?? LocalTopology.defaultSeed()
        let json = args.switches.contains("--json")
        guard let verb = args.positional.first else { throw UsageError("lock needs list, show NAME or unlock NAME") }
        let name = args.positional.count > 1 ? args.positional[1] : nil
        guard args.positional.count <= (verb == "list" ? 1 : 2) else { throw UsageError("unexpected argument '\(args.positional.last!)'") }
        do {
            switch verb {
            case "list":
                return try list(try connect(seed, args), pattern: args.flags["--pattern"] ?? "*", json: json)
            case "show":
                guard let name else { throw UsageError("lock show needs a lock NAME") }
                let c = try connect(seed, args)
                guard let h = try holder(c, name) else { throw Exit(code: 1, message: "lock \(name) is not held on \(seed)") }
                say(json ? try AdminJSON.encode(h) : describe(h, node: seed))
                return 0
            case "unlock":
                guard let name else { throw UsageError("lock unlock needs a lock NAME") }
                return try unlock(name, seed: seed, args, yes: args.switches.contains("--yes"))
            default:
                throw UsageError("unknown lock command '\(verb)' (list, show NAME, unlock NAME)")
            }
        } catch let e as Exit {
            FileHandle.standardError.write(Data("keyward: \(e.message)\n".utf8))
            return e.code
        }
    }

    static func connect(_ address: String, _ args: Arguments) throws -> Connection {
        let c: Connection
        do {
            c = try Connection(try ServerAddress(parsing: address), timeout: try args.double("--timeout", 2))
        } catch let e as UsageError { throw e } catch {
            throw Exit(code: 2, message: "cannot connect to \(address): \(error)")
        }
        if let pw = args.flags["--password"], case .error(let e) = try c.command("AUTH", pw) {
            throw Exit(code: 2, message: "\(address): AUTH failed: \(e)")
        }
        return c
    }

    static func list(_ c: Connection, pattern: String, json: Bool) throws -> Int32 {
        let r = try c.command("ADMIN", "LOCKS", pattern)
        guard case .bulk(let body) = r else {
            throw Exit(code: 2, message: "lock list needs Keyward's ADMIN LOCKS (\(ReplyText.of(r))); on plain Redis use `keyward lock show NAME`")
        }
        if json { say(String(decoding: body, as: UTF8.self)); return 0 }
        let doc = try JSONDecoder().decode(LocksDocument.self, from: Data(body))
        say("\(doc.locks.count) held (pattern \(doc.pattern))")
        for l in doc.locks { say(line(l)) }
        return 0
    }

    static func line(_ l: LockHolder) -> String {
        let owners = l.owners.map { "\($0.field) x\($0.reentrancy)" + ($0.connection.map { " \($0)" } ?? "") }
        return "  \(l.name)  held by \(owners.joined(separator: ", "))  lease \(lease(l.remainingLeaseMs))"
            + "  token \(l.fencingToken.map(String.init) ?? "-")  waiters \(l.waiters)"
    }

    static func lease(_ ms: Int64) -> String { ms < 0 ? "none" : String(format: "%.1fs", Double(ms) / 1000) }

    static func describe(_ l: LockHolder, node: String) -> String {
        var out = ["lock \(l.name) on \(node)"]
        for o in l.owners { out.append("  holder \(o.field) (client \(o.clientId), thread \(o.threadId)), reentrancy \(o.reentrancy)") }
        out.append("  lease \(lease(l.remainingLeaseMs)) left, fencing token \(l.fencingToken.map(String.init) ?? "-"), waiters \(l.waiters)")
        return out.joined(separator: "\n")
    }

    /// The lock as the Redisson hash says (nil when the key does not exist).
    static func holder(_ c: Connection, _ name: String) throws -> LockHolder? {
        let t = try c.command("TYPE", name)
        if case .error(let e) = t { throw Exit(code: 2, message: "TYPE \(name): \(e)") }
        let type = t.string ?? ""
        if type == "none" { return nil }
        guard type == "hash" else { throw Exit(code: 2, message: "\(name) is a \(type), not a Redisson lock (a hash)") }
        let r = try c.pipeline([["HGETALL", name], ["PTTL", name], ["GET", RedissonLockText.tokenKey(name)],
                                ["PUBSUB", "NUMSUB", RedissonLockText.channel(name)]])
        var owners: [LockOwnerInfo] = []
        let items = r[0].array ?? []
        var i = 0
        while i + 1 < items.count {
            guard let f = items[i].string, let n = items[i + 1].string.flatMap({ Int64($0) }),
                  let o = LockOwnerInfo(field: f, reentrancy: n) else {
                throw Exit(code: 2, message: "\(name) is a hash but not a Redisson lock (field \(items[i].string ?? "?"))")
            }
            owners.append(o)
            i += 2
        }
        let waiters = r[3].array.flatMap { $0.count > 1 ? $0[1].int : nil } ?? 0
        return LockHolder(name: name, db: 0, owners: owners, remainingLeaseMs: r[1].int ?? -1,
                          fencingToken: r[2].string.flatMap { Int64($0) }, waiters: Int(waiters))
    }

    /// The seed's master when the seed is a replica (ROLE), else the seed.
    static func master(_ c: Connection, seed: String) throws -> String {
        guard let role = try? c.command("ROLE").array, role.first?.string == "slave",
              let host = role.count > 2 ? role[1].string : nil, let port = role[2].int else { return seed }
        return "\(host):\(port)"
    }

    static func unlock(_ name: String, seed: String, _ args: Arguments, yes: Bool) throws -> Int32 {
        var node = try master(try connect(seed, args), seed: seed)
        var c = try connect(node, args)
        guard let h = try holder(c, name) else { throw Exit(code: 1, message: "lock \(name) is not held on \(node)") }
        let held = h.owners.map(\.field).joined(separator: ", ")
        if !yes {
            guard isatty(0) == 1 else {
                throw Exit(code: 3, message: "refusing to force-unlock \(name) without --yes (stdin is not a terminal)")
            }
            FileHandle.standardError.write(Data("""
                \(describe(h, node: node))
                Force-unlocking wakes its waiters while the holder may still be working.
                Type the lock name to confirm: 
                """.utf8))
            guard readLine() == name else { throw Exit(code: 3, message: "confirmation did not match; \(name) left alone") }
        }
        var r = try c.command(RedissonLockText.forceUnlockCommand(name))
        // A cluster node answers for its own slots: follow one MOVED to the owner.
        if case .error(let e) = r, e.hasPrefix("MOVED "), let to = e.split(separator: " ").last {
            node = String(to)
            c = try connect(node, args)
            r = try c.command(RedissonLockText.forceUnlockCommand(name))
        }
        switch r.int {
        case 1?:
            say("lock \(name) force-unlocked on \(node) (was held by \(held)); waiters notified")
            return 0
        case 0?: throw Exit(code: 1, message: "lock \(name) was not held any more on \(node)")
        default: throw Exit(code: 2, message: "force-unlock \(name) on \(node): \(ReplyText.of(r))")
        }
    }
}

enum ReplyText {
    static func of(_ v: RESPValue) -> String { describe(v) }
}
