// Redis-style log lines: "pid:M 29 Nov 2026 23:59:59.123 * message", to a file or stdout.

#if canImport(Glibc)
import Glibc
#endif

public enum LogLevel: Int, Comparable, Sendable {
    case debug = 0, verbose, notice, warning
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
    var mark: String {
        switch self {
        case .debug: return "."
        case .verbose: return "-"
        case .notice: return "*"
        case .warning: return "#"
        }
    }
    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "verbose": self = .verbose
        case "notice": self = .notice
        case "warning": self = .warning
        default: return nil
        }
    }
}

public final class Logger {
    public var level: LogLevel = .notice
    public var path: String = ""
    /// "M" for a master, "S" replica, "X" sentinel, "C" child.
    public var role: Character = "M"

    public init() {}

    public func log(_ lvl: LogLevel, _ msg: String) {
        guard lvl >= level else { return }
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var tmv = tm()
        localtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 64)
        strftime(&buf, 64, "%d %b %Y %H:%M:%S", &tmv)
        let ms = Int(ts.tv_nsec / 1_000_000)
        let msStr = ms < 10 ? "00\(ms)" : (ms < 100 ? "0\(ms)" : "\(ms)")
        let line = "\(getpid()):\(role) \(String(cString: buf)).\(msStr) \(lvl.mark) \(msg)\n"
        if path.isEmpty {
            var l = line
            l.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
        } else if let f = fopen(path, "a") {
            fputs(line, f)
            fclose(f)
        }
    }
}
