/// `/__vcr/ui/misses/N`: a request that matched nothing, beside the nearest recording, both as
/// matching saw them, the differing paths highlighted, and the rule that would make it match where
/// one obviously would.
struct MissPage {
    let miss: MissLog.Entry

    /// How many differences are marked.
    static let limit = 200

    func render() -> String {
        var body = "<h1>Miss \(miss.id): \(HTML.escape(miss.method + " " + miss.path))</h1>"
        body += "<p class=\"muted\">\(HTML.escape(InteractionCoding.formatDate(miss.time))) · session \(HTML.escape(miss.session)) · cassette \(HTML.escape(miss.cassette))</p>"
        body += "<p class=\"bad\">\(HTML.escape(miss.message))</p>"
        guard case .json(let received) = miss.received else {
            return HTML.page(title: "Miss \(miss.id)", cassette: miss.cassette, body: body + "<p>The request body is not JSON; it was matched on its bytes.</p>")
        }
        var changes: [JSONDiff.Change] = []
        if case .json(let nearest)? = miss.nearest {
            changes = JSONDiff.changes(recorded: nearest, received: received, limit: Self.limit)
        }
        if !changes.isEmpty {
            body += "<h2 id=\"differences-heading\">Differences</h2><ol aria-labelledby=\"differences-heading\">"
            for change in changes {
                body += "<li><a href=\"#\(JSONHTML.anchor(change.path, prefix: "received"))\"><code>\(HTML.escape(change.path))</code></a>: recorded "
                body += "<code>\(HTML.escape(change.difference.recorded ?? "(absent)"))</code> ≠ received <code>\(HTML.escape(change.difference.received ?? "(absent)"))</code></li>"
            }
            body += "</ol>"
            let suggestions = RuleSuggestion.suggest(changes)
            if !suggestions.isEmpty {
                body += "<h2 id=\"rules-heading\">A rule that would make it match</h2><ul aria-labelledby=\"rules-heading\">"
                for suggestion in suggestions { body += "<li><code>\(HTML.escape(suggestion.rule))</code> — \(HTML.escape(suggestion.why))</li>" }
                body += "</ul>"
            }
        }
        if !miss.leftOut.isEmpty {
            body += "<p class=\"muted\">Not matched (Ollama does not read them): " + miss.leftOut.map { "<code>\(HTML.escape($0))</code>" }.joined(separator: ", ") + "</p>"
        }
        let marks = JSONHTML(marked: Set(changes.map(\.path)), idPrefix: "received")
        body += "<div class=\"cols\"><section aria-labelledby=\"received-heading\"><h2 id=\"received-heading\">Received</h2>" + marks.render(received) + "</section>"
        body += "<section aria-labelledby=\"nearest-heading\"><h2 id=\"nearest-heading\">Nearest recording"
        if let id = miss.nearestID {
            body += " <a class=\"mono\" href=\"/__vcr/ui/interactions/\(HTML.query(id))?cassette=\(HTML.query(miss.cassette))\">\(HTML.escape(id))</a>"
        }
        body += "</h2>"
        if case .json(let nearest)? = miss.nearest {
            body += JSONHTML(marked: marks.marked, idPrefix: "nearest").render(nearest)
        } else {
            body += "<p>No recording of this route to compare with.</p>"
        }
        body += "</section></div>"
        return HTML.page(title: "Miss \(miss.id)", cassette: miss.cassette, body: body)
    }
}
