import Logging
import NIOConcurrencyHelpers

/// A logger whose lines a test can read: level and message of each.
final class CapturedLog: Sendable {
    private let lines = NIOLockedValueBox<[(Logger.Level, String)]>([])

    var logger: Logger {
        var logger = Logger(label: "captured") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    /// The messages logged at `level`.
    func messages(at level: Logger.Level) -> [String] {
        lines.withLockedValue { $0.filter { $0.0 == level }.map(\.1) }
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.lines.withLockedValue { $0.append((event.level, "\(event.message)")) }
        }
    }
}
