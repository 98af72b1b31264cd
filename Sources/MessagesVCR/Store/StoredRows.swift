import Foundation
import GRDB

/// The `interaction` table row.
struct InteractionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "interaction"

    var id: String
    var seq: Int
    var recordedAt: String
    var source: String
    var upstream: String?
    var method: String
    var path: String
    var query: String?
    var requestHeaders: String
    var requestBodyHash: String
    var model: String?
    var stream: Bool?
    var matchKey: String?
    var matchRules: String?
    var status: Int?
    var responseHeaders: String
    var responseBodyHash: String
    var ttfbNs: Int64?
    var durationNs: Int64
    var outcome: String
    var error: String?
    var chunkCount: Int
    var eventCount: Int
    var session: String?

    enum CodingKeys: String, CodingKey {
        case id, seq, source, upstream, method, path, query, model, stream, status, outcome, error, session
        case recordedAt = "recorded_at"
        case requestHeaders = "request_headers"
        case requestBodyHash = "request_body_hash"
        case matchKey = "match_key"
        case matchRules = "match_rules"
        case responseHeaders = "response_headers"
        case responseBodyHash = "response_body_hash"
        case ttfbNs = "ttfb_ns"
        case durationNs = "duration_ns"
        case chunkCount = "chunk_count"
        case eventCount = "event_count"
    }
}

/// The `chunk` table row.
struct ChunkRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "chunk"
    var interactionId: String
    var idx: Int
    var byteOffset: Int
    var length: Int
    var offsetNs: Int64

    enum CodingKeys: String, CodingKey {
        case idx, length
        case interactionId = "interaction_id"
        case byteOffset = "byte_offset"
        case offsetNs = "offset_ns"
    }
}

/// The `frame` table row.
struct FrameRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "frame"
    var interactionId: String
    var idx: Int
    var event: String?
    var data: Data
    var byteStart: Int
    var byteEnd: Int
    var offsetNs: Int64

    enum CodingKeys: String, CodingKey {
        case idx, event, data
        case interactionId = "interaction_id"
        case byteStart = "byte_start"
        case byteEnd = "byte_end"
        case offsetNs = "offset_ns"
    }
}

/// Conversions between ``Interaction`` and its rows.
enum InteractionCoding {
    private static let secondsFormat: Date.ISO8601FormatStyle = .iso8601.year().month().day().time(includingFractionalSeconds: false)
        .timeZone(separator: .omitted)

    static func encodeHeaders(_ headers: HeaderList) -> String {
        GoJSONWriter.string(.array(headers.fields.map { .array([.string($0.name), .string($0.value)]) }))
    }

    static func decodeHeaders(_ text: String) -> HeaderList {
        guard let items = (try? JSONParser.parse(Array(text.utf8)))?.arrayValue else { return HeaderList() }
        return HeaderList(
            items.compactMap { pair in
                guard let name = pair[0]?.stringValue, let value = pair[1]?.stringValue else { return nil }
                return HeaderList.Field(name: name, value: value)
            })
    }

    /// `2026-11-25T08:37:44.230Z`: UTC, whole milliseconds, so that parsing and formatting again
    /// gives the same text (Foundation's fractional-second style can lose a millisecond).
    static func formatDate(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        var text = Date(timeIntervalSince1970: Double(seconds)).formatted(secondsFormat)
        text.removeLast()  // "Z"
        return text + "." + String(String(millis - seconds * 1000 + 1000).dropFirst()) + "Z"
    }

    static func parseDate(_ text: String) -> Date {
        guard text.hasSuffix("Z"), let dot = text.lastIndex(of: "."), let millis = Int(text[text.index(after: dot)..<text.index(before: text.endIndex)]),
            let whole = try? Date(String(text[..<dot]) + "Z", strategy: secondsFormat)
        else { return (try? Date(text, strategy: secondsFormat)) ?? Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: whole.timeIntervalSince1970 + Double(millis) / 1000)
    }
}
