import HTTPTypes
import Hummingbird
import NIOCore

/// Conversions between Hummingbird's HTTP types and messages-vcr's plain values.
enum HTTPConversions {
    static func headerList(_ fields: HTTPFields) -> HeaderList {
        HeaderList(fields.map { HeaderList.Field(name: $0.name.rawName, value: $0.value) })
    }

    static func httpFields(_ headers: HeaderList) -> HTTPFields {
        var fields = HTTPFields()
        for field in headers {
            guard let name = HTTPField.Name(field.name) else { continue }
            fields.append(HTTPField(name: name, value: field.value))
        }
        return fields
    }

    /// A complete response with a fixed body, with the flavour's own headers (``Flavor/stamped(headers:body:)``).
    static func response(status: Int, headers: HeaderList, body: [UInt8], flavor: Flavor = .ollama) -> Response {
        var (headers, body) = (headers, body)
        (headers, body) = flavor.stamped(headers: headers, body: body)
        var fields = httpFields(headers)
        fields[.contentLength] = String(body.count)
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// An Anthropic-shaped JSON error for one of messages-vcr's own errors, whatever the flavour,
    /// with the flavour's error headers (the API's `request-id`, `x-should-retry`; llama.cpp's `Server`).
    /// - Parameter status: a status other than the error's own (its `error.type` then follows the status).
    static func errorResponse(_ error: VCRError, status: Int? = nil, extraHeaders: HeaderList = HeaderList(), flavor: Flavor = .ollama) -> Response {
        let (status, headers, body) = errorParts(error, status: status, extraHeaders: extraHeaders, flavor: flavor)
        var fields = httpFields(headers)
        fields[.contentLength] = String(body.count)
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The status, headers and body of ``errorResponse(_:status:extraHeaders:flavor:)``, for a
    /// handler that writes them itself.
    static func errorParts(
        _ error: VCRError, status: Int? = nil, extraHeaders: HeaderList = HeaderList(), flavor: Flavor = .ollama
    ) -> (status: Int, headers: HeaderList, body: [UInt8]) {
        let status = status ?? error.status
        let type = status == error.status ? error.errorType : AnthropicErrorBody.ollamaErrorType(forStatus: status)
        var headers = flavor.errorHeaders(status: status)
        headers.fields.append(contentsOf: extraHeaders.fields)
        var body = AnthropicErrorBody.encode(type: type, message: error.message)
        (headers, body) = flavor.stamped(headers: headers, body: body)
        return (status, headers, body)
    }

    /// A JSON document answer (admin routes).
    static func json(_ value: JSONValue, status: Int = 200) -> Response {
        var body = GoJSONWriter.encode(value)
        body.append(0x0a)
        return response(status: status, headers: HeaderList(pairs: [("Content-Type", "application/json")]), body: body)
    }
}
