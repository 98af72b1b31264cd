import Foundation

/// The timeline picture of one response, as inline SVG: one mark per event at its recorded offset,
/// one lane per content block (thinking, text, tool_use) under a lane for the message events, gaps
/// above a threshold shaded, TTFB and the end marked, a cut or a missing `message_stop` labelled.
struct TimelineSVG {
    /// One event placed on the picture.
    struct Mark {
        var offsetNanos: UInt64
        var lane: Int
        var event: String
        /// One line about the event (``InteractionView/detail(of:)``, or the chunk's size).
        var detail: String

        /// The mark's tooltip.
        var label: String { "\(event) at \(HTML.millis(offsetNanos)) ms " + CassetteTool.cut(detail, 40) }
    }

    let response: RecordedResponse
    /// The time the picture's width stands for (set to the longer response's when two are compared).
    var scaleNanos: UInt64
    /// A gap between consecutive events longer than this is shaded.
    let gapThresholdNanos: UInt64
    let marks: [Mark]
    let lanes: [(label: String, kind: String)]

    static let width = 960.0
    static let labelWidth = 150.0
    static let laneHeight = 26.0
    static let top = 26.0

    init(_ response: RecordedResponse) {
        self.response = response
        var lanes: [(label: String, kind: String)] = [("message", "meta")]
        var laneOfBlock: [Int: Int] = [:]
        var marks: [Mark] = []
        if response.frames.isEmpty {
            lanes = [("body chunks", "meta")]
            marks = response.chunks.map { Mark(offsetNanos: $0.offsetNanos, lane: 0, event: "chunk", detail: "\($0.length) bytes") }
        }
        for frame in response.frames {
            let data = try? JSONParser.parse(frame.data)
            let event = frame.event ?? data?["type"]?.stringValue ?? "message"
            var lane = 0
            if let index = data?["index"]?.intValue, event.hasPrefix("content_block") {
                if laneOfBlock[index] == nil {
                    let block = data?["content_block"]
                    let type = block?["type"]?.stringValue ?? "block"
                    let name = block?["name"]?.stringValue.map { " " + $0 } ?? ""
                    laneOfBlock[index] = lanes.count
                    lanes.append(("#\(index) \(type)\(name)", type))
                }
                lane = laneOfBlock[index]!
            }
            marks.append(Mark(offsetNanos: frame.offsetNanos, lane: lane, event: event, detail: InteractionView.detail(of: frame)))
        }
        self.lanes = lanes
        self.marks = marks
        let last = max(response.durationNanos, marks.last?.offsetNanos ?? 0, response.ttfbNanos ?? 0)
        self.scaleNanos = max(last, 1)
        self.gapThresholdNanos = Self.threshold(marks.map(\.offsetNanos))
    }

    /// 100 ms, or four times the median gap when that is longer.
    static func threshold(_ offsets: [UInt64]) -> UInt64 {
        let gaps = zip(offsets.dropFirst(), offsets).map { $0 > $1 ? $0 - $1 : 0 }.sorted()
        let median = gaps.isEmpty ? 0 : gaps[gaps.count / 2]
        return max(100_000_000, median * 4)
    }

    /// The gaps above the threshold: (index of the event after the gap, its length).
    var longGaps: [(index: Int, nanos: UInt64)] {
        marks.indices.dropFirst().compactMap { index in
            let gap = marks[index].offsetNanos > marks[index - 1].offsetNanos ? marks[index].offsetNanos - marks[index - 1].offsetNanos : 0
            return gap > gapThresholdNanos ? (index, gap) : nil
        }
    }

    private func x(_ nanos: UInt64) -> Double {
        Self.labelWidth + Double(nanos) / Double(scaleNanos) * (Self.width - Self.labelWidth - 20)
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The SVG element; `id` prefixes its title and description ids.
    func svg(id: String, title: String) -> String {
        let height = Self.top + Double(lanes.count) * Self.laneHeight + 30
        let stop = response.frames.contains { $0.event == "message_stop" }
        let gaps = longGaps
        var summary = "\(marks.count) events over \(HTML.millis(response.durationNanos)) ms; TTFB \(HTML.millis(response.ttfbNanos)) ms"
        summary += gaps.isEmpty ? "; no gap over \(HTML.millis(gapThresholdNanos)) ms" : "; \(gaps.count) gap(s) over \(HTML.millis(gapThresholdNanos)) ms"
        if response.outcome != .complete { summary += "; cut (\(response.outcome.rawValue))" }
        if !response.frames.isEmpty, !stop { summary += "; no message_stop" }
        var out = "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\">"
        out += "<title id=\"\(id)-title\">\(HTML.escape(title))</title><desc id=\"\(id)-desc\">\(HTML.escape(summary))</desc>"
        for (index, lane) in lanes.enumerated() {
            let y = Self.top + Double(index) * Self.laneHeight
            out += "<rect class=\"lane\" x=\"\(Self.f(Self.labelWidth))\" y=\"\(Self.f(y + 2))\" width=\"\(Self.f(Self.width - Self.labelWidth - 20))\" height=\"\(Self.f(Self.laneHeight - 4))\"/>"
            out += "<text class=\"lane-label\" x=\"6\" y=\"\(Self.f(y + Self.laneHeight / 2 + 4))\">\(HTML.escape(String(lane.label.prefix(22))))</text>"
        }
        let bottom = Self.top + Double(lanes.count) * Self.laneHeight
        let step = Self.tickStep(scaleNanos)
        var tick: UInt64 = 0
        while tick <= scaleNanos {
            let tx = Self.f(x(tick))
            out += "<line class=\"tick\" x1=\"\(tx)\" y1=\"\(Self.f(Self.top - 4))\" x2=\"\(tx)\" y2=\"\(Self.f(bottom))\"/>"
            out += "<text class=\"tick-label\" x=\"\(tx)\" y=\"\(Self.f(Self.top - 8))\" text-anchor=\"middle\">\(Self.tickLabel(tick, step: step))</text>"
            tick += step
        }
        for gap in gaps {
            let mark = marks[gap.index]
            let y = Self.top + Double(mark.lane) * Self.laneHeight
            let from = x(marks[gap.index - 1].offsetNanos), to = x(mark.offsetNanos)
            out += "<rect class=\"gap\" x=\"\(Self.f(from))\" y=\"\(Self.f(y + 1))\" width=\"\(Self.f(max(to - from, 1)))\" height=\"\(Self.f(Self.laneHeight - 2))\"><title>gap of \(HTML.millis(gap.nanos)) ms before event \(gap.index)</title></rect>"
        }
        for (index, mark) in marks.enumerated() {
            let kind = mark.lane == 0 ? (mark.event == "error" ? "error" : "meta") : lanes[mark.lane].kind
            let y = Self.top + Double(mark.lane) * Self.laneHeight + 5
            out += "<rect class=\"mark \(HTML.escape(kind))\" x=\"\(Self.f(x(mark.offsetNanos) - 1))\" y=\"\(Self.f(y))\" width=\"2\" height=\"\(Self.f(Self.laneHeight - 10))\"><title>\(HTML.escape("event \(index): " + mark.label))</title></rect>"
        }
        if let ttfb = response.ttfbNanos {
            out += marker(ttfb, className: "ttfb", label: "TTFB \(HTML.millis(ttfb)) ms", bottom: bottom, row: 0)
        }
        if response.outcome != .complete {
            let cx = Self.f(x(response.durationNanos))
            out += "<line class=\"cut\" x1=\"\(cx)\" y1=\"\(Self.f(Self.top))\" x2=\"\(cx)\" y2=\"\(Self.f(bottom))\"/>"
            out += "<text class=\"cut-label\" x=\"\(cx)\" y=\"\(Self.f(bottom + 24))\" text-anchor=\"end\">cut: \(HTML.escape(response.outcome.rawValue))\(!stop && !response.frames.isEmpty ? ", no message_stop" : "")</text>"
        } else {
            out += marker(response.durationNanos, className: "end", label: "end \(HTML.millis(response.durationNanos)) ms" + (!stop && !response.frames.isEmpty ? " — no message_stop" : ""), bottom: bottom, row: 1)
        }
        return out + "</svg>"
    }

    private func marker(_ nanos: UInt64, className: String, label: String, bottom: Double, row: Int) -> String {
        let mx = Self.f(x(nanos))
        let anchor = x(nanos) > Self.width * 0.8 ? "end" : "start"
        return "<line class=\"\(className)\" x1=\"\(mx)\" y1=\"\(Self.f(Self.top))\" x2=\"\(mx)\" y2=\"\(Self.f(bottom + 6))\"/>"
            + "<text class=\"marker-label\" x=\"\(mx)\" y=\"\(Self.f(bottom + 14 + Double(row) * 12))\" text-anchor=\"\(anchor)\">\(HTML.escape(label))</text>"
    }

    /// A round step (1, 2 or 5 × 10^k ms) giving about eight ticks.
    static func tickStep(_ total: UInt64) -> UInt64 {
        let raw = max(Double(total) / 8, 1)
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].first { $0 * power >= raw }! * power
        return max(UInt64(step), 1)
    }

    static func tickLabel(_ nanos: UInt64, step: UInt64) -> String {
        if step >= 1_000_000_000 { return String(format: "%.0f s", Double(nanos) / 1e9) }
        if step >= 1_000_000 { return String(format: "%.0f ms", Double(nanos) / 1e6) }
        return String(format: "%.2f ms", Double(nanos) / 1e6)
    }
}
