import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// The hot path, on the connection's event loop with no trip through Hummingbird and Swift tasks:
/// it reads a request whole (``RequestReader``), asks the one decision (``RequestDecider``), and
/// carries out a plan that needs nothing and is instant right here: a whole answer (emulated,
/// an injected status, an exhausted session), an instant replay of a prepared recording, or a
/// forwarding on a pooled upstream connection of the same loop (``ForwardRelay``). Any other plan
/// (a paced replay, an admin route, one that needs a cassette opened, an index or a recording
/// read, a miss to diagnose) goes on to Hummingbird with the reading handed over
/// (``RequestHandoffs``), so its route does not read the request again.
///
/// It sits after Hummingbird's connection-state handler (which keeps seeing every request and
/// response, for keep-alive, idle timeouts and graceful shutdown) and decides on whole requests;
/// one not whole within ``holdLimit`` of its head is Hummingbird's (its body timeout applies).
///
/// Paced replays stay on Swift tasks: a pacer writing on the event loops keeps worse time under
/// many streams (its timers wait behind the I/O of every connection on the same loops; the bare
/// NIO pacer of `vcr-bench timing` shows it).
final class HotPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let reader: RequestReader
    private let decider: RequestDecider
    private let handoffs: RequestHandoffs
    private let reporter: OutcomeReporter
    private let stats: ServerStats
    /// Nil in replay mode, where no plan forwards.
    private let forwarder: Forwarder?
    private let dates: HTTPDateCache
    /// The largest request body held back for a decision.
    private let maxBodyBytes: Int

    private enum State {
        /// Between requests.
        case idle
        /// A candidate request being read: its parts, held back until its end (``holdLimit`` at most).
        case holding(head: HTTPRequest, body: ByteBuffer?, arrival: ContinuousClock.Instant)
        /// The rest of the current request goes to Hummingbird.
        case passing
        /// A forwarded exchange is under way; what the client sends meanwhile waits in ``queued``.
        case relaying(ForwardRelay)
    }

    private var state = State.idle
    /// Parts of pipelined requests that arrived during a relay, read once it ends.
    private var queued: [HTTPRequestPart] = []
    /// Requests passed on to Hummingbird whose answer has not ended yet. While there are any, a
    /// pipelined request goes to Hummingbird too: answered here, it would overtake their answers.
    private var hummingbirdAnswersDue = 0
    /// Hands a request that is slow to arrive to Hummingbird.
    private var holdTimer: Scheduled<Void>?
    /// Replayed requests larger than this go to Hummingbird at once: their matching costs
    /// milliseconds, which would hold up every other connection of the loop, and the hot path
    /// saves microseconds. (Forwarded ones are held up to `--max-body-bytes`: only their match key
    /// is computed.)
    static let maxReplayBodyBytes = BoundedMemo<Int>.defaultMaxKeyBytes
    /// How long a request's parts are held back waiting for its end.
    static let holdLimit = TimeAmount.milliseconds(100)

    init(
        reader: RequestReader, decider: RequestDecider, handoffs: RequestHandoffs, reporter: OutcomeReporter, stats: ServerStats,
        forwarder: Forwarder?, options: ServeOptions, dates: HTTPDateCache
    ) {
        self.reader = reader
        self.decider = decider
        self.handoffs = handoffs
        self.reporter = reporter
        self.stats = stats
        self.forwarder = forwarder
        self.dates = dates
        maxBodyBytes = options.mode.forwardsEveryRequest ? options.maxBodyBytes : Self.maxReplayBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.relaying, _):
            queued.append(part)
        case (.idle, .head(let head)):
            if hummingbirdAnswersDue == 0, isCandidate(head) {
                state = .holding(head: head, body: nil, arrival: .now)
            } else {
                passHead(head, context: context)
            }
        case (.holding(let head, var body, let arrival), .body(let buffer)):
            if body == nil { body = buffer } else { body!.writeImmutableBuffer(buffer) }
            if body!.readableBytes > maxBodyBytes {
                release(context: context, head: head, body: body)
            } else {
                state = .holding(head: head, body: body, arrival: arrival)
            }
        case (.holding(let head, let body, let arrival), .end):
            holdTimer?.cancel()
            holdTimer = nil
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            let read = reader.read(head: head, body: bytes, arrival: arrival)
            if case .input(let input) = read, carryOut(input, context: context) { return }
            handoffs.leave(read, head: head, on: context.channel)
            release(context: context, head: head, body: body)
            context.fireChannelRead(data)
            state = .idle
        case (.passing, .end):
            state = .idle
            context.fireChannelRead(data)
        default:
            context.fireChannelRead(data)
        }
    }

    /// Whether a request may be answered here, from its head: not a `HEAD` (Hummingbird writes
    /// its bodiless answers), nor one with `Expect` or `Connection: close` (Hummingbird closes such
    /// a connection after its answer: it answers those).
    private func isCandidate(_ head: HTTPRequest) -> Bool {
        head.method != .head && head.headerFields[.expect] == nil
            && (head.headerFields[.connection].map { !$0.lowercased().contains("close") } ?? true)
    }

    /// A request still incomplete when a read burst ends gets ``holdLimit`` to arrive whole (most
    /// arrive in one burst and never need the timer).
    func channelReadComplete(context: ChannelHandlerContext) {
        if case .holding = state, holdTimer == nil {
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            holdTimer = context.eventLoop.scheduleTask(in: Self.holdLimit) {
                let (handler, context) = bound.value
                handler.holdTimer = nil
                if case .holding(let head, let body, _) = handler.state {
                    handler.release(context: context, head: head, body: body)
                    context.fireChannelReadComplete()  // Hummingbird takes what it was given at a read's end
                }
            }
        }
        context.fireChannelReadComplete()
    }

    /// Hummingbird's answers pass here on their way out: the end of one is counted.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { hummingbirdAnswersDue = max(0, hummingbirdAnswersDue - 1) }
        context.write(data, promise: promise)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .relaying(let relay) = state { relay.clientWritabilityChanged(context.channel.isWritable) }
        context.fireChannelWritabilityChanged()
    }

    /// Hummingbird's connection-state handler does not pass `channelInactive` on: the channel's
    /// close tells this handler that the client has gone.
    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let channel = context.channel
        context.channel.closeFuture.whenComplete { _ in bound.value.clientGone(channel) }
    }

    private func clientGone(_ channel: any Channel) {
        handoffs.drop(channel)
        holdTimer?.cancel()
        holdTimer = nil
        if case .relaying(let relay) = state { relay.clientClosed() }
        queued = []
    }

    /// Hands the parts held back to Hummingbird; the rest of the request follows them.
    private func release(context: ChannelHandlerContext, head: HTTPRequest, body: ByteBuffer?) {
        holdTimer?.cancel()
        holdTimer = nil
        passHead(head, context: context)
        if let body { context.fireChannelRead(wrapInboundOut(.body(body))) }
    }

    /// Passes a request's head on to Hummingbird, which owes its answer from now on; the rest of
    /// the request follows it.
    private func passHead(_ head: HTTPRequest, context: ChannelHandlerContext) {
        state = .passing
        hummingbirdAnswersDue += 1
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    // MARK: - Answering

    /// How often a decision is asked again when another request took its cursor or fault first.
    private static let maxClaims = 4

    /// Carries out the plan for `input` if it is instant and can be carried out here.
    /// - Returns: false when the request is left to Hummingbird (nothing was used up).
    private func carryOut(_ input: RequestInput, context: ChannelHandlerContext) -> Bool {
        for _ in 0..<Self.maxClaims {
            guard let plan = try? decider.decide(input), plan.isInstant else { return false }
            // No plan forwards in replay mode; were one to, PlanRunner answers it with its error.
            if case .forward = plan, forwarder == nil { return false }
            guard decider.claim(plan.claim) else { continue }
            stats.increment(\.requests)
            switch plan {
            case .answer(let answer):
                reporter.answered(answer)
                var fields = answer.headers
                fields[.date] = dates.date
                state = .idle
                _ = Self.writeWhole(
                    HTTPResponse(status: .init(code: answer.status), headerFields: fields), body: context.channel.allocator.buffer(bytes: answer.body),
                    context: context)
            case .play(let playback):
                stats.increment(\.immediate)
                write(playback, context: context)
            case .forward(let forwarding):
                guard let forwarder else { return false }  // ruled out above
                stats.increment(\.relayed)
                relay(forwarder.plan(forwarding, for: input), through: forwarder, context: context)
            case .admin, .needs:
                return false  // ruled out above
            }
            return true
        }
        return false
    }

    /// Writes an instant replay: head, the whole body and the end in one system call.
    private func write(_ playback: Playback, context: ChannelHandlerContext) {
        let replay = playback.replay
        var fields = replay.headers
        fields.append(contentsOf: playback.extraHeaders)
        fields[.date] = dates.date
        if let length = replay.contentLength { fields[.contentLength] = String(length) }
        let reporter = self.reporter
        state = .idle
        Self.writeWhole(HTTPResponse(status: .init(code: replay.status ?? 502), headerFields: fields), body: replay.body, context: context)
            .whenComplete { result in reporter.finished(playback, complete: (try? result.get()) != nil) }
    }

    /// Writes a whole answer — head, body, end — in one system call (the last write flushes).
    static func writeWhole(_ head: HTTPResponse, body: ByteBuffer, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        context.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(NIOAny(HTTPResponsePart.body(body)), promise: nil) }
        return context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)))
    }

    /// Forwards a request; the next one is read when the exchange has ended.
    private func relay(_ plan: ForwardPlan, through forwarder: Forwarder, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let client = ChannelRelayClient(context: context, dates: dates, reporter: reporter) {
            bound.value.handler.relayEnded(context: bound.value.context)
        }
        let relay = ForwardRelay(plan: plan, forwarder: forwarder, client: client)
        state = .relaying(relay)
        relay.start()
    }

    /// Reads the parts that arrived during the relay. Hummingbird takes the parts it is given when a
    /// read ends, so a read's end follows them: without it, a request passed on here would wait for
    /// the client's next bytes, which never come while the client waits for its answer.
    private func relayEnded(context: ChannelHandlerContext) {
        guard case .relaying = state else { return }
        state = .idle
        guard !queued.isEmpty else { return }
        while !queued.isEmpty {
            if case .relaying = state { break }
            channelRead(context: context, data: wrapInboundOut(queued.removeFirst()))
        }
        channelReadComplete(context: context)
    }
}
