/// The errors and headers of answers a flavour's server gives itself.
extension Flavor {
    /// An error body in this server's shape. `type` is Anthropic's `error.type` (llama.cpp's shape
    /// takes its own name for the status); `requestID` goes into the Anthropic envelope.
    func error(status: Int, type: String, message: String, requestID: String? = nil) -> JSONValue {
        switch errors.shape {
        case .anthropic:
            return .object([
                "type": "error", "error": .object(["type": .string(type), "message": .string(message)]),
                "request_id": .string(requestID ?? RandomID.requestID()),
            ])
        case .codeMessageType:
            return .object(["error": .object(["code": .int(status), "message": .string(message), "type": .string(ErrorTypes.llamacppType(status: status))])])
        }
    }

    /// An error answer of this server, compact with no trailing newline, with its error headers.
    func errorAnswer(status: Int, type: String, message: String, reason: String) -> EmulatedAnswer {
        EmulatedAnswer(
            status: status, headers: errorHeaders(status: status), body: self.message.json.encode(error(status: status, type: type, message: message)),
            reason: reason)
    }

    /// The headers this server sends with an error of `status`: JSON, and for the API whether the
    /// SDKs should retry (`x-should-retry`, which they obey before looking at the status;
    /// `retry-after` on 429 and 529).
    func errorHeaders(status: Int) -> HeaderList {
        var headers = HeaderList(pairs: [("Content-Type", headers.jsonContentType)])
        guard errors.retryHeaders else { return headers }
        let retry = status == 408 || status == 409 || status == 429 || status >= 500
        headers.fields.append(.init(name: "x-should-retry", value: retry ? "true" : "false"))
        if status == 429 || status == 529 { headers.fields.append(.init(name: "retry-after", value: "1")) }
        return headers
    }

    /// An answer as this server sends it: its own headers added (the API's fresh `request-id`,
    /// which an error envelope's `request_id` then names; llama.cpp's `Server`).
    func stamped(headers: HeaderList, body: [UInt8]) -> (headers: HeaderList, body: [UInt8]) {
        var (headers, body) = (headers, body)
        if self.headers.requestID { (headers, body) = AnthropicEmulator.stamped(headers: headers, body: body) }
        for field in self.headers.every where headers[field.name] == nil { headers.fields.append(.init(name: field.name, value: field.value)) }
        return (headers, body)
    }
}

/// Error type names across the servers' shapes.
enum ErrorTypes {
    /// llama.cpp's `type` for a status (`format_error_response`).
    static func llamacppType(status: Int) -> String {
        switch status {
        case 400: return "invalid_request_error"
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 501: return "not_supported_error"
        case 503: return "unavailable_error"
        default: return "server_error"
        }
    }

    /// Anthropic's `error.type` for a llama.cpp error `type`.
    static func anthropicType(llamacpp type: String?, status: Int) -> String {
        switch type {
        case "invalid_request_error", "exceed_context_size_error": return "invalid_request_error"
        case "authentication_error", "permission_error", "not_found_error": return type!
        case "unavailable_error": return "overloaded_error"
        case "server_error", "not_supported_error": return "api_error"
        default: return AnthropicErrorBody.ollamaErrorType(forStatus: status)
        }
    }
}
