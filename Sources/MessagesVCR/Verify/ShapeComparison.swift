/// Whether a live answer has the shape of a recorded one — not its text: which server sent it,
/// the status, the headers clients read, the event grammar and order, block types, id shapes,
/// usage keys, and the timing profile within stated bounds. `messages-vcr verify` prints one row
/// per aspect.
public struct ShapeComparison: Sendable {
    /// One compared aspect.
    struct Row: Sendable, Equatable {
        /// What is compared (`status`, `events`, `usage keys`, …).
        let aspect: String
        /// The recording's shape of it.
        public let recorded: String
        /// The live answer's.
        let live: String
        /// Whether they agree.
        public let agrees: Bool
    }

    /// How far the live timing may be from the recorded before it is a difference.
    public struct TimingBounds: Sendable {
        /// Live time to first byte and mean gap between chunks may be at most this many times the
        /// recorded ones, and at least the recorded over it.
        var factor: Double = 10
        /// Differences below this many milliseconds always agree (a fast answer's ratio means nothing).
        var slackMillis: Double = 250

        public init(factor: Double = 10, slackMillis: Double = 250) {
            self.factor = factor
            self.slackMillis = slackMillis
        }

        func agree(_ recorded: Double, _ live: Double) -> Bool {
            abs(live - recorded) <= slackMillis || (live <= recorded * factor && live >= recorded / factor)
        }
    }

    /// The rows comparing `live` with `recorded`.
    static func compare(recorded: RecordedResponse, live: RecordedResponse, bounds: TimingBounds = TimingBounds()) -> [Row] {
        var rows: [Row] = []
        func row(_ aspect: String, _ a: String, _ b: String, agrees: Bool? = nil) {
            rows.append(Row(aspect: aspect, recorded: a, live: b, agrees: agrees ?? (a == b)))
        }
        row("server", Flavor.producer(of: recorded).name, Flavor.producer(of: live).name)
        row("status", recorded.status.map(String.init) ?? "none", live.status.map(String.init) ?? "none")
        row("headers", clientHeaders(recorded.headers), clientHeaders(live.headers))
        let a = Shape(recorded), b = Shape(live)
        row("events", a.events, b.events)
        row("blocks", a.blocks, b.blocks)
        row("ids", a.ids, b.ids)
        row("usage keys", a.usage, b.usage)
        if a.events == "json" { row("keys", a.keys, b.keys) }
        let ttfb = (firstByte(recorded), firstByte(live))
        row("first byte", millis(ttfb.0), millis(ttfb.1), agrees: bounds.agree(ttfb.0, ttfb.1))
        let gaps = (meanGap(recorded), meanGap(live))
        row("mean gap", millis(gaps.0), millis(gaps.1), agrees: bounds.agree(gaps.0, gaps.1))
        return rows
    }

    /// The headers clients read: the content type, and which of the servers' own headers are present.
    static func clientHeaders(_ headers: HeaderList) -> String {
        let read = ["request-id", "x-should-retry", "retry-after", "server", "x-accel-buffering"]
        let present = read.filter { headers[$0] != nil }.map { $0 == "server" ? "server: \(headers["server"] ?? "")" : $0 }
        return (["content-type: \(headers["content-type"] ?? "none")"] + present).joined(separator: ", ")
    }

    private static func millis(_ value: Double) -> String { String(format: "%.1f ms", value) }

    /// Milliseconds to the first body byte (a server may send its head at once and think before the body).
    private static func firstByte(_ response: RecordedResponse) -> Double {
        Double(response.chunks.first?.offsetNanos ?? response.ttfbNanos ?? 0) / 1e6
    }

    private static func meanGap(_ response: RecordedResponse) -> Double {
        let offsets = response.chunks.map(\.offsetNanos)
        guard offsets.count > 1 else { return 0 }
        return Double(offsets.last! - offsets.first!) / Double(offsets.count - 1) / 1e6
    }

    /// What a body's shape is made of.
    private struct Shape {
        var events = "", blocks = "", ids = "", usage = "", keys = ""

        init(_ response: RecordedResponse) {
            if !response.frames.isEmpty {
                // Runs of the same event (and delta type) are one: how many depends on the text.
                var names: [String] = [], blockTypes: [String] = [], idShapes: [String] = [], usages: [String] = []
                for frame in response.frames {
                    let data = try? JSONParser.parse(frame.data)
                    var name = frame.event ?? "data"
                    if name == "content_block_delta", let type = data?["delta"]?["type"]?.stringValue { name += "(\(type))" }
                    if names.last != name { names.append(name) }
                    if let block = data?["content_block"] {
                        blockTypes.append(block["type"]?.stringValue ?? "?")
                        if let id = block["id"]?.stringValue { idShapes.append("tool " + Shape.toolShape(id)) }
                    }
                    if let message = data?["message"] {
                        if let id = message["id"]?.stringValue { idShapes.insert("message " + Shape.messageShape(id), at: 0) }
                        usages.append("start " + Shape.keys(message["usage"]))
                    }
                    if frame.event == "message_delta" { usages.append("delta " + Shape.keys(data?["usage"])) }
                }
                (events, blocks, ids, usage) = (names.joined(separator: " "), blockTypes.joined(separator: " "), idShapes.joined(separator: ", "), usages.joined(separator: "; "))
            } else if let value = try? JSONParser.parse(response.body) {
                events = "json"
                keys = Shape.keys(value)
                blocks = (value["content"]?.arrayValue ?? []).map { $0["type"]?.stringValue ?? "?" }.joined(separator: " ")
                var idShapes = value["id"]?.stringValue.map { ["message " + Shape.messageShape($0)] } ?? []
                for block in value["content"]?.arrayValue ?? [] {
                    if let id = block["id"]?.stringValue { idShapes.append("tool " + Shape.toolShape(id)) }
                }
                ids = idShapes.joined(separator: ", ")
                usage = Shape.keys(value["usage"])
            } else {
                events = response.body.isEmpty ? "empty" : "not JSON"
            }
        }

        static func keys(_ value: JSONValue?) -> String {
            (value?.objectMembers ?? []).map(\.key).joined(separator: ",")
        }

        static func messageShape(_ id: String) -> String {
            Flavor.all.first { $0.ids.message.fits(id) }.map { $0.ids.message.name } ?? "other"
        }

        static func toolShape(_ id: String) -> String {
            (ToolIDShape.others + [.call]).first { $0.claims(id) }.map(\.name) ?? "other"
        }
    }
}
