import GRDB
import NIOConcurrencyHelpers

/// What happens when a session asks for an identical request more often than it was recorded.
public enum ExhaustedPolicy: String, Sendable, CaseIterable {
    /// The last matching recording is served again.
    case repeatLast = "repeat"
    /// The request is answered as a miss (in auto mode: forwarded and recorded).
    case error
}

/// Finds the recording that answers a request: match key lookup, then the session's cursor.
/// Holds each cassette's index and the recordings prepared for playback.
final class ReplayEngine: Sendable {
    let rules: MatchRules
    /// ``MatchRules/fingerprint`` of ``rules``, stored with every recording (computed once).
    let rulesFingerprint: String
    let onExhausted: ExhaustedPolicy
    let cursors = SessionCursors()
    private let indexes = NIOLockedValueBox<[String: Task<CassetteIndex, any Error>]>([:])
    /// The indexes whose load has finished, for the decision, which never waits (``loadedIndex(for:)``).
    private let loaded = NIOLockedValueBox<[String: CassetteIndex]>([:])
    private let prepared = NIOLockedValueBox<[String: PreparedReplay]>([:])
    private let ruleCache = NIOLockedValueBox<[String: [SynthesisRule]]>([:])
    private static let preparedCapacity = 4096

    init(rules: MatchRules, onExhausted: ExhaustedPolicy) {
        self.rules = rules
        self.rulesFingerprint = rules.fingerprint
        self.onExhausted = onExhausted
    }

    /// What matching found for a request in a loaded index (``match(_:in:index:completeOnly:)``).
    enum Match: Sendable {
        /// Nothing matches.
        case none
        /// These recordings answer, in recorded order; the session's cursor stands at `position`.
        /// `drift`: how the chosen one differs in its client's own texts (nil: not at all).
        case candidates([CassetteIndex.Entry], position: Int, drift: Drift?)
        /// Recordings differ only in their client's own texts, and `--drift miss` makes that a miss.
        case drifted(Drift)
        /// A candidate must be read first (its harness is compared).
        case needs(id: String)
    }

    /// A request made ready for matching.
    struct Query: Sendable {
        var request: RecordedRequest
        var body: MatchRules.CanonicalBody
        var key: String
        var session: String
        /// The machine-specific values the request states (``MatchRules/learners``).
        var learned: [MachineValues.Learned] = []
        /// What its harness says (``MatchRules/harness``), compared with the recording's.
        var harness: HarnessPrint = HarnessPrint()
    }

    /// Makes `request` ready for lookup (a request seen before reuses its canonical form and key).
    func query(for request: RecordedRequest, session: String, parsed: JSONValue?? = nil) -> Query {
        let headers = rules.headers.map { request.headers[$0] ?? "" }
        let route = [request.method, request.path, rules.matchQuery ? request.query ?? "" : ""] + headers
        let form = queries.value(for: .init(parts: route, bytes: request.body), bytes: request.body.count) {
            let form = rules.canonicalForm(request.body, parsed: parsed)
            return CanonicalRequest(body: form.body, key: rules.key(for: request, body: form.body), learned: form.learned, harness: form.harness)
        }
        return Query(request: request, body: form.body, key: form.key, session: session, learned: form.learned, harness: form.harness)
    }

    /// A request body made canonical under the rules, with its match key.
    private struct CanonicalRequest: Sendable {
        var body: MatchRules.CanonicalBody
        var key: String
        var learned: [MachineValues.Learned]
        var harness: HarnessPrint
    }
    private let queries = BoundedMemo<CanonicalRequest>()

    /// `replay` made to fit the machine `query` comes from: the recorded machine-specific values
    /// rewritten to the live ones (``AnswerRewriter``), with the substitutions used and how often.
    func localize(_ replay: PreparedReplay, for query: Query) -> AnswerRewriter.Result {
        let substitutions = MachineValues.substitutions(recorded: replay.recordedValues, live: query.learned, rewrites: rules.rewrites)
        guard !substitutions.isEmpty else { return AnswerRewriter.Result(replay: replay, used: []) }
        return AnswerRewriter(substitutions).rewrite(replay)
    }

    /// The recordings of a loaded `index` that answer `query` and where the session's cursor
    /// stands among them, read from memory alone, nothing used up.
    /// - Parameters:
    ///   - completeOnly: ignore recordings that were cut (auto mode re-records those).
    ///   - flavor: the server the answer is to speak as (recordings are prepared for it).
    func match(_ query: Query, in store: CassetteStore, index: CassetteIndex, completeOnly: Bool, as flavor: Flavor) -> Match {
        var candidates = Self.candidates(for: query, in: index, completeOnly: completeOnly)
        guard !candidates.isEmpty else { return .none }
        let position = cursors.peek(cassette: store.path, session: query.session, matchKey: query.key)
        if !rules.harness.isEmpty {
            // Recordings whose harness equals the request's answer first; the others answer with drift.
            var prepared: [PreparedReplay] = []
            for entry in candidates {
                guard let ready = preparedIfReady(entry.id, in: store, as: flavor) else { return .needs(id: entry.id) }
                prepared.append(ready)
            }
            let same = candidates.indices.filter { prepared[$0].harness == query.harness }
            if same.isEmpty {
                let drift = Drift(recorded: prepared[min(position, prepared.count - 1)], received: query)
                return rules.driftPolicy == .miss ? .drifted(drift) : .candidates(candidates, position: position, drift: drift)
            }
            candidates = same.map { candidates[$0] }
        }
        return .candidates(candidates, position: position, drift: nil)
    }

    /// The index of `store` if its load has finished.
    func loadedIndex(for store: CassetteStore) -> CassetteIndex? {
        loaded.withLockedValue { $0[store.path] }
    }

    /// The recording `id` made ready for `flavor`, if an earlier replay prepared it.
    func preparedIfReady(_ id: String, in store: CassetteStore, as flavor: Flavor) -> PreparedReplay? {
        prepared.withLockedValue { $0[Self.cacheKey(store, id, flavor)] }
    }

    /// The recordings that answer `query`: those matching its key (complete ones only if asked);
    /// a session's own recordings first, whatever ran before it, others sharing the rest.
    private static func candidates(for query: Query, in index: CassetteIndex, completeOnly: Bool) -> [CassetteIndex.Entry] {
        var candidates = index.candidates(forKey: query.key)
        if completeOnly { candidates = candidates.filter(\.complete) }
        let own = candidates.filter { $0.session == query.session }
        return own.isEmpty ? candidates : own
    }

    /// Counts a new recording in its cassette's index (if loaded) and, for `session`, as already served.
    func recorded(_ interaction: Interaction, key: String, in store: CassetteStore, session: String?) async {
        await withCheckedContinuation { continuation in
            recorded(interaction, key: key, in: store, session: session) { continuation.resume() }
        }
    }

    /// Like ``recorded(_:key:in:session:)``, calling `done` once the index has it (at once unless
    /// the index is still loading).
    func recorded(_ interaction: Interaction, key: String, in store: CassetteStore, session: String?, then done: @escaping @Sendable () -> Void) {
        if let session { _ = cursors.take(cassette: store.path, session: session, matchKey: key) }
        let add = { (index: CassetteIndex) in
            let summary = RequestSummary(body: interaction.request.body)  // one parse for both fields
            index.add(
                CassetteIndex.Entry(
                    id: interaction.id, seq: interaction.seq, method: interaction.request.method, path: interaction.request.path,
                    model: summary.model, stream: summary.stream,
                    complete: interaction.response.outcome == .complete, bodySize: interaction.request.body.count,
                    session: interaction.session),
                key: key)
        }
        guard let task = indexes.withLockedValue({ $0[store.path] }) else { return done() }
        if let index = loaded.withLockedValue({ $0[store.path] }) {
            add(index)
            return done()
        }
        Task {
            if let index = try? await task.value { add(index) }
            done()
        }
    }

    /// Makes interactions and rules added by `POST /__vcr/synth` visible to lookups.
    func synthesized(_ added: SynthesisLoader.Added, in store: CassetteStore) async {
        for interaction in added.interactions {
            await recorded(interaction, key: rules.key(for: interaction.request), in: store, session: nil)
        }
        ruleCache.withLockedValue { $0[store.path] = nil }
    }

    /// The first of a cassette's `rules` that matches `query`, with the answer it generates for it.
    func rule(matching query: Query, in rules: [SynthesisRule]) -> PreparedReplay? {
        guard !rules.isEmpty, let body = try? JSONParser.parseFirstValue(query.request.body).value else { return nil }
        guard let rule = rules.first(where: { $0.matches(method: query.request.method, path: query.request.path, body: body) }) else { return nil }
        let response = rule.response(for: body, seedMaterial: query.body.bytes)
        return PreparedReplay(Interaction(id: "rule-" + rule.id, source: .synthetic, upstream: nil, request: query.request, response: response))
    }

    /// The synthesis rules of `store` if they were read.
    func loadedRules(for store: CassetteStore) -> [SynthesisRule]? {
        ruleCache.withLockedValue { $0[store.path] }
    }

    /// Reads the synthesis rules of `store` (kept until `POST /__vcr/synth` adds some).
    func loadRules(for store: CassetteStore) async throws {
        let loaded = try await store.rules()
        ruleCache.withLockedValue { $0[store.path] = loaded }
    }

    /// The index of `store`, loaded once; a load that failed is forgotten, so the next request
    /// loads the cassette again (after the file was fixed or replaced).
    func index(for store: CassetteStore) async throws -> CassetteIndex {
        let rules = self.rules
        let task = indexes.withLockedValue { indexes in
            if let task = indexes[store.path] { return task }
            let task = Task { try await CassetteIndex.load(store, rules: rules) }
            indexes[store.path] = task
            return task
        }
        do {
            let index = try await task.value
            loaded.withLockedValue { $0[store.path] = index }
            return index
        } catch {
            indexes.withLockedValue { indexes in
                if indexes[store.path] == task { indexes[store.path] = nil }
            }
            throw error
        }
    }

    /// The recording `id` ready to be written as `flavor` answers, kept for the next replay.
    @discardableResult
    func prepare(_ id: String, in store: CassetteStore, as flavor: Flavor) async throws -> PreparedReplay {
        let cacheKey = Self.cacheKey(store, id, flavor)
        if let ready = prepared.withLockedValue({ $0[cacheKey] }) { return ready }
        guard let interaction = try await store.interaction(id: id, requestBody: !rules.learners.isEmpty || !rules.harness.isEmpty) else {
            throw VCRError.internalFailure("recording \(id) vanished from \(store.path)")
        }
        var ready = PreparedReplay(interaction)
        ready.recordedValues = rules.learnedValues(interaction.request.body)
        ready.harness = rules.harness(of: interaction.request.body)
        ready = FlavorShaper(target: flavor).shape(ready)
        prepared.withLockedValue { cache in
            if cache.count >= Self.preparedCapacity { cache.removeAll(keepingCapacity: true) }
            cache[cacheKey] = ready
        }
        return ready
    }

    /// Forgets what was prepared of the recording `id` (its request was rewritten).
    func forget(_ id: String, in store: CassetteStore) {
        prepared.withLockedValue { cache in
            for flavor in Flavor.all { cache[Self.cacheKey(store, id, flavor)] = nil }
        }
    }

    private static func cacheKey(_ store: CassetteStore, _ id: String, _ flavor: Flavor) -> String {
        store.path + "#" + id + "#" + flavor.name
    }

    // MARK: - Miss diagnosis

    /// How many recordings of the same route are read to find the nearest (the closest in size first).
    private static let nearestPool = 24
    /// How many of those are made canonical and compared closely.
    private static let closestPool = 3

    /// Why a request matched nothing: the message the client gets, and the nearest recording.
    struct Diagnosis: Sendable {
        var message: String
        var nearestID: String?
        var nearest: MatchRules.CanonicalBody?
        /// The request's fields matching left out (``MatchRules/leftOut(_:)``).
        var leftOut: [String] = []
    }

    /// Why `query` matched nothing in `store` (nil: the file does not exist): the nearest recording
    /// of the same route and the first JSON paths where it differs, with both values.
    ///
    /// The nearest is found in steps that stay cheap in a cassette of 100,000 recordings: same
    /// route, same model first, closest body size; of those, the longest raw common prefix; of the
    /// best few, the longest common prefix of the canonical bodies.
    func diagnose(_ query: Query, in store: CassetteStore?, cassetteName: String) async throws -> Diagnosis {
        let request = query.request
        let leftOut = rules.leftOut(request.body)
        guard let store else {
            return Diagnosis(
                message: "no recording matches \(request.method) \(request.path) in cassette \(cassetteName) (the cassette file does not exist)",
                leftOut: leftOut)
        }
        let index = try await index(for: store)
        let head = "no recording matches \(request.method) \(request.path) in cassette \(cassetteName)"
        guard index.hasRoute(method: request.method, path: request.path) else {
            return Diagnosis(
                message: head + (index.count == 0 ? " (the cassette is empty)" : " (it has no recording of \(request.method) \(request.path))"),
                leftOut: leftOut)
        }
        let pool = index.nearest(
            method: request.method, path: request.path, model: RequestSummary(body: request.body).model, size: request.body.count,
            limit: Self.nearestPool)
        let bodies = try await store.read { db in
            try pool.map { entry in (entry, try CassetteStore.request(id: entry.id, in: db)) }
        }
        let closest = bodies.map { ($0, $1, Self.commonPrefix($1.body, request.body)) }.sorted { $0.2 > $1.2 }.prefix(Self.closestPool)
        let received = query.body.bytes
        var best: (entry: CassetteIndex.Entry, request: RecordedRequest, body: MatchRules.CanonicalBody, score: Int)?
        for (entry, recorded, _) in closest {
            let body = rules.canonicalBody(recorded.body)
            let score = Self.commonPrefix(body.bytes, received)
            if best == nil || score > best!.score { best = (entry, recorded, body, score) }
        }
        let unread = Self.unreadNote(leftOut)
        guard let nearest = best else { return Diagnosis(message: head + unread, leftOut: leftOut) }
        let summary = RequestSummary(body: nearest.request.body)
        var label = "nearest is \(nearest.entry.id) (model \(summary.model ?? "?")"
        if let text = summary.firstUserText { label += ", " + JSONDiff.quote(Self.cut(text, 40)) }
        label += ")"
        let message = head + "; " + label + ": "
            + differences(recorded: nearest.request, recordedBody: nearest.body, received: query).joined(separator: "; ") + unread
        return Diagnosis(message: message, nearestID: nearest.entry.id, nearest: nearest.body, leftOut: leftOut)
    }

    /// How many left-out paths a miss message names.
    private static let unreadShown = 6

    /// `; not matched (Ollama does not read them): a, b` for the fields matching left out of the request.
    private static func unreadNote(_ paths: [String]) -> String {
        guard !paths.isEmpty else { return "" }
        let shown = paths.prefix(Self.unreadShown).joined(separator: ", ") + (paths.count > Self.unreadShown ? ", …" : "")
        return "; not matched (Ollama does not read them): " + shown
    }

    private func differences(recorded: RecordedRequest, recordedBody: MatchRules.CanonicalBody, received: Query) -> [String] {
        var found: [String] = []
        switch (recordedBody, received.body) {
        case (.json(let left), .json(let right)):
            found = JSONDiff.differences(recorded: left, received: right).map(\.description)
        default:
            if recordedBody.bytes != received.body.bytes {
                found.append("body: recorded \(recordedBody.bytes.count) bytes ≠ received \(received.body.bytes.count) bytes (not JSON)")
            }
        }
        if rules.matchQuery, recorded.query != received.request.query {
            found.append("query: recorded \(JSONDiff.quote(recorded.query ?? "")) ≠ received \(JSONDiff.quote(received.request.query ?? ""))")
        }
        for name in rules.headers where recorded.headers[name] != received.request.headers[name] {
            found.append("header \(name): recorded \(recorded.headers[name].map { JSONDiff.quote($0) } ?? "(absent)") ≠ received \(received.request.headers[name].map { JSONDiff.quote($0) } ?? "(absent)")")
        }
        return found.isEmpty ? ["it differs only in ignored parts; the recording was cut (\(recorded.method) \(recorded.path))"] : found
    }

    private static func commonPrefix(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0
        let n = min(a.count, b.count)
        while i < n, a[i] == b[i] { i += 1 }
        return i
    }

    private static func cut(_ text: String, _ length: Int) -> String {
        text.count > length ? String(text.prefix(length)) + "…" : text
    }
}
