import Foundation

/// Replaces key-like strings with a fixed placeholder before anything is stored or matched:
/// Anthropic keys (`sk-ant-…`), bearer tokens (`Bearer …`) and the user's `--redact REGEX`
/// patterns, in request bodies, response bodies (a model can repeat a key it was shown) and
/// stored header values.
///
/// Bodies are searched whole, so a secret split across two response chunks is found; the chunk
/// boundaries around it are kept where they were, so a redacted recording still replays in its
/// recorded chunks and pace (the placeholder goes into the chunk where the secret began).
public struct Redactor: Sendable {
    /// What replaces each secret.
    static let placeholder = "[REDACTED]"

    /// The built-in patterns: `sk-ant-` keys, and the token of a `Bearer` credential.
    static let builtIn = [#"sk-ant-[A-Za-z0-9_\-]{6,}"#, #"(?<=Bearer )[A-Za-z0-9._~+/=\-]{8,}"#]

    private let patterns: [NSRegularExpressionBox]
    /// The patterns in force, as given.
    let sources: [String]
    /// True when only the built-in patterns are in force: a body without `sk-ant-` or `Bearer `
    /// then needs no regex at all (the common case, and the hot path of every request).
    private let builtInOnly: Bool

    /// Why a `--redact` pattern was refused.
    public struct ParseError: Error, CustomStringConvertible {
        /// One line.
        public let description: String
    }

    /// Creates a redactor with the built-in patterns and `extra` ones.
    /// - Throws: ``ParseError`` for a pattern that does not compile.
    public init(extra: [String] = []) throws {
        sources = Self.builtIn + extra
        builtInOnly = extra.isEmpty
        patterns = try sources.map { source in
            guard let regex = try? NSRegularExpression(pattern: source) else {
                throw ParseError(description: "invalid --redact pattern \"\(source)\": it does not compile")
            }
            return NSRegularExpressionBox(regex)
        }
    }

    /// The byte ranges of `bytes` that hold secrets, in order, not overlapping.
    func secrets(in bytes: [UInt8]) -> [Range<Int>] {
        guard !bytes.isEmpty else { return [] }
        if builtInOnly, !Self.contains(bytes, "sk-ant-"), !Self.contains(bytes, "Bearer ") { return [] }
        var found: [Range<Int>] = []
        if let text = String(validating: bytes, as: UTF8.self) {
            // Patterns see the text as text (a non-ASCII pattern matches); ranges map back to bytes.
            let utf16 = text.utf16
            var offsets: [Int] = []  // UTF-8 offset of each UTF-16 unit, and of the end
            offsets.reserveCapacity(utf16.count + 1)
            var byte = 0
            for scalar in text.unicodeScalars {
                let width = UTF8.width(scalar)
                offsets.append(byte)
                if scalar.utf16.count == 2 { offsets.append(byte) }
                byte += width
            }
            offsets.append(byte)
            for pattern in patterns {
                for match in pattern.value.matches(in: text, range: NSRange(location: 0, length: utf16.count)) where match.range.length > 0 {
                    found.append(offsets[match.range.location]..<offsets[match.range.location + match.range.length])
                }
            }
        } else {
            // Not UTF-8 (binary or cut): Latin-1 maps each byte to one UTF-16 unit, so ranges are byte ranges.
            let text = String(decoding: bytes.map { UInt16($0) }, as: UTF16.self)
            for pattern in patterns {
                for match in pattern.value.matches(in: text, range: NSRange(location: 0, length: bytes.count)) where match.range.length > 0 {
                    found.append(match.range.location..<(match.range.location + match.range.length))
                }
            }
        }
        found.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for range in found {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// True when `needle` occurs in `bytes`.
    static func contains(_ bytes: [UInt8], _ needle: StaticString) -> Bool {
        needle.withUTF8Buffer { pattern in
            guard !pattern.isEmpty, pattern.count <= bytes.count else { return false }
            return bytes.withUnsafeBufferPointer { buffer in
                // memchr (vectorised in the C library) finds each candidate first byte.
                let base = UnsafeRawPointer(buffer.baseAddress!), end = base + buffer.count - pattern.count + 1
                var cursor = base
                while cursor < end, let hit = memchr(cursor, Int32(pattern[0]), end - cursor) {
                    let candidate = UnsafeRawPointer(hit)
                    if memcmp(candidate, pattern.baseAddress!, pattern.count) == 0 { return true }
                    cursor = candidate + 1
                }
                return false
            }
        }
    }

    /// `bytes` with every secret replaced.
    func redact(_ bytes: [UInt8]) -> [UInt8] {
        redact(bytes, chunks: []).body
    }

    /// `text` with every secret replaced.
    func redact(_ text: String) -> String {
        String(decoding: redact(Array(text.utf8)), as: UTF8.self)
    }

    /// `body` with every secret replaced, and `chunks` moved to match: each chunk keeps its
    /// arrival offset; a secret's placeholder belongs to the chunk its first byte was in.
    func redact(_ body: [UInt8], chunks: [BodyChunk]) -> (body: [UInt8], chunks: [BodyChunk]) {
        let secrets = secrets(in: body)
        guard !secrets.isEmpty else { return (body, chunks) }
        var output: [UInt8] = []
        output.reserveCapacity(body.count)
        // newPosition[i]: where original byte offset i lands (for chunk starts).
        func mapped(_ offset: Int) -> Int {
            var shift = 0
            for secret in secrets {
                if secret.upperBound <= offset {
                    shift += Self.placeholder.utf8.count - secret.count
                } else if secret.lowerBound < offset {
                    // A chunk starting inside a secret starts after its placeholder.
                    return secret.lowerBound + shift + Self.placeholder.utf8.count
                } else {
                    break
                }
            }
            return offset + shift
        }
        var cursor = 0
        for secret in secrets {
            output += body[cursor..<secret.lowerBound]
            output += Self.placeholder.utf8
            cursor = secret.upperBound
        }
        output += body[cursor...]
        var moved: [BodyChunk] = []
        for (index, chunk) in chunks.enumerated() {
            let start = mapped(chunk.byteOffset)
            let end = index + 1 < chunks.count ? mapped(chunks[index + 1].byteOffset) : output.count
            moved.append(BodyChunk(byteOffset: start, length: max(0, end - start), offsetNanos: chunk.offsetNanos))
        }
        return (output, moved.filter { $0.length > 0 })
    }

    /// `response` with its body, chunks, frames and header values redacted.
    func redact(_ response: RecordedResponse) -> RecordedResponse {
        let (body, chunks) = redact(response.body, chunks: response.chunks)
        let headers = redact(response.headers)
        guard body != response.body || headers != response.headers else { return response }
        guard let status = response.status else { return response }
        var capture = ResponseCapture(status: status, headers: headers, ttfbNanos: response.ttfbNanos ?? 0)
        for chunk in chunks { capture.append(body[chunk.range], offsetNanos: chunk.offsetNanos) }
        var redacted = capture.finish(outcome: response.outcome, durationNanos: response.durationNanos, errorMessage: response.errorMessage)
        redacted.ttfbNanos = response.ttfbNanos
        return redacted
    }

    /// Header values with secrets replaced.
    func redact(_ headers: HeaderList) -> HeaderList {
        HeaderList(headers.fields.map { HeaderList.Field(name: $0.name, value: redact($0.value)) })
    }
}
