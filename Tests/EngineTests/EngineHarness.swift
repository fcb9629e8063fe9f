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
}
