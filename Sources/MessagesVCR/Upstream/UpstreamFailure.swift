import NIOCore
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// How an upstream exchange fails, in words a user can act on.
enum UpstreamFailure {
    /// The upstream sent nothing for `--upstream-timeout` inside a body.
    struct IdleTimeout: Error, CustomStringConvertible {
        /// The limit that passed.
        var seconds: Double
        var description: String { "read timeout (no body bytes for \(seconds) s)" }
    }

    /// The body stopped: the upstream closed or failed after its head.
    struct Cut: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// A short, human reason for a transport error.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let timeout as IdleTimeout:
            return timeout.description
        case let cut as Cut:
            return cut.reason
        case ChannelError.connectTimeout:
            return "connect timeout"
        case let error as ChannelError where error == .ioOnClosedChannel || error == .alreadyClosed:
            return "the upstream closed the connection before the request was sent"
        case let error as IOError:
            if let reason = reason(errno: error.errnoCode) { return reason }
        case let error as NIOSSLError:
            if case .handshakeFailed = error {
                let text = String(describing: error)
                if text.contains("CERTIFICATE_VERIFY_FAILED") {
                    return "TLS handshake failed: the upstream's certificate is not trusted (CERTIFICATE_VERIFY_FAILED); "
                        + "give its CA with --upstream-ca FILE"
                }
                return "TLS handshake failed: \(text)"
            }
        case let error as NIOConnectionError:
            for failure in error.connectionErrors {
                if let io = failure.error as? IOError, let reason = reason(errno: io.errnoCode) { return reason }
            }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "host not found" }
        default:
            break
        }
        // Errors with no typed form here (resolver and channel errors) still read well as text.
        let text = String(describing: error)
        let known: [(String, String)] = [
            ("Connection refused", "connection refused"), ("Connection reset", "connection reset by peer"),
            ("No such host", "host not found"), ("Name or service not known", "host not found"),
            ("Temporary failure in name resolution", "host not found"),
        ]
        for (needle, reason) in known where text.contains(needle) { return reason }
        return text
    }

    private static func reason(errno: CInt) -> String? {
        switch errno {
        case ECONNREFUSED: return "connection refused"
        case ECONNRESET: return "connection reset by peer"
        case EPIPE: return "connection closed before the request was sent"
        default: return nil
        }
    }
}
