import Foundation

/// A problem a cassette command reports in one line before exiting with status 2, having modified nothing.
public struct ToolError: Error, CustomStringConvertible {
    /// The line for stderr.
    public let description: String

    /// Creates an error with its line.
    public init(_ description: String) {
        self.description = description.hasPrefix("messages-vcr: ") ? String(description.dropFirst(14)) : description
    }
}

/// What the cassette commands (`list`, `check`, `delete`, `prune`, `export`, `import`) do,
/// on plain values; the CLI target only parses flags and prints.
public enum CassetteTool {
    /// Opens an existing cassette the way `serve` resolves `--cassette-dir` and `--cassette`.
    /// - Throws: ``ToolError`` for a missing folder or cassette, or a file that is not a usable cassette.
    public static func open(directory: String, cassette: String) throws -> CassetteStore {
        do {
            let resolved = try CassetteLocator(directory: directory).resolve(option: cassette)
            return try CassetteStore(path: resolved.path, mode: .existing, name: cassette)
        } catch VCRError.cassetteNotFound {
            let hint = cassette.hasSuffix(".sqlite") || cassette.hasSuffix(".json") ? cassette : "\(directory)/\(cassette).sqlite or .json"
            throw ToolError("cassette \(cassette) not found (\(hint) does not exist)")
        } catch let error as VCRError {
            throw ToolError(error.message)
        }
    }

    /// The interactions with `ids`, in the order asked.
    /// - Throws: ``ToolError`` naming the first id the cassette does not hold.
    public static func interactions(_ ids: [String], in store: CassetteStore) async throws -> [Interaction] {
        var found: [Interaction] = []
        for id in ids {
            guard let interaction = try await store.interaction(id: id) else {
                throw ToolError("no interaction \(id) in cassette \(store.path)")
            }
            found.append(interaction)
        }
        return found
    }

    // MARK: - list

    /// One line per interaction: id, seq, model, stream, status, outcome, events, TTFB, duration, first user text.
    public static func listLines(_ interactions: [Interaction]) -> [String] {
        let header = "id            seq  model                 stream  status  outcome         events   ttfb_ms  duration_ms  server     first user text"
        return [header] + interactions.map { interaction in
            let summary = RequestSummary(body: interaction.request.body)
            let response = interaction.response
            let columns = [
                pad(interaction.id, 12), pad(String(interaction.seq), 4, right: true), pad(summary.model ?? "-", 20),
                pad(summary.stream.map { $0 ? "yes" : "no" } ?? "-", 6), pad(response.status.map(String.init) ?? "-", 6, right: true),
                pad(response.outcome.rawValue, 14), pad(String(response.frames.count), 6, right: true),
                pad(millis(response.ttfbNanos), 8, right: true), pad(millis(response.durationNanos), 11, right: true),
                pad(Flavor.producer(of: response, source: interaction.source).name, 9), cut(summary.firstUserText ?? "", 60),
            ]
            return columns.joined(separator: "  ")
        }
    }

    /// The listing as JSON, one object per interaction.
    public static func listJSON(_ interactions: [Interaction]) -> JSONValue {
        .array(interactions.map { interaction in
            let summary = RequestSummary(body: interaction.request.body)
            let response = interaction.response
            var members: [JSONMember] = [
                JSONMember("id", .string(interaction.id)), JSONMember("seq", .int(interaction.seq)),
                JSONMember("method", .string(interaction.request.method)), JSONMember("path", .string(interaction.request.path)),
                JSONMember("model", summary.model.map { .string($0) } ?? .null),
                JSONMember("stream", summary.stream.map { .bool($0) } ?? .null),
                JSONMember("status", response.status.map { .int($0) } ?? .null),
                JSONMember("outcome", .string(response.outcome.rawValue)), JSONMember("source", .string(interaction.source.rawValue)),
                JSONMember("server", .string(Flavor.producer(of: response, source: interaction.source).name)),
                JSONMember("events", .int(response.frames.count)), JSONMember("chunks", .int(response.chunks.count)),
                JSONMember("ttfb_ns", response.ttfbNanos.map { .int($0) } ?? .null), JSONMember("duration_ns", .int(response.durationNanos)),
            ]
            members.append(JSONMember("first_user_text", summary.firstUserText.map { .string($0) } ?? .null))
            return .object(members)
        })
    }

    // MARK: - check

    /// The result of checking a cassette.
    public struct CheckReport: Sendable {
        /// `ID event N: what is wrong`, one per problem (exit 1 when any).
        public var problems: [String] = []
        /// Recordings that did not complete, reported as such and not checked against the grammar.
        public var incomplete: [String] = []
        /// How many interactions were checked.
        public var checked = 0
    }

    /// Checks every interaction: streams against ``StreamGrammar``, message bodies against its lint.
    /// - Parameter flavor: the server to lint against (`check --flavor`); nil: each recording's own.
    public static func check(_ interactions: [Interaction], flavor: Flavor? = nil) -> CheckReport {
        var report = CheckReport()
        for interaction in interactions {
            let response = interaction.response
            guard response.outcome == .complete else {
                report.incomplete.append("\(interaction.id): incomplete recording (\(response.outcome.rawValue)) after \(response.frames.count) events\(response.errorMessage.map { ": \($0)" } ?? "")")
                continue
            }
            report.checked += 1
            guard response.status == 200 else { continue }
            let isStream = response.headers["content-type"]?.lowercased().hasPrefix("text/event-stream") ?? false
            let server = flavor ?? Flavor.producer(of: response, source: interaction.source)
            let problems = isStream ? StreamGrammar.check(response.frames, flavor: server) : StreamGrammar.checkMessage(response.body, flavor: server)
            report.problems += problems.map { "\(interaction.id) \($0)" }
        }
        return report
    }

    // MARK: - Formatting

    static func millis(_ nanos: UInt64?) -> String {
        guard let nanos else { return "-" }
        return String(format: "%.1f", Double(nanos) / 1e6)
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }

    /// `text` on one line, cut to `length` characters with `…`.
    static func cut(_ text: String, _ length: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: "⏎")
        return flat.count > length ? String(flat.prefix(length)) + "…" : flat
    }
}
