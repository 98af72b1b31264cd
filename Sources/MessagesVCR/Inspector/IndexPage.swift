import Foundation

/// `/__vcr/ui/`: the cassette's interactions (filterable, without JavaScript through the form, as
/// you type with it), a form to compare two of them, and the journal, updating live.
struct IndexPage {
    let mode: VCRMode
    let registry: CassetteRegistry
    let journal: Journal
    let cassette: (reference: CassetteRegistry.CassetteReference, store: CassetteStore?)
    let query: [String: String]

    func render() async throws -> String {
        let reference = cassette.reference
        let ids = try await cassette.store?.ids() ?? []
        var shown: [Interaction] = []
        if let store = cassette.store { shown = try await CassetteTool.interactions(Array(ids.prefix(InspectorRoutes.listLimit)), in: store) }
        let rows = shown.map { ($0, RequestSummary(body: $0.request.body)) }
        let needle = (query["q"] ?? "").lowercased(), wantedModel = query["model"] ?? ""
        let models = Array(Set(rows.compactMap { $0.1.model })).sorted()
        let keep = "cassette=" + HTML.query(reference.name)
        var body = "<h1>Cassette <code>\(HTML.escape(reference.name))</code></h1>"
        body += "<p class=\"muted\">\(HTML.escape(reference.path)) · mode \(mode.rawValue) · \(ids.count) interaction(s)"
        if cassette.store == nil { body += " · <span class=\"warn\">the file does not exist</span>" }
        body += "</p>"
        body += cassettePicker(current: reference.name)
        body += "<form method=\"get\" action=\"/__vcr/ui/\" role=\"search\" aria-label=\"Filter interactions\">"
        body += "<input type=\"hidden\" name=\"cassette\" value=\"\(HTML.escape(reference.name))\">"
        body += "<label for=\"filter-text\">Text (id, first user text)<input id=\"filter-text\" name=\"q\" type=\"search\" value=\"\(HTML.escape(query["q"] ?? ""))\"></label>"
        body += "<label for=\"filter-model\">Model<select id=\"filter-model\" name=\"model\"><option value=\"\">any</option>"
        for model in models { body += "<option\(model == wantedModel ? " selected" : "")>\(HTML.escape(model))</option>" }
        body += "</select></label><button type=\"submit\">Filter</button></form>"

        var tableRows = ""
        var count = 0
        for (interaction, summary) in rows {
            let text = (interaction.id + " " + (summary.firstUserText ?? "")).lowercased()
            let hidden = (!needle.isEmpty && !text.contains(needle)) || (!wantedModel.isEmpty && summary.model != wantedModel)
            if !hidden { count += 1 }
            let response = interaction.response
            let outcome = response.outcome == .complete ? "complete" : "<span class=\"bad\">\(response.outcome.rawValue)</span>"
            tableRows += "<tr data-text=\"\(HTML.escape(text))\" data-model=\"\(HTML.escape(summary.model ?? ""))\"\(hidden ? " hidden" : "")>"
            tableRows += "<td><a class=\"mono\" href=\"/__vcr/ui/interactions/\(HTML.query(interaction.id))?\(keep)\">\(HTML.escape(interaction.id))</a></td>"
            tableRows += "<td class=\"num\">\(interaction.seq)</td><td>\(HTML.escape(summary.model ?? "-"))</td>"
            tableRows += "<td>\(summary.stream.map { $0 ? "yes" : "no" } ?? "-")</td><td class=\"num\">\(response.status.map(String.init) ?? "-")</td>"
            tableRows += "<td>\(outcome)</td><td class=\"num\">\(response.frames.count)</td>"
            tableRows += "<td class=\"num\">\(HTML.millis(response.ttfbNanos))</td><td class=\"num\">\(HTML.millis(response.durationNanos))</td>"
            tableRows += "<td>\(HTML.escape(CassetteTool.cut(summary.firstUserText ?? "", 90)))</td></tr>"
        }
        body += "<table id=\"interactions\"><caption>Interactions: <span id=\"shown-count\">\(count)</span> shown"
        if ids.count > shown.count { body += " (the first \(shown.count) of \(ids.count))" }
        body += "</caption><thead><tr><th scope=\"col\">id</th><th scope=\"col\" class=\"num\">seq</th><th scope=\"col\">model</th><th scope=\"col\">stream</th>"
        body += "<th scope=\"col\" class=\"num\">status</th><th scope=\"col\">outcome</th><th scope=\"col\" class=\"num\">events</th>"
        body += "<th scope=\"col\" class=\"num\">TTFB ms</th><th scope=\"col\" class=\"num\">duration ms</th><th scope=\"col\">first user text</th></tr></thead><tbody>"
        body += tableRows + "</tbody></table>"

        body += "<h2 id=\"compare-heading\">Compare two interactions</h2>"
        body += "<form method=\"get\" action=\"/__vcr/ui/compare\" aria-labelledby=\"compare-heading\"><input type=\"hidden\" name=\"cassette\" value=\"\(HTML.escape(reference.name))\">"
        body += "<label for=\"compare-a\">First id<input id=\"compare-a\" name=\"a\" list=\"interaction-ids\" required></label>"
        body += "<label for=\"compare-b\">Second id<input id=\"compare-b\" name=\"b\" list=\"interaction-ids\" required></label><button type=\"submit\">Compare</button></form>"
        body += "<datalist id=\"interaction-ids\">" + shown.map { "<option value=\"\(HTML.escape($0.id))\">" }.joined() + "</datalist>"
        body += journalTable()
        return HTML.page(title: "Cassette \(reference.name)", cassette: reference.name, body: body)
    }

    /// A picker of the cassettes in the folder (`.sqlite` and `.json`).
    private func cassettePicker(current: String) -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: registry.locator.directory)) ?? []
        var names = Set(files.compactMap { file -> String? in
            for suffix in [".sqlite", ".json"] where file.hasSuffix(suffix) {
                let name = String(file.dropLast(suffix.count))
                return CassetteLocator.isValidName(name) ? name : nil
            }
            return nil
        })
        names.insert(current)
        guard names.count > 1 else { return "" }
        var out = "<form method=\"get\" action=\"/__vcr/ui/\" aria-label=\"Choose a cassette\"><label for=\"cassette-pick\">Cassette<select id=\"cassette-pick\" name=\"cassette\">"
        for name in names.sorted() { out += "<option\(name == current ? " selected" : "")>\(HTML.escape(name))</option>" }
        return out + "</select></label><button type=\"submit\">Open</button></form>"
    }

    /// The journal, newest first; the script refreshes it every second.
    private func journalTable() -> String {
        var out = "<h2 id=\"journal-heading\">Journal</h2><p id=\"journal-status\" class=\"muted\" aria-live=\"polite\">The last requests, newest first (updates live with JavaScript; reload otherwise).</p>"
        out += "<table id=\"journal\" data-ui=\"/__vcr/ui/\" aria-labelledby=\"journal-heading\"><thead><tr><th scope=\"col\">time</th><th scope=\"col\">session</th><th scope=\"col\">request</th>"
        out += "<th scope=\"col\">result</th><th scope=\"col\" class=\"num\">status</th><th scope=\"col\">interaction or miss</th><th scope=\"col\">notes</th></tr></thead><tbody>"
        for entry in journal.recent(limit: 50).reversed() {
            let bad = [.miss, .error, .exhausted].contains(entry.result)
            out += "<tr><td>\(HTML.escape(InteractionCoding.formatDate(entry.time).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")))</td>"
            out += "<td>\(HTML.escape(entry.session))</td><td>\(HTML.escape(entry.method + " " + entry.path))</td>"
            out += "<td\(bad ? " class=\"bad\"" : "")>\(entry.result.rawValue)</td><td class=\"num\">\(entry.status.map(String.init) ?? "")</td><td>"
            if let miss = entry.missID {
                out += "<a href=\"/__vcr/ui/misses/\(miss)\">miss \(miss): see the diff</a>"
            } else if let id = entry.interactionID, !id.hasPrefix("rule-") {
                out += "<a class=\"mono\" href=\"/__vcr/ui/interactions/\(HTML.query(id))?cassette=\(HTML.query(entry.cassette))\">\(HTML.escape(id))</a>"
            } else {
                out += HTML.escape(entry.interactionID ?? "")
            }
            out += "</td><td>\(HTML.escape([entry.flavor == .ollama ? nil : "as \(entry.flavor)", entry.timing, entry.compat.map { "compat: " + $0 }, entry.drift.map { "drift: " + $0.description }, entry.detail].compactMap { $0 }.joined(separator: " · ")))</td></tr>"
        }
        return out + "</tbody></table>"
    }
}
