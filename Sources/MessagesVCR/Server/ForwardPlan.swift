/// A request about to be forwarded: what the upstream gets, where the exchange is stored, and what
/// to do once it has ended. ``Forwarder/plan(_:for:)`` makes it from a decision's
/// ``Forwarding``; ``ForwardRelay`` carries it out, for either executor.
struct ForwardPlan: Sendable {
    /// Who sent the request and how it is answered (for an error's report and shape).
    var note: RequestNote
    /// The request as stored and matched (secrets redacted from the body).
    var request: RecordedRequest
    /// The body the upstream gets: the client's, or with a model alias applied.
    var upstreamBody: [UInt8]
    /// Where the exchange is stored (nil in passthrough mode).
    var recording: ExchangeRecorder.Recording?
    /// Called once the exchange has ended (stored first when recording) with what the upstream
    /// sent and the interaction stored; it reports the outcome.
    var ended: @Sendable (_ response: RecordedResponse, _ stored: Interaction?) -> Void
}
