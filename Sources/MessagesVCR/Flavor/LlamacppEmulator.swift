import Foundation

/// Answers llama.cpp's `llama-server` gives without a model (`tools/server/`): the conversion's
/// one required field, `count_tokens` estimated, its model list, `/health`, and the 404 of
/// cpp-httplib's error handler for a route it does not serve.
enum LlamacppEmulator {
    /// `POST /v1/messages` (or `count_tokens`) that llama.cpp refuses before any model runs, or nil.
    /// A body that is not JSON is a 400; one without `messages` (an array or a string among them)
    /// the 500 of the `std::runtime_error` its Anthropic conversion throws.
    static func rejection(body: [UInt8]) -> EmulatedAnswer? {
        // nlohmann's parse error names the byte it stopped at; this message does not try to.
        guard let value = try? JSONParser.parse(body) else {
            return Flavor.llamacpp.errorAnswer(
                status: 400, type: "invalid_request_error", message: "[json.exception.parse_error.101] parse error: syntax error while parsing value",
                reason: "validation: body")
        }
        if case .object(let members) = value, members["messages"] != nil { return nil }
        return Flavor.llamacpp.errorAnswer(status: 500, type: "api_error", message: "'messages' is required", reason: "validation: messages")
    }

    /// `GET /health`: `{"status":"ok"}`.
    static func health() -> EmulatedAnswer {
        EmulatedAnswer(
            status: 200, headers: HeaderList(pairs: [("Content-Type", Flavor.llamacpp.headers.jsonContentType)]),
            body: Array(#"{"status":"ok"}"#.utf8), reason: "health")
    }

    /// The 404 of a route llama.cpp does not serve (its keys in this order, unlike its other errors).
    static func notFound(method: String, path: String) -> EmulatedAnswer {
        let body = JSONValue.object(["error": .object(["message": "File Not Found", "type": "not_found_error", "code": 404])])
        return EmulatedAnswer(
            status: 404, headers: HeaderList(pairs: [("Content-Type", Flavor.llamacpp.headers.jsonContentType)]),
            body: JSONStyle.plain.encode(body), reason: "route \(method) \(path)")
    }

    /// `GET /v1/models` as llama.cpp lists its one model, once with Ollama's fields and once with
    /// OpenAI's, for each model the cassette holds (newest first). What only the model file tells
    /// (`meta`: vocabulary, context, size; `architecture`) is left out.
    static func models(_ models: [(name: String, firstRecorded: Date)]) -> EmulatedAnswer {
        let sorted = models.sorted { $0.firstRecorded > $1.firstRecorded }
        let listed = sorted.map { model -> JSONValue in
            .object([
                "name": .string(model.name), "model": .string(model.name), "modified_at": "", "size": "", "digest": "", "type": "model",
                "description": "", "tags": .array([""]), "capabilities": .array(["completion"]), "parameters": "",
                "details": .object([
                    "parent_model": "", "format": "gguf", "family": "", "families": .array([""]), "parameter_size": "", "quantization_level": "",
                ]),
            ])
        }
        let data = sorted.map { model -> JSONValue in
            .object([
                "id": .string(model.name), "aliases": .array([]), "tags": .array([]), "object": "model",
                "created": .int(Int(model.firstRecorded.timeIntervalSince1970)), "owned_by": "llamacpp",
            ])
        }
        let body = JSONValue.object(["models": .array(listed), "object": "list", "data": .array(data)])
        return EmulatedAnswer(
            status: 200, headers: HeaderList(pairs: [("Content-Type", Flavor.llamacpp.headers.jsonContentType)]), body: JSONStyle.plain.encode(body),
            reason: "models from the cassette")
    }
}
