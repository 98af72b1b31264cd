import Foundation

/// The inspector's HTML helpers: every piece of text is escaped where it is put into a page, and
/// every page has the same shell (inline style and script only, nothing from another origin).
enum HTML {
    /// `text` safe inside an element or a quoted attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// `value` as a URL query component.
    static func query(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// Milliseconds with one decimal, from nanoseconds.
    static func millis(_ nanos: UInt64?) -> String {
        guard let nanos else { return "-" }
        return String(format: "%.1f", Double(nanos) / 1e6)
    }

    /// A whole page: `title`, the navigation (with `cassette` kept in its links) and `body`.
    static func page(title: String, cassette: String?, body: String) -> String {
        let keep = cassette.map { "?cassette=" + query($0) } ?? ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · messages-vcr</title>
            <link rel="icon" href="data:,">
            <style>\(InspectorAssets.css)</style>
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header><nav aria-label="Inspector"><a href="/__vcr/ui/\(keep)">messages-vcr inspector</a> <a href="/__vcr/ui/\(keep)#journal-heading">Journal</a> <a href="/__vcr/health">Health (JSON)</a></nav></header>
            <main id="main">
            \(body)
            </main>
            <script>\(InspectorAssets.script)</script>
            </body>
            </html>

            """
    }
}
