import Foundation
import HTTPTypes

/// Which `Host` names a server answers to, and which admin writes it accepts: the defence against
/// DNS rebinding (a foreign name that resolves to 127.0.0.1) and against web pages posting to
/// `/__vcr/*` from another origin (a simple cross-origin POST needs no preflight).
///
/// Accepted by default: IP literals (a page at an IP address is its own origin, so it cannot
/// rebind), `localhost` and `*.localhost`, and the `--host` name; `--allowed-host NAME` adds more,
/// `--allowed-host '*'` accepts any name. A request with no `Host` (HTTP/1.0) is accepted: browsers
/// always send one.
struct HostPolicy: Sendable {
    private let names: Set<String>
    private let any: Bool

    /// Creates the policy for a server bound to `bindHost`, accepting `allowed` names too.
    public init(bindHost: String, allowed: [String]) {
        any = allowed.contains("*")
        names = Set((allowed + [bindHost, "localhost"]).map { Self.hostName($0) })
    }

    /// The error for a request this policy refuses; nil when it is accepted.
    /// - Parameters:
    ///   - authority: the request's `Host` (`name[:port]`).
    ///   - origin: its `Origin` header.
    ///   - adminWrite: true for a `/__vcr/*` request that is not a GET or HEAD.
    func refusal(authority: String?, origin: String?, adminWrite: Bool) -> VCRError? {
        if let authority, !accepts(authority) {
            let name = Self.hostName(authority)
            return .forbidden(
                "Host \(JSONDiff.quote(name)) is not a name of this server (a DNS-rebinding page uses a foreign name): start it with --allowed-host \(name) to accept it")
        }
        if adminWrite, let origin, !Self.sameOrigin(origin, authority: authority) {
            return .forbidden(
                "admin routes refuse writes from another origin (Origin \(JSONDiff.quote(origin))): call them from a script or the command line, not a web page")
        }
        return nil
    }

    /// True when `authority` (`name[:port]`) names this server.
    func accepts(_ authority: String) -> Bool {
        if any { return true }
        let name = Self.hostName(authority)
        if names.contains(name) || name.hasSuffix(".localhost") { return true }
        return Self.isIPLiteral(name)
    }

    /// `authority` without its port and brackets, lower-cased.
    static func hostName(_ authority: String) -> String {
        var text = authority.lowercased()
        if text.hasPrefix("[") {
            text = String(text.dropFirst().prefix { $0 != "]" })
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.lastIndex(of: ":") {
            text = String(text[..<colon])
        }
        return text.hasSuffix(".") ? String(text.dropLast()) : text
    }

    private static func isIPLiteral(_ name: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }

    /// True when `origin` (`scheme://host[:port]`) is this server's own, as the request reached it.
    private static func sameOrigin(_ origin: String, authority: String?) -> Bool {
        guard let authority, let components = URLComponents(string: origin), let host = components.host,
            components.scheme == "http" || components.scheme == "https"
        else { return false }
        let port = components.port.map { ":\($0)" } ?? ""
        let originAuthority = (host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host) + port
        return originAuthority.lowercased() == authority.lowercased()
    }
}
