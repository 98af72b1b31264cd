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

    enum CodingKeys: String, CodingKey {
        case id, seq, source, upstream, method, path, query, model, stream, status, outcome, error
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
    static let timestampFormat: Date.ISO8601FormatStyle = .iso8601.year().month().day().time(includingFractionalSeconds: true)
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

    static func formatDate(_ date: Date) -> String { date.formatted(timestampFormat) }

    static func parseDate(_ text: String) -> Date { (try? Date(text, strategy: timestampFormat)) ?? Date(timeIntervalSince1970: 0) }
}
