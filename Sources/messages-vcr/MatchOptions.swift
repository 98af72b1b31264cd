import ArgumentParser
import MessagesVCR

/// The flags that decide what makes a request match a recording, shared by `serve` and `show`.
struct MatchOptions: ParsableArguments {
    @Option(name: .customLong("ignore"), help: ArgumentHelp("JSON path left out of matching (repeatable), e.g. 'messages[*].content[*].text'.", valueName: "path"))
    var ignore: [String] = []

    @Option(name: .customLong("normalize"), help: ArgumentHelp("Rewrite every body string before matching (repeatable).", valueName: "regex=>replacement"))
    var normalize: [String] = []

    @Option(name: .customLong("rewrite"), help: ArgumentHelp("A value that differs on this machine (repeatable): both sides match as one placeholder, and answers get LIVE where the recording has RECORDED.", valueName: "recorded=>live"))
    var rewrite: [String] = []

    @Option(name: .customLong("learn"), help: ArgumentHelp("Learn a machine-specific value from each request (repeatable): the first group of REGEX in any body string; matched as <NAME>, rewritten from the recorded to the live value in answers.", valueName: "name=regex"))
    var learn: [String] = []

    @Option(name: .customLong("preset"), help: ArgumentHelp("Bundle of match rules for a client (repeatable): claude-code.", valueName: "name"))
    var preset: [String] = []

    @Flag(help: "Match every body field, not only those Ollama reads (tool_choice, metadata, cache_control and unknown fields are matched too), and the query string.")
    var strict = false

    @Option(name: .customLong("match-header"), help: ArgumentHelp("Request header that must match too (repeatable).", valueName: "name"))
    var matchHeader: [String] = []

    @Option(name: .customLong("drift-path"), help: ArgumentHelp("A part of the request that the client's harness writes (repeatable), e.g. 'system[*].text': left out of the match key; a difference there is drift (--drift), reported in x-vcr-drift.", valueName: "path"))
    var driftPath: [String] = []

    @Option(help: ArgumentHelp("What a difference in the client's own texts (--preset claude-code's harness, --drift-path) does: allow (replay it, marked as drift; the default) or miss.", valueName: "policy"))
    var drift: String = DriftPolicy.allow.rawValue

    /// The rules these flags describe.
    func rules() throws -> MatchRules {
        guard let policy = DriftPolicy(rawValue: drift) else {
            throw MatchRules.RuleError("--drift \(drift): use \(DriftPolicy.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        return try MatchRules(
            ignore: ignore, normalize: normalize, presets: preset, strict: strict, matchHeaders: matchHeader, rewrite: rewrite, learn: learn,
            driftPaths: driftPath, drift: policy)
    }
}
