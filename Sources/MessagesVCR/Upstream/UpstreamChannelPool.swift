import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The one upstream client: keep-alive HTTP/1.1 connections to the upstream (plain or TLS), kept
/// per event loop, so that a request read on one loop is forwarded and answered on that loop with
/// no thread hop. ``ForwardRelay`` sends every forwarded request through it, whichever executor
/// carries the forwarding out.
final class UpstreamChannelPool: Sendable {
    /// Where requests go.
    let target: UpstreamTarget
    private let connectTimeout: TimeAmount
    /// For an `https` upstream: the system's trust store plus `--upstream-ca`'s certificates.
    private let tls: NIOSSLContext?
    /// Idle connections by event loop; each list is only touched on its own loop.
    private let idle = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<IdleList>]>([:])
    /// At most this many idle connections are kept per loop.
    static let maxIdlePerLoop = 256

    private final class IdleList {
        var connections: [UpstreamConnection] = []
    }

    /// A pool for `target`.
    /// - Parameter extraTrustRoots: certificates an `https` upstream may present, trusted besides the system's.
    /// - Throws: NIOSSL's error when the TLS context cannot be made.
    init(target: UpstreamTarget, connectTimeout: TimeAmount = .seconds(5), extraTrustRoots: [NIOSSLCertificate] = []) throws {
        self.target = target
        self.connectTimeout = connectTimeout
        if target.scheme == "https" {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.applicationProtocols = ["http/1.1"]
            if !extraTrustRoots.isEmpty { configuration.additionalTrustRoots = [.certificates(extraTrustRoots)] }
            tls = try NIOSSLContext(configuration: configuration)
        } else {
            tls = nil
        }
    }

    /// Sends a request on a connection of `loop` (an idle one if there is one) and reports the
    /// response to `delegate` on `loop`.
    func send(
        head: HTTPRequestHead, body: ByteBuffer, limits: UpstreamConnection.Limits, on loop: any EventLoop,
        to delegate: any UpstreamExchangeDelegate, reuse: Bool = true
    ) {
        if reuse, let connection = takeIdle(on: loop) {
            connection.start(head: head, body: body, limits: limits, delegate: delegate)
            return
        }
        let connection = UpstreamConnection(pool: self)
        let bound = NIOLoopBound((connection: connection, delegate: delegate), eventLoop: loop)
        let tls = self.tls, host = target.host
        ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI only for names: an IP literal is not a server name.
                        let name = host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(bound.value.connection)
                }
            }
            .connect(host: target.host, port: target.port)
            .whenComplete { result in
                let (connection, delegate) = bound.value
                switch result {
                case .success:
                    connection.start(head: head, body: body, limits: limits, delegate: delegate)
                case .failure(let error):
                    let reason = UpstreamFailure.reason(error)
                    delegate.upstreamFailed(VCRError.upstreamUnreachable(upstream: self.target.description, reason: reason), headSeen: false)
                }
            }
    }

    /// Takes back a connection whose exchange ended with keep-alive.
    func release(_ connection: UpstreamConnection, on loop: any EventLoop) {
        let list = list(for: loop)
        if list.connections.count < Self.maxIdlePerLoop, connection.isActive {
            list.connections.append(connection)
        } else {
            connection.cancel()
        }
    }

    /// Drops a connection that closed (idle or not).
    func forget(_ connection: UpstreamConnection, on loop: any EventLoop) {
        let list = list(for: loop)
        list.connections.removeAll { $0 === connection }
    }

    /// Closes the idle connections (at shutdown).
    func closeIdle() {
        let lists = idle.withLockedValue { $0 }
        for bound in lists.values {
            bound.eventLoop.execute {
                let list = bound.value
                let connections = list.connections
                list.connections = []
                for connection in connections { connection.cancel() }
            }
        }
    }

    private func takeIdle(on loop: any EventLoop) -> UpstreamConnection? {
        let list = list(for: loop)
        while let connection = list.connections.popLast() {
            if connection.isActive { return connection }
        }
        return nil
    }

    private func list(for loop: any EventLoop) -> IdleList {
        let key = ObjectIdentifier(loop)
        let bound = idle.withLockedValue { lists in
            if let bound = lists[key] { return bound }
            let bound = NIOLoopBound(IdleList(), eventLoop: loop)
            lists[key] = bound
            return bound
        }
        return bound.value
    }
}
