import NIOCore

/// Rewrites recorded machine-specific values (a working directory, a home folder, a subagent id)
/// to the live ones in a recording about to be replayed, so the client acts on its own machine:
/// a recorded `Write /home/dev/proj/out.txt` writes into the checkout the replay runs in.
///
/// Only string values change, each re-encoded as Ollama encodes JSON strings; every other byte
/// stays as recorded. In a stream, a block's `text_delta`, `thinking_delta` and `input_json_delta`
/// pieces are rewritten as one text (a path split across deltas and chunks is found), and the new
/// value goes out with the delta that held the recorded value's last byte. Chunks keep their
/// recorded deadlines; a changed string goes out whole with the chunk that completed it.
struct AnswerRewriter: Sendable {
    /// Values as they appear in text.
    private let plain: ValueReplacer
    /// Values as they appear inside a JSON string (for `input_json_delta`, whose text is JSON).
    private let escaped: ValueReplacer
    private let substitutions: [MachineValues.Substitution]

    /// What a rewrite changed.
    struct Result {
        /// The recording as it will be replayed.
        var replay: PreparedReplay
        /// The substitutions that changed something, each with how many occurrences it changed.
        var used: [(substitution: MachineValues.Substitution, count: Int)]
        /// Occurrences changed in all.
        var count: Int { used.reduce(0) { $0 + $1.count } }
    }

    /// A rewriter of `substitutions` (recorded → live).
    init(_ substitutions: [MachineValues.Substitution]) {
        self.substitutions = substitutions
        plain = ValueReplacer(substitutions.map { ($0.recorded, $0.live) })
        escaped = ValueReplacer(substitutions.map { (Self.escapedInside($0.recorded), Self.escapedInside($0.live)) }, jsonEscaped: true)
    }

    /// `replay` with the values rewritten, and what changed.
    func rewrite(_ replay: PreparedReplay) -> Result {
        guard replay.status != nil, !plain.isEmpty else { return Result(replay: replay, used: []) }
        let body = Array(replay.body.readableBytesView)
        var edits: [(range: Range<Int>, bytes: [UInt8])] = []
        var tags: [Int] = []
        if replay.frames.isEmpty {
            // A body that is not JSON (a plain-text error, an HTML page) is left as it is.
            guard (try? JSONParser.parse(body)) != nil else { return Result(replay: replay, used: []) }
            tags += rewriteValues(JSONStringTokens.values(in: body, range: 0..<body.count), in: body, into: &edits)
        } else {
            tags += rewriteStream(replay.frames, in: body, into: &edits)
        }
        guard !tags.isEmpty else { return Result(replay: replay, used: []) }
        let used = substitutions.indices.compactMap { index -> (MachineValues.Substitution, Int)? in
            let count = tags.filter { $0 == index }.count
            return count > 0 ? (substitutions[index], count) : nil
        }
        return Result(replay: ReplayEdits(edits).applied(to: replay, body: body), used: used)
    }

    // MARK: - Finding what changes

    /// Rewrites whole string values; returns the tags of the substitutions used.
    private func rewriteValues(_ tokens: [JSONStringTokens.Token], in body: [UInt8], into edits: inout [(range: Range<Int>, bytes: [UInt8])]) -> [Int] {
        var tags: [Int] = []
        for token in tokens {
            guard let text = JSONStringTokens.decode(body, token.range) else { continue }
            let (rewritten, replaced) = plain.replace(text)
            guard !replaced.isEmpty else { continue }
            edits.append((token.range, Self.encoded(rewritten)))
            tags += replaced
        }
        return tags
    }

    /// One piece of a content block's streamed text.
    private struct Piece {
        var token: Range<Int>
        var text: [UInt8]
        var isJSON: Bool
    }

    /// Rewrites a stream's frames; returns the tags of the substitutions used.
    private func rewriteStream(_ frames: [(range: Range<Int>, event: String?)], in body: [UInt8], into edits: inout [(range: Range<Int>, bytes: [UInt8])]) -> [Int] {
        var tags: [Int] = []
        var blocks: [Int: [Piece]] = [:]
        for frame in frames {
            guard let data = Self.dataRange(in: body, frame: frame.range) else { continue }
            let tokens = JSONStringTokens.values(in: body, range: data)
            if frame.event == "content_block_delta",
                let piece = tokens.first(where: { $0.hasKey("text", in: body) || $0.hasKey("thinking", in: body) || $0.hasKey("partial_json", in: body) }),
                let index = Self.blockIndex(in: body, data: data),
                let text = JSONStringTokens.decodedBytes(body, piece.range)
            {
                blocks[index, default: []].append(Piece(token: piece.range, text: text, isJSON: piece.hasKey("partial_json", in: body)))
            } else {
                tags += rewriteValues(tokens, in: body, into: &edits)
            }
        }
        for pieces in blocks.values {
            let replacer = pieces.contains(where: \.isJSON) ? escaped : plain
            let (segments, replaced) = replacer.replace(segments: pieces.map(\.text))
            guard !replaced.isEmpty else { continue }
            tags += replaced
            for (piece, segment) in zip(pieces, segments) where segment != piece.text {
                edits.append((piece.token, Self.encoded(String(decoding: segment, as: UTF8.self))))
            }
        }
        return tags
    }

    /// The number after `"index":` in a delta's data (Ollama writes it before the delta itself).
    static func blockIndex(in body: [UInt8], data: Range<Int>) -> Int? {
        let key = Array(#""index":"#.utf8)
        var i = data.lowerBound
        while i + key.count <= data.upperBound {
            if body[i] == key[0], body[i..<(i + key.count)].elementsEqual(key) {
                var j = i + key.count
                var value = 0
                let start = j
                while j < data.upperBound, body[j] >= UInt8(ascii: "0"), body[j] <= UInt8(ascii: "9"), j - start < 9 {
                    value = value * 10 + Int(body[j] - UInt8(ascii: "0"))
                    j += 1
                }
                return j > start ? value : nil
            }
            i += 1
        }
        return nil
    }

    /// The payload of the frame's single `data:` line (nil for a frame with none or several).
    static func dataRange(in body: [UInt8], frame: Range<Int>) -> Range<Int>? {
        var lineStart = frame.lowerBound
        var found: Range<Int>?
        while lineStart < frame.upperBound {
            var lineEnd = lineStart
            while lineEnd < frame.upperBound, body[lineEnd] != 0x0a, body[lineEnd] != 0x0d { lineEnd += 1 }
            let line = body[lineStart..<lineEnd]
            if line.starts(with: "data:".utf8) {
                guard found == nil else { return nil }
                var start = lineStart + 5
                if start < lineEnd, body[start] == 0x20 { start += 1 }
                found = start..<lineEnd
            }
            lineStart = lineEnd + 1
        }
        return found
    }

    private static func encoded(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        GoJSONWriter.appendString(text, to: &out)
        return out
    }

    private static func escapedInside(_ text: String) -> String {
        let quoted = encoded(text)
        return String(decoding: quoted[1..<(quoted.count - 1)], as: UTF8.self)
    }
}
