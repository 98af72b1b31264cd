import Foundation

/// Which server messages-vcr behaves as: Ollama's Anthropic-compatible endpoint, the real
/// Anthropic API, or llama.cpp's `llama-server`. `serve --flavor` sets it for every request, the
/// `x-vcr-flavor` header for one.
///
/// A flavour shapes every answer messages-vcr gives itself — replayed, rule-generated, emulated,
/// fault-injected — whatever upstream the recording came from. Answers that are forwarded
/// (record, passthrough, auto's misses) are the upstream's own bytes.
///
/// A flavour is data: the servers differ in the same dimensions (ids, message and stream grammar,
/// usage keys, errors, routes, headers), and each is one value of this type, all of them in
/// ``all``. A server that speaks `/v1/messages` like one of these in each dimension is one more
/// value, not new code.
public struct Flavor: Sendable, Hashable, CustomStringConvertible {
    /// The name `--flavor`, `x-vcr-flavor`, `list` and `check` use.
    public let name: String
    /// The dimensions, shared by every copy: a flavour travels in each request's note, outcome and
    /// playback, and a copy of the table itself would retain each of its strings and lists.
    private let shared: Shared

    /// The server's name in sentences.
    var serverName: String { shared.dimensions.serverName }
    /// What on a recorded answer says this server produced it.
    var mark: ProducerMark { shared.dimensions.mark }
    var ids: IDStyle { shared.dimensions.ids }
    var message: MessageStyle { shared.dimensions.message }
    var stream: StreamStyle { shared.dimensions.stream }
    var errors: ErrorStyle { shared.dimensions.errors }
    var routes: RouteStyle { shared.dimensions.routes }
    var headers: HeaderStyle { shared.dimensions.headers }

    private struct Dimensions: Sendable {
        let serverName: String
        let mark: ProducerMark
        let ids: IDStyle
        let message: MessageStyle
        let stream: StreamStyle
        let errors: ErrorStyle
        let routes: RouteStyle
        let headers: HeaderStyle
    }

    private final class Shared: Sendable {
        let dimensions: Dimensions
        init(_ dimensions: Dimensions) { self.dimensions = dimensions }
    }

    public var description: String { name }
    public static func == (lhs: Flavor, rhs: Flavor) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// Every flavour messages-vcr knows; ``producer(of:source:)`` asks them in this order, so the
    /// one with no mark (Ollama) comes last.
    public static let all: [Flavor] = [.anthropic, .llamacpp, .ollama]

    /// The flavour named `text`, or an error that says what is accepted.
    public init(parsing text: String) throws(ParseError) {
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let flavor = Self.all.first(where: { $0.name == name }) else { throw ParseError(text: text) }
        self = flavor
    }

    /// A flavour name that is not one of ``all``.
    public struct ParseError: Error, CustomStringConvertible {
        /// What was given.
        let text: String
        public var description: String {
            "invalid flavor \"\(text)\": use " + Flavor.all.map(\.name).sorted().joined(separator: ", ")
        }
    }

    /// Which server produced a recorded response, read from its headers (the API's `request-id`
    /// and `anthropic-*`, llama.cpp's `Server: llama.cpp`); synthetic answers are Ollama's.
    static func producer(of response: RecordedResponse, source: InteractionSource = .recorded) -> Flavor {
        guard source == .recorded else { return .ollama }
        return all.first { $0.mark.marks(response.headers) } ?? .ollama
    }

    init(
        name: String, serverName: String, mark: ProducerMark, ids: IDStyle, message: MessageStyle, stream: StreamStyle,
        errors: ErrorStyle, routes: RouteStyle, headers: HeaderStyle
    ) {
        self.name = name
        shared = Shared(Dimensions(
            serverName: serverName, mark: mark, ids: ids, message: message, stream: stream, errors: errors, routes: routes, headers: headers))
    }
}

// MARK: - The servers

extension Flavor {
    /// Ollama's `/v1/messages`, byte for byte: no `ping`, `call_…` ids, no `stop_sequence` keys,
    /// no `request-id`, no `count_tokens`, keys and versions never checked, Go's JSON.
    public static let ollama = Flavor(
        name: "ollama", serverName: "Ollama", mark: ProducerMark(),
        ids: IDStyle(message: .ollamaMessage, tool: .call, request: nil),
        message: MessageStyle(
            keys: ["id", "type", "role", "model", "content", "stop_reason", "usage"], keepsOtherKeys: false,
            startKeys: ["id", "type", "role", "model", "content", "usage"], stopSequence: false,
            usage: UsageStyle(keys: ["input_tokens", "output_tokens"], keepsOtherKeys: false, serviceTier: false, deltaKeys: ["input_tokens", "output_tokens"]),
            blocks: BlockStyle(toolUseKeys: ["type", "id", "name", "input"], textKeys: ["type", "text"], thinkingKeys: ["type", "thinking"], signature: .none),
            json: .go, trailingNewline: true),
        stream: StreamStyle(
            ping: false, stopFieldsInStart: false, stopSequenceInDelta: false, toolInput: .whole, signatureDeltas: .none, errorEvents: .none,
            midStreamError: nil, keepsUnchangedEvents: false, contentType: "text/event-stream"),
        errors: ErrorStyle(shape: .anthropic, retryHeaders: false, validationContentType: "application/json; charset=utf-8"),
        routes: RouteStyle(router: .ollama, countTokens: false, models: nil, health: [], validation: .ollama, requiresKey: false),
        headers: HeaderStyle(every: [], streams: [], requestID: false, jsonContentType: "application/json"))

    /// The real Anthropic API as its SDKs see it: `ping`, `msg_01…`/`toolu_01…` ids, `request-id`
    /// on every answer, `count_tokens`, the API's model list, key and version checked, `event: error`.
    public static let anthropic = Flavor(
        name: "anthropic", serverName: "the Anthropic API", mark: ProducerMark(names: ["request-id"], namePrefix: "anthropic-"),
        ids: IDStyle(message: .anthropicMessage, tool: .toolu, request: .anthropicRequest),
        message: MessageStyle(
            keys: ["id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"], keepsOtherKeys: true,
            startKeys: ["id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"], stopSequence: true,
            usage: UsageStyle(
                keys: ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"], keepsOtherKeys: true,
                serviceTier: true, deltaKeys: nil),
            blocks: BlockStyle(toolUseKeys: nil, textKeys: nil, thinkingKeys: nil, signature: .minted),
            json: .go, trailingNewline: false),
        stream: StreamStyle(
            ping: true, stopFieldsInStart: true, stopSequenceInDelta: true, toolInput: .fragments(length: 16, emptyFirst: true),
            signatureDeltas: .minted, errorEvents: .envelope, midStreamError: StreamShaper.apiMidStreamError, keepsUnchangedEvents: true,
            contentType: "text/event-stream; charset=utf-8"),
        errors: ErrorStyle(shape: .anthropic, retryHeaders: true, validationContentType: "application/json"),
        routes: RouteStyle(
            router: .table(["POST /v1/messages", "POST /v1/messages/count_tokens", "GET /v1/models", "GET /v1/models/*"]),
            countTokens: true, models: .anthropic, health: [], validation: .ollama, requiresKey: true),
        headers: HeaderStyle(every: [], streams: [], requestID: true, jsonContentType: "application/json"))

    /// llama.cpp's `llama-server` (`tools/server/`): `chatcmpl-` ids, usage led by
    /// `cache_read_input_tokens`, `stop_reason`/`stop_sequence` in `message_start`, no `ping`,
    /// `Server: llama.cpp`, errors as `{"error":{"code","message","type"}}`, `count_tokens`,
    /// `/health`, a model list with both `models` and `data`.
    static let llamacpp = Flavor(
        name: "llamacpp", serverName: "llama.cpp", mark: ProducerMark(value: ("server", "llama.cpp")),
        ids: IDStyle(message: .llamacppMessage, tool: .llamacpp, request: nil),
        message: MessageStyle(
            keys: ["id", "type", "role", "content", "model", "stop_reason", "stop_sequence", "usage"], keepsOtherKeys: false,
            startKeys: ["id", "type", "role", "content", "model", "stop_reason", "stop_sequence", "usage"], stopSequence: true,
            usage: UsageStyle(keys: ["cache_read_input_tokens", "input_tokens", "output_tokens"], keepsOtherKeys: false, serviceTier: false, deltaKeys: ["output_tokens"]),
            blocks: BlockStyle(toolUseKeys: ["type", "id", "name", "input"], toolStartKeys: ["type", "id", "name"], textKeys: ["type", "text"],
                thinkingKeys: ["type", "thinking", "signature"], signature: .empty),
            json: .plain, trailingNewline: false),
        stream: StreamStyle(
            ping: false, blocksOverlap: true, stopFieldsInStart: true, stopSequenceInDelta: true, toolInput: .asStreamed, signatureDeltas: .empty,
            errorEvents: .bare, midStreamError: nil, keepsUnchangedEvents: false, contentType: "text/event-stream"),
        errors: ErrorStyle(shape: .codeMessageType, retryHeaders: false, validationContentType: "application/json; charset=utf-8"),
        routes: RouteStyle(
            router: .table([
                "GET /health", "GET /v1/health", "GET /metrics", "GET /props", "POST /props", "GET /models", "GET /v1/models",
                "POST /completion", "POST /completions", "POST /v1/completions", "POST /chat/completions", "POST /v1/chat/completions",
                "POST /v1/responses", "POST /responses", "POST /v1/messages", "POST /v1/messages/count_tokens", "POST /infill",
                "POST /embedding", "POST /embeddings", "POST /v1/embeddings", "POST /rerank", "POST /v1/rerank", "POST /tokenize",
                "POST /detokenize", "POST /apply-template", "GET /slots", "GET /lora-adapters", "POST /lora-adapters", "GET /",
            ]),
            countTokens: true, models: .llamacpp, health: ["/health", "/v1/health"], validation: .messagesRequired, requiresKey: false),
        headers: HeaderStyle(
            every: [("Server", "llama.cpp"), ("Access-Control-Allow-Origin", "")], streams: [("X-Accel-Buffering", "no")], requestID: false,
            jsonContentType: "application/json; charset=utf-8"))
}
