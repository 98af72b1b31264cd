import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Where a forwarded answer goes, piece by piece, as ``ForwardRelay`` receives it: the client's
/// connection on its event loop (``ChannelRelayClient``), or Hummingbird's response body
/// (``StreamedRelayClient``). All calls come on ``eventLoop``.
protocol RelayClient: AnyObject {
    var eventLoop: any EventLoop { get }
    /// Whether the client can take more now; while it cannot, reading from the upstream pauses
    /// until the client calls ``ForwardRelay/clientWritabilityChanged(_:)``.
    var isWritable: Bool { get }
    /// The answer's head, its `Content-Length` (if any) set.
    func writeHead(_ head: HTTPResponse)
    func writeBody(_ buffer: ByteBuffer)
    /// What was written goes out now.
    func flush()
    /// The answer is whole (the exchange is stored by now).
    func finish()
    /// The answer stops here: the upstream cut it, or the client left.
    func cut()
    /// No response head came: the client gets messages-vcr's own error, reported once.
    func fail(_ error: VCRError, note: RequestNote)
}

/// A forwarded answer written on the client connection's event loop (the hot path's).
final class ChannelRelayClient: RelayClient {
    private let context: ChannelHandlerContext
    private let dates: HTTPDateCache
    private let reporter: OutcomeReporter
    /// Called once, when the client may send its next request.
    private let finished: () -> Void

    init(context: ChannelHandlerContext, dates: HTTPDateCache, reporter: OutcomeReporter, finished: @escaping () -> Void) {
        self.context = context
        self.dates = dates
        self.reporter = reporter
        self.finished = finished
    }

    var eventLoop: any EventLoop { context.eventLoop }
    var isWritable: Bool { context.channel.isWritable }

    func writeHead(_ head: HTTPResponse) {
        var head = head
        head.headerFields[.date] = dates.date
        context.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
    }

    func writeBody(_ buffer: ByteBuffer) { context.write(NIOAny(HTTPResponsePart.body(buffer)), promise: nil) }
    func flush() { context.flush() }

    func finish() {
        context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: nil)
        finished()
    }

    func cut() {
        // What was relayed reaches the client before the close, even when the upstream's failure
        // came in the same read as its last bytes (no read-complete follows an error).
        context.flush()
        context.close(promise: nil)
    }

    func fail(_ error: VCRError, note: RequestNote) {
        reporter.report(RequestOutcome(note, .error, status: error.status, detail: error.message))
        let (status, headers, body) = HTTPConversions.errorParts(error, flavor: note.flavor)
        var fields = HTTPConversions.httpFields(headers)
        fields[.contentLength] = String(body.count)
        fields[.date] = dates.date
        _ = HotPathHandler.writeWhole(
            HTTPResponse(status: .init(code: status), headerFields: fields), body: context.channel.allocator.buffer(bytes: body), context: context)
        finished()
    }
}
