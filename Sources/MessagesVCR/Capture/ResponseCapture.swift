/// Accumulates a response body as it streams through: the bytes, each chunk's byte range and
/// arrival offset, and (for event streams) the SSE frames. Turns into a ``RecordedResponse`` at the end.
public struct ResponseCapture: Sendable {
    /// The status received.
    let status: Int
    /// The headers received.
    let headers: HeaderList
    /// Nanoseconds from sending the request to the response head.
    let ttfbNanos: UInt64
    private(set) var body: [UInt8] = []
    private(set) var chunks: [BodyChunk] = []
    private(set) var frames: [SSEFrame] = []
    private var parser: SSEFrameParser?

    /// Starts capturing a response whose head has arrived.
    public init(status: Int, headers: HeaderList, ttfbNanos: UInt64) {
        self.status = status
        self.headers = headers
        self.ttfbNanos = ttfbNanos
        if let type = headers["content-type"], type.lowercased().hasPrefix("text/event-stream") {
            parser = SSEFrameParser()
        }
    }

    /// Appends one chunk that arrived `offsetNanos` after the request was sent.
    public mutating func append<Bytes: Collection>(_ bytes: Bytes, offsetNanos: UInt64) where Bytes.Element == UInt8 {
        guard !bytes.isEmpty else { return }
        chunks.append(BodyChunk(byteOffset: body.count, length: bytes.count, offsetNanos: offsetNanos))
        body.append(contentsOf: bytes)
        if parser != nil {
            frames.append(contentsOf: parser!.consume(body, offsetNanos: offsetNanos))
        }
    }

    /// The captured response, ended with `outcome`.
    /// - Parameters:
    ///   - outcome: how it ended.
    ///   - durationNanos: time from sending the request to the end.
    ///   - errorMessage: what went wrong, if anything.
    public func finish(outcome: Outcome, durationNanos: UInt64, errorMessage: String? = nil) -> RecordedResponse {
        RecordedResponse(
            status: status, headers: headers, body: body, chunks: chunks, frames: frames,
            ttfbNanos: ttfbNanos, durationNanos: durationNanos, outcome: outcome, errorMessage: errorMessage
        )
    }
}
