import Hummingbird
import Logging
import NIOCore

/// Forwards a request upstream and streams the answer back chunk by chunk, never buffered, while
/// capturing it. With a store, the capture is written as one interaction when the exchange ends,
/// whatever its outcome: before the final chunk reaches the client for a complete answer, so a
/// client that saw the end can rely on the recording being on disk.
struct RecordingProxy: Sendable {
    let upstream: UpstreamClient
    let logger: Logger
    let stats: ServerStats
    let redactor: Redactor

    /// Where and how to store the exchange (nil in passthrough mode).
    struct Recording: Sendable {
        var store: CassetteStore
        var matchKey: String?
        var matchRulesFingerprint: String?
        /// The session the request came in (nil: the default one).
        var session: String?
        /// Called with the stored interaction before the exchange's end is reported (indexing it
        /// for replay); it calls its second argument when done.
        var stored: @Sendable (Interaction, _ done: @escaping @Sendable () -> Void) -> Void = { $1() }
    }

    /// Forwards `plan`'s request upstream and returns the streaming response.
    /// - Throws: ``VCRError`` when no response head arrives; the failure is recorded first.
    func forward(_ plan: ForwardPlan) async throws -> Response {
        let interactionID = RandomID.interactionID()
        let storedRequest = storedRequest(plan.request)
        let sentAt = MonotonicClock.now()
        let head: UpstreamResponse
        do {
            head = try await upstream.send(plan.request, body: plan.upstreamBody)
        } catch let error as VCRError {
            _ = await store(storedRequest, failedResponse(error, sentAt: sentAt), id: interactionID, recording: plan.recording)
            throw error  // the responder answers and reports it
        }
        let start = ResponseStart(
            status: head.status, headers: head.headers, method: plan.request.method, compat: plan.note.compat, ttfbNanos: MonotonicClock.since(sentAt))
        let body = ResponseBody(contentLength: start.contentLength) { writer in
            try await self.stream(head.body, to: &writer, start: start, recording: plan.recording != nil, sentAt: sentAt) { response in
                plan.ended(response, await self.store(storedRequest, response, id: interactionID, recording: plan.recording))
            }
        }
        return Response(status: .init(code: head.status), headers: start.clientHeaders, body: body)
    }

    /// What the client and the cassette get of an upstream response head, whichever path forwards it.
    struct ResponseStart {
        /// The headers written to the client (transport and hop-by-hop ones are the server's own),
        /// with the request's `x-vcr-compat` note before the upstream's own, if any.
        var clientHeaders: HTTPFields
        /// The body's declared length (none for a `HEAD` request's answer).
        var contentLength: Int?
        /// The capture the body is added to, with the headers as stored.
        var capture: ResponseCapture

        init(status: Int, headers: HeaderList, method: String, compat: String?, ttfbNanos: UInt64) {
            clientHeaders = HTTPConversions.httpFields(HeaderPolicy.clientResponseHeaders(headers))
            if let compat { clientHeaders[RequestDecider.compatHeader] = RequestDecider.compat(compat, clientHeaders[RequestDecider.compatHeader]) }
            contentLength = method == "HEAD" ? nil : headers["content-length"].flatMap { Int($0) }
            capture = ResponseCapture(status: status, headers: HeaderPolicy.storedResponseHeaders(headers), ttfbNanos: ttfbNanos)
        }

        /// Whether the piece that completes a `Content-Length` body is held back until the exchange
        /// is stored: the client sees such a body end with its last byte, and a client that saw the
        /// end relies on the recording being on disk. (A chunked body ends with the forwarder's
        /// own end, written after the store.)
        func holdsBack(_ capture: ResponseCapture, recording: Bool) -> Bool {
            guard recording, let contentLength else { return false }
            return capture.body.count >= contentLength
        }
    }

    /// The request as stored: its headers without secrets.
    func storedRequest(_ request: RecordedRequest) -> RecordedRequest {
        RecordedRequest(
            method: request.method, path: request.path, query: request.query,
            headers: redactor.redact(HeaderPolicy.storedRequestHeaders(request.headers)), body: request.body)
    }

    /// What is stored of an exchange that got no response head.
    func failedResponse(_ error: VCRError, sentAt: UInt64) -> RecordedResponse {
        RecordedResponse(
            status: nil, headers: HeaderList(), body: [], chunks: [], frames: [], ttfbNanos: nil,
            durationNanos: MonotonicClock.since(sentAt), outcome: .upstreamError, errorMessage: error.message)
    }

    /// Copies the upstream body to the client, capturing each chunk; calls `ended` with the capture
    /// before the client's response is finished (or cut). The client sees the end of a chunked body
    /// only when `finish` writes it; a body with a `Content-Length` ends with its last byte, so its
    /// last piece is held back until the capture is stored.
    private func stream(
        _ source: UpstreamBody, to writer: inout any ResponseBodyWriter, start: ResponseStart, recording: Bool, sentAt: UInt64,
        ended: (RecordedResponse) async -> Void
    ) async throws {
        var capture = start.capture
        var failure: (outcome: Outcome, error: any Error)? = nil
        var held: ByteBuffer? = nil
        do {
            try await upstream.bodyReader.forEach(source) { buffer in
                capture.append(buffer.readableBytesView, offsetNanos: MonotonicClock.since(sentAt))
                if start.holdsBack(capture, recording: recording) {
                    held = buffer
                    return true
                }
                do {
                    try await writer.write(buffer)
                    return true
                } catch {
                    failure = (.clientAbort, error)
                    return false  // leaving the reader cancels the upstream request
                }
            }
        } catch {
            failure = (error is CancellationError ? .clientAbort : .upstreamCut, error)
        }
        let response = capture.finish(
            outcome: failure?.outcome ?? .complete, durationNanos: MonotonicClock.since(sentAt),
            errorMessage: failure.map { UpstreamClient.reason($0.error) })
        await ended(response)
        if let held { try await writer.write(held) }
        if let failure { throw failure.error }
        try await writer.finish(nil)
    }

    /// Stores one exchange; a storage failure is logged and never reaches the client.
    /// - Returns: the stored interaction, or nil when there is no store or storing failed.
    func store(_ request: RecordedRequest, _ response: RecordedResponse, id: String, recording: Recording?) async -> Interaction? {
        // A continuation, not a child task: a cancelled client cannot cancel the write of what it received.
        await withCheckedContinuation { continuation in
            store(request, response, id: id, recording: recording) { continuation.resume(returning: $0) }
        }
    }

    /// Like ``store(_:_:id:recording:)``, calling `completion` (from the database's writer queue)
    /// instead of suspending a task.
    func store(
        _ request: RecordedRequest, _ response: RecordedResponse, id: String, recording: Recording?,
        completion: @escaping @Sendable (Interaction?) -> Void
    ) {
        guard let recording else { return completion(nil) }
        let interaction = Interaction(
            id: id, upstream: upstream.target.description, request: request, response: redactor.redact(response),
            matchKey: recording.matchKey, matchRulesFingerprint: recording.matchRulesFingerprint, session: recording.session)
        let stats = self.stats, logger = self.logger
        recording.store.save(interaction) { result in
            switch result {
            case .success(let stored):
                stats.increment(\.recorded)
                recording.stored(stored) { completion(stored) }
            case .failure(let error):
                stats.increment(\.storeErrors)
                logger.error("recording \(id) not stored: \(error.message)")
                completion(nil)
            }
        }
    }
}
