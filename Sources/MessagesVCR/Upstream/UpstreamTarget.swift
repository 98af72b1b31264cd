import Foundation

/// The upstream base URL (Ollama), parsed and checked once at start.
public struct UpstreamTarget: Sendable, Equatable, CustomStringConvertible {
    /// `http` or `https`.
    let scheme: String
    /// Host name or IP literal (IPv6 without brackets).
    public let host: String
    /// Port.
    public let port: Int
    /// A path prefix to put before every forwarded path (usually empty).
    let basePath: String

    /// The default when neither `--upstream` nor `OLLAMA_HOST` is set.
    static let defaultURL = "http://127.0.0.1:11434"

    /// Parses `--upstream`: an absolute `http(s)://HOST[:PORT][/PATH]` URL.
    /// - Throws: ``UpstreamTarget/ParseError`` with a one-line reason.
    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw ParseError(text: text)
        }
        guard components.query == nil, components.fragment == nil, components.user == nil else { throw ParseError(text: text) }
        self.scheme = scheme
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.basePath = path
    }

    /// Interprets `OLLAMA_HOST` as Ollama does: scheme optional (http), port optional (11434).
    public init(ollamaHost value: String) throws {
        var text = value.trimmingCharacters(in: .whitespaces)
        if !text.contains("://") { text = "http://" + text }
        guard var components = URLComponents(string: text) else { throw ParseError(text: value) }
        if components.port == nil { components.port = 11434 }
        if components.host == "0.0.0.0" || components.host == "" { components.host = "127.0.0.1" }
        guard let url = components.string else { throw ParseError(text: value) }
        try self.init(url: url)
    }

    /// The target from `--upstream` if given, else `OLLAMA_HOST`, else ``defaultURL``.
    public static func resolve(option: String?, environment: [String: String]) throws -> UpstreamTarget {
        if let option { return try UpstreamTarget(url: option) }
        if let host = environment["OLLAMA_HOST"], !host.isEmpty { return try UpstreamTarget(ollamaHost: host) }
        return try UpstreamTarget(url: defaultURL)
    }

    /// `HOST:PORT` as the `Host` header wants it.
    var authority: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(shownHost):\(port)"
    }

    /// `scheme://HOST:PORT` plus the base path.
    public var description: String { "\(scheme)://\(authority)\(basePath)" }

    /// The absolute URL for a forwarded request.
    func url(path: String, query: String?) -> String {
        description + path + (query.map { "?" + $0 } ?? "")
    }

    /// Why an upstream URL was refused.
    public struct ParseError: Error, CustomStringConvertible {
        /// The text that was given.
        let text: String
        /// One line for stderr.
        public var description: String { "upstream URL \"\(text)\" does not parse: expected http://HOST[:PORT]" }
    }
}
