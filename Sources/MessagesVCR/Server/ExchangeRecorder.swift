import HTTPTypes
import Logging

/// What a forwarded exchange becomes in the cassette: the request as stored (secrets dropped),
/// the capture of the answer, and one interaction written when the exchange ends, whatever its
/// outcome (``ForwardRelay`` stores a complete answer before its end reaches the client).
struct ExchangeRecorder: Sendable {
    /// The upstream, as the stored interaction names it.
    let upstream: UpstreamTarget
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
        headlessResponse(outcome: .upstreamError, errorMessage: error.message, sentAt: sentAt)
    }

    /// What is stored of an exchange that ended (`outcome`) before any response head came.
    func headlessResponse(outcome: Outcome, errorMessage: String?, sentAt: UInt64) -> RecordedResponse {
        RecordedResponse(
            status: nil, headers: HeaderList(), body: [], chunks: [], frames: [], ttfbNanos: nil,
            durationNanos: MonotonicClock.since(sentAt), outcome: outcome, errorMessage: errorMessage)
    }

    /// Stores one exchange, calling `completion` from the database's writer queue; a storage
    /// failure is logged and never reaches the client (`completion` gets nil, as without a store).
    func store(
        _ request: RecordedRequest, _ response: RecordedResponse, id: String, recording: Recording?,
        completion: @escaping @Sendable (Interaction?) -> Void
    ) {
        guard let recording else { return completion(nil) }
        let interaction = Interaction(
            id: id, upstream: upstream.description, request: request, response: redactor.redact(response),
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
