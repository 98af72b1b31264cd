/// Adds a synthesis script to a cassette: its exact exchanges as `synthetic` interactions, its
/// rules after the cassette's rules (`messages-vcr synth` and `POST /__vcr/synth`).
public enum SynthesisLoader {
    /// What was added.
    public struct Added: Sendable {
        /// The interactions, as stored.
        public var interactions: [Interaction]
        /// The rules, as stored.
        public var rules: [SynthesisRule]
    }

    /// Adds `script` to `store`.
    /// - Throws: ``VCRError`` when the cassette already holds something of this script (same seed)
    ///   or cannot be written.
    public static func add(_ script: SynthesisScript, to store: CassetteStore) async throws -> Added {
        let existing = Set(try await store.ids())
        let interactions = script.interactions()
        if let clash = interactions.first(where: { existing.contains($0.id) }) {
            throw VCRError.badRequest("cassette \(store.path) already holds interaction \(clash.id) from this script (change \"seed\" to add it again)")
        }
        let existingRules = Set(try await store.rules().map(\.id))
        if let clash = script.rules.first(where: { existingRules.contains($0.id) }) {
            throw VCRError.badRequest("cassette \(store.path) already holds rule \(clash.id) from this script (change \"seed\" to add it again)")
        }
        var added = Added(interactions: [], rules: [])
        for interaction in interactions { added.interactions.append(try await store.save(interaction)) }
        for rule in script.rules { added.rules.append(try await store.saveRule(rule)) }
        return added
    }
}
