import Foundation
import HTTPTypes
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// The hot path: a `POST /v1/messages` that a prepared recording answers at `instant` pace is
/// written right here, on the connection's event loop, without a trip through Hummingbird and
/// Swift tasks; every other request (a paced replay, anything that would have to wait) goes on to
/// Hummingbird untouched.
///
/// It sits after Hummingbird's connection-state handler (which keeps seeing every request and
/// response, for keep-alive, idle timeouts and graceful shutdown) and decides on whole requests;
/// one not whole within ``holdLimit`` of its head is Hummingbird's (its body timeout applies).
/// The decision and the answer come from the same code as Hummingbird's path
/// (``VCRResponder/immediatePlayback(head:body:arrival:)``).
///
/// Paced replays stay on Swift tasks: a bare pacer writing on the event loops measured worse here
/// (p50 19.4 ms against messages-vcr's 6.2 ms at 200 streams on 2 cores), its timers waiting
/// behind the I/O of every connection on the same two loops.
final class ImmediateReplayHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private let responder: VCRResponder
    private let dates: HTTPDateCache

    private enum State {
        /// Between requests.
        case idle
        /// A candidate request being read: its parts, held back until its end (``holdLimit`` at most).
        case holding(head: HTTPRequest, body: ByteBuffer?, arrival: ContinuousClock.Instant)
        /// The rest of the current request goes to Hummingbird.
        case passing
    }

    private var state = State.idle
    /// Hands a request that is slow to arrive to Hummingbird.
    private var holdTimer: Scheduled<Void>?
    /// Larger requests go to Hummingbird at once: their matching costs milliseconds, the hot path
    /// saves microseconds, and a request it declined would be matched twice (bodies up to this size
    /// are matched once: ``BoundedMemo`` keeps them).
    static let maxBodyBytes = BoundedMemo<Int>.defaultMaxKeyBytes
    /// How long a request's parts are held back waiting for its end.
    static let holdLimit = TimeAmount.milliseconds(100)

    init(responder: VCRResponder, dates: HTTPDateCache) {
        self.responder = responder
        self.dates = dates
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.idle, .head(let head)):
            if head.method == .post, head.path?.hasSuffix("/v1/messages") ?? false || head.path?.contains("/v1/messages?") ?? false,
                head.headerFields[.expect] == nil, head.headerFields[.connection].map({ !$0.lowercased().contains("close") }) ?? true
            {  // (Hummingbird closes a `Connection: close` connection after its answer: it answers those.)
                state = .holding(head: head, body: nil, arrival: .now)
            } else {
                state = .passing
                context.fireChannelRead(data)
            }
        case (.holding(let head, var body, let arrival), .body(let buffer)):
            if body == nil { body = buffer } else { body!.writeImmutableBuffer(buffer) }
            if body!.readableBytes > Self.maxBodyBytes {
                release(context: context, head: head, body: body)
            } else {
                state = .holding(head: head, body: body, arrival: arrival)
            }
        case (.holding(let head, let body, let arrival), .end):
            holdTimer?.cancel()
            holdTimer = nil
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            if let playback = responder.immediatePlayback(head: head, body: bytes, arrival: arrival) {
                write(playback, context: context)
            } else {
                release(context: context, head: head, body: body)
                context.fireChannelRead(data)
                state = .idle
            }
        case (.passing, .end):
            state = .idle
            context.fireChannelRead(data)
        default:
            context.fireChannelRead(data)
        }
    }

    /// A request still incomplete when a read burst ends gets ``holdLimit`` to arrive whole (most
    /// arrive in one burst and never need the timer).
    func channelReadComplete(context: ChannelHandlerContext) {
        if case .holding = state, holdTimer == nil {
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            holdTimer = context.eventLoop.scheduleTask(in: Self.holdLimit) {
                let (handler, context) = bound.value
                handler.holdTimer = nil
                if case .holding(let head, let body, _) = handler.state { handler.release(context: context, head: head, body: body) }
            }
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        holdTimer?.cancel()
        holdTimer = nil
        context.fireChannelInactive()
    }

    /// Hands the parts held back to Hummingbird; the rest of the request follows them.
    private func release(context: ChannelHandlerContext, head: HTTPRequest, body: ByteBuffer?) {
        holdTimer?.cancel()
        holdTimer = nil
        state = .passing
        context.fireChannelRead(wrapInboundOut(.head(head)))
        if let body { context.fireChannelRead(wrapInboundOut(.body(body))) }
    }

    // MARK: - Writing a replay

    /// Writes an instant replay: head, the whole body and the end in one system call.
    private func write(_ playback: Stage.Playback, context: ChannelHandlerContext) {
        let replay = playback.replay
        var fields = replay.headers
        fields.append(contentsOf: playback.extraHeaders)
        fields[.date] = dates.date
        if let length = replay.contentLength { fields[.contentLength] = String(length) }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .init(code: replay.status ?? 502), headerFields: fields))), promise: nil)
        if replay.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(replay.body)), promise: nil) }
        let finish = playback.finish
        state = .idle
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { result in
            finish((try? result.get()) != nil)
        }
    }
}

/// Puts an ``ImmediateReplayHandler`` after Hummingbird's connection-state handler once the
/// connection's pipeline is complete (Hummingbird adds its extra handlers before that one), then
/// removes itself.
final class ImmediateReplayInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    private let makeHandler: @Sendable () -> ImmediateReplayHandler

    init(_ makeHandler: @escaping @Sendable () -> ImmediateReplayHandler) {
        self.makeHandler = makeHandler
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The pipeline is being set up now; the state handler comes after this one.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.execute { bound.value.handler.install(context: bound.value.context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        install(context: context)
        context.fireChannelRead(data)
    }

    private var installed = false

    private func install(context: ChannelHandlerContext) {
        guard !installed else { return }
        installed = true
        let pipeline = context.pipeline.syncOperations
        if let state = try? pipeline.handler(type: HTTPConnectionStateHandler.self) {
            try? pipeline.addHandler(makeHandler(), position: .after(state))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// The `Date` header value, formatted at most once a second.
final class HTTPDateCache: Sendable {
    private let cached = NIOLockedValueBox<(second: Int, value: String)>((-1, ""))
    /// Only used under the lock.
    private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }()

    var date: String {
        let now = Date()
        let second = Int(now.timeIntervalSince1970)
        return cached.withLockedValue { cached in
            if cached.second != second { cached = (second, Self.formatter.string(from: now)) }
            return cached.value
        }
    }
}
