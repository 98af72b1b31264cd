/// `messages-vcr verify`: does a cassette still describe the server? Each recorded request is
/// sent again to a live server and its answer compared with the recording by shape
/// (``ShapeComparison``).
public enum CassetteVerifier {
    /// One interaction's verdict.
    public struct Verdict: Sendable {
        /// The recording's id.
        let id: String
        /// `METHOD path`.
        let route: String
        /// The compared aspects (empty when the request could not be sent).
        let rows: [ShapeComparison.Row]
        /// Why the live server gave no answer, if it gave none.
        let failure: String?

        /// Whether the live answer has the recording's shape.
        public var agrees: Bool { failure == nil && rows.allSatisfy(\.agrees) }
    }

    /// The verdicts of `interactions` against `upstream`, in order. Synthetic interactions and
    /// recordings without a complete answer are left out: there is nothing of the server's to compare.
    /// - Parameter extraHeaders: headers every request gets (a key: cassettes never hold secrets).
    public static func verify(
        _ interactions: [Interaction], upstream: UpstreamTarget, extraHeaders: HeaderList = HeaderList(),
        bounds: ShapeComparison.TimingBounds = .init(), timeoutSeconds: Double = 300
    ) async throws -> [Verdict] {
        let pool = try UpstreamChannelPool(target: upstream)
        defer { pool.closeIdle() }
        var verdicts: [Verdict] = []
        for interaction in interactions where interaction.source == .recorded && interaction.response.outcome == .complete {
            let route = "\(interaction.request.method) \(interaction.request.path)"
            do {
                let live = try await LiveExchange.send(interaction.request, extraHeaders: extraHeaders, through: pool, timeoutSeconds: timeoutSeconds)
                verdicts.append(Verdict(id: interaction.id, route: route, rows: ShapeComparison.compare(recorded: interaction.response, live: live, bounds: bounds), failure: nil))
            } catch {
                verdicts.append(Verdict(id: interaction.id, route: route, rows: [], failure: VCRError.from(error).message))
            }
        }
        return verdicts
    }

    /// The verdicts as a table: one line per aspect, differences marked, a summary last.
    public static func table(_ verdicts: [Verdict]) -> [String] {
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
        var lines: [String] = []
        for verdict in verdicts {
            lines.append("\(verdict.id)  \(verdict.route)  \(verdict.agrees ? "same shape" : "DIFFERS")")
            if let failure = verdict.failure { lines.append("  no answer: \(failure)") }
            for row in verdict.rows {
                lines.append("  \(row.agrees ? " " : "✗") \(pad(row.aspect, 11)) \(row.recorded == row.live ? row.recorded : "recorded \(row.recorded) | live \(row.live)")")
            }
        }
        let differing = verdicts.filter { !$0.agrees }.count
        if verdicts.isEmpty { lines.append("no recorded interaction with a complete answer to verify") }
        lines.append("\(verdicts.count) interactions verified, \(differing) differ")
        return lines
    }
}

extension CassetteVerifier {
    /// The verdicts as JSON: `[{"id","route","agrees","failure"?,"rows":[{"aspect","recorded","live","agrees"}]}]`.
    public static func json(_ verdicts: [Verdict]) -> JSONValue {
        .array(verdicts.map { verdict in
            var members = [
                JSONMember("id", .string(verdict.id)), JSONMember("route", .string(verdict.route)), JSONMember("agrees", .bool(verdict.agrees)),
            ]
            if let failure = verdict.failure { members.append(JSONMember("failure", .string(failure))) }
            members.append(JSONMember("rows", .array(verdict.rows.map { row in
                .object([
                    JSONMember("aspect", .string(row.aspect)), JSONMember("recorded", .string(row.recorded)), JSONMember("live", .string(row.live)),
                    JSONMember("agrees", .bool(row.agrees)),
                ])
            })))
            return .object(members)
        })
    }
}
