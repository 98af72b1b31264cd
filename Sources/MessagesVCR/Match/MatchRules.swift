/// What makes a request match a recording: method, path, (optionally) query and headers, and the
/// canonical JSON body: the fields Ollama reads (every field with `--strict`), less the ignore
/// paths, with machine-specific values as placeholders and the text normalisers applied.
public struct MatchRules: Sendable {
    /// Whether every body field is matched (`--strict`), not only those Ollama reads.
    var strict: Bool
    /// Nodes removed from bodies before matching.
    var ignore: [JSONPath]
    /// Rewrites applied to every string in bodies before matching.
    var normalizers: [TextNormalizer]
    /// `--rewrite` pairs: both sides are one placeholder in matching; answers get the live side.
    var rewrites: [MachineValues.Rewrite]
    /// `--learn` rules (and the presets'): values each request states about its machine.
    var learners: [MachineValues.Learner]
    /// Whether the query string is part of the match (Ollama ignores it, so by default it is not).
    var matchQuery: Bool
    /// Lower-cased names of request headers that are part of the match.
    var headers: [String]
    /// Names of the presets in force.
    var presets: [String]
    /// Parts of a request its client's harness owns (the presets' and `--drift-path`): left out of
    /// the match key, compared with the recording's and reported as drift (``DriftPolicy``).
    public var harness: [HarnessRule]
    /// What a harness difference does (`--drift`).
    var driftPolicy: DriftPolicy

    /// The version of the code that turns a request into its match key (the fields Ollama reads,
    /// the canonical JSON, the normalisers' and learners' workings). Raise it with any change to
    /// them: stored keys made by another version are recomputed when a cassette's index loads.
    static let matchingVersion = 3  // 3: llama.cpp's tool ids are compared in the call_ space too

    /// Bodies nested deeper than this are matched on their raw bytes (never parsed into a tree).
    static let maxCanonicalDepth = 512

    /// Creates rules from `serve` flags.
    /// - Parameters:
    ///   - ignore: `--ignore` paths (and the presets').
    ///   - normalize: `--normalize` rules.
    ///   - presets: `--preset` names (`claude-code`).
    ///   - strict: `--strict`: every body field is matched (not only those Ollama reads), and the query string.
    ///   - matchHeaders: `--match-header` names.
    ///   - rewrite: `--rewrite 'RECORDED=>LIVE'` pairs.
    ///   - learn: `--learn 'NAME=REGEX'` rules, added to the presets'.
    ///   - driftPaths: `--drift-path` paths, added to the presets' harness paths.
    ///   - drift: `--drift` (allow by default).
    /// - Throws: ``RuleError`` for an unknown preset, a bad path, normaliser, rewrite or learner.
    public init(
        ignore: [String] = [], normalize: [String] = [], presets: [String] = [], strict: Bool = false, matchHeaders: [String] = [],
        rewrite: [String] = [], learn: [String] = [], driftPaths: [String] = [], drift: DriftPolicy = .allow
    ) throws {
        var paths: [String] = []
        var harness: [HarnessRule] = []
        var rules = normalize
        var learnRules: [(rule: String, literal: String?)] = []
        for preset in presets {
            guard let bundle = MatchPreset.named(preset) else {
                throw RuleError("unknown preset \"\(preset)\" (known: \(MatchPreset.all.map(\.name).joined(separator: ", ")))")
            }
            paths += bundle.ignore
            rules += bundle.normalize
            learnRules += bundle.learn.map { ($0.rule, $0.literal) }
            harness += bundle.harness
        }

        paths += ignore
        self.rewrites = try rewrite.map(MachineValues.Rewrite.init(rule:))
        self.learners = try (learnRules + learn.map { ($0, nil) }).map { try MachineValues.Learner(rule: $0.rule, literal: $0.literal) }
        self.strict = strict
        do {
            self.ignore = try paths.map(JSONPath.init)
            self.harness = try harness + driftPaths.map { try HarnessRule($0) }
            self.normalizers = try rules.map { try TextNormalizer(rule: $0) }
        } catch let error as JSONPath.ParseError {
            throw RuleError(error.description)
        } catch let error as TextNormalizer.ParseError {
            throw RuleError(error.description)
        }
        self.matchQuery = strict
        self.headers = matchHeaders.map { $0.lowercased() }
        self.presets = presets
        self.driftPolicy = drift
    }

    /// A problem with a rule flag; `description` is one line.
    public struct RuleError: Error, CustomStringConvertible {
        /// One line.
        public let description: String
        /// A problem described in one line.
        public init(_ description: String) { self.description = description }
    }

    /// The rules in force, one line each, for the startup log and `/__vcr/health`.
    public var summary: [String] {
        var lines = [strict ? "fields: all (--strict)" : "fields: those Ollama reads (\(Self.unreadExamples), … left out)"]
        lines.append("ignore: " + (ignore.isEmpty ? "(nothing)" : ignore.map(\.description).joined(separator: ", ")))
        lines.append("query string: " + (matchQuery ? "matched" : "ignored"))
        lines.append("headers matched: " + (headers.isEmpty ? "none" : headers.joined(separator: ", ")))
        if !presets.isEmpty { lines.append("presets: " + presets.joined(separator: ", ")) }
        for normalizer in normalizers { lines.append("normalize: \(normalizer)") }
        for rewrite in rewrites { lines.append("rewrite: \(rewrite)") }
        for learner in learners { lines.append("learn: \(learner)") }
        if !harness.isEmpty {
            lines.append("harness (--drift \(driftPolicy.rawValue)): " + harness.map(\.description).joined(separator: ", "))
        }
        return lines
    }

    /// Fields Ollama never reads, named in the summary.
    static let unreadExamples = "tool_choice, metadata, cache_control, unknown fields"

    /// Identifies these rules and the matching code's version (``matchingVersion``), never their
    /// wording in ``summary``: a stored match key computed under other rules, or by another
    /// version, is recomputed. The drift policy is left out: it changes no key.
    public var fingerprint: String { fingerprint(matchingVersion: Self.matchingVersion) }

    /// ``fingerprint`` as another version of the matching code computes it.
    func fingerprint(matchingVersion: Int) -> String {
        var material = ["matching v\(matchingVersion)", "strict \(strict)", "query \(matchQuery)"]
        material += ignore.map { "ignore \($0)" } + harness.map { "harness \($0)" }
        material += normalizers.map { "normalize \($0)" } + rewrites.map { "rewrite \($0)" } + learners.map { "learn \($0)" }
        material += headers.map { "header \($0)" }
        return String(SHA256.hex(Array(material.joined(separator: "\n").utf8)).prefix(16))
    }

    // MARK: - Applying the rules

    /// The request body as matching sees it.
    public enum CanonicalBody: Sendable {
        /// A JSON body after ignore paths and normalisers.
        case json(JSONValue)
        /// A body that is empty, not JSON, or too deep to walk.
        case raw([UInt8])

        /// The bytes the match key hashes.
        public var bytes: [UInt8] {
            switch self {
            case .json(let value): return CanonicalJSON.encode(value)
            case .raw(let bytes): return bytes
            }
        }
    }

    /// `body` parsed for matching, or nil when it is matched on its raw bytes (empty, not JSON, too deep).
    static func parseForMatching(_ body: [UInt8]) -> JSONValue? {
        guard !body.isEmpty else { return nil }
        return try? JSONParser.parse(body, maxDepth: maxCanonicalDepth)  // deeper: matched on its raw bytes
    }

    /// `body` with the rules applied.
    /// - Parameter parsed: `body` already parsed by ``parseForMatching(_:)`` (parsed here when omitted).
    func canonicalBody(_ body: [UInt8], parsed: JSONValue?? = nil) -> CanonicalBody {
        canonicalForm(body, parsed: parsed).body
    }

    /// `body` with the rules applied, the machine-specific values it states (in the order they
    /// first appear), which the canonical body holds as placeholders, and its harness, which the
    /// canonical body leaves out.
    public func canonicalForm(
        _ body: [UInt8], parsed: JSONValue?? = nil
    ) -> (body: CanonicalBody, learned: [MachineValues.Learned], harness: HarnessPrint) {
        guard var value = matchedPart(parsed ?? Self.parseForMatching(body)) else {
            return (.raw(body), [], HarnessPrint())
        }
        let learned = learn(from: value)
        var pairs = learned.map { (value: $0.value, replacement: $0.placeholder) }
        for (index, rewrite) in rewrites.enumerated() {
            let placeholder = index == 0 ? "<rewrite>" : "<rewrite#\(index + 1)>"
            pairs += [(rewrite.recorded, placeholder), (rewrite.live, placeholder)]
        }
        let replacer = ValueReplacer(pairs)
        if !replacer.isEmpty || !normalizers.isEmpty { value = mapStrings(value) { text in normalizers.reduce(replacer.replace(text).text) { $1.apply($0) } } }
        guard !harness.isEmpty else { return (.json(value), learned, HarnessPrint()) }
        var parts: [HarnessPrint.Part] = []
        for rule in harness { value = rule.extract(from: value, into: &parts) }
        return (.json(value), learned, HarnessPrint(parts: parts))
    }

    /// The harness of a recorded request's `body`, as matching sees it (empty without harness paths).
    public func harness(of body: [UInt8]) -> HarnessPrint {
        harness.isEmpty ? HarnessPrint() : canonicalForm(body).harness
    }

    /// The machine-specific values `body` states (none without learners).
    func learnedValues(_ body: [UInt8]) -> [MachineValues.Learned] {
        guard !learners.isEmpty, let value = matchedPart(Self.parseForMatching(body)) else { return [] }
        return learn(from: value)
    }

    /// The part of a parsed body that is matched: what Ollama reads (all with `--strict`), less the
    /// ignore paths, tool ids in Ollama's `call_…` space (``AnthropicIDs/canonicalizingToolIDs(_:)``).
    private func matchedPart(_ parsed: JSONValue?) -> JSONValue? {
        guard var value = parsed else { return nil }
        if !strict { value = OllamaReadFields.project(value) }
        value = AnthropicIDs.canonicalizingToolIDs(value)
        for path in ignore { value = path.removing(from: value) }
        return value
    }

    /// The body paths matching leaves out because Ollama does not read them (none with `--strict`).
    func leftOut(_ body: [UInt8]) -> [String] {
        guard !strict, let value = Self.parseForMatching(body) else { return [] }
        return OllamaReadFields.leftOut(of: value)
    }

    private func learn(from value: JSONValue) -> [MachineValues.Learned] {
        guard !learners.isEmpty else { return [] }
        var texts: [String] = []
        forEachString(value) { texts.append($0) }
        return learners.flatMap { learner in
            var values: [String] = []
            for text in texts { learner.collect(from: text, into: &values) }
            return values.enumerated().map { MachineValues.Learned(name: learner.name, ordinal: $0.offset + 1, value: $0.element) }
        }
    }

    /// The match key of `request`: a SHA-256 over method, path, the matched query and headers,
    /// and the canonical body.
    public func key(for request: RecordedRequest) -> String {
        key(for: request, body: canonicalBody(request.body))
    }

    /// The match key of `request` whose body was already made canonical.
    func key(for request: RecordedRequest, body: CanonicalBody) -> String {
        var material = Array("\(request.method)\n\(request.path)\n".utf8)
        if matchQuery { material.append(contentsOf: (request.query ?? "").utf8) }
        material.append(0x0a)
        for name in headers {
            material.append(contentsOf: "\(name): \(request.headers[name] ?? "")\n".utf8)
        }
        material.append(0x0a)
        material.append(contentsOf: body.bytes)
        return SHA256.hex(material)
    }

    private func mapStrings(_ value: JSONValue, _ transform: (String) -> String) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(transform(text))
        case .array(let items):
            return .array(items.map { mapStrings($0, transform) })
        case .object(let members):
            return .object(members.map { JSONMember($0.key, mapStrings($0.value, transform)) })
        default:
            return value
        }
    }

    private func forEachString(_ value: JSONValue, _ body: (String) -> Void) {
        switch value {
        case .string(let text): body(text)
        case .array(let items): for item in items { forEachString(item, body) }
        case .object(let members): for member in members { forEachString(member.value, body) }
        default: break
        }
    }
}
