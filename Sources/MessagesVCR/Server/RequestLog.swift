import Logging

/// Writes one log line per request to stderr via swift-log:
/// method, path, status, duration, and the interaction it recorded or replayed.
struct RequestLog: Sendable {
    let logger: Logger

    /// What a request came to.
    struct Entry {
        var method: String
        var path: String
        var status: Int?
        var startedAt: UInt64
        var interactionID: String?
        var note: String?
    }

    func write(_ entry: Entry) {
        guard logger.logLevel <= .info else { return }
        let millis = Double(MonotonicClock.since(entry.startedAt)) / 1e6
        var line = "\(entry.method) \(entry.path) \(entry.status.map(String.init) ?? "-") \(Self.format(millis))ms"
        if let id = entry.interactionID { line += " interaction=\(id)" }
        if let note = entry.note, !note.isEmpty { line += " \(note)" }
        logger.info("\(line)")
    }

    static func format(_ millis: Double) -> String {
        let tenths = (millis * 10).rounded() / 10
        return String(tenths)
    }
}
