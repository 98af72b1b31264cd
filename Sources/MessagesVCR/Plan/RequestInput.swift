/// A request read whole and made ready for the decision: who sent it and where it goes
/// (``RequestNote``), the request as matched and stored (secrets redacted), its own `x-vcr-timing`
/// and `x-vcr-fault`, the body the upstream gets, and the body parsed once.
///
/// Built once per request by ``RequestReader``; the hot path hands the one it built to
/// Hummingbird's route when it leaves a request to it (``RequestHandoffs``).
struct RequestInput: Sendable {
    var note: RequestNote
    /// The request as matching and the cassette see it (secrets replaced in the body).
    let request: RecordedRequest
    let arrival: ContinuousClock.Instant
    /// The request's `x-vcr-timing`, else `--timing`.
    let timing: TimingPolicy
    /// The request's own `x-vcr-fault`: it applies to whatever answers this request.
    let headerFault: FaultPlan?
    /// The body as the client sent it.
    let upstreamBody: [UInt8]
    /// ``request``'s body parsed for matching (nil: matched on its raw bytes).
    let parsed: JSONValue?
}

/// What the reading of a request's head and body gives: an input for the decision, an admin
/// route's request, or one of messages-vcr's own errors (a refused host, a bad header).
enum ReadRequest: Sendable {
    case input(RequestInput)
    case admin(RequestNote)
    case refused(RequestNote, VCRError)
}
