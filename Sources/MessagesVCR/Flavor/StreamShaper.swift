/// Reshapes a recorded Messages stream, event by event, into one flavour's grammar
/// (``Flavor/stream``, ``Flavor/message``), whichever server produced it. Under a flavour that
/// keeps unchanged events (the API), an event that needs no change keeps its recorded bytes;
/// otherwise every event is re-encoded as the target server writes JSON.
///
/// Timing is kept: a reshaped event goes out with the chunk that carried it, an inserted event
/// (`ping`, `signature_delta`, `event: error`) with the event it follows or precedes.
struct StreamShaper {
    typealias Frame = (range: Range<Int>, event: String?)

    let target: Flavor

    /// The edits that turn `body`'s `frames` into `target`'s grammar.
    /// - Parameter complete: whether the recorded body ended normally (a stream that then lacks
    ///   `message_stop` failed mid-way, which some servers report with `event: error`).
    func edits(frames: [Frame], body: [UInt8], complete: Bool) -> [ReplayEdits.Edit] {
        let stream = target.stream, message = target.message, json = message.json
        var events: [JSONValue?] = []
        var inputs: [Int: String] = [:], lastFragment: [Int: Int] = [:]
        var recordedPing = false
        for (n, frame) in frames.enumerated() {
            let event = AnswerRewriter.dataRange(in: body, frame: frame.range).flatMap { Self.parse(body, $0) }
            events.append(event)
            if frame.event == "ping" { recordedPing = true }
            if frame.event == "content_block_delta", let event, event["delta"]?["type"]?.stringValue == "input_json_delta",
                let index = event["index"]?.intValue
            {
                inputs[index, default: ""] += event["delta"]?["partial_json"]?.stringValue ?? ""
                lastFragment[index] = n
            }
        }
        var replacements: [Int: [UInt8]] = [:]
        var pinged = recordedPing, started = false, stopped = false
        var messageID = "", inputTokens = JSONValue.number("0")
        var thinkingBlocks: Set<Int> = [], signedBlocks: Set<Int> = [], jsonBlocks: Set<Int> = []
        var openBlocks: [Int] = [], closedEarly: Set<Int> = []
        /// A block's end as the target sends it: its signature first when it signs thinking.
        func closing(_ index: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            if thinkingBlocks.contains(index), !signedBlocks.contains(index), let delta = signature(for: index, messageID: messageID, recorded: nil) {
                bytes = json.event("content_block_delta", .object([
                    JSONMember("type", "content_block_delta"), JSONMember("index", .number(String(index))), JSONMember("delta", delta),
                ]))
                signedBlocks.insert(index)
            }
            return bytes
        }
        for (n, frame) in frames.enumerated() {
            guard let name = frame.event, let event = events[n], case .object(let members) = event else { continue }
            var shaped: [(String, JSONValue)] = [(name, event)]
            var suffix: [UInt8] = [], prefix: [UInt8] = []
            switch name {
            case "ping":
                if !stream.ping { shaped = [] }
            case "error":
                shaped = errorEvent(members).map { [("error", $0)] } ?? []
            case "message_start":
                started = true
                let recorded = members["message"]?.objectMembers ?? []
                messageID = recorded["id"]?.stringValue ?? ""
                inputTokens = recorded["usage"]?["input_tokens"] ?? inputTokens
                var start = recorded.mappingString("id", target.ids.message.derived(from:))
                start = stream.stopFieldsInStart
                    ? start.adding("stop_reason", .null, after: "content").adding("stop_sequence", .null, after: "stop_reason")
                    : start.removing(["stop_reason", "stop_sequence"])
                var usage = message.usage.shaped(recorded["usage"])
                if !message.usage.keepsOtherKeys, case .object(let fields) = usage { usage = .object(fields.setting("output_tokens", .number("0"))) }
                start = message.ordered(start.setting("usage", usage), message.startKeys)
                shaped = [(name, .object(members.setting("message", .object(start))))]
            case "content_block_start":
                guard let index = members["index"]?.intValue, case .object(let block)? = members["content_block"] else { break }
                // A server whose blocks never overlap closes the open ones first (llama.cpp closes them all at the end).
                if !stream.blocksOverlap {
                    for open in openBlocks {
                        prefix += closing(open) + json.event("content_block_stop", .object([JSONMember("type", "content_block_stop"), JSONMember("index", .number(String(open)))]))
                        closedEarly.insert(open)
                    }
                    openBlocks = []
                }
                openBlocks.append(index)
                if block["type"]?.stringValue == "thinking" { thinkingBlocks.insert(index) }
                shaped = [(name, .object(members.setting("content_block", .object(startBlock(block)))))]
                if stream.ping, !pinged {
                    suffix = Self.ping
                    pinged = true
                }
            case "content_block_delta":
                let index = members["index"]?.intValue ?? -1
                switch members["delta"]?["type"]?.stringValue {
                case "input_json_delta":
                    let fragment = members["delta"]?["partial_json"]?.stringValue ?? ""
                    let pieces: [String]
                    switch stream.toolInput {
                    case .whole: pieces = lastFragment[index] == n ? [Self.compact(inputs[index] ?? "", json)] : []
                    case .fragments(let length, let emptyFirst):
                        pieces = (emptyFirst && !jsonBlocks.contains(index) ? [""] : []) + Self.fragments(of: fragment, length: length)
                    case .asStreamed: pieces = fragment.isEmpty ? [] : [fragment]
                    }
                    jsonBlocks.insert(index)
                    shaped = pieces.map { piece in
                        (name, .object(members.setting("delta", .object([JSONMember("type", "input_json_delta"), JSONMember("partial_json", .string(piece))]))))
                    }
                    if pieces == [fragment], stream.toolInput != .whole { shaped = [(name, event)] }
                case "signature_delta":
                    signedBlocks.insert(index)
                    shaped = signature(for: index, messageID: messageID, recorded: members["delta"]?["signature"]?.stringValue)
                        .map { [(name, .object(members.setting("delta", $0)))] } ?? []
                case "citations_delta":
                    if !message.keepsOtherKeys { shaped = [] }
                default:
                    break
                }
            case "content_block_stop":
                // A server that signs thinking closes a thinking block with its signature.
                guard let index = members["index"]?.intValue else { break }
                if closedEarly.contains(index) {
                    shaped = []
                    break
                }
                openBlocks.removeAll { $0 == index }
                prefix = closing(index)
            case "message_delta":
                var delta = members["delta"]?.objectMembers ?? []
                delta = stream.stopSequenceInDelta ? delta.adding("stop_sequence", .null, after: "stop_reason") : delta.removing(["stop_sequence"])
                if !message.keepsOtherKeys { delta = delta.removing(["stop_details", "container"]) }
                var result = members.setting("delta", .object(delta))
                if let keys = message.usage.deltaKeys {
                    let recorded = members["usage"]?.objectMembers ?? []
                    result = result.setting("usage", .object(keys.map { key in
                        JSONMember(key, recorded[key] ?? (key == "input_tokens" ? inputTokens : .number("0")))
                    }))
                }
                shaped = [(name, .object(result))]
            case "message_stop":
                stopped = true
            default:
                break
            }
            let unchanged = shaped.count == 1 && shaped[0].1 == event
            guard !(unchanged && prefix.isEmpty && suffix.isEmpty && stream.keepsUnchangedEvents) else { continue }
            let bytes = unchanged && stream.keepsUnchangedEvents ? Array(body[frame.range]) : shaped.flatMap { json.event($0.0, $0.1) }
            replacements[n] = prefix + bytes + suffix
        }
        // A server that reports a failure mid-way says so where the recorded stream just ends.
        if complete, started, !stopped, let error = stream.midStreamError, let last = frames.indices.last {
            replacements[last] = (replacements[last] ?? Array(body[frames[last].range])) + error
        }
        return replacements.map { (frames[$0.key].range, $0.value) }
    }

    // MARK: - Pieces

    /// A `content_block_start` block as the target writes it.
    private func startBlock(_ block: [JSONMember]) -> [JSONMember] {
        let blocks = target.message.blocks
        switch block["type"]?.stringValue {
        case "tool_use":
            let converted = block.mappingString("id", target.ids.tool.converting)
            guard let keys = blocks.toolStartKeys else { return converted.adding("input", .object([]), after: "name") }
            return converted.adding("input", .object([]), after: "name").keeping(keys)
        case "thinking":
            return blocks.thinkingKeys.map { keys in block.keeping(keys.filter { $0 != "signature" }) } ?? block
        case "text":
            return blocks.textKeys.map(block.keeping) ?? block
        default:
            return block
        }
    }

    /// A `signature_delta`'s delta as the target sends it, or nil when it sends none.
    private func signature(for index: Int, messageID: String, recorded: String?) -> JSONValue? {
        let signature: String
        switch target.stream.signatureDeltas {
        case .none: return nil
        case .empty: signature = ""
        case .minted: signature = recorded.flatMap { $0.isEmpty ? nil : $0 } ?? AnthropicIDs.signature(for: "\(messageID)#\(index)")
        }
        return .object([JSONMember("type", "signature_delta"), JSONMember("signature", .string(signature))])
    }

    /// An `event: error`'s data as the target sends it, or nil when it sends none.
    private func errorEvent(_ members: [JSONMember]) -> JSONValue? {
        let envelope = members["type"]?.stringValue == "error"
        let message = (envelope ? members["error"]?["message"] : members["message"])?.stringValue ?? "Internal server error"
        switch target.stream.errorEvents {
        case .none: return nil
        case .envelope:
            if envelope { return .object(members) }
            return .object([
                JSONMember("type", "error"),
                JSONMember("error", .object([JSONMember("details", .null), JSONMember("type", "api_error"), JSONMember("message", .string(message))])),
            ])
        case .bare:
            if !envelope { return .object(members) }
            return .object([JSONMember("code", 500), JSONMember("message", .string(message)), JSONMember("type", "server_error")])
        }
    }

    /// Tool input whole: compact JSON in the model's key order (as streamed when it is not JSON).
    private static func compact(_ text: String, _ json: JSONStyle) -> String {
        guard let value = try? JSONParser.parse(Array(text.utf8)) else { return text }
        return String(decoding: json.encode(value), as: UTF8.self)
    }

    /// `json` cut into fragments of `length` characters (never inside a character).
    static func fragments(of json: String, length: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        var count = 0
        for scalar in json.unicodeScalars {
            current.unicodeScalars.append(scalar)
            count += 1
            if count == length {
                pieces.append(current)
                current = ""
                count = 0
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    static let ping = Array("event: ping\ndata: {\"type\": \"ping\"}\n\n".utf8)
    /// The API's `event: error` for a stream that failed mid-way.
    static let apiMidStreamError = SSEFrame.encoded("error", .object([
        JSONMember("type", "error"),
        JSONMember("error", .object([JSONMember("details", .null), JSONMember("type", "api_error"), JSONMember("message", "Internal server error")])),
    ]))

    static func parse(_ body: [UInt8], _ range: Range<Int>) -> JSONValue? {
        try? JSONParser.parse(Array(body[range]))
    }
}
