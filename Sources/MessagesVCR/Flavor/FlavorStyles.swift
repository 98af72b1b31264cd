/// The dimensions in which the servers' `/v1/messages` differ; a ``Flavor`` is one value of each.

/// What on a recorded answer says which server produced it.
struct ProducerMark: Sendable {
    /// Header names (lowercased) only this server sends.
    var names: Set<String> = []
    /// A prefix of header names only this server sends.
    var namePrefix: String?
    /// A header whose value starts with the given text.
    var value: (name: String, prefix: String)?

    func marks(_ headers: HeaderList) -> Bool {
        headers.contains { field in
            let name = field.name.lowercased()
            if names.contains(name) || namePrefix.map(name.hasPrefix) == true { return true }
            guard let value, name == value.name else { return false }
            return field.value.hasPrefix(value.prefix)
        }
    }
}

/// The ids a server mints.
struct IDStyle: Sendable {
    /// Message ids, derived from the recorded one.
    let message: IDShape
    /// Tool-use ids, carried from the canonical `call_…` space where they can be.
    let tool: ToolIDShape
    /// The `request-id` header and error bodies' `request_id`, for a server that sends one.
    let request: IDShape?
}

/// How a server's Messages and `message_start` look beyond the shared grammar.
struct MessageStyle: Sendable {
    /// A Message's keys in the server's order.
    let keys: [String]
    /// Whether keys not in ``keys`` (the API's `container`, …) are kept, after the named ones.
    let keepsOtherKeys: Bool
    /// The keys of `message_start`'s message, in order.
    let startKeys: [String]
    /// Whether a Message carries `stop_sequence`.
    let stopSequence: Bool
    let usage: UsageStyle
    let blocks: BlockStyle
    /// How the server writes JSON.
    let json: JSONStyle
    /// Whether a JSON body ends with a newline (Go's `json.Encoder`).
    let trailingNewline: Bool

    /// `members` in `keys`' order, the others after them when the server keeps them.
    func ordered(_ members: [JSONMember], _ keys: [String]) -> [JSONMember] {
        let named = members.keeping(keys)
        return keepsOtherKeys ? named + members.removing(Set(keys)) : named
    }
}

/// The usage object's keys.
struct UsageStyle: Sendable {
    /// Keys of a Message's and `message_start`'s usage, in order (missing ones are 0).
    let keys: [String]
    /// Whether recorded keys not in ``keys`` are kept, after them.
    let keepsOtherKeys: Bool
    /// Whether `service_tier: "standard"` ends it.
    let serviceTier: Bool
    /// Keys of `message_delta`'s usage (missing input tokens come from `message_start`), or nil to keep it as recorded.
    let deltaKeys: [String]?

    func shaped(_ usage: JSONValue?, fallback: [JSONMember] = []) -> JSONValue {
        let recorded = usage?.objectMembers ?? []
        var members = keys.map { JSONMember($0, recorded[$0] ?? fallback[$0] ?? .number("0")) }
        if keepsOtherKeys { members += recorded.removing(Set(keys)) }
        return .object(serviceTier ? members.adding("service_tier", "standard") : members)
    }
}

/// Which keys each content block keeps, and thinking signatures.
struct BlockStyle: Sendable {
    /// Keys of a `tool_use` block in a Message (nil: as recorded).
    let toolUseKeys: [String]?
    /// Keys of a `tool_use` block in `content_block_start` (nil: as recorded, `input` added).
    let toolStartKeys: [String]?
    let textKeys: [String]?
    let thinkingKeys: [String]?
    let signature: SignatureStyle

    init(toolUseKeys: [String]?, toolStartKeys: [String]?? = nil, textKeys: [String]?, thinkingKeys: [String]?, signature: SignatureStyle) {
        self.toolUseKeys = toolUseKeys
        self.toolStartKeys = toolStartKeys ?? toolUseKeys
        (self.textKeys, self.thinkingKeys, self.signature) = (textKeys, thinkingKeys, signature)
    }
}

/// A thinking block's signature.
enum SignatureStyle: Sendable {
    /// None (Ollama never signs).
    case none
    /// An opaque one derived from the message (the API signs every thinking block).
    case minted
    /// An empty string (llama.cpp signs nothing but sends the field).
    case empty
}

/// How a server writes JSON text.
enum JSONStyle: Sendable {
    /// Go's `encoding/json`: `<`, `>`, `&`, U+2028/9 escaped.
    case go
    /// nlohmann's `dump()`: only quotes, backslashes and control characters escaped.
    case plain

    func encode(_ value: JSONValue) -> [UInt8] {
        switch self {
        case .go: return GoJSONWriter.encode(value)
        case .plain: return GoJSONWriter.encode(value, escapingHTML: false)
        }
    }

    func event(_ name: String, _ data: JSONValue) -> [UInt8] {
        Array("event: \(name)\ndata: ".utf8) + encode(data) + [0x0a, 0x0a]
    }
}

/// A server's stream grammar beyond the shared events.
struct StreamStyle: Sendable {
    /// One `ping` after the first `content_block_start`.
    let ping: Bool
    /// Blocks may overlap: a block starts before the one before it stops (llama.cpp sends every
    /// `content_block_stop` at the end). Elsewhere one block is open at a time.
    var blocksOverlap = false
    /// `message_start`'s message carries `stop_reason` and `stop_sequence` (null).
    let stopFieldsInStart: Bool
    /// `message_delta`'s delta carries `stop_sequence`.
    let stopSequenceInDelta: Bool
    let toolInput: ToolInputStyle
    /// A thinking block closes with a `signature_delta`.
    let signatureDeltas: SignatureStyle
    let errorEvents: ErrorEventStyle
    /// What ends a stream that stopped before `message_stop`, when the server says so.
    let midStreamError: [UInt8]?
    /// Whether an event that needs no change keeps its recorded bytes (else every event is re-encoded).
    let keepsUnchangedEvents: Bool
    let contentType: String
}

/// How tool input is streamed.
enum ToolInputStyle: Sendable, Equatable {
    /// Whole, in one `input_json_delta` (Ollama sends a call once it is complete).
    case whole
    /// An empty fragment, then fragments of `length` characters (the API).
    case fragments(length: Int, emptyFirst: Bool)
    /// As the model produced it, never an empty fragment (llama.cpp).
    case asStreamed
}

/// `event: error` in a stream.
enum ErrorEventStyle: Sendable {
    /// Never sent.
    case none
    /// The API's `{"type":"error","error":{…}}`.
    case envelope
    /// llama.cpp's error object itself, `{"code":500,"message":…,"type":…}`.
    case bare
}

/// How a server's own errors look.
struct ErrorStyle: Sendable {
    enum Shape: Sendable {
        /// `{"type":"error","error":{"type","message"},"request_id"}` (Ollama, the API).
        case anthropic
        /// `{"error":{"code","message","type"}}` (llama.cpp).
        case codeMessageType
    }

    let shape: Shape
    /// `x-should-retry` (and `retry-after` on 429/529), which the SDKs obey.
    let retryHeaders: Bool
    /// The content type of a request validation error.
    let validationContentType: String
}

/// The routes a server answers without a model.
struct RouteStyle: Sendable {
    enum Router: Sendable {
        /// Ollama's router (gin's 404/405/redirects, `GET /`), ``OllamaEmulator``.
        case ollama
        /// `METHOD /path` entries (`/*` ends a prefix); anything else is the server's 404.
        case table(Set<String>)
    }

    /// The model lists messages-vcr builds from a cassette.
    enum ModelList: Sendable {
        case anthropic, llamacpp
    }

    /// The body check before any model runs.
    enum Validation: Sendable {
        /// Ollama's Go decoding of the request (400 `invalid_request_error`).
        case ollama
        /// llama.cpp's conversion: only `messages` is required (a 500).
        case messagesRequired
    }

    let router: Router
    /// `count_tokens` is estimated when no recording answers it.
    let countTokens: Bool
    /// The model list built from the cassette's models, on `GET` of ``modelPaths``.
    let models: ModelList?
    var modelPaths: Set<String> { models == nil ? [] : models == .llamacpp ? ["/v1/models", "/models"] : ["/v1/models"] }
    /// Paths answering `{"status":"ok"}`.
    let health: Set<String>
    let validation: Validation
    /// A key and `anthropic-version` are required.
    let requiresKey: Bool

    /// Whether the server routes `method path` (only for a ``Router/table(_:)``).
    func serves(method: String, path: String) -> Bool {
        guard case .table(let routes) = router else { return true }
        if routes.contains("\(method) \(path)") { return true }
        return routes.contains { $0.hasSuffix("/*") && "\(method) \(path)".hasPrefix($0.dropLast()) }
    }
}

/// Headers a server puts on its answers.
struct HeaderStyle: Sendable {
    /// On every answer.
    let every: [(name: String, value: String)]
    /// On every stream.
    let streams: [(name: String, value: String)]
    /// A `request-id` on every answer.
    let requestID: Bool
    /// The content type of a JSON answer.
    let jsonContentType: String
}
