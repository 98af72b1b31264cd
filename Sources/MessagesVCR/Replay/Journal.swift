import Foundation
import NIOConcurrencyHelpers

/// The last requests a server handled, newest last, for `GET /__vcr/journal`.
final class Journal: Sendable {
    /// One handled request.
    struct Entry: Sendable {
        /// When it arrived.
        var time: Date
        /// Its `x-vcr-session`.
        var session: String
        /// Method and path (prefix stripped).
        var method: String
        public var path: String
        /// The cassette it was matched against or recorded into.
        public var cassette: String
        /// What became of it.
        var result: RequestResult
        /// The recording replayed or written.
        var interactionID: String?
        /// The status answered.
        var status: Int?
        /// For misses: the diagnosis; for errors: the message.
        var detail: String?
        /// The timing used for a replay.
        public var timing: String?
        /// Recorded machine-specific values the replay rewrote to this machine's.
        var substitutions: [MachineValues.Substitution] = []
        /// For a miss: its id in the server's ``MissLog`` (`/__vcr/ui/misses/ID`).
        var missID: Int?
        /// The request's `x-vcr-compat` note.
        var compat: String?
        /// Which server the answer behaved as.
        public var flavor: Flavor = .ollama
        /// How the request differed from the recording that answered it in its client's own texts.
        var drift: Drift?
    }

    private let capacity: Int
    /// A ring: `entries[next]` is the oldest once it has wrapped.
    private let ring = NIOLockedValueBox<(entries: [Entry], next: Int)>(([], 0))

    /// Creates a journal keeping the last `capacity` entries.
    public init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    /// Adds an entry, dropping the oldest past capacity.
    public func append(_ entry: Entry) {
        ring.withLockedValue { ring in
            if ring.entries.count < capacity {
                ring.entries.append(entry)
            } else {
                ring.entries[ring.next] = entry
                ring.next = (ring.next + 1) % capacity
            }
        }
    }

    /// The entries, oldest first, optionally of one session and at most `limit` of the newest.
    func recent(limit: Int = 100, session: String? = nil) -> [Entry] {
        let all = ring.withLockedValue { Array($0.entries[$0.next...] + $0.entries[..<$0.next]) }
        let chosen = session.map { name in all.filter { $0.session == name } } ?? all
        return Array(chosen.suffix(max(0, limit)))
    }

    /// The entries as the admin route serves them.
    static func json(_ entries: [Entry]) -> JSONValue {
        .object([
            "entries": .array(entries.map { entry in
                var members: [JSONMember] = [
                    JSONMember("time", .string(InteractionCoding.formatDate(entry.time))),
                    JSONMember("session", .string(entry.session)),
                    JSONMember("method", .string(entry.method)),
                    JSONMember("path", .string(entry.path)),
                    JSONMember("cassette", .string(entry.cassette)),
                    JSONMember("result", .string(entry.result.rawValue)),
                ]
                if let id = entry.interactionID { members.append(JSONMember("interaction", .string(id))) }
                if let status = entry.status { members.append(JSONMember("status", .int(status))) }
                if let timing = entry.timing { members.append(JSONMember("timing", .string(timing))) }
                if let detail = entry.detail { members.append(JSONMember("detail", .string(detail))) }
                if let miss = entry.missID { members.append(JSONMember("miss", .int(miss))) }
                if let compat = entry.compat { members.append(JSONMember("compat", .string(compat))) }
                if entry.flavor != .ollama { members.append(JSONMember("flavor", .string(entry.flavor.name))) }
                if let drift = entry.drift { members.append(JSONMember("drift", drift.json)) }
                if !entry.substitutions.isEmpty {
                    members.append(JSONMember("rewrites", .array(entry.substitutions.map { value in
                        .object(["name": .string(value.name), "recorded": .string(value.recorded), "live": .string(value.live)])
                    })))
                }
                return .object(members)
            })
        ])
    }
}
