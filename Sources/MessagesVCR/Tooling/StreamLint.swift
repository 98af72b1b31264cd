/// What one server sends that the Messages grammar leaves open, checked on a recorded answer:
/// Ollama's ids (`msg_` + 24 hex, `call_…`), no `ping`, no `error`, no `stop_sequence` keys; the
/// API's ids (`msg_01…`, `toolu_…`), one `ping` after the first block starts, `stop_reason` and
/// `stop_sequence` in `message_start`, `stop_sequence` in `message_delta`, tool input streamed from
/// an empty first fragment, thinking signed. Every finding starts with `lint:`.
struct StreamLint {
    let flavor: Flavor
    private typealias Problem = StreamGrammar.Problem

    private var server: String { flavor == .ollama ? "Ollama" : "the Anthropic API" }

    /// The lints of a stream's frames.
    func lint(_ frames: [SSEFrame]) -> [StreamGrammar.Problem] {
        var problems: [Problem] = []
        func lint(_ index: Int?, _ message: String) { problems.append(Problem(eventIndex: index, message: "lint: " + message)) }
        var firstBlockStart: Int?, pinged = false
        var toolBlocks: [Int: Bool] = [:]  // block index → whether its input has had a delta yet
        var thinking: [Int: Bool] = [:]  // block index → whether it was signed
        for (i, frame) in frames.enumerated() {
            guard let data = try? JSONParser.parse(frame.data) else { continue }
            switch frame.event ?? "message" {
            case "message_start":
                let message = data["message"]
                lintMessageID(message?["id"]?.stringValue, at: i, into: &problems)
                if message?["usage"] == nil { lint(i, "message_start without usage") }
                for key in ["stop_reason", "stop_sequence"] {
                    let present = message?.objectMembers?.contains(where: { $0.key == key }) ?? false
                    if flavor == .ollama, present { lint(i, "message_start carries \(key) (Ollama omits it)") }
                    if flavor == .anthropic, !present { lint(i, "message_start without \(key) (the API sends it as null)") }
                }
            case "content_block_start":
                let block = data["content_block"]
                let index = data["index"]?.intValue ?? -1
                if firstBlockStart == nil { firstBlockStart = i }
                if block?["type"]?.stringValue == "tool_use", let id = block?["id"]?.stringValue { lintToolID(id, at: i, into: &problems) }
                if block?["type"]?.stringValue == "tool_use" { toolBlocks[index] = false }
                if block?["type"]?.stringValue == "thinking" { thinking[index] = false }
            case "content_block_delta":
                let index = data["index"]?.intValue ?? -1
                let delta = data["delta"]
                if flavor == .anthropic, toolBlocks[index] == false, delta?["type"]?.stringValue == "input_json_delta",
                    delta?["partial_json"]?.stringValue != ""
                {
                    lint(i, "tool input of block \(index) starts without an empty fragment (the API's first input_json_delta is \"\")")
                }
                toolBlocks[index] = toolBlocks[index].map { _ in true }
                if delta?["type"]?.stringValue == "signature_delta" {
                    if flavor == .ollama { lint(i, "signature_delta (Ollama never signs thinking)") }
                    thinking[index] = true
                }
            case "content_block_stop":
                let index = data["index"]?.intValue ?? -1
                if flavor == .anthropic, thinking[index] == false { lint(i, "thinking block \(index) closes without a signature_delta") }
            case "message_delta":
                if data["usage"] == nil { lint(i, "message_delta without usage") }
                let present = data["delta"]?.objectMembers?.contains(where: { $0.key == "stop_sequence" }) ?? false
                if flavor == .ollama, present { lint(i, "message_delta carries stop_sequence (Ollama omits it)") }
                if flavor == .anthropic, !present { lint(i, "message_delta without stop_sequence (the API always sends it)") }
            case "ping":
                if flavor == .ollama { lint(i, "ping event (Ollama never sends ping)") }
                pinged = true
            case "error":
                if flavor == .ollama { lint(i, "error event (Ollama never sends error events)") }
            default:
                break
            }
        }
        if flavor == .anthropic, let firstBlockStart, !pinged { lint(firstBlockStart, "no ping (the API sends one after the first content_block_start)") }
        return problems
    }

    /// The lints of a non-streamed Message.
    func lint(message: JSONValue) -> [StreamGrammar.Problem] {
        var problems: [Problem] = []
        lintMessageID(message["id"]?.stringValue, at: nil, into: &problems)
        if message["usage"] == nil { problems.append(Problem(eventIndex: nil, message: "lint: message without usage")) }
        let hasStopSequence = message.objectMembers?.contains(where: { $0.key == "stop_sequence" }) ?? false
        if flavor == .ollama, hasStopSequence { problems.append(Problem(eventIndex: nil, message: "lint: message carries stop_sequence (Ollama omits it)")) }
        if flavor == .anthropic, !hasStopSequence {
            problems.append(Problem(eventIndex: nil, message: "lint: message without stop_sequence (the API always sends it)"))
        }
        for block in message["content"]?.arrayValue ?? [] where block["type"]?.stringValue == "tool_use" {
            if let id = block["id"]?.stringValue { lintToolID(id, at: nil, into: &problems) }
        }
        return problems
    }

    private func lintToolID(_ id: String, at index: Int?, into problems: inout [Problem]) {
        if flavor == .ollama, id.hasPrefix("toolu_") {
            problems.append(Problem(eventIndex: index, message: "lint: tool id \(id) is Anthropic's format, Ollama sends call_…"))
        }
        if flavor == .anthropic, !id.hasPrefix("toolu_") {
            problems.append(Problem(eventIndex: index, message: "lint: tool id \(id) is not the API's toolu_… format"))
        }
    }

    private func lintMessageID(_ id: String?, at index: Int?, into problems: inout [Problem]) {
        guard let id else {
            return problems.append(Problem(eventIndex: index, message: "message without id"))
        }
        let hex = id.utf8.dropFirst(4)
        let isOllama = id.hasPrefix("msg_") && hex.count == 24
            && hex.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        if flavor == .ollama, !isOllama { problems.append(Problem(eventIndex: index, message: "lint: message id \(id) is not Ollama's msg_ + 24 hex")) }
        if flavor == .anthropic, isOllama || !id.hasPrefix("msg_") {
            problems.append(Problem(eventIndex: index, message: "lint: message id \(id) is not the API's msg_01… format"))
        }
    }
}
