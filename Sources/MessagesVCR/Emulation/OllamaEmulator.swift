/// An answer Ollama gives whatever its models: routing (gin's 404/405/307), `GET /`, and request
/// validation (reference §1, §2). Byte for byte: status, content type, body, newline or not.
struct EmulatedAnswer: Sendable, Equatable {
    /// HTTP status.
    var status: Int
    /// Headers (the server adds `Date` and `Content-Length`).
    var headers: HeaderList
    /// Body bytes.
    public var body: [UInt8]
    /// What was emulated, for the journal and the log (`route`, `validation: …`).
    var reason: String
}

/// Decides whether Ollama would answer a request without consulting a model, and how.
enum OllamaEmulator {
    /// Paths Ollama routes (besides everything under `/api/`); anything else is gin's 404.
    static let routedPaths: Set<String> = [
        "/", "/v1/messages", "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models", "/v1/responses",
        "/v1/audio/transcriptions",
    ]

    /// Ollama's model-independent answer to a request, or nil when the answer depends on a model.
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: the path, `/c/NAME` prefix stripped.
    ///   - query: the query string, if any.
    ///   - headers: the request headers.
    ///   - body: the request body.
    static func answer(method: String, path: String, query: String?, headers: HeaderList, body: [UInt8]) -> EmulatedAnswer? {
        switch path {
        case AnthropicEmulator.messagesPath:
            return messages(method: method, headers: headers, body: body)
        case "/":
            guard method == "GET" || method == "HEAD" else { return nil }
            return EmulatedAnswer(
                status: 200, headers: HeaderList(pairs: [("Content-Type", "text/plain; charset=utf-8")]),
                body: method == "HEAD" ? [] : Array("Ollama is running".utf8), reason: "route")
        case "/v1/messages/":
            return trailingSlashRedirect(method: method, query: query)
        default:
            if routedPaths.contains(path) || path.hasPrefix("/api/") || path.hasPrefix("/v1/models/") { return nil }
            return EmulatedAnswer(
                status: 404, headers: HeaderList(pairs: [("Content-Type", "text/plain")]), body: Array("404 page not found".utf8),
                reason: "route")
        }
    }

    private static func messages(method: String, headers: HeaderList, body: [UInt8]) -> EmulatedAnswer? {
        switch method {
        case "POST":
            guard let message = OllamaRequestValidator.rejection(of: body) else { return nil }
            return EmulatedAnswer(
                status: 400, headers: HeaderList(pairs: [("Content-Type", "application/json; charset=utf-8")]),
                body: AnthropicErrorBody.encode(type: "invalid_request_error", message: message), reason: "validation: \(message)")
        case "GET", "HEAD", "PUT", "DELETE", "PATCH":
            return EmulatedAnswer(
                status: 405, headers: HeaderList(pairs: [("Allow", "POST"), ("Content-Type", "text/plain")]),
                body: method == "HEAD" ? [] : Array("405 method not allowed".utf8), reason: "route")
        case "OPTIONS" where headers["origin"] == nil:
            // No Origin, loopback: allowedHostsMiddleware answers 204 with an empty body.
            return EmulatedAnswer(status: 204, headers: HeaderList(), body: [], reason: "route")
        default:
            return nil
        }
    }

    /// gin's `RedirectTrailingSlash`: `http.Redirect` with 301 for GET, 307 otherwise.
    private static func trailingSlashRedirect(method: String, query: String?) -> EmulatedAnswer {
        let location = AnthropicEmulator.messagesPath + (query.map { "?" + $0 } ?? "")
        let status = method == "GET" ? 301 : 307
        var headers = HeaderList(pairs: [("Location", location)])
        var body: [UInt8] = []
        if method == "GET" || method == "HEAD" { headers.fields.append(.init(name: "Content-Type", value: "text/html; charset=utf-8")) }
        if method == "GET" {
            let escaped = location.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&#34;")
            body = Array("<a href=\"\(escaped)\">Moved Permanently</a>.\n\n".utf8)
        }
        return EmulatedAnswer(status: status, headers: headers, body: body, reason: "route")
    }
}
