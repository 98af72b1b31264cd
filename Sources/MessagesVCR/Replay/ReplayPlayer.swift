import HTTPTypes
import Hummingbird
import NIOCore

/// A recording made ready to be written many times: headers converted once, chunks as
/// ByteBuffer slices that every playback shares without copying.
struct PreparedReplay: Sendable {
    var interactionID: String
    var status: Int?
    var headers: HTTPFields
    var contentLength: Int?
    /// The whole recorded body; ``chunks`` are slices of it.
    var body: ByteBuffer
    var chunks: [ByteBuffer]
    /// Each chunk's recorded offset (ns from the request).
    var offsets: [UInt64]
    /// Extra delay (ns) before each chunk, added by a fault's stalls.
    var extraDelays: [UInt64]
    /// Byte range and event name of each SSE frame in ``body``.
    var frames: [(range: Range<Int>, event: String?)]
    var ttfbNanos: UInt64
    var outcome: Outcome
    var errorMessage: String?
    /// The machine-specific values the recorded request stated (set when the rules learn any).
    var recordedValues: [MachineValues.Learned] = []
    /// The harness of the recorded request (set when the rules name harness paths).
    var harness = HarnessPrint()
    /// The recorded request's client, from its `User-Agent` (`claude-cli/2.1.306`).
    let client: String?
    /// The server that produced the recording.
    let recordedFrom: Flavor
    /// Which server's grammar the answer is in now (``FlavorShaper`` turns it into the other's).
    var shapedAs: Flavor
    /// Whether it answers `/v1/messages` (only those answers are reshaped).
    var answersMessages: Bool

    init(_ interaction: Interaction) {
        let response = interaction.response
        interactionID = interaction.id
        status = response.status
        headers = HTTPConversions.httpFields(HeaderPolicy.clientResponseHeaders(response.headers))
        contentLength = response.headers["content-length"] != nil && response.outcome == .complete ? response.body.count : nil
        body = ByteBuffer(bytes: response.body)
        chunks = response.chunks.map { [body] in body.getSlice(at: $0.byteOffset, length: $0.length)! }
        offsets = response.chunks.map(\.offsetNanos)
        extraDelays = Array(repeating: 0, count: response.chunks.count)
        frames = response.frames.map { ($0.byteRange, $0.event) }
        ttfbNanos = response.ttfbNanos ?? 0
        outcome = response.outcome
        errorMessage = response.errorMessage
        client = Drift.client(userAgent: interaction.request.headers["user-agent"])
        recordedFrom = Flavor.producer(of: response, source: interaction.source)
        shapedAs = recordedFrom
        answersMessages = interaction.request.path == AnthropicEmulator.messagesPath
    }
}

/// Writes a prepared recording to a client: the same status, headers and chunks, each chunk at an
/// absolute deadline from the request's arrival (so sleep errors never add up over a stream).
/// A recording that was cut ends with the same cut.
struct ReplayPlayer: Sendable {
    /// Raised inside a replayed body to cut the connection where the recording was cut.
    struct RecordedCut: Error {}

    /// The response for `replay`, paced by `timing` from `arrival`.
    func response(
        for replay: PreparedReplay, timing: TimingPolicy, arrival: ContinuousClock.Instant, extraHeaders: HTTPFields, flavor: Flavor = .ollama,
        onFinish: @escaping @Sendable (Bool) -> Void
    ) async throws -> Response {
        guard let status = replay.status else {
            // No response head was ever received: the client got messages-vcr's own error then, and gets it again.
            onFinish(true)
            let message = replay.errorMessage ?? "messages-vcr: upstream error"
            var response = HTTPConversions.response(
                status: 502, headers: HeaderList(pairs: [("Content-Type", "application/json")]),
                body: AnthropicErrorBody.encode(type: "api_error", message: message), flavor: flavor)
            response.headers.append(contentsOf: extraHeaders)
            return response
        }
        try await Self.sleep(until: arrival, plus: timing.headDelay(ttfbNanos: replay.ttfbNanos))
        var headers = replay.headers
        headers.append(contentsOf: extraHeaders)
        // Instant replay with no stall: the chunks would go out back to back anyway; one write of
        // the same bytes saves a write (and a flush) per event.
        if timing == .instant, replay.extraDelays.allSatisfy({ $0 == 0 }), replay.chunks.count > 1 {
            let total = replay.chunks.reduce(0) { $0 + $1.readableBytes }
            var joined = replay.body
            if total != replay.body.readableBytes {  // a fault changed the body: join what is left
                joined = ByteBuffer()
                joined.reserveCapacity(total)
                for chunk in replay.chunks { joined.writeImmutableBuffer(chunk) }
            }
            var single = replay
            single.chunks = [joined]
            single.offsets = [0]
            single.extraDelays = [0]
            return try await response(for: single, timing: timing, arrival: arrival, extraHeaders: extraHeaders, flavor: flavor, onFinish: onFinish)
        }
        let body = ResponseBody(contentLength: replay.contentLength) { writer in
            do {
                for (index, chunk) in replay.chunks.enumerated() {
                    try await Self.sleep(until: arrival, plus: timing.deadline(chunk: index, offsetNanos: replay.offsets[index]) + replay.extraDelays[index])
                    try await writer.write(chunk)
                }
            } catch {
                onFinish(false)
                throw error
            }
            onFinish(replay.outcome == .complete)
            if replay.outcome != .complete {
                // The writer hands bytes to the channel without waiting for the socket; give the
                // event loop a moment to flush them, or closing would drop the last chunks.
                try? await Task.sleep(for: .milliseconds(50))
                throw RecordedCut()
            }
            try await writer.finish(nil)
        }
        return Response(status: .init(code: status), headers: headers, body: body)
    }

    private static func sleep(until arrival: ContinuousClock.Instant, plus nanos: UInt64) async throws {
        guard nanos > 0 else { return }
        let deadline = arrival.advanced(by: .nanoseconds(Int64(nanos)))
        if deadline > .now { try await Task.sleep(until: deadline, tolerance: .zero, clock: .continuous) }
    }
}
