// swift-tools-version:6.0
import PackageDescription

// Release builds drop exclusivity checks on the hot path; everything else is default.
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Keyward",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "keyward-server", targets: ["keyward-server"]),
        .executable(name: "keyward", targets: ["keyward"]),
        .library(name: "KeywardClient", targets: ["KeywardClient"]),
        .library(name: "KeywardLocks", targets: ["KeywardLocks"]),
    ],
    targets: [
        .target(name: "RESP", swiftSettings: fast),
        // System Lua 5.1 for EVAL/FUNCTION (Redis embeds the same language version).
        .systemLibrary(name: "CLua", pkgConfig: "lua5.1", providers: [.apt(["liblua5.1-0-dev"])]),
        .target(name: "Engine", dependencies: ["RESP", "CLua", "CMalloc", "Admin"], swiftSettings: fast),
        .target(name: "CSystem"),
        // Replaces malloc to count allocated bytes for maxmemory (see its header).
        .target(name: "CMalloc"),
        .target(name: "KeywardServer", dependencies: ["Engine", "RESP", "CSystem"], swiftSettings: fast),
        // Blocking RESP client with deadlines, shared by the console, the lock library and tools.
        .target(name: "KeywardClient", dependencies: ["RESP"]),
        // The admin protocol's model (Codable documents) shared by server, console and JSON output.
        .target(name: "Admin"),
        // Redisson-compatible locks, watchdog, fencing, WAIT-acked mode, cache helpers (docs/locks.md).
        .target(name: "KeywardLocks", dependencies: ["KeywardClient", "Admin", "RESP"]),
        // Contends on / holds a lock from a separate process for the lock tests and bench/locks.py.
        .executableTarget(name: "keyward-lockprobe", dependencies: ["KeywardLocks", "KeywardClient", "Admin"]),
        .executableTarget(name: "keyward-server", dependencies: ["KeywardServer"], swiftSettings: fast),
        // The operator's program: console, `status --json`, `up`/`down` (Sources/keyward/main.swift).
        // Console model, views (cell grid), key reducer and themes: pure, golden-tested.
        .target(name: "Console", dependencies: ["Admin"]),
        // The only ncurses code (wide-character ncursesw; see Sources/CNcursesw/shim.h).
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),
        .target(name: "Terminal", dependencies: ["Console", "CNcursesw"]),
        .executableTarget(name: "keyward", dependencies: ["KeywardClient", "Admin", "RESP", "Console", "Terminal"]),
        .testTarget(name: "RESPTests", dependencies: ["RESP"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "RESP", "Admin"]),
        .testTarget(name: "ServerTests", dependencies: ["KeywardServer", "Engine", "RESP"]),
        // Starts real server processes for the Swift tests (one copy for every test target).
        .target(name: "TestSupport", dependencies: ["KeywardClient"], path: "Tests/TestSupport"),
        .testTarget(name: "ClientTests", dependencies: ["KeywardClient", "RESP", "TestSupport"]),
        .testTarget(name: "AdminTests", dependencies: ["Admin"]),
        .testTarget(name: "LocksTests", dependencies: ["TestSupport", "KeywardLocks", "KeywardClient", "Admin", "RESP"]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Admin"]),
    ]
)
