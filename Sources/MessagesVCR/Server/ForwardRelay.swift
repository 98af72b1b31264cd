import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// One forwarded exchange carried out on the client connection's event loop (``HotPathHandler``):
/// the request goes out on a pooled upstream connection of the same loop, each piece of the answer
/// is written to the client as it arrives (reading from the upstream pauses while the client's
/// socket is full) and captured, and the exchange is stored and reported exactly as
/// ``RecordingProxy`` does it: a complete answer is stored before its end reaches the client, a cut
/// one is stored marked as cut, one that got no head is stored as the upstream's error.
final class ForwardRelay: UpstreamExchangeDelegate {
    private let plan: ForwardPlan
    private let server: ServerContext
    private var proxy: RecordingProxy { server.proxy }
    private let pool: UpstreamChannelPool
    private let limits: UpstreamConnection.Limits
    private let context: ChannelHandlerContext
    private let dates: HTTPDateCache
    /// Called once, when the client may send its next request.
    private let finished: () -> Void
    private lazy var interactionID = RandomID.interactionID()
    private var sentAt: UInt64 = 0
    private var connection: UpstreamConnection?
    private var capture: ResponseCapture?
    private var responseStart: RecordingProxy.ResponseStart?
    /// The last piece of a `Content-Length` body, held back until the exchange is stored.
    private var held: ByteBuffer?
    private var done = false

    init(
        plan: ForwardPlan, server: ServerContext, pool: UpstreamChannelPool, context: ChannelHandlerContext, dates: HTTPDateCache,
        finished: @escaping () -> Void
    ) {
        self.plan = plan
        self.server = server
        self.pool = pool
        self.limits = .init(
            firstByte: .nanoseconds(Int64(server.options.firstByteTimeoutSeconds * 1e9)),
            silence: server.options.upstreamReadTimeoutSeconds.map { .nanoseconds(Int64($0 * 1e9)) })
        self.context = context
        self.dates = dates
        self.finished = finished
    }

    /// Sends the request upstream.
    func start() {
        let request = plan.request
        var headers = HTTPHeaders()
        for field in HeaderPolicy.upstreamRequestHeaders(request, bodyCount: plan.upstreamBody.count, authority: pool.target.authority) {
            headers.add(name: field.name, value: field.value)
        }
        let uri = pool.target.basePath + request.path + (request.query.map { "?" + $0 } ?? "")
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: uri, headers: headers)
        sentAt = MonotonicClock.now()
        pool.send(head: head, body: context.channel.allocator.buffer(bytes: plan.upstreamBody), limits: limits, on: context.eventLoop, to: self)
    }

    /// The client's socket can take more (or not): reading from the upstream follows it.
    func clientWritabilityChanged(_ writable: Bool) {
        if writable { connection?.resumeReading() } else { connection?.pauseReading() }
    }

    /// The client went away: the upstream request is dropped, what arrived is stored as cut.
    func clientClosed() {
        guard !done else { return }
        connection?.cancel()
        connection = nil
        end(outcome: .clientAbort, error: "the client closed the connection")
    }

    // MARK: - UpstreamExchangeDelegate

    func upstreamStarted(on connection: UpstreamConnection) {
        if done { connection.cancel() } else { self.connection = connection }
    }

    func upstreamHead(_ head: HTTPResponseHead) {
        guard !done else { return }
        let status = Int(head.status.code)
        let start = RecordingProxy.ResponseStart(
            status: status, headers: HeaderList(head.headers.map { HeaderList.Field(name: $0.name, value: $0.value) }),
            method: plan.request.method, compat: plan.note.compat, ttfbNanos: MonotonicClock.since(sentAt))
        responseStart = start
        capture = start.capture
        var fields = start.clientHeaders
        if let contentLength = start.contentLength { fields[.contentLength] = String(contentLength) }
        fields[.date] = dates.date
        context.write(NIOAny(HTTPResponsePart.head(HTTPResponse(status: .init(code: status), headerFields: fields))), promise: nil)
        if !context.channel.isWritable { connection?.pauseReading() }
    }

    func upstreamBody(_ buffer: ByteBuffer) {
        guard !done, capture != nil else { return }
        capture!.append(buffer.readableBytesView, offsetNanos: MonotonicClock.since(sentAt))
        if responseStart!.holdsBack(capture!, recording: plan.recording != nil) {
            held = buffer
            return
        }
        context.write(NIOAny(HTTPResponsePart.body(buffer)), promise: nil)
        if !context.channel.isWritable { connection?.pauseReading() }
    }

    func upstreamReadComplete() {
        if !done { context.flush() }
    }

    func upstreamEnd() {
        connection = nil
        end(outcome: .complete, error: nil)
    }

    func upstreamFailed(_ error: any Error, headSeen: Bool) {
        connection = nil
        guard !done else { return }
        if capture != nil {
            end(outcome: .upstreamCut, error: UpstreamClient.reason(error))
            return
        }
        let failure = VCRError.from(error)
        done = true
        store(proxy.failedResponse(failure, sentAt: sentAt)) { relay, _ in relay.answer(failure) }
    }

    // MARK: - Ending

    /// Stores (when recording) and reports the exchange, then ends the client's answer: with its
    /// end for a complete one, by closing the connection for a cut one.
    private func end(outcome: Outcome, error: String?) {
        guard !done else { return }
        done = true
        // A cut answer: what was relayed reaches the client before the close, even when the
        // upstream's failure came in the same read as its last bytes (no read-complete follows an
        // error). A complete one is not flushed early: with an empty body, the head alone would
        // tell the client the answer is whole before it is stored.
        if outcome != .complete && outcome != .clientAbort { context.flush() }
        let response = capture.map { $0.finish(outcome: outcome, durationNanos: MonotonicClock.since(sentAt), errorMessage: error) }
            ?? RecordedResponse(
                status: nil, headers: HeaderList(), body: [], chunks: [], frames: [], ttfbNanos: nil,
                durationNanos: MonotonicClock.since(sentAt), outcome: outcome, errorMessage: error)
        store(response) { relay, stored in
            relay.plan.ended(response, stored)
            switch outcome {
            case .complete:
                if let held = relay.held { relay.context.write(NIOAny(HTTPResponsePart.body(held)), promise: nil) }
                relay.context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: nil)
                relay.finished()
            case .clientAbort:
                break
            default:
                relay.context.close(promise: nil)
            }
        }
    }

    /// Stores `response` when recording (on the database's writer queue), then calls `then` on the loop.
    private func store(_ response: RecordedResponse, then: @escaping (ForwardRelay, Interaction?) -> Void) {
        guard let recording = plan.recording else { return then(self, nil) }
        let bound = NIOLoopBound((relay: self, then: then), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        proxy.store(proxy.storedRequest(plan.request), response, id: interactionID, recording: recording) { stored in
            loop.execute { bound.value.then(bound.value.relay, stored) }
        }
    }

    /// Answers one of messages-vcr's own errors (no response head came) and reports it.
    private func answer(_ failure: VCRError) {
        let flavor = plan.note.flavor
        server.report(RequestOutcome(plan.note, .error, status: failure.status, detail: failure.message))
        let (status, headers, body) = HTTPConversions.errorParts(failure, flavor: flavor)
        var fields = HTTPConversions.httpFields(headers)
        fields[.contentLength] = String(body.count)
        fields[.date] = dates.date
        _ = HotPathHandler.writeWhole(
            HTTPResponse(status: .init(code: status), headerFields: fields), body: context.channel.allocator.buffer(bytes: body), context: context)
        finished()
    }
}
