/// The Anthropic error envelope, `{"type":"error","error":{"type":…,"message":…},"request_id":"req_…"}`,
/// in the key order Ollama's `anthropic.NewError` uses.
enum AnthropicErrorBody {
    /// The compact JSON bytes of an error envelope (no trailing newline).
    /// - Parameters:
    ///   - type: Anthropic's `error.type`, e.g. `invalid_request_error`.
    ///   - message: the human-readable message.
    ///   - requestID: the `request_id`; a fresh `req_` + 24 hex when nil.
    public static func encode(type: String, message: String, requestID: String? = nil) -> [UInt8] {
        GoJSONWriter.encode(
            .object([
                "type": "error",
                "error": .object(["type": .string(type), "message": .string(message)]),
                "request_id": .string(requestID ?? RandomID.requestID()),
            ])
        )
    }

    /// The envelope for one of messages-vcr's own errors.
    public static func encode(_ error: VCRError, requestID: String? = nil) -> [UInt8] {
        encode(type: error.errorType, message: error.message, requestID: requestID)
    }

    /// Anthropic's `error.type` for an HTTP status, as Ollama maps it (`anthropic.NewError`).
    static func ollamaErrorType(forStatus status: Int) -> String {
        switch status {
        case 400: return "invalid_request_error"
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 429: return "rate_limit_error"
        case 503, 529: return "overloaded_error"
        default: return "api_error"
        }
    }
}
