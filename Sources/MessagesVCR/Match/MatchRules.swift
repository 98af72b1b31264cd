/// What makes a request match a recording: method, path, (optionally) query and headers, and the
/// canonical JSON body after the ignore paths and text normalisers are applied.
public struct MatchRules: Sendable {
    /// Nodes removed from bodies before matching.
    public var ignore: [JSONPath]
    /// Rewrites applied to every string in bodies before matching.
    public var normalizers: [TextNormalizer]
    /// Whether the query string is part of the match (Ollama ignores it, so by default it is not).
    public var matchQuery: Bool
    /// Lower-cased names of request headers that are part of the match.
    public var headers: [String]
    /// Names of the presets in force.
    public var presets: [String]

    /// The defaults: Ollama ignores `metadata` (Claude Code puts a per-run session id there) and
    /// prompt caching, and never reads the query string.
    public static let defaultIgnore = ["metadata", "**.cache_control"]

    /// Bodies nested deeper than this are matched on their raw bytes (never parsed into a tree).
    static let maxCanonicalDepth = 512

    /// Creates rules from `serve` flags.
    /// - Parameters:
    ///   - ignore: `--ignore` paths, added to the defaults.
    ///   - normalize: `--normalize` rules.
    ///   - presets: `--preset` names (`claude-code`).
    ///   - strict: `--strict`: no default ignore paths, and the query string is matched.
    ///   - matchHeaders: `--match-header` names.
    /// - Throws: ``RuleError`` for an unknown preset, a bad path or a bad normaliser.
    public init(ignore: [String] = [], normalize: [String] = [], presets: [String] = [], strict: Bool = false, matchHeaders: [String] = []) throws {
        var paths = strict ? [] : Self.defaultIgnore
        var rules = normalize
        for preset in presets {
            guard let bundle = MatchPreset.named(preset) else {
                throw RuleError("unknown preset \"\(preset)\" (known: \(MatchPreset.all.map(\.name).joined(separator: ", ")))")
            }
            paths += bundle.ignore
            rules += bundle.normalize
        }
        paths += ignore
        do {
            self.ignore = try paths.map(JSONPath.init)
            self.normalizers = try rules.map { try TextNormalizer(rule: $0) }
        } catch let error as JSONPath.ParseError {
            throw RuleError(error.description)
        } catch let error as TextNormalizer.ParseError {
            throw RuleError(error.description)
        }
        self.matchQuery = strict
        self.headers = matchHeaders.map { $0.lowercased() }
        self.presets = presets
    }

    /// A problem with a rule flag; `description` is one line.
    public struct RuleError: Error, CustomStringConvertible {
        /// One line.
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The rules in force, one line each, for the startup log and `/__vcr/health`.
    public var summary: [String] {
        var lines = ["ignore: " + (ignore.isEmpty ? "(nothing)" : ignore.map(\.description).joined(separator: ", "))]
        lines.append("query string: " + (matchQuery ? "matched" : "ignored"))
        lines.append("headers matched: " + (headers.isEmpty ? "none" : headers.joined(separator: ", ")))
        if !presets.isEmpty { lines.append("presets: " + presets.joined(separator: ", ")) }
        for normalizer in normalizers { lines.append("normalize: \(normalizer)") }
        return lines
    }

    /// Identifies these rules; a stored match key computed under other rules is recomputed.
    public var fingerprint: String {
        String(SHA256.hex(Array(summary.joined(separator: "\n").utf8)).prefix(16))
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
    public static func parseForMatching(_ body: [UInt8]) -> JSONValue? {
        guard !body.isEmpty, nestingDepth(body) <= maxCanonicalDepth else { return nil }
        return try? JSONParser.parse(body)
    }

    /// `body` with the rules applied.
    /// - Parameter parsed: `body` already parsed by ``parseForMatching(_:)`` (parsed here when omitted).
    public func canonicalBody(_ body: [UInt8], parsed: JSONValue?? = nil) -> CanonicalBody {
        guard var value = parsed ?? Self.parseForMatching(body) else {
            return .raw(body)
        }
        for path in ignore { value = path.removing(from: value) }
        if !normalizers.isEmpty { value = normalize(value) }
        return .json(value)
    }

    /// The match key of `request`: a SHA-256 over method, path, the matched query and headers,
    /// and the canonical body.
    public func key(for request: RecordedRequest) -> String {
        key(for: request, body: canonicalBody(request.body))
    }

    /// The match key of `request` whose body was already made canonical.
    public func key(for request: RecordedRequest, body: CanonicalBody) -> String {
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

    private func normalize(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(normalizers.reduce(text) { $1.apply($0) })
        case .array(let items):
            return .array(items.map(normalize))
        case .object(let members):
            return .object(members.map { JSONMember($0.key, normalize($0.value)) })
        default:
            return value
        }
    }

    /// How deeply `[` and `{` nest in `bytes` (outside strings); a cheap guard before walking a tree.
    static func nestingDepth(_ bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
