/// The text `messages-vcr show ID` prints: the request (long system prompt and tools folded unless
/// `full`), the response as a timeline of events with their offsets and gaps, then the final message.
public struct InteractionView: Sendable {
    /// The interaction shown.
    var interaction: Interaction
    /// Show the system prompt and tool definitions whole.
    var full: Bool
    /// The match rules whose view of the request is shown (what is left out, what is learned).
    public var rules: MatchRules?

    /// Creates a view.
    public init(_ interaction: Interaction, full: Bool = false, rules: MatchRules? = nil) {
        self.interaction = interaction
        self.full = full
        self.rules = rules
    }

    /// The lines to print.
    public var lines: [String] {
        let request = interaction.request, response = interaction.response
        var lines: [String] = []
        lines.append("interaction \(interaction.id) (seq \(interaction.seq), \(interaction.source.rawValue) \(InteractionCoding.formatDate(interaction.recordedAt))\(interaction.upstream.map { " from \($0)" } ?? ""), answered as \(Flavor.producer(of: interaction.response, source: interaction.source).serverName))")
        let route = request.method + " " + request.path + (request.query.map { "?" + $0 } ?? "")
        lines.append("\(route) → \(response.status.map(String.init) ?? "no response"), \(response.outcome.rawValue), ttfb \(CassetteTool.millis(response.ttfbNanos)) ms, duration \(CassetteTool.millis(response.durationNanos)) ms, \(response.frames.count) events in \(response.chunks.count) chunks")
        if let error = response.errorMessage { lines.append("error: \(error)") }
        lines.append("")
        lines.append("request headers:")
        lines += request.headers.map { "  \($0.name): \($0.value)" }
        lines.append("request body:")
        lines += requestBody.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let rules { lines += matching(rules) }
        lines.append("response headers:")
        lines += response.headers.map { "  \($0.name): \($0.value)" }
        lines.append("timeline:")
        lines.append("   offset_ms     gap_ms  event                 detail")
        lines += timeline
        if let message = ReconstructedMessage(response) {
            lines.append("message:")
            var head = "  id \(message.id ?? "-"), model \(message.model ?? "-"), stop_reason \(message.stopReason ?? "-")"
            head += ", usage in \(message.inputTokens.map(String.init) ?? "-") / out \(message.outputTokens.map(String.init) ?? "-")"
            lines.append(head)
            for block in message.blocks {
                let label = block.toolName.map { "[\(block.type) \(block.toolID ?? "-") \($0)]" } ?? "[\(block.type)]"
                lines.append("  \(label) \(block.content.replacingOccurrences(of: "\n", with: "\n    "))")
            }
        }
        return lines
    }

    /// The request body pretty-printed, the system prompt and tools folded unless `full`.
    var requestBody: String {
        guard var body = try? JSONParser.parse(interaction.request.body), case .object(var members) = body else {
            return String(decoding: interaction.request.body, as: UTF8.self)
        }
        if !full {
            for index in members.indices {
                switch members[index].key {
                case "system":
                    let size = GoJSONWriter.encode(members[index].value).count
                    if size > 200 { members[index].value = .string("… \(size) bytes folded (--full shows them)") }
                case "tools":
                    let tools = members[index].value.arrayValue ?? []
                    members[index].value = .array(tools.map { tool in
                        .string("\(tool["name"]?.stringValue ?? "?") (\(GoJSONWriter.encode(tool).count) bytes folded)")
                    })
                default: break
                }
            }
            body = .object(members)
        }
        var text = String(decoding: PrettyJSONWriter.encode(body), as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// How `rules` see the request: the fields left out, and the machine-specific values learned
    /// with how often the answer carries each (a replay elsewhere rewrites them to the live values).
    private func matching(_ rules: MatchRules) -> [String] {
        var lines = ["matching:"]
        let leftOut = rules.leftOut(interaction.request.body)
        if rules.strict {
            lines.append("  every field is matched (--strict)")
        } else {
            lines.append("  not matched (Ollama does not read them): " + (leftOut.isEmpty ? "nothing" : leftOut.joined(separator: ", ")))
        }
        let learned = rules.learnedValues(interaction.request.body)
        let values = learned.map { ($0.placeholder, $0.value) } + rules.rewrites.map { ("rewrite", $0.recorded) }
        for (name, value) in values {
            let marked = MachineValues.Substitution(name: name, recorded: value, live: name)
            let uses = AnswerRewriter([marked]).rewrite(PreparedReplay(interaction)).count
            lines.append("  \(name) = \(value) (\(uses) place(s) in the answer rewritten when replayed on another machine)")
        }
        return lines
    }

    private var timeline: [String] {
        let response = interaction.response
        var previous: UInt64 = 0
        func row(_ offset: UInt64, _ event: String, _ detail: String) -> String {
            defer { previous = offset }
            let gap = Double(Int64(offset) - Int64(previous)) / 1e6
            return CassetteTool.pad(CassetteTool.millis(offset), 12, right: true) + "  "
                + CassetteTool.pad((gap >= 0 ? "+" : "") + String(format: "%.1f", gap), 9, right: true) + "  "
                + CassetteTool.pad(event, 20) + "  " + detail
        }
        guard !response.frames.isEmpty else {
            return response.chunks.map { row($0.offsetNanos, "chunk", "\($0.length) bytes") }
        }
        return response.frames.map { frame in
            row(frame.offsetNanos, frame.event ?? "message", Self.detail(of: frame))
        }
    }

    /// One line about an event: the message id, a block's type, a delta's text, the stop reason.
    static func detail(of frame: SSEFrame) -> String {
        guard let data = try? JSONParser.parse(frame.data) else { return CassetteTool.cut(String(decoding: frame.data, as: UTF8.self), 70) }
        let index = data["index"]?.intValue.map(String.init) ?? "?"
        switch frame.event ?? "" {
        case "message_start":
            let message = data["message"]
            return "\(message?["id"]?.stringValue ?? "-") model \(message?["model"]?.stringValue ?? "-"), input_tokens \(message?["usage"]?["input_tokens"]?.intValue.map(String.init) ?? "-")"
        case "content_block_start":
            let block = data["content_block"]
            let tool = block?["name"]?.stringValue.map { " \(block?["id"]?.stringValue ?? "-") \($0)" } ?? ""
            return "#\(index) \(block?["type"]?.stringValue ?? "?")\(tool)"
        case "content_block_delta":
            let delta = data["delta"]
            let piece = delta?["text"]?.stringValue ?? delta?["thinking"]?.stringValue ?? delta?["partial_json"]?.stringValue ?? ""
            return "#\(index) " + JSONDiff.quote(CassetteTool.cut(piece, 60))
        case "content_block_stop":
            return "#\(index)"
        case "message_delta":
            let usage = data["usage"]
            return "stop_reason \(data["delta"]?["stop_reason"]?.stringValue ?? "-"), usage in \(usage?["input_tokens"]?.intValue.map(String.init) ?? "-") / out \(usage?["output_tokens"]?.intValue.map(String.init) ?? "-")"
        default:
            return CassetteTool.cut(String(decoding: frame.data, as: UTF8.self), 70)
        }
    }
}
