import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A forwarded answer carried out by Hummingbird's route: the head becomes the `Response`, each
/// piece goes through Hummingbird's body writer as it arrives. At most ``window`` pieces wait for
/// the writer; past that, reading from the upstream pauses until the writer catches up.
final class StreamedRelayClient: RelayClient, @unchecked Sendable {
    // Every mutable member is touched on `eventLoop` only.
    let eventLoop: any EventLoop
    private var response: CheckedContinuation<Response, any Error>?
    private let pieces: AsyncThrowingStream<ByteBuffer, any Error>
    private let feed: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    private var waiting = 0
    /// Held until the exchange ends (the upstream connection holds its delegate weakly); let go
    /// then, which breaks the relay ↔ client cycle.
    private var relay: ForwardRelay?
    /// Pieces handed to the writer and not written yet, at most.
    static let window = 16

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        (pieces, feed) = AsyncThrowingStream.makeStream()
    }

    /// Forwards `plan` and returns the response once its head has arrived.
    /// - Throws: the ``VCRError`` of an exchange that got no head (stored first when recording).
    static func forward(_ plan: ForwardPlan, through forwarder: Forwarder) async throws -> Response {
        let client = StreamedRelayClient(eventLoop: MultiThreadedEventLoopGroup.singleton.any())
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                client.eventLoop.execute {
                    client.response = continuation
                    let relay = ForwardRelay(plan: plan, forwarder: forwarder, client: client)
                    client.relay = relay
                    relay.start()
                }
            }
        } onCancel: {
            client.eventLoop.execute { client.relay?.clientClosed() }
        }
    }

    var isWritable: Bool { waiting < Self.window }

    func writeHead(_ head: HTTPResponse) {
        var fields = head.headerFields
        let length = fields[.contentLength].flatMap { Int($0) }
        fields[.contentLength] = nil  // Hummingbird writes the body's declared length itself
        let pieces = self.pieces
        let loop = eventLoop
        let body = ResponseBody(contentLength: length) { writer in
            do {
                for try await piece in pieces {
                    try await writer.write(piece)
                    loop.execute { self.written() }
                }
            } catch let cut as UpstreamFailure.Cut {
                throw cut
            } catch {
                loop.execute { self.relay?.clientClosed() }
                throw error
            }
            try await writer.finish(nil)
        }
        response?.resume(returning: Response(status: head.status, headers: fields, body: body))
        response = nil
    }

    private func written() {
        waiting -= 1
        if waiting == Self.window - 1 { relay?.clientWritabilityChanged(true) }
    }

    func writeBody(_ buffer: ByteBuffer) {
        waiting += 1
        feed.yield(buffer)
    }

    func flush() {}

    func finish() {
        feed.finish()
        relay = nil
    }

    func cut() {
        if let response {
            response.resume(throwing: CancellationError())
            self.response = nil
        }
        feed.finish(throwing: UpstreamFailure.Cut(reason: "the exchange was cut"))
        relay = nil
    }

    func fail(_ error: VCRError, note: RequestNote) {
        // Hummingbird's route reports it (its error boundary).
        response?.resume(throwing: error)
        response = nil
        feed.finish()
        relay = nil
    }
}
