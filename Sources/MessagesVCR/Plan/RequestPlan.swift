import Foundation

/// What is to be done with one request, decided once by ``RequestDecider`` with no I/O and no side
/// effect, then carried out by whichever executor fits: the connection's event loop
/// (``HotPathHandler``) for a plan that ``isInstant``, Hummingbird's response body otherwise
/// (``PlanRunner``). Cursors and queued faults a plan uses are in its ``Claim``, taken only when
/// it is carried out, so deciding twice is free.
enum RequestPlan: Sendable {
    /// A whole answer of messages-vcr's own: an emulated one, an injected `status=` fault, a miss.
    case answer(WholeAnswer)
    /// A recording (or a synthesis rule's answer) to play.
    case play(Playback)
    /// Send the request upstream, storing the exchange when recording.
    case forward(Forwarding)
    /// An admin route (`/__vcr/…`): Hummingbird's route answers it.
    case admin
    /// Something must be loaded first; the decision is asked again once it is.
    case needs(Need)

    /// Whether the plan can be carried out at once, with nothing to wait for: a whole answer, an
    /// instant replay of a complete recording with no fault, or a forwarding (which waits for
    /// nothing but the upstream).
    var isInstant: Bool {
        switch self {
        case .answer: return true
        case .play(let playback): return playback.isInstant
        case .forward: return true
        case .admin, .needs: return false
        }
    }

    /// The cursor and fault the plan uses up when carried out.
    var claim: Claim {
        switch self {
        case .answer(let answer): return answer.claim
        case .play(let playback): return playback.claim
        case .forward, .admin, .needs: return Claim()
        }
    }
}

/// What a decision waits for: all of it is I/O, done off the event loop by ``PlanRunner``.
enum Need: Sendable {
    /// The cassette file opened (created with `.createIfMissing`).
    case store(CassetteRegistry.CassetteReference, CassetteStore.OpenMode)
    /// The cassette's index loaded.
    case index(CassetteStore)
    /// A recording read and made ready for playback as `flavor` answers.
    case recording(id: String, CassetteStore, Flavor)
    /// The cassette's synthesis rules read.
    case rules(CassetteStore)
    /// The models the cassette's recordings name (the API's `GET /v1/models`).
    case models(CassetteStore?)
    /// Why the request matched nothing (the nearest recording read and compared).
    case diagnosis(ReplayEngine.Query, CassetteStore?)
}

/// What a decision has learnt by I/O for this request on an earlier turn (``Need``): facts that
/// are not kept in any cache.
struct Known: Sendable {
    /// The cassette file does not exist.
    var storeMissing = false
    /// The models the cassette's recordings name, with when each was first recorded.
    var models: [(name: String, firstRecorded: Date)]?
    var diagnosis: ReplayEngine.Diagnosis?
    /// The request's match key and what it was computed from, kept across turns: a large body is
    /// made canonical and hashed once however many turns its decision takes.
    var query: ReplayEngine.Query?
}

/// A forwarding decided: where the exchange is stored (nil: passthrough), under which match key.
struct Forwarding: Sendable {
    var store: CassetteStore?
    var key: String?
}
