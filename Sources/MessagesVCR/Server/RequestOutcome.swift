import Foundation

/// What became of a request, as the journal, the log and the counters record it.
enum RequestResult: String, Sendable, CaseIterable {
    /// Answered from a recording.
    case replayed
    /// Answered by a synthesis rule.
    case synthesized
    /// Answered as Ollama answers without a model (routing, validation, `count_tokens`).
    case emulated
    /// Answered with an injected `status=` fault.
    case fault
    /// Matched no recording.
    case miss
    /// Matched recordings that the session had all used (`--on-exhausted error`).
    case exhausted
    /// Forwarded upstream and stored.
    case recorded
    /// Forwarded upstream, not stored (passthrough, or a store that failed).
    case forwarded
    /// Answered with one of messages-vcr's own errors.
    case error
}

/// Who sent a request and where it went, known before its outcome is.
struct RequestNote: Sendable {
    /// The session of a request that names none.
    static let defaultSession = "default"
    var session: String
    var method: String
    var path: String
    var cassette: CassetteRegistry.CassetteReference
    /// The `x-vcr-compat` value: features the request uses that Ollama ignores.
    var compat: String?
    /// Which server the answer behaves as (``ServeOptions/flavor``, or the request's `x-vcr-flavor`).
    var flavor: Flavor
    let time = Date()
    /// ``MonotonicClock`` reading at arrival, for the log line's duration.
    let startedAt: UInt64
}

/// One request's outcome, reported once through ``OutcomeReporter/report(_:)``.
struct RequestOutcome: Sendable {
    var note: RequestNote
    var result: RequestResult
    var status: Int?
    var interactionID: String?
    /// For the journal: the diagnosis of a miss, the message of an error, what a fault did.
    var detail: String?
    /// The timing of a replay.
    var timing: String?
    /// For the log line only (e.g. `replayed (cut)`); defaults to the result.
    var logNote: String?
    /// Recorded values a replay rewrote to live ones.
    var substitutions: [MachineValues.Substitution]
    /// A miss's entry in the ``MissLog``.
    var missID: Int?
    /// How a replayed request differed from its recording in its client's own texts.
    var drift: Drift?

    init(
        _ note: RequestNote, _ result: RequestResult, status: Int?, interactionID: String? = nil, detail: String? = nil,
        timing: String? = nil, logNote: String? = nil, substitutions: [MachineValues.Substitution] = [], missID: Int? = nil
    ) {
        self.note = note
        self.result = result
        self.status = status
        self.interactionID = interactionID
        self.detail = detail
        self.timing = timing
        self.logNote = logNote
        self.substitutions = substitutions
        self.missID = missID
    }

    var journalEntry: Journal.Entry {
        Journal.Entry(
            time: note.time, session: note.session, method: note.method, path: note.path, cassette: note.cassette.name, result: result,
            interactionID: interactionID, status: status, detail: detail, timing: timing, substitutions: substitutions, missID: missID,
            compat: note.compat, flavor: note.flavor, drift: drift)
    }
}
