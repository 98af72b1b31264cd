import Foundation
import NIOConcurrencyHelpers

/// Which recordings a server used, how often, and every request that matched none: the coverage
/// report of `serve --report FILE` and `GET /__vcr/report`.
public final class Coverage: Sendable {
    /// A request that matched no recording.
    struct Miss: Sendable {
        /// When it arrived.
        var time: Date
        /// Its `x-vcr-session`.
        var session: String
        /// Method and path (prefix stripped).
        var method: String
        public var path: String
        /// The diagnosis: nearest recording and the JSON paths that differ.
        var detail: String
    }

    private struct CassetteUse {
        var name: String
        var counts: [String: Int] = [:]
        var misses: [Miss] = []
        /// Recordings replayed with drift, by id: the last drift seen and how often.
        var drifts: [String: (drift: Drift, count: Int)] = [:]
    }

    private let state = NIOLockedValueBox<[String: CassetteUse]>([:])

    /// Creates an empty report.
    public init() {}

    /// Counts one replay of `interactionID` from `cassette`.
    func used(_ cassette: CassetteRegistry.CassetteReference, interactionID: String) {
        state.withLockedValue { $0[cassette.path, default: CassetteUse(name: cassette.name)].counts[interactionID, default: 0] += 1 }
    }

    /// Notes that a replay of `cassette` answered with `drift`.
    func drifted(_ cassette: CassetteRegistry.CassetteReference, _ drift: Drift) {
        state.withLockedValue { state in
            let count = state[cassette.path, default: CassetteUse(name: cassette.name)].drifts[drift.recordingID]?.count ?? 0
            state[cassette.path, default: CassetteUse(name: cassette.name)].drifts[drift.recordingID] = (drift, count + 1)
        }
    }

    /// Notes a miss against `cassette`.
    func missed(_ cassette: CassetteRegistry.CassetteReference, _ miss: Miss) {
        state.withLockedValue { $0[cassette.path, default: CassetteUse(name: cassette.name)].misses.append(miss) }
    }

    /// How many requests matched nothing.
    var missCount: Int { state.withLockedValue { $0.values.reduce(0) { $0 + $1.misses.count } } }

    /// The report: per cassette (the default one and every one a request named), the recordings
    /// used with their counts, those never used, and the misses with their diagnosis.
    func report(registry: CassetteRegistry) async -> JSONValue {
        var uses = state.withLockedValue { $0 }
        if uses[registry.defaultCassette.path] == nil { uses[registry.defaultCassette.path] = CassetteUse(name: registry.defaultCassette.name) }
        var cassettes: [JSONValue] = []
        var totals = (used: 0, unused: 0, misses: 0, drifted: 0)
        for path in uses.keys.sorted() {
            let use = uses[path]!
            let reference = CassetteRegistry.CassetteReference(name: use.name, path: path)
            let ids = (try? await registry.openedStore(for: reference, mode: .existing).ids()) ?? []
            let used = ids.filter { use.counts[$0] != nil }
            let unused = ids.filter { use.counts[$0] == nil }
            totals.used += used.count
            totals.unused += unused.count
            totals.misses += use.misses.count
            totals.drifted += use.drifts.count
            var members: [JSONMember] = [
                JSONMember("name", .string(use.name)),
                JSONMember("path", .string(path)),
                JSONMember("interactions", .int(ids.count)),
                JSONMember("used", .array(used.map { .object(["id": .string($0), "count": .int(use.counts[$0]!)]) })),
                JSONMember("unused", .array(unused.map { .string($0) })),
                JSONMember("rules_used", .array(use.counts.keys.filter { $0.hasPrefix("rule-") }.sorted().map {
                    .object(["id": .string(String($0.dropFirst(5))), "count": .int(use.counts[$0]!)])
                })),
            ]
            // Recordings replayed despite a harness difference (``Drift``): listed only when there are any.
            if !use.drifts.isEmpty {
                members.append(JSONMember("drift", .array(use.drifts.keys.sorted().map { id in
                    guard case .object(let fields) = use.drifts[id]!.drift.json else { return .null }
                    return .object(fields + [JSONMember("count", .int(use.drifts[id]!.count))])
                })))
            }
            members.append(JSONMember("misses", .array(use.misses.map { miss in
                .object([
                    "time": .string(InteractionCoding.formatDate(miss.time)), "session": .string(miss.session),
                    "method": .string(miss.method), "path": .string(miss.path), "detail": .string(miss.detail),
                ])
            })))
            cassettes.append(.object(members))
        }
        return .object([
            "cassettes": .array(cassettes),
            "totals": .object(
                [JSONMember("used", .int(totals.used)), JSONMember("unused", .int(totals.unused)), JSONMember("misses", .int(totals.misses))]
                    + (totals.drifted > 0 ? [JSONMember("drifted", .int(totals.drifted))] : [])),
        ])
    }

    /// The ids a report lists as never used in the cassette at `path` (or named `name`).
    /// - Throws: ``CassetteExport/DecodeError`` when the report cannot be read.
    public static func unusedIDs(inReport bytes: [UInt8], path: String, name: String) throws -> [String] {
        guard let report = try? JSONParser.parse(bytes), let cassettes = report["cassettes"]?.arrayValue else {
            throw CassetteExport.DecodeError("not a messages-vcr coverage report")
        }
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        let entry = cassettes.first { ($0["path"]?.stringValue).map(absolute) == absolute(path) }
            ?? cassettes.first { $0["name"]?.stringValue == name }
        guard let entry else { throw CassetteExport.DecodeError("the report does not mention cassette \(name)") }
        return (entry["unused"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
