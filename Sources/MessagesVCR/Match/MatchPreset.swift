/// A named bundle of match rules for a known client.
public struct MatchPreset: Sendable {
    /// The `--preset` name.
    public let name: String
    /// Extra ignore paths.
    public let ignore: [String]
    /// Extra `REGEX=>REPLACEMENT` normalisers.
    public let normalize: [String]
    /// The status a miss gets unless `--miss-status` says otherwise (nil: 404).
    public var missStatus: Int? = nil

    /// Every preset.
    public static let all: [MatchPreset] = [claudeCode]

    /// The preset called `name`.
    public static func named(_ name: String) -> MatchPreset? { all.first { $0.name == name } }

    /// The status a miss gets: `option` if given, else the first preset's that sets one, else 404.
    public static func missStatus(option: Int?, presets: [String]) -> Int {
        option ?? presets.lazy.compactMap { named($0)?.missStatus }.first ?? 404
    }

    /// What differs when the same Claude Code (2.1.x, `-p`) command runs on another machine, in
    /// another folder or on another day: the environment lines of its `role:"system"` message, the
    /// memory folder path (which embeds the working directory) and the `cc_version=` billing suffix.
    public static let claudeCode = MatchPreset(
        name: "claude-code",
        ignore: [],
        normalize: [
            #"Primary working directory: [^\n]*=>Primary working directory: <cwd>"#,
            #"Today's date is \d{4}-\d{2}-\d{2}\.=>Today's date is <date>."#,
            #"OS Version: [^\n]*=>OS Version: <os>"#,
            #"[^\s"'`()]*/\.claude/projects/[^/\s]+/memory/=><claude-memory>/"#,
            #"cc_version=[^;\s]*=>cc_version=<version>"#,
        ],
        // Claude Code shows the message of a 400 as "API Error: 400 <message>" and does not retry it;
        // a 404 becomes "There's an issue with the selected model", and 409/5xx are retried first.
        missStatus: 400
    )
}
