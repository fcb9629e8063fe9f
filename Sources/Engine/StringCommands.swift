// Strings family (minimal seed: GET/SET; the full family arrives with its own change).

enum StringCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("get", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), categories: ["string"], group: "string",
                        summary: "Get the value of a key", handler: get),
            CommandSpec("set", arity: -3, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: ["string"], group: "string",
                        summary: "Set the string value of a key", handler: set),
        ]
    }

    static func get(_ c: Call) {
        guard let v = c.lookup(c.argv[1]) else { c.null(); return }
        guard v.isString else { c.wrongType(); return }
        c.bulk(value: v)
    }

    static func set(_ c: Call) {
        c.db.set(c.argv[1], .string(c.argv[2]))
        c.modified(c.argv[1], event: "set")
        c.ok()
    }
}
