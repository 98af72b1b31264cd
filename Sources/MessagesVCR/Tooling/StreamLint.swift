/// What one server sends that the Messages grammar leaves open, checked on a recorded answer
/// against its flavour (``Flavor/stream``, ``Flavor/ids``): the message and tool id shapes,
/// `ping`, `event: error`, `stop_reason`/`stop_sequence` in `message_start` and `stop_sequence` in
/// `message_delta`, tool input from an empty first fragment, thinking signed. Every finding
/// starts with `lint:`.
struct StreamLint {
    let flavor: Flavor
    private typealias Problem = StreamGrammar.Problem

    private var server: String { flavor.serverName }
    private var stream: StreamStyle { flavor.stream }

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
                    if !stream.stopFieldsInStart, present { lint(i, "message_start carries \(key) (\(server) omits it)") }
                    if stream.stopFieldsInStart, !present { lint(i, "message_start without \(key) (\(server) sends it as null)") }
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
                if stream.toolInput == .fragments(length: 16, emptyFirst: true), toolBlocks[index] == false, delta?["type"]?.stringValue == "input_json_delta",
                    delta?["partial_json"]?.stringValue != ""
                {
                    lint(i, "tool input of block \(index) starts without an empty fragment (\(server)'s first input_json_delta is \"\")")
                }
                toolBlocks[index] = toolBlocks[index].map { _ in true }
                if delta?["type"]?.stringValue == "signature_delta" {
                    if stream.signatureDeltas == .none { lint(i, "signature_delta (\(server) never signs thinking)") }
                    thinking[index] = true
                }
            case "content_block_stop":
                let index = data["index"]?.intValue ?? -1
                if stream.signatureDeltas != .none, thinking[index] == false { lint(i, "thinking block \(index) closes without a signature_delta") }
            case "message_delta":
                if data["usage"] == nil { lint(i, "message_delta without usage") }
                let present = data["delta"]?.objectMembers?.contains(where: { $0.key == "stop_sequence" }) ?? false
                if !stream.stopSequenceInDelta, present { lint(i, "message_delta carries stop_sequence (\(server) omits it)") }
                if stream.stopSequenceInDelta, !present { lint(i, "message_delta without stop_sequence (\(server) always sends it)") }
            case "ping":
                if !stream.ping { lint(i, "ping event (\(server) never sends ping)") }
                pinged = true
            case "error":
                if stream.errorEvents == .none { lint(i, "error event (\(server) never sends error events)") }
            default:
                break
            }
        }
        if stream.ping, let firstBlockStart, !pinged { lint(firstBlockStart, "no ping (\(server) sends one after the first content_block_start)") }
        return problems
    }

    /// The lints of a non-streamed Message.
    func lint(message: JSONValue) -> [StreamGrammar.Problem] {
        var problems: [Problem] = []
        lintMessageID(message["id"]?.stringValue, at: nil, into: &problems)
        if message["usage"] == nil { problems.append(Problem(eventIndex: nil, message: "lint: message without usage")) }
        let hasStopSequence = message.objectMembers?.contains(where: { $0.key == "stop_sequence" }) ?? false
        if !flavor.message.stopSequence, hasStopSequence {
            problems.append(Problem(eventIndex: nil, message: "lint: message carries stop_sequence (\(server) omits it)"))
        }
        if flavor.message.stopSequence, !hasStopSequence {
            problems.append(Problem(eventIndex: nil, message: "lint: message without stop_sequence (\(server) always sends it)"))
        }
        for block in message["content"]?.arrayValue ?? [] where block["type"]?.stringValue == "tool_use" {
            if let id = block["id"]?.stringValue { lintToolID(id, at: nil, into: &problems) }
        }
        return problems
    }

    private func lintToolID(_ id: String, at index: Int?, into problems: inout [Problem]) {
        let shape = flavor.ids.tool
        guard !shape.claims(id) else { return }
        let other = Flavor.all.first { $0 != flavor && $0.ids.tool.claims(id) }
        let message = other.map { "lint: tool id \(id) is \($0.serverName)'s format, \(server) sends \(shape.name)" }
            ?? "lint: tool id \(id) is not \(server)'s \(shape.name) format"
        problems.append(Problem(eventIndex: index, message: message))
    }

    private func lintMessageID(_ id: String?, at index: Int?, into problems: inout [Problem]) {
        guard let id else {
            return problems.append(Problem(eventIndex: index, message: "message without id"))
        }
        let shape = flavor.ids.message
        if !shape.fits(id) { problems.append(Problem(eventIndex: index, message: "lint: message id \(id) is not \(server)'s \(shape.name)")) }
    }
}
