import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP server that answers every request with raw bytes, for upstream faults an HTTP framework
/// cannot produce: garbage, truncated chunked bodies, resets, silence.
final class RawUpstream: Sendable {
    enum Step: Sendable {
        case bytes(String)
        case wait(milliseconds: Int)
        /// Close with a TCP reset (SO_LINGER 0).
        case reset
        /// Close normally.
        case close
        /// Never answer again (until the test ends).
        case hang
    }

    let steps: [Step]
    /// Answer as soon as any bytes of a request arrive, before its head or body is complete (as Go's
    /// net/http, nginx or a proxy do with an oversized head or body), instead of after the head.
    let answerEarly: Bool

    init(_ steps: [Step], answerEarly: Bool = false) {
        self.steps = steps
        self.answerEarly = answerEarly
    }

    /// Runs the server on 127.0.0.1:0 for the duration of `body`.
    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let steps = self.steps, answerEarly = self.answerEarly
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(RawReplyHandler(steps: steps, answerEarly: answerEarly)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        return try await body(server.localAddress?.port ?? 0)
    }
}

private final class RawReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let steps: [RawUpstream.Step]
    let answerEarly: Bool
    var received: [UInt8] = []
    var answered = false

    init(steps: [RawUpstream.Step], answerEarly: Bool) {
        self.steps = steps
        self.answerEarly = answerEarly
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if answerEarly {
            guard !answered else { return }  // the rest of the request is read and dropped
            answered = true
            play(steps[...], context: context)
            return
        }
        received += Array(unwrapInboundIn(data).readableBytesView)
        guard !answered, received.count >= 4, received.suffix(from: 0).indices.contains(where: { i in
            i + 3 < received.count && received[i] == 13 && received[i + 1] == 10 && received[i + 2] == 13 && received[i + 3] == 10
        }) else { return }
        answered = true
        play(steps[...], context: context)
    }

    private func play(_ remaining: ArraySlice<RawUpstream.Step>, context: ChannelHandlerContext) {
        guard let step = remaining.first else { return }
        let rest = remaining.dropFirst()
        switch step {
        case .bytes(let text):
            context.writeAndFlush(NIOAny(ByteBuffer(string: text)), promise: nil)
            play(rest, context: context)
        case .wait(let ms):
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(ms))) { self.play(rest, context: context) }
        case .reset:
            if let provider = context.channel as? any SocketOptionProvider {
                let close = context.eventLoop.makePromise(of: Void.self)
                let channel = context.channel
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: close) }
            } else {
                context.close(promise: nil)
            }
        case .close:
            context.close(promise: nil)
        case .hang:
            break
        }
    }
}
