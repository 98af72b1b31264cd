import AsyncHTTPClient
import Logging
import NIOCore
import NIOSSL
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The upstream response body: buffers in arrival order; dropping its iterator cancels the request.
public typealias UpstreamBody = HTTPClientResponse.Body

/// The response head from the upstream, with its body still streaming.
public struct UpstreamResponse: Sendable {
    /// HTTP status.
    public var status: Int
    /// Headers as the upstream sent them.
    public var headers: HeaderList
    /// The body, chunk by chunk as it arrives.
    public var body: UpstreamBody
}

/// Sends requests to the upstream (Ollama) with AsyncHTTPClient, for the forwarding Hummingbird carries out (``RecordingProxy``); the event loop's relay has its own connections (``UpstreamChannelPool``).
public final class UpstreamClient: Sendable {
    /// Where requests go.
    public let target: UpstreamTarget
    /// Reads response bodies, enforcing the silence limit between chunks.
    public let bodyReader: UpstreamBodyReader
    private let client: HTTPClient
    private let firstByteTimeout: TimeAmount

    /// Creates a client.
    /// - Parameters:
    ///   - target: the upstream.
    ///   - connectTimeout: how long a TCP connect may take.
    ///   - firstByteTimeout: how long to wait for the response head.
    ///   - readTimeout: the longest silence allowed between body bytes.
    ///   - extraTrustRoots: certificates trusted for an HTTPS upstream besides the system's (`--upstream-ca`).
    public init(
        target: UpstreamTarget, connectTimeout: TimeAmount = .seconds(5), firstByteTimeout: TimeAmount, readTimeout: TimeAmount?,
        extraTrustRoots: [NIOSSLCertificate] = []
    ) {
        self.target = target
        self.firstByteTimeout = firstByteTimeout
        self.bodyReader = UpstreamBodyReader(idleTimeout: readTimeout)
        // No AsyncHTTPClient read timeout: its idle-read timer traps when an upstream answers before
        // the request is written (see ``UpstreamBodyReader``). The head has the first-byte deadline,
        // the body the reader's silence limit.
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: connectTimeout),
            decompression: .disabled
        )
        configuration.httpVersion = .http1Only
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
        configuration.connectionPool.retryConnectionEstablishment = false
        if !extraTrustRoots.isEmpty {
            var tls = TLSConfiguration.makeClientConfiguration()  // the system trust store, plus these
            tls.additionalTrustRoots = [.certificates(extraTrustRoots)]
            configuration.tlsConfiguration = tls
        }
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends `request` (its path already stripped of any `/c/NAME` prefix) and returns when the head arrives.
    /// - Parameters:
    ///   - request: what the client sent.
    ///   - body: the body to send (the client's, or a rewritten one).
    /// - Throws: ``VCRError/upstreamUnreachable(upstream:reason:)`` or ``VCRError/upstreamTimeout(upstream:seconds:)``.
    public func send(_ request: RecordedRequest, body: [UInt8]) async throws -> UpstreamResponse {
        var outgoing = HTTPClientRequest(url: target.url(path: request.path, query: request.query))
        outgoing.method = HTTPMethod(rawValue: request.method)
        // AsyncHTTPClient writes the Content-Length of the body it is given.
        for field in HeaderPolicy.upstreamRequestHeaders(request, bodyCount: body.count, authority: target.authority) where field.name != "Content-Length" {
            outgoing.headers.add(name: field.name, value: field.value)
        }
        if HeaderPolicy.sendsBody(method: request.method, count: body.count) { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(outgoing, timeout: firstByteTimeout)
            return UpstreamResponse(
                status: Int(response.status.code),
                headers: HeaderList(response.headers.map { HeaderList.Field(name: $0.name, value: $0.value) }),
                body: response.body)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw VCRError.upstreamTimeout(upstream: target.description, seconds: Double(firstByteTimeout.nanoseconds) / 1e9)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw VCRError.upstreamUnreachable(upstream: target.description, reason: Self.reason(error))
        }
    }

    /// A short, human reason for a transport error.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let timeout as UpstreamBodyReader.IdleTimeout:
            return timeout.description
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout: return "connect timeout"
            case .remoteConnectionClosed: return "connection closed before the response"
            case .readTimeout: return "read timeout"
            default: break
            }
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

    /// Closes the client's connections.
    public func shutdown() async {
        try? await client.shutdown()
    }
}
