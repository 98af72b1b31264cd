import Foundation

/// `/__vcr/ui/interactions/ID`: the timeline picture, the event table, the reconstructed message,
/// the request (system prompt and tools folded), the raw bytes on demand and "copy as curl".
struct InteractionPage {
    let interaction: Interaction
    let cassette: String
    /// The `Host` the browser used, for the curl command.
    let host: String?

    func render() -> String {
        let response = interaction.response, request = interaction.request
        let keep = "cassette=" + HTML.query(cassette)
        let timeline = TimelineSVG(response)
        var body = "<h1>Interaction <code>\(HTML.escape(interaction.id))</code></h1>"
        body += "<p class=\"muted\">seq \(interaction.seq) · \(interaction.source.rawValue) \(HTML.escape(InteractionCoding.formatDate(interaction.recordedAt)))"
        if let upstream = interaction.upstream { body += " from \(HTML.escape(upstream))" }
        body += " · \(HTML.escape(request.method + " " + request.path)) → \(response.status.map(String.init) ?? "no response") · "
        body += (response.outcome == .complete ? "complete" : "<span class=\"bad\">\(response.outcome.rawValue)</span>")
        body += " · TTFB \(HTML.millis(response.ttfbNanos)) ms · \(HTML.millis(response.durationNanos)) ms · \(response.frames.count) events in \(response.chunks.count) chunks</p>"
        if let error = response.errorMessage { body += "<p class=\"bad\">\(HTML.escape(error))</p>" }
        let problems = response.frames.isEmpty ? [] : StreamGrammar.check(response.frames)
        if !problems.isEmpty { body += "<p class=\"bad\">Stream grammar: " + problems.map { HTML.escape($0.description) }.joined(separator: "; ") + "</p>" }

        body += "<h2 id=\"timeline-heading\">Timeline</h2>"
        body += timeline.svg(id: "timeline", title: "Timeline of interaction \(interaction.id)")
        body += "<p class=\"muted\">One mark per event at its recorded offset; shaded: gaps over \(HTML.millis(timeline.gapThresholdNanos)) ms. Hover a mark for its event; the table below lists every event.</p>"

        body += "<h2 id=\"message-heading\">Message</h2>" + Self.message(response)
        body += "<h2 id=\"events-heading\">Events</h2>" + eventTable(timeline)
        body += "<h2 id=\"request-heading\">Request</h2>"
        body += "<pre class=\"mono\">" + request.headers.map { HTML.escape("\($0.name): \($0.value)") }.joined(separator: "\n") + "</pre>"
        body += "<details><summary>Request body (system prompt and tools folded)</summary><pre>\(HTML.escape(InteractionView(interaction).requestBody))</pre></details>"
        body += "<details><summary>Request body, whole</summary><pre>\(HTML.escape(InteractionView(interaction, full: true).requestBody))</pre></details>"
        body += "<h2 id=\"raw-heading\">Response</h2>"
        body += "<pre class=\"mono\">" + response.headers.map { HTML.escape("\($0.name): \($0.value)") }.joined(separator: "\n") + "</pre>"
        body += "<p><a href=\"/__vcr/ui/interactions/\(HTML.query(interaction.id))/raw?\(keep)\">Raw response bytes (\(response.body.count) bytes)</a></p>"
        body += "<h2 id=\"curl-heading\">Replay this request</h2><p>Sends the recorded request to this server, which answers from the cassette"
        body += " at instant pace.<button type=\"button\" class=\"copy\" data-copy=\"curl\" hidden>Copy as curl</button></p><pre id=\"curl\">\(HTML.escape(curl()))</pre>"
        return HTML.page(title: "Interaction \(interaction.id)", cassette: cassette, body: body)
    }

    private func eventTable(_ timeline: TimelineSVG) -> String {
        let gapRows = Set(timeline.longGaps.map(\.index))
        var out = "<table id=\"events\"><caption>\(timeline.marks.count) events; highlighted rows follow a long gap</caption><thead><tr>"
        out += "<th scope=\"col\" class=\"num\">#</th><th scope=\"col\" class=\"num\">offset ms</th><th scope=\"col\" class=\"num\">gap ms</th>"
        out += "<th scope=\"col\">event</th><th scope=\"col\">lane</th><th scope=\"col\">detail</th></tr></thead><tbody>"
        var previous: UInt64 = 0
        for (index, mark) in timeline.marks.enumerated() {
            let gap = Double(Int64(mark.offsetNanos) - Int64(previous)) / 1e6
            previous = mark.offsetNanos
            out += "<tr\(gapRows.contains(index) ? " class=\"gap\"" : "")><td class=\"num\">\(index)</td><td class=\"num\">\(HTML.millis(mark.offsetNanos))</td>"
            out += "<td class=\"num\">\(String(format: "%+.1f", gap))</td><td>\(HTML.escape(mark.event))</td><td>\(HTML.escape(timeline.lanes[mark.lane].label))</td>"
            out += "<td class=\"mono\">\(HTML.escape(mark.detail))</td></tr>"
        }
        return out + "</tbody></table>"
    }

    /// The message the events add up to, block by block.
    static func message(_ response: RecordedResponse) -> String {
        guard let message = ReconstructedMessage(response) else {
            return "<pre>\(HTML.escape(String(decoding: response.body.prefix(20_000), as: UTF8.self)))</pre>"
        }
        var out = "<p class=\"muted\">id \(HTML.escape(message.id ?? "-")) · model \(HTML.escape(message.model ?? "-")) · stop_reason \(HTML.escape(message.stopReason ?? "-"))"
        out += " · usage in \(message.inputTokens.map(String.init) ?? "-") / out \(message.outputTokens.map(String.init) ?? "-")</p>"
        for block in message.blocks {
            let label = block.toolName.map { "\(block.type) \(block.toolID ?? "-") \($0)" } ?? block.type
            out += "<h3 class=\"mono\">\(HTML.escape(label))</h3><pre>\(HTML.escape(block.content))</pre>"
        }
        return out
    }

    /// A curl command that sends the recorded request to this server.
    private func curl() -> String {
        let request = interaction.request
        let base = "http://" + (host ?? "127.0.0.1:11435")
        let prefix = cassette == "" ? "" : "/c/\(cassette)"
        var command = "curl -sN -X \(request.method) '\(base)\(prefix)\(request.path)\(request.query.map { "?" + $0 } ?? "")' \\\n  -H 'x-vcr-timing: instant'"
        for header in request.headers where ["content-type", "anthropic-version", "anthropic-beta"].contains(header.name.lowercased()) {
            command += " \\\n  -H '\(header.name): \(header.value.replacingOccurrences(of: "'", with: "'\\''"))'"
        }
        guard !request.body.isEmpty else { return command }
        return command + " \\\n  --data-binary @- <<'VCR_BODY'\n" + String(decoding: request.body, as: UTF8.self) + "\nVCR_BODY"
    }
}
