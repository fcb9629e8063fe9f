// `keyward`: the operator's program (console, status, up, down, lock). See Arguments.usage.

import Foundation

let argv = Array(CommandLine.arguments.dropFirst())
do {
    let args = try Arguments(argv)
    if args.switches.contains("--help") || args.switches.contains("-h") || args.command == "help" {
        say(Arguments.usage)
        exit(0)
    }
    switch args.command {
    case "status":
        exit(try StatusCommand.run(args))
    case "up":
        let (seed, dir) = try LocalTopology.up(args)
        say("up: seed \(seed), data in \(dir) (stop with `keyward down --dir \(dir)`)")
        if args.switches.contains("--no-console") { exit(0) }
        var console = args
        console.flags["--seed"] = seed
        exit(ConsoleCommand.run(console))
    case "down":
        exit(try LocalTopology.down(args))
    case "console":
        exit(ConsoleCommand.run(args))
    case "lock":
        exit(try LockCommand.run(args))
    default:
        throw UsageError("unknown command '\(args.command)'")
    }
} catch let e as UsageError {
    FileHandle.standardError.write(Data("keyward: \(e)\n\n\(Arguments.usage)\n".utf8))
    exit(64)
} catch {
    FileHandle.standardError.write(Data("keyward: \(error)\n".utf8))
    exit(2)
}
