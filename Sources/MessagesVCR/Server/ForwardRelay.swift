import HTTPTypes
import NIOCore
import NIOHTTP1

/// The one forwarder: a forwarded exchange, on one event loop, whichever executor carries it out.
/// The request goes out on a pooled upstream connection of that loop (``UpstreamChannelPool``),
/// each piece of the answer goes to the client as it arrives (``RelayClient``: the connection
/// itself on the hot path, Hummingbird's body writer otherwise; reading from the upstream pauses
/// while the client cannot take more) and is captured. A complete answer is stored before its end
/// reaches the client, a cut one is stored marked as cut, one that got no head is stored as the
/// upstream's error; each is reported once (``ForwardPlan/ended``).
final class ForwardRelay: UpstreamExchangeDelegate {
    private let plan: ForwardPlan
    private let recorder: ExchangeRecorder
    private let pool: UpstreamChannelPool
    private let limits: UpstreamConnection.Limits
    private let client: any RelayClient
    private lazy var interactionID = RandomID.interactionID()
    private var sentAt: UInt64 = 0
    private var connection: UpstreamConnection?
    private var capture: ResponseCapture?
    private var responseStart: ExchangeRecorder.ResponseStart?
    /// The last piece of a `Content-Length` body, held back until the exchange is stored.
    private var held: ByteBuffer?
    private var done = false

    init(plan: ForwardPlan, forwarder: Forwarder, client: any RelayClient) {
        self.plan = plan
        self.recorder = forwarder.recorder
        self.pool = forwarder.pool
        self.limits = forwarder.limits
        self.client = client
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
        pool.send(head: head, body: ByteBuffer(bytes: plan.upstreamBody), limits: limits, on: client.eventLoop, to: self)
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
        let start = ExchangeRecorder.ResponseStart(
            status: status, headers: HeaderList(head.headers.map { HeaderList.Field(name: $0.name, value: $0.value) }),
            method: plan.request.method, compat: plan.note.compat, ttfbNanos: MonotonicClock.since(sentAt))
        responseStart = start
        capture = start.capture
        var fields = start.clientHeaders
        if let contentLength = start.contentLength { fields[.contentLength] = String(contentLength) }
        client.writeHead(HTTPResponse(status: .init(code: status), headerFields: fields))
        if !client.isWritable { connection?.pauseReading() }
    }

    func upstreamBody(_ buffer: ByteBuffer) {
        guard !done, capture != nil else { return }
        capture!.append(buffer.readableBytesView, offsetNanos: MonotonicClock.since(sentAt))
        if responseStart!.holdsBack(capture!, recording: plan.recording != nil) {
            held = buffer
            return
        }
        client.writeBody(buffer)
        if !client.isWritable { connection?.pauseReading() }
    }

    func upstreamReadComplete() {
        if !done { client.flush() }
    }

    func upstreamEnd() {
        connection = nil
        end(outcome: .complete, error: nil)
    }

    func upstreamFailed(_ error: any Error, headSeen: Bool) {
        connection = nil
        guard !done else { return }
        if capture != nil {
            end(outcome: .upstreamCut, error: UpstreamFailure.reason(error))
            return
        }
        let failure = VCRError.from(error)
        done = true
        store(recorder.failedResponse(failure, sentAt: sentAt)) { relay, _ in relay.client.fail(failure, note: relay.plan.note) }
    }

    // MARK: - Ending

    /// Stores (when recording) and reports the exchange, then ends the client's answer: with its
    /// end for a complete one, cut for the others. (A complete one is not flushed early: with an
    /// empty body, the head alone would tell the client the answer is whole before it is stored.)
    private func end(outcome: Outcome, error: String?) {
        guard !done else { return }
        done = true
        if outcome != .complete && outcome != .clientAbort { client.flush() }
        let response = capture.map { $0.finish(outcome: outcome, durationNanos: MonotonicClock.since(sentAt), errorMessage: error) }
            ?? recorder.headlessResponse(outcome: outcome, errorMessage: error, sentAt: sentAt)
        store(response) { relay, stored in
            relay.plan.ended(response, stored)
            if outcome == .complete {
                if let held = relay.held { relay.client.writeBody(held) }
                relay.client.finish()
            } else {
                relay.client.cut()
            }
        }
    }

    /// Stores `response` when recording (on the database's writer queue), then calls `then` on the loop.
    private func store(_ response: RecordedResponse, then: @escaping (ForwardRelay, Interaction?) -> Void) {
        guard let recording = plan.recording else { return then(self, nil) }
        let bound = NIOLoopBound((relay: self, then: then), eventLoop: client.eventLoop)
        let loop = client.eventLoop
        recorder.store(recorder.storedRequest(plan.request), response, id: interactionID, recording: recording) { stored in
            loop.execute { bound.value.then(bound.value.relay, stored) }
        }
    }
}
