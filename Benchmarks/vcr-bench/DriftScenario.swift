import Foundation
import MessagesVCR

/// What telling a client's harness apart costs per replayed request: a request body (a Claude
/// Code request saved to `--file`, else a synthetic one of the same shape) made canonical
/// `requests` times under `--preset claude-code` with its harness rules and, as the baseline in
/// the same run, the same preset without them. Each run parses and walks the body anew: what a
/// request sent for the first time costs (one sent again reuses its canonical form).
struct DriftScenario {
    var requests: Int
    var file: String?

    func run() throws {
        let body = try file.map { try Array(Data(contentsOf: URL(fileURLWithPath: $0))) } ?? Self.syntheticBody()
        let preset = try MatchRules(presets: ["claude-code"])
        var baseline = preset
        baseline.harness = []
        print("harness comparison: \(requests) canonical forms of a \(body.count)-byte request, µs per request")
        var results: [Double] = []
        for (name, rules) in [("preset without harness (baseline)", baseline), ("preset with harness", preset)] {
            _ = rules.canonicalForm(body)
            let start = ContinuousClock.now
            var parts = 0
            for _ in 0..<requests { parts += rules.canonicalForm(body).harness.parts.count }
            let elapsed = ContinuousClock.now - start
            let micros = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(requests)
            results.append(micros)
            print(String(format: "%-34@ %9.1f   (%d harness parts)", name as NSString, micros, parts / requests))
        }
        print(String(format: "the harness adds %.1f µs per request sent for the first time (%.0f%%)", results[1] - results[0], (results[1] / results[0] - 1) * 100))
    }

    /// A request shaped as Claude Code 2.1.332 sends one: three system blocks (the main prompt
    /// ~7 KB), two reminders and the prompt, the environment message (~9 KB), twelve tools.
    static func syntheticBody() -> [UInt8] {
        func quoted(_ text: String) -> String { String(decoding: GoJSONWriter.encode(.string(text)), as: UTF8.self) }
        let paragraph = "Prefer the dedicated tools over shell commands when one fits the task at hand. "
        let main = String(repeating: paragraph + "\n\n", count: 80) + "When you have enough information to act, act."
        let environment = "# Environment\n - Primary working directory: /work/proj\n" + String(repeating: " - " + paragraph + "\n", count: 110)
        let tools = (0..<12).map { index in
            #"{"name":"Tool\#(index)","description":\#(quoted(String(repeating: paragraph, count: 30))),"input_schema":{"type":"object","properties":{"command":{"type":"string","description":"what to run"}}}}"#
        }
        return Array(#"""
            {"model":"qwen3-coder","max_tokens":32000,"stream":true,"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.332.1c9;"},{"type":"text","text":"You are Claude Code."},{"type":"text","text":\#(quoted(main))}],"messages":[{"role":"user","content":[{"type":"text","text":\#(quoted("<system-reminder>\nAttribution guidance.\n</system-reminder>"))},{"type":"text","text":"say hello"}]},{"role":"system","content":[{"type":"text","text":\#(quoted(environment))}]}],"tools":[\#(tools.joined(separator: ","))]}
            """#.utf8)
    }
}
