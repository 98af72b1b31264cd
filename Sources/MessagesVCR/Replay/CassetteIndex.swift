import GRDB
import NIOConcurrencyHelpers

/// A cassette's recordings by match key, in memory, so a lookup is a dictionary access.
///
/// Keys stored with each recording are used as they are when they were computed under the rules
/// in force; otherwise they are recomputed from the stored request once, when the index loads.
final class CassetteIndex: Sendable {
    /// What the index keeps of one recording.
    struct Entry: Sendable, Equatable {
        var id: String
        var seq: Int
        var method: String
        var path: String
        var model: String?
        var stream: Bool?
        var complete: Bool
        var requestBodyHash: String
        var bodySize: Int
    }

    private struct State {
        var byKey: [String: [Entry]] = [:]
        var byRoute: [String: [Entry]] = [:]
        var count = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Loads every recording of `store`, recomputing the keys made under other rules.
    static func load(_ store: CassetteStore, rules: MatchRules) async throws -> CassetteIndex {
        let fingerprint = rules.fingerprint
        let keyed = try await store.read { db -> [(Entry, String)] in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, seq, method, path, query, request_headers, request_body_hash, model, stream,
                           outcome, match_key, match_rules,
                           (SELECT size FROM blob WHERE hash = request_body_hash) AS body_size
                    FROM interaction ORDER BY seq
                    """)
            return try rows.map { row in
                let entry = Entry(
                    id: row["id"], seq: row["seq"], method: row["method"], path: row["path"], model: row["model"],
                    stream: row["stream"], complete: (row["outcome"] as String) == Outcome.complete.rawValue,
                    requestBodyHash: row["request_body_hash"], bodySize: row["body_size"] ?? 0)
                if let key: String = row["match_key"], (row["match_rules"] as String?) == fingerprint {
                    return (entry, key)
                }
                let request = RecordedRequest(
                    method: entry.method, path: entry.path, query: row["query"],
                    headers: InteractionCoding.decodeHeaders(row["request_headers"]),
                    body: try CassetteStore.blob(entry.requestBodyHash, in: db))
                return (entry, rules.key(for: request))
            }
        }
        let index = CassetteIndex()
        for (entry, key) in keyed { index.add(entry, key: key) }
        return index
    }

    /// Adds a recording (kept in sequence order).
    func add(_ entry: Entry, key: String) {
        state.withLockedValue { state in
            state.byKey[key, default: []].insertSorted(entry)
            state.byRoute[entry.method + " " + entry.path, default: []].insertSorted(entry)
            state.count += 1
        }
    }

    /// The recordings with `key` in recorded order: the complete ones, or if there are none, the cut ones.
    func candidates(forKey key: String) -> [Entry] {
        let all = state.withLockedValue { $0.byKey[key] ?? [] }
        let complete = all.filter(\.complete)
        return complete.isEmpty ? all : complete
    }

    /// The recordings of one method and path, in recorded order.
    func entries(method: String, path: String) -> [Entry] {
        state.withLockedValue { $0.byRoute[method + " " + path] ?? [] }
    }

    /// Number of recordings.
    var count: Int { state.withLockedValue { $0.count } }
}

extension Array where Element == CassetteIndex.Entry {
    fileprivate mutating func insertSorted(_ entry: Element) {
        if let last, last.seq > entry.seq {
            insert(entry, at: firstIndex { $0.seq > entry.seq } ?? endIndex)
        } else {
            append(entry)
        }
    }
}
