import Foundation

/// Which headers are forwarded, passed back, stored and replayed.
enum HeaderPolicy {
    /// Headers that never reach disk: credentials and cookies.
    static let secrets: Set<String> = ["x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"]

    /// Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and are never forwarded.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// Response headers that describe the transport; the server writes its own when it answers.
    static let transport: Set<String> = ["date", "content-length", "transfer-encoding", "connection", "keep-alive"]

    /// Hop-by-hop names, plus any the `Connection` header lists.
    static func connectionScoped(_ headers: HeaderList) -> Set<String> {
        guard headers.fields.contains(where: { $0.name.count == 10 && $0.name.lowercased() == "connection" }) else { return hopByHop }
        var names = hopByHop
        for field in headers where field.name.count == 10 && field.name.lowercased() == "connection" {
            for token in field.value.split(separator: ",") {
                names.insert(token.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        return names
    }

    /// The request headers to send upstream: hop-by-hop, `Host` and `Content-Length` are dropped
    /// (the client sets the upstream's own `Host` and the length of the body it sends).
    static func forwardedRequestHeaders(_ headers: HeaderList) -> HeaderList {
        var names = connectionScoped(headers)
        names.insert("host")
        names.insert("content-length")
        return headers.removing(names)
    }

    /// The headers a forwarded request goes upstream with: the client's (``forwardedRequestHeaders(_:)``),
    /// the upstream's own `Host`, and a `Content-Length` when the request carries a body (one does
    /// when it has bytes, or its method takes one: an empty `POST` says so).
    static func upstreamRequestHeaders(_ request: RecordedRequest, bodyCount: Int, authority: String) -> HeaderList {
        var headers = forwardedRequestHeaders(request.headers)
        headers.fields.append(.init(name: "Host", value: authority))
        if sendsBody(method: request.method, count: bodyCount) { headers.fields.append(.init(name: "Content-Length", value: String(bodyCount))) }
        return headers
    }

    /// Whether a forwarded request carries a body.
    static func sendsBody(method: String, count: Int) -> Bool {
        count > 0 || ["POST", "PUT", "PATCH"].contains(method)
    }

    /// The request headers as stored: everything the client sent except secrets.
    static func storedRequestHeaders(_ headers: HeaderList) -> HeaderList {
        headers.removing(secrets)
    }

    /// The response headers as stored: everything the upstream sent except secrets.
    static func storedResponseHeaders(_ headers: HeaderList) -> HeaderList {
        headers.removing(secrets)
    }

    /// The response headers to write to the client, live or replayed: the transport ones are the server's own.
    static func clientResponseHeaders(_ headers: HeaderList) -> HeaderList {
        headers.removing(connectionScoped(headers).union(transport))
    }
}
