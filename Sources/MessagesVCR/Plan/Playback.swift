import HTTPTypes

/// A recording about to be written: shaped for the flavour, faults applied, the headers
/// messages-vcr adds, and what is reported when it ends (complete or cut).
struct Playback: Sendable {
    var replay: PreparedReplay
    var timing: TimingPolicy
    /// `x-vcr-interaction`, `x-vcr-compat` and `x-vcr-drift` when they have something to say.
    var extraHeaders: HTTPFields
    /// The fault applied (the request's own, a queued one, or `--fault`'s).
    var fault: FaultPlan?
    var claim: Claim
    /// What the journal says of it, without its ending.
    var report: Report
    /// The recording's request to replace with the one that drifted (`--accept-drift`).
    var acceptance: Acceptance?

    /// A recording that takes the request of a newer client once it has answered it.
    struct Acceptance: Sendable {
        var store: CassetteStore
        var recordingID: String
        var request: RecordedRequest
        var key: String
    }

    /// What is reported of a playback once it has ended.
    struct Report: Sendable {
        var note: RequestNote
        var result: RequestResult
        var detail: String?
        var substitutions: [MachineValues.Substitution] = []
        var drift: Drift?
    }

    /// Whether it can be written whole at once: an instant replay of a complete recording with a
    /// response head, no fault and no stall.
    var isInstant: Bool {
        timing == .instant && fault == nil && replay.outcome == .complete && replay.status != nil && replay.extraDelays.allSatisfy { $0 == 0 }
    }

    /// The outcome of the playback, `complete` or cut short (by the recording or the client).
    func outcome(complete: Bool) -> RequestOutcome {
        let rewritten = report.substitutions.isEmpty ? "" : " rewrote " + report.substitutions.map(\.name).joined(separator: ",")
        let drifted = report.drift.map { " drift " + $0.paths.joined(separator: ",") } ?? ""
        var outcome = RequestOutcome(
            report.note, report.result, status: replay.status ?? 502, interactionID: replay.interactionID, detail: report.detail,
            timing: timing.description, logNote: (complete ? report.result.rawValue : "\(report.result.rawValue) (cut)") + rewritten + drifted,
            substitutions: report.substitutions)
        outcome.drift = report.drift
        return outcome
    }
}
