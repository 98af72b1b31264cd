import Foundation

/// Answers the real Anthropic API gives without a model: its header checks, `count_tokens` when no
/// recording answers it, its model list, its error envelope and headers.
enum AnthropicEmulator {
    /// The Messages API's route, the one every client sends its conversations to.
    static let messagesPath = "/v1/messages"
    /// The API's token-counting route.
    static let countTokensPath = "/v1/messages/count_tokens"

    /// The API's refusal of a request's headers, or nil when they pass. A key is required (the
    /// documented `x-api-key`, or `Authorization: Bearer` as the current Python SDK sends even an API
    /// key); so is `anthropic-version` (any value: the current SDK sends a newer date than `2023-06-01`).
    /// Which check the API makes first is not known; the key is checked first here.
    /// - Parameter headers: the request headers as received (before secrets are dropped).
    static func rejection(path: String, headers: HeaderList) -> EmulatedAnswer? {
        guard path.hasPrefix("/v1/") else { return nil }
        let key = headers["x-api-key"].map { !$0.isEmpty } ?? false
        let bearer = headers["authorization"].map { $0.lowercased().hasPrefix("bearer ") && $0.count > 7 } ?? false
        if !key, !bearer {
            return error(status: 401, type: "authentication_error", message: "x-api-key header is required", reason: "validation: no API key")
        }
        if (headers["anthropic-version"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            return error(
                status: 400, type: "invalid_request_error", message: "anthropic-version: header is required",
                reason: "validation: no anthropic-version")
        }
        return nil
    }

    /// `POST /v1/messages/count_tokens` answered with an estimate (no recording answers it): Ollama's
    /// own request-based estimate (UTF-8 bytes of the prompt's text over 4), as `{"input_tokens":N}`.
    /// Under llama.cpp's flavour its own checks come first (``LlamacppEmulator/rejection(body:)``).
    static func countTokens(body: [UInt8], as flavor: Flavor = .anthropic) -> EmulatedAnswer {
        if flavor.routes.validation == .messagesRequired, let rejection = LlamacppEmulator.rejection(body: body) { return rejection }
        guard case .object(let members)? = try? JSONParser.parse(body) else {
            return error(status: 400, type: "invalid_request_error", message: "The request body is not valid JSON.", reason: "validation: body")
        }
        for field in ["model", "messages"] where members[field] == nil && flavor.routes.validation != .messagesRequired {
            return error(status: 400, type: "invalid_request_error", message: "\(field): Field required", reason: "validation: \(field)")
        }
        let tokens = OllamaTokenEstimate.inputTokens(.object(members))
        return EmulatedAnswer(
            status: 200, headers: HeaderList(pairs: [("Content-Type", flavor.headers.jsonContentType)]),
            body: GoJSONWriter.encode(.object(["input_tokens": .int(tokens)])), reason: "count_tokens estimated")
    }

    /// `GET /v1/models` in the API's list shape, the cassette's models newest first.
    /// - Parameter models: each model name with when it was first recorded.
    static func models(_ models: [(name: String, firstRecorded: Date)]) -> EmulatedAnswer {
        let sorted = models.sorted { $0.firstRecorded > $1.firstRecorded }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let data = sorted.map { model -> JSONValue in
            .object([
                "type": "model", "id": .string(model.name), "display_name": .string(model.name),
                "created_at": .string(formatter.string(from: model.firstRecorded)),
            ])
        }
        let body = JSONValue.object([
            "data": .array(data), "has_more": false,
            "first_id": sorted.first.map { .string($0.name) } ?? .null, "last_id": sorted.last.map { .string($0.name) } ?? .null,
        ])
        return EmulatedAnswer(
            status: 200, headers: HeaderList(pairs: [("Content-Type", "application/json")]), body: GoJSONWriter.encode(body),
            reason: "models from the cassette")
    }

    /// A route the API does not serve, or one messages-vcr cannot answer for it (Batches, Files).
    static func notFound(method: String, path: String) -> EmulatedAnswer {
        error(status: 404, type: "not_found_error", message: "Not Found", reason: "route \(method) \(path)")
    }

    /// The API's error envelope (compact, no trailing newline) with its headers.
    static func error(status: Int, type: String, message: String, reason: String) -> EmulatedAnswer {
        Flavor.anthropic.errorAnswer(status: status, type: type, message: message, reason: reason)
    }

    /// An answer as the API sends it: a fresh `request-id` header, and an error envelope's
    /// `request_id` naming the same id (compact, no trailing newline).
    static func stamped(headers: HeaderList, body: [UInt8]) -> (headers: HeaderList, body: [UInt8]) {
        let id = AnthropicIDs.requestID()
        var headers = headers
        headers.fields.removeAll { $0.name.lowercased() == "request-id" }
        headers.fields.append(.init(name: "request-id", value: id))
        guard body.starts(with: Array(#"{"type":"error""#.utf8)), case .object(let members)? = try? JSONParser.parseFirstValue(body).value else {
            return (headers, body)
        }
        return (headers, GoJSONWriter.encode(.object(members.setting("request_id", .string(id)))))
    }
}
