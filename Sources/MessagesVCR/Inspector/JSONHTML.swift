/// A JSON value as nested HTML lists, with the nodes at `marked` paths highlighted and opened.
/// Paths are written as ``JSONDiff`` writes them (`messages[2].content[0].text`, `(body)` for the root).
struct JSONHTML {
    let marked: Set<String>
    /// Prefixes the ids of marked nodes, so two renderings can share a page.
    var idPrefix = "d"
    /// Strings longer than this are folded unless marked.
    static let foldAt = 240

    func render(_ value: JSONValue) -> String {
        "<div class=\"json\">" + node(value, path: "") + "</div>"
    }

    private func isMarked(_ path: String) -> Bool { marked.contains(path.isEmpty ? "(body)" : path) }

    /// Whether a marked path lies under `path` (its subtree is then shown open).
    private func holdsMark(_ path: String) -> Bool {
        path.isEmpty ? !marked.isEmpty : marked.contains { $0 == path || $0.hasPrefix(path + ".") || $0.hasPrefix(path + "[") }
    }

    private func node(_ value: JSONValue, path: String) -> String {
        let open = isMarked(path) ? "<span class=\"diff\" id=\"\(HTML.escape(Self.anchor(path, prefix: idPrefix)))\">" : ""
        let close = open.isEmpty ? "" : "</span>"
        switch value {
        case .object(let members):
            guard !members.isEmpty else { return open + "{}" + close }
            let items = members.map { member in
                let child = path.isEmpty ? member.key : path + "." + member.key
                return "<li><span class=\"key\">\(HTML.escape(JSONDiff.quote(member.key)))</span>: " + node(member.value, path: child) + "</li>"
            }
            return open + folded("{", items, "}", path: path, count: members.count) + close
        case .array(let elements):
            guard !elements.isEmpty else { return open + "[]" + close }
            let items = elements.enumerated().map { "<li>" + node($1, path: "\(path)[\($0)]") + "</li>" }
            return open + folded("[", items, "]", path: path, count: elements.count) + close
        case .string(let text):
            let quoted = JSONDiff.quote(text)
            if quoted.count > Self.foldAt, open.isEmpty {
                return "<details><summary class=\"str\">\(HTML.escape(String(quoted.prefix(100))))… (\(text.count) characters)</summary><span class=\"str\">\(HTML.escape(quoted))</span></details>"
            }
            return open + "<span class=\"str\">\(HTML.escape(quoted))</span>" + close
        default:
            return open + HTML.escape(String(decoding: CanonicalJSON.encode(value), as: UTF8.self)) + close
        }
    }

    /// Big containers without a mark inside are folded.
    private func folded(_ opening: String, _ items: [String], _ closing: String, path: String, count: Int) -> String {
        let list = opening + "<ul>" + items.joined() + "</ul>" + closing
        if holdsMark(path) || count <= 3 || path.isEmpty { return list }
        return "<details><summary>\(opening) \(count) item(s) \(closing)</summary>\(list)</details>"
    }

    /// The fragment id of a marked path.
    static func anchor(_ path: String, prefix: String = "d") -> String {
        prefix + "-" + String(path.unicodeScalars.map { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9": return Character(scalar)
            default: return "_"
            }
        })
    }
}
