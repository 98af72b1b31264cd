import NIOCore
import NIOHTTP1

/// Receives the events of one upstream exchange, on the event loop it was started on.
protocol UpstreamExchangeDelegate: AnyObject {
    /// The request is being sent on `connection` (which the delegate may pause, resume or cancel).
    func upstreamStarted(on connection: UpstreamConnection)
    /// The response head arrived.
    func upstreamHead(_ head: HTTPResponseHead)
    /// A piece of the response body arrived.
    func upstreamBody(_ buffer: ByteBuffer)
    /// A burst of reads ended: time to flush what was written.
    func upstreamReadComplete()
    /// The response ended.
    func upstreamEnd()
    /// The exchange failed: before the head (`headSeen` false: nothing reached the client yet) or
    /// after it (the body was cut). The error is a ``VCRError`` before the head; after it, one
    /// ``UpstreamFailure/reason(_:)`` describes.
    func upstreamFailed(_ error: any Error, headSeen: Bool)
}

/// One keep-alive HTTP/1.1 connection to the upstream, owned by an ``UpstreamChannelPool``: it
/// sends one request at a time and hands the response to the exchange's delegate as it arrives.
///
/// It enforces both upstream limits on its event loop: the first-byte timeout (`--first-byte-timeout`)
/// until the head, then the longest silence between body bytes (`--upstream-timeout`). The delegate
/// pauses reading (``pauseReading()``) while its client cannot take more, so nothing piles up.
final class UpstreamConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// Limits of one exchange.
    struct Limits {
        var firstByte: TimeAmount
        var silence: TimeAmount?
    }

    private let pool: UpstreamChannelPool
    private var context: ChannelHandlerContext?
    private weak var delegate: (any UpstreamExchangeDelegate)?
    private var exchange: (head: HTTPRequestHead, body: ByteBuffer, limits: Limits)?
    /// Whether this connection served an exchange before (a reused one that fails before any byte
    /// came back may have been closed by the upstream meanwhile: the request is sent again on a new one).
    private var reused = false
    private var headSeen = false
    private var keepAlive = true
    private var paused = false
    private var readPending = false
    private var lastRead = NIODeadline.now()
    private var timer: Scheduled<Void>?

    init(pool: UpstreamChannelPool) {
        self.pool = pool
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    var isActive: Bool { context?.channel.isActive ?? false }

    /// Sends `head` and `body` and reports the response to `delegate`.
    func start(head: HTTPRequestHead, body: ByteBuffer, limits: Limits, delegate: any UpstreamExchangeDelegate) {
        guard let context else {
            delegate.upstreamFailed(VCRError.upstreamUnreachable(upstream: pool.target.description, reason: "connection closed"), headSeen: false)
            return
        }
        self.delegate = delegate
        exchange = (head, body, limits)
        headSeen = false
        keepAlive = true
        paused = false
        arm(after: limits.firstByte)
        delegate.upstreamStarted(on: self)
        guard self.delegate != nil else { return }  // cancelled meanwhile
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.read()
    }

    /// Stops reading from the upstream until ``resumeReading()`` (the client's socket is full).
    func pauseReading() { paused = true }

    /// Reads on, after ``pauseReading()``.
    func resumeReading() {
        paused = false
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// Ends the exchange from the client's side (it went away): the connection is closed, not reused.
    func cancel() {
        delegate = nil
        exchange = nil
        timer?.cancel()
        context?.close(promise: nil)
    }

    // MARK: - Channel events

    func read(context: ChannelHandlerContext) {
        if paused { readPending = true } else { context.read() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let delegate else { return }
        lastRead = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            headSeen = true
            keepAlive = head.isKeepAlive
            rearmForSilence()
            delegate.upstreamHead(head)
        case .body(let buffer):
            delegate.upstreamBody(buffer)
        case .end:
            timer?.cancel()
            timer = nil
            self.delegate = nil
            exchange = nil
            reused = true
            if keepAlive { pool.release(self, on: context.eventLoop) } else { context.close(promise: nil) }
            delegate.upstreamEnd()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context: context, reason: headSeen ? "the upstream closed the connection mid-body" : "connection closed before the response")
        pool.forget(self, on: context.eventLoop)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, reason: UpstreamFailure.reason(error))
        context.close(promise: nil)
    }

    private func fail(context: ChannelHandlerContext, reason: String) {
        timer?.cancel()
        timer = nil
        guard let delegate, let exchange else { return }
        self.delegate = nil
        self.exchange = nil
        if !headSeen, reused {  // a keep-alive connection the upstream had closed: once more on a new one
            pool.send(head: exchange.head, body: exchange.body, limits: exchange.limits, on: context.eventLoop, to: delegate, reuse: false)
            return
        }
        let error: any Error = headSeen ? UpstreamFailure.Cut(reason: reason) : VCRError.upstreamUnreachable(upstream: pool.target.description, reason: reason)
        delegate.upstreamFailed(error, headSeen: headSeen)
    }

    // MARK: - Timeouts

    private func arm(after amount: TimeAmount) {
        timer?.cancel()
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: amount) { bound.value.timeUp() }
    }

    /// After the head, one timer checks the silence since the last read, rescheduled from it.
    private func rearmForSilence() {
        if let silence = exchange?.limits.silence { arm(after: silence) } else { timer?.cancel(); timer = nil }
    }

    private func timeUp() {
        timer = nil
        guard let context, let delegate, let exchange else { return }
        if headSeen, let silence = exchange.limits.silence {
            let quiet = NIODeadline.now() - lastRead
            if quiet < silence { return arm(after: silence - quiet) }
            self.delegate = nil
            self.exchange = nil
            context.close(promise: nil)
            delegate.upstreamFailed(UpstreamFailure.IdleTimeout(seconds: Double(silence.nanoseconds) / 1e9), headSeen: true)
        } else if !headSeen {
            self.delegate = nil
            self.exchange = nil
            context.close(promise: nil)
            let seconds = Double(exchange.limits.firstByte.nanoseconds) / 1e9
            delegate.upstreamFailed(VCRError.upstreamTimeout(upstream: pool.target.description, seconds: seconds), headSeen: false)
        }
    }
}
