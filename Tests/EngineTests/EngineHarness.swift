// Runs commands in-process (argv in, reply out): the one harness for command tests.
import Engine
import RESP

final class EngineHarness {
    let engine: Engine
    let client: ClientState

    /// Another harness on the same engine with a distinct `id` is a second connection.
    init(engine: Engine = Engine(), proto: RESPVersion = .v2, id: Int64 = 1) {
        self.engine = engine
        self.client = ClientState(id: id)
        client.proto = proto
        engine.clients[client.id] = client
    }

    /// Runs one command and returns its raw reply bytes.
    @discardableResult
    func raw(_ args: [String]) -> String {
        client.out.clear()
        Argv.with(args.map { Array($0.utf8) }) { engine.execute(client, $0) }
        return String(decoding: client.out.readableBytes, as: UTF8.self)
    }

    /// Runs one command and returns its decoded reply.
    @discardableResult
    func run(_ args: String...) -> RESPValue { value(args) }

    func value(_ args: [String]) -> RESPValue {
        client.out.clear()
        Argv.with(args.map { Array($0.utf8) }) { engine.execute(client, $0) }
        let bytes = client.out.readableBytes
        guard let (v, _) = try? parseRESPValue(bytes) else { return .error("HARNESS: no complete reply") }
        return v
    }

    /// What `key` holds as commands see it (order-free for hashes and sets), with its TTL and,
    /// when `encoding`, its OBJECT ENCODING; Bloom filters by BF.INFO and `probes`. Model tests
    /// compare keyspaces with it.
    func describe(_ key: String, encoding: Bool = true, probes: [String] = []) -> String {
        let type = raw(["TYPE", key])
        let enc = encoding ? raw(["OBJECT", "ENCODING", key]) : ""
        let ttl = raw(["PEXPIRETIME", key])
        var body: String
        switch type {
        case "+string\r\n": body = raw(["GET", key])
        case "+list\r\n": body = raw(["LRANGE", key, "0", "-1"])
        case "+zset\r\n": body = raw(["ZRANGE", key, "0", "-1", "WITHSCORES"])
        case "+hash\r\n", "+set\r\n":
            let v = value([type == "+hash\r\n" ? "HGETALL" : "SMEMBERS", key])
            guard case .array(let items) = v else { return "bad \(v)" }
            body = items.map { "\($0)" }.sorted().joined(separator: ",")
            if type == "+hash\r\n" { body += " n=\(items.count)" }
        default: body = raw(["BF.INFO", key]) + probes.map { raw(["BF.EXISTS", key, $0]) }.joined()
        }
        return type + enc + ttl + body
    }
}
