/// A named bundle of match rules for a known client.
public struct MatchPreset: Sendable {
    /// The `--preset` name.
    public let name: String
    /// Extra ignore paths.
    let ignore: [String]
    /// Extra `REGEX=>REPLACEMENT` normalisers.
    let normalize: [String]
    /// Extra `NAME=REGEX` learners: machine-specific values matched as placeholders and rewritten
    /// from the recorded to the live value in answers; each with a literal every match contains,
    /// so strings without it are not searched.
    var learn: [(rule: String, literal: String)] = []
    /// The parts of a request the client's harness writes (``HarnessRule``): their differences are
    /// drift, not a miss (`--drift`).
    public var harness: [HarnessRule] = []
    /// The status a miss gets unless `--miss-status` says otherwise (nil: 404).
    public var missStatus: Int? = nil

    /// Every preset.
    public static let all: [MatchPreset] = [claudeCode]

    /// The preset called `name`.
    static func named(_ name: String) -> MatchPreset? { all.first { $0.name == name } }

    /// The status a miss gets: `option` if given, else the first preset's that sets one, else 404.
    public static func missStatus(option: Int?, presets: [String]) -> Int {
        option ?? presets.lazy.compactMap { named($0)?.missStatus }.first ?? 404
    }

    /// What differs when the same Claude Code (2.1.x) session runs on another machine, in another
    /// folder or on another day. Learned (matched as placeholders, rewritten in answers): the
    /// working directory, the home folder and the `~/.claude/projects/<slug>` folder, the per-run
    /// folder of background tasks (`/tmp/claude-UID/<slug>/<session>/`), and the ids Claude Code
    /// mints for subagents. Normalised (matched as placeholders, never rewritten): the git status
    /// snapshot (branch, changed files, recent commits), the date, the OS version, the
    /// `cc_version=` billing suffix and a subagent's measured `duration_ms`.
    static let claudeCode = MatchPreset(
        name: "claude-code",
        ignore: [],
        normalize: [
            #"(?s)# gitStatus\n.*?(?=\n\nClaude Code attached this context|</system-reminder>|$)=># gitStatus <git-status>"#,
            #"Today's date is \d{4}-\d{2}-\d{2}\.=>Today's date is <date>."#,
            #"OS Version: [^\n]*=>OS Version: <os>"#,
            #"cc_version=[^;\s]*=>cc_version=<version>"#,
            #"<duration_ms>\d+</duration_ms>=><duration_ms><ms></duration_ms>"#,
        ],
        learn: [
            (#"claude-project=((?:/[^\s"'`()<>]*)?/\.claude/projects/[^/\s"'`()<>]+)"#, "/.claude/projects/"),
            (#"cwd=Primary working directory: ([^\n]+)"#, "Primary working directory: "),
            (#"home=(/[^\s"'`()<>]*?)/\.claude/projects/"#, "/.claude/projects/"),
            (#"claude-tasks=(/[^\s"'`()<>]*/claude-\d+/[^/\s"'`()<>]+/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/tasks/"#, "/tasks/"),
            (#"agent=agentId: ([0-9a-f]{8,})"#, "agentId: "),
        ],
        harness: claudeCodeHarness,
        // Claude Code shows the message of a 400 as "API Error: 400 <message>" and does not retry it;
        // a 404 becomes "There's an issue with the selected model", and 409/5xx are retried first.
        missStatus: 400
    )

    /// Where Claude Code's own texts live in its requests, read from the requests of Claude Code
    /// 2.1.306 and 2.1.332 (the CLIs inside `claude-agent-sdk` 0.2.170 and 0.2.189), which differ in
    /// all four: the system blocks (billing line, identity line, main prompt), the
    /// `<system-reminder>` blocks of user turns, the environment message (a `system`-role turn,
    /// a block array on the first request and a string on later ones), and the built-in tools.
    /// What the user controls inside them stays matched: the last paragraph of a system block,
    /// where `--append-system-prompt` goes; each CLAUDE.md or memory file's name and contents.
    /// MCP tools (`mcp__…`), the prompt, every user turn, tool calls and results are the user's.
    static let claudeCodeHarness: [HarnessRule] = [
        try! HarnessRule("system[*].text", keep: [#"(?s)\n\n((?:(?!\n\n).)+)$"#]),
        try! HarnessRule(
            "messages[*].content[*].text", if: (nil, "^<system-reminder>"),
            keep: [#"(?s)Contents of ([^\n]+?) \([^\n]*\):\n\n(.*?)(?=\n\nContents of |\n</system-reminder>)"#]),
        try! HarnessRule("messages[*]", if: ("role", "^system$")),
        try! HarnessRule("tools[*]", if: ("name", "^(?!mcp__)")),
    ]
}
