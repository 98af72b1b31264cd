import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The ceilings messages-vcr is measured against, with no framework or no messages-vcr in them:
/// a bare SwiftNIO HTTP/1 server (the NIOHTTP1 pipeline and one handler) answering fixed bytes or
/// pacing fixed chunks on the channel's own event loop, and a bare Hummingbird answer.
enum BareServers {
    /// What a bare server answers every request with.
    struct Answer: Sendable {
        var contentType: String
        /// The body, in the chunks it is written in.
        var chunks: [ByteBuffer]
        /// Each chunk's deadline (ns from the request's end); nil: all at once, with Content-Length.
        var offsets: [UInt64]?
    }

    /// Runs a bare NIO server on 127.0.0.1:`port` (0: a free one) until `body` returns.
    static func withNIO<T: Sendable>(_ answer: Answer, port: Int = 0, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(BareHandler(answer))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        do {
            let result = try await body(channel.localAddress?.port ?? 0)
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// A bare Hummingbird answer: one responder that reads the request and returns the bytes.
    struct FixedResponder: HTTPResponder {
        typealias Context = BasicRequestContext
        let answer: Answer
        private var body: ByteBuffer {
            var joined = ByteBuffer()
            for chunk in answer.chunks { joined.writeImmutableBuffer(chunk) }
            return joined
        }

        func respond(to request: Request, context: Context) async throws -> Response {
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .ok, headers: [.contentType: answer.contentType], body: .init(byteBuffer: body))
        }
    }

    /// Serves `answer` on `port` with `kind` (`nio` or `hummingbird`) until the process is killed,
    /// printing `listening PORT` first: the peers `Benchmarks/run` points wrk at.
    static func serveForever(kind: String, answer: Answer, port: Int) async throws {
        switch kind {
        case "nio":
            try await withNIO(answer, port: port) { port in
                FileHandle.standardOutput.write(Data("listening \(port)\n".utf8))
                while true { try await Task.sleep(for: .seconds(3600)) }
            }
        default:
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            try await BenchServers.withResponder(FixedResponder(answer: answer), logger: logger, port: port) { port in
                FileHandle.standardOutput.write(Data("listening \(port)\n".utf8))
                while true { try await Task.sleep(for: .seconds(3600)) }
            }
        }
    }
}

/// Answers every request with the fixed answer: at once with Content-Length, or paced, each chunk
/// scheduled on the channel's event loop at an absolute deadline from the request's end.
private final class BareHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let answer: BareServers.Answer
    private let length: Int
    private var keepAlive = true

    init(_ answer: BareServers.Answer) {
        self.answer = answer
        self.length = answer.chunks.reduce(0) { $0 + $1.readableBytes }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            respond(context: context)
        }
    }

    private func respond(context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("Content-Type", answer.contentType)])
        guard let offsets = answer.offsets else {
            headers.add(name: "Content-Length", value: String(length))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            for chunk in answer.chunks { context.write(wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil) }
            finish(context: context)
            return
        }
        headers.add(name: "Transfer-Encoding", value: "chunked")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        let arrival = NIODeadline.now()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        for (index, (chunk, offset)) in zip(answer.chunks, offsets).enumerated() {
            context.eventLoop.scheduleTask(deadline: arrival + .nanoseconds(Int64(offset))) {
                let (handler, context) = loopBound.value
                context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
                if index == handler.answer.chunks.count - 1 { handler.finish(context: context) }
            }
        }
    }

    private func finish(context: ChannelHandlerContext) {
        let keepAlive = self.keepAlive
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { bound.value.close(promise: nil) }
        }
    }
}
