import GRDB
import NIOConcurrencyHelpers

/// A cassette's recordings by match key, in memory, so a lookup is a dictionary access.
///
/// Keys stored with each recording are used as they are when they were computed under the rules
/// in force; otherwise they are recomputed from the stored request once, when the index loads.
/// Entries are kept once, in one array; the key and route tables hold their positions, so a
/// cassette of 100,000 recordings costs a few tens of megabytes.
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
        var bodySize: Int
        /// The session it was recorded in (nil: the default one).
        var session: String? = nil
    }

    private struct State {
        var entries: [Entry] = []
        var byKey: [String: [Int32]] = [:]
        var byRoute: [String: [Int32]] = [:]

        /// Adds a recording, kept in sequence order.
        mutating func add(_ entry: Entry, key: String) {
            let position = Int32(entries.count)
            entries.append(entry)
            insert(position, seq: entry.seq, into: &byKey[key, default: []])
            insert(position, seq: entry.seq, into: &byRoute[Self.route(entry.method, entry.path), default: []])
        }

        private func insert(_ position: Int32, seq: Int, into list: inout [Int32]) {
            if let last = list.last, entries[Int(last)].seq > seq {
                list.insert(position, at: list.firstIndex { entries[Int($0)].seq > seq } ?? list.endIndex)
            } else {
                list.append(position)
            }
        }

        static func route(_ method: String, _ path: String) -> String { method + " " + path }
    }

    private let state = NIOLockedValueBox(State())

    /// Loads every recording of `store` row by row (never all rows at once), recomputing the keys
    /// made under other rules.
    ///
    /// Rows come in sequence order and are added to tables sized up front; the route table is
    /// filled once at the end (a cassette has a handful of routes, so each row's route is most
    /// often the one before it): at 100,000 recordings, hashing and growing the tables row by row
    /// was two thirds of the load.
    static func load(_ store: CassetteStore, rules: MatchRules) async throws -> CassetteIndex {
        let fingerprint = rules.fingerprint
        let index = CassetteIndex()
        let loaded = try await store.read { db in
            var state = State()
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM interaction") ?? 0
            state.entries.reserveCapacity(count)
            state.byKey.reserveCapacity(count)
            var routes: [(method: String, path: String, positions: [Int32])] = []
            var current = -1
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, seq, method, path, model, stream, outcome, match_key, match_rules, request_body_hash, session,
                           (SELECT size FROM blob WHERE hash = request_body_hash) AS body_size
                    FROM interaction ORDER BY seq
                    """)
            while let row = try rows.next() {
                let entry = Entry(
                    id: row[0], seq: row[1], method: row[2], path: row[3], model: row[4], stream: row[5],
                    complete: (row[6] as String) == Outcome.complete.rawValue, bodySize: row[11] ?? 0, session: row[10])
                let key: String
                if let stored: String = row[7], (row[8] as String?) == fingerprint {
                    key = stored
                } else {
                    key = rules.key(for: try CassetteStore.request(id: entry.id, in: db))
                }
                let position = Int32(state.entries.count)
                state.entries.append(entry)
                state.byKey[key, default: []].append(position)
                if current < 0 || routes[current].method != entry.method || routes[current].path != entry.path {
                    current = routes.firstIndex { $0.method == entry.method && $0.path == entry.path } ?? {
                        routes.append((entry.method, entry.path, []))
                        return routes.count - 1
                    }()
                }
                routes[current].positions.append(position)
            }
            for route in routes { state.byRoute[State.route(route.method, route.path)] = route.positions }
            return state
        }
        index.state.withLockedValue { $0 = loaded }
        return index
    }

    /// Adds a recording (kept in sequence order).
    func add(_ entry: Entry, key: String) {
        state.withLockedValue { $0.add(entry, key: key) }
    }

    /// The recordings with `key` in recorded order: the complete ones, or if there are none, the cut ones.
    func candidates(forKey key: String) -> [Entry] {
        let all = state.withLockedValue { state in (state.byKey[key] ?? []).map { state.entries[Int($0)] } }
        let complete = all.filter(\.complete)
        return complete.isEmpty ? all : complete
    }

    /// Up to `limit` recordings of one method and path that look most like a request of `model`
    /// with a body of `size` bytes: the same model first, then the closest size, then the newest.
    /// Picked in one pass, without copying the route's recordings.
    func nearest(method: String, path: String, model: String?, size: Int, limit: Int) -> [Entry] {
        func closer(_ a: Entry, _ b: Entry) -> Bool {
            if (a.model == model) != (b.model == model) { return a.model == model }
            let (da, db) = (abs(a.bodySize - size), abs(b.bodySize - size))
            return da != db ? da < db : a.seq > b.seq
        }
        return state.withLockedValue { state in
            var best: [Entry] = []
            for position in state.byRoute[State.route(method, path)] ?? [] {
                let entry = state.entries[Int(position)]
                guard best.count < limit || closer(entry, best[best.count - 1]) else { continue }
                best.insert(entry, at: best.firstIndex { closer(entry, $0) } ?? best.endIndex)
                if best.count > limit { best.removeLast() }
            }
            return best
        }
    }

    /// True when the cassette has a recording of this method and path.
    func hasRoute(method: String, path: String) -> Bool {
        state.withLockedValue { !($0.byRoute[State.route(method, path)] ?? []).isEmpty }
    }

    /// Number of recordings.
    var count: Int { state.withLockedValue { $0.entries.count } }
}
