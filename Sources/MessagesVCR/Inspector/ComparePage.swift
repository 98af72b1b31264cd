/// `/__vcr/ui/compare?a=ID&b=ID`: two interactions' timelines on one time scale, one above the
/// other, then where their event grammar and their text differ.
struct ComparePage {
    let a: Interaction
    let b: Interaction
    let cassette: String

    func render() -> String {
        var timelines = [TimelineSVG(a.response), TimelineSVG(b.response)]
        let scale = timelines.map(\.scaleNanos).max()!
        for index in timelines.indices { timelines[index].scaleNanos = scale }  // one time scale for both
        var body = "<h1>Compare <code>\(HTML.escape(a.id))</code> and <code>\(HTML.escape(b.id))</code></h1>"
        for ((label, interaction), timeline) in zip([("A", a), ("B", b)], timelines) {
            let response = interaction.response
            body += "<h2 id=\"timeline-\(label)-heading\">\(label): <a class=\"mono\" href=\"/__vcr/ui/interactions/\(HTML.query(interaction.id))?cassette=\(HTML.query(cassette))\">\(HTML.escape(interaction.id))</a>"
            body += " <span class=\"muted\">TTFB \(HTML.millis(response.ttfbNanos)) ms · \(HTML.millis(response.durationNanos)) ms · \(response.frames.count) events · \(response.outcome.rawValue)</span></h2>"
            body += timeline.svg(id: "timeline-\(label)", title: "Timeline of \(label), interaction \(interaction.id)")
        }
        body += "<h2 id=\"grammar-heading\">Event grammar</h2>" + grammar()
        body += "<h2 id=\"text-heading\">Text</h2>" + text()
        return HTML.page(title: "Compare \(a.id) and \(b.id)", cassette: cassette, body: body)
    }

    /// The events as a sequence of steps, runs of deltas of one block counted: `content_block_delta ×12 (#0)`.
    static func steps(_ response: RecordedResponse) -> [String] {
        var steps: [String] = []
        var run: (key: String, count: Int)?
        func flush() {
            if let current = run { steps.append(current.count > 1 ? "\(current.key) ×\(current.count)" : current.key) }
            run = nil
        }
        for frame in response.frames {
            let data = try? JSONParser.parse(frame.data)
            var key = frame.event ?? "message"
            if let index = data?["index"]?.intValue { key += " #\(index)" }
            if key.hasPrefix("content_block_start"), let type = data?["content_block"]?["type"]?.stringValue { key += " " + type }
            if frame.event == "content_block_delta" {
                if run?.key == key { run!.count += 1 } else { flush(); run = (key, 1) }
            } else {
                flush()
                steps.append(key)
            }
        }
        flush()
        return steps
    }

    private func grammar() -> String {
        let left = Self.steps(a.response), right = Self.steps(b.response)
        guard left != right else { return "<p>The same: \(left.count) steps.</p>" }
        var out = "<table><caption>Steps that differ (runs of deltas counted)</caption><thead><tr><th scope=\"col\" class=\"num\">step</th><th scope=\"col\">A</th><th scope=\"col\">B</th></tr></thead><tbody>"
        for index in 0..<max(left.count, right.count) {
            let l = index < left.count ? left[index] : "(none)", r = index < right.count ? right[index] : "(none)"
            if l != r { out += "<tr><td class=\"num\">\(index)</td><td class=\"mono\">\(HTML.escape(l))</td><td class=\"mono\">\(HTML.escape(r))</td></tr>" }
        }
        return out + "</tbody></table>"
    }

    private func text() -> String {
        let left = ReconstructedMessage(a.response)?.blocks ?? [], right = ReconstructedMessage(b.response)?.blocks ?? []
        var out = "<ul>"
        for index in 0..<max(left.count, right.count) {
            let l = index < left.count ? left[index] : nil, r = index < right.count ? right[index] : nil
            let label = "block \(index) (\(l?.type ?? "none") / \(r?.type ?? "none"))"
            if l == r {
                out += "<li>\(HTML.escape(label)): the same</li>"
            } else {
                let (lw, rw) = JSONDiff.windows(l?.content ?? "", r?.content ?? "")
                out += "<li>\(HTML.escape(label)): A <code>\(HTML.escape(lw))</code> ≠ B <code>\(HTML.escape(rw))</code></li>"
            }
        }
        return out + "</ul>"
    }
}
