import NIOCore
import NIOHTTP1
import NIOPosix

/// One recorded request sent again to a live server through the one upstream client
/// (``UpstreamChannelPool``), its answer captured as a recording is: chunks with their offsets,
/// SSE frames, time to first byte.
///
/// Unchecked Sendable: made off the loop, then touched only on the loop it is sent on.
final class LiveExchange: UpstreamExchangeDelegate, @unchecked Sendable {
    private var capture: ResponseCapture?
    private var sentAt: UInt64 = 0
    private var continuation: CheckedContinuation<RecordedResponse, any Error>?
    /// The connection holds its delegate weakly: the exchange keeps itself until it resumes.
    private var retained: LiveExchange?
    private var upstream = ""

    /// The live server's answer to `request`, with `extraHeaders` added (the secrets a cassette never holds).
    /// - Throws: ``VCRError`` when the server cannot be reached or stops answering.
    static func send(_ request: RecordedRequest, extraHeaders: HeaderList, through pool: UpstreamChannelPool, timeoutSeconds: Double) async throws -> RecordedResponse {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        var fields = HeaderPolicy.upstreamRequestHeaders(request, bodyCount: request.body.count, authority: pool.target.authority)
        for field in extraHeaders {
            fields.fields.removeAll { $0.name.lowercased() == field.name.lowercased() }
            fields.fields.append(field)
        }
        var headers = HTTPHeaders()
        for field in fields { headers.add(name: field.name, value: field.value) }
        let uri = pool.target.basePath + request.path + (request.query.map { "?" + $0 } ?? "")
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: uri, headers: headers)
        let limits = UpstreamConnection.Limits(firstByte: .nanoseconds(Int64(timeoutSeconds * 1e9)), silence: .nanoseconds(Int64(timeoutSeconds * 1e9)))
        let exchange = LiveExchange()
        return try await withCheckedThrowingContinuation { continuation in
            loop.execute {
                exchange.continuation = continuation
                exchange.retained = exchange
                exchange.upstream = pool.target.description
                exchange.sentAt = MonotonicClock.now()
                // Fresh connections: a verified answer's timing never includes another's leftovers.
                pool.send(head: head, body: ByteBuffer(bytes: request.body), limits: limits, on: loop, to: exchange, reuse: false)
            }
        }
    }

    // MARK: - UpstreamExchangeDelegate

    func upstreamStarted(on connection: UpstreamConnection) {}

    func upstreamHead(_ head: HTTPResponseHead) {
        let headers = HeaderList(head.headers.map { HeaderList.Field(name: $0.name, value: $0.value) })
        capture = ResponseCapture(status: Int(head.status.code), headers: headers, ttfbNanos: MonotonicClock.since(sentAt))
    }

    func upstreamBody(_ buffer: ByteBuffer) {
        capture?.append(buffer.readableBytesView, offsetNanos: MonotonicClock.since(sentAt))
    }

    func upstreamReadComplete() {}

    func upstreamEnd() {
        guard let capture else { return resume(.failure(VCRError.upstreamUnreachable(upstream: upstream, reason: "the server ended without an answer"))) }
        resume(.success(capture.finish(outcome: .complete, durationNanos: MonotonicClock.since(sentAt))))
    }

    func upstreamFailed(_ error: any Error, headSeen: Bool) {
        resume(.failure(VCRError.from(error)))
    }

    private func resume(_ result: Result<RecordedResponse, any Error>) {
        continuation?.resume(with: result)
        continuation = nil
        retained = nil
    }
}
