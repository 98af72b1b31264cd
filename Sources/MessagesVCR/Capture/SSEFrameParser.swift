/// Splits a growing `text/event-stream` body into frames, however the bytes were chunked:
/// a frame split across chunks, or many frames in one chunk, come out the same.
///
/// Lines end with `\n`, `\r\n` or `\r` (a `\r` at a chunk's end waits for the next chunk);
/// a blank line ends a frame. `event:` names it; `data:` lines are kept byte for byte; a block of
/// comments alone (`:` lines) is no frame.
struct SSEFrameParser: Sendable {
    private var scanned = 0
    private var lineStart = 0
    private var frameStart: Int?
    private var event: String?
    private var dataLines: [[UInt8]] = []
    private var pendingCR = false

    /// Creates a parser at the start of a body.
    public init() {}

    /// Parses the bytes of `body` not seen yet and returns the frames they complete.
    /// - Parameters:
    ///   - body: the whole body received so far (it only ever grows).
    ///   - offsetNanos: arrival offset of the newest chunk, stamped on the frames it completes.
    mutating func consume(_ body: [UInt8], offsetNanos: UInt64) -> [SSEFrame] {
        var frames: [SSEFrame] = []
        var i = scanned
        while i < body.count {
            let byte = body[i]
            if pendingCR {
                pendingCR = false
                if byte == 0x0a {  // the \n of a \r\n split across chunks
                    i += 1
                    lineStart = i
                    continue
                }
            }
            if byte == 0x0a || byte == 0x0d {
                let lineEnd = i
                if byte == 0x0d {
                    if i + 1 < body.count {
                        if body[i + 1] == 0x0a { i += 1 }
                    } else {
                        pendingCR = true
                    }
                }
                i += 1
                if let frame = endLine(body, lineEnd: lineEnd, next: i, offsetNanos: offsetNanos) { frames.append(frame) }
                lineStart = i
                continue
            }
            i += 1
        }
        scanned = i
        return frames
    }

    /// Handles one complete line `body[lineStart..<lineEnd]`; `next` is the offset after its terminator.
    private mutating func endLine(_ body: [UInt8], lineEnd: Int, next: Int, offsetNanos: UInt64) -> SSEFrame? {
        if lineEnd == lineStart {
            guard let start = frameStart else { return nil }  // extra blank line between frames
            guard event != nil || !dataLines.isEmpty else {
                // Only comments (llama.cpp's `:` keep-alive while a long prompt is read): no event, as
                // the SSE spec dispatches none; its bytes stay in the body between frames.
                frameStart = nil
                return nil
            }
            let data = dataLines.count == 1 ? dataLines[0] : Array(dataLines.joined(separator: [0x0a]))
            let frame = SSEFrame(event: event, data: data, byteRange: start..<next, offsetNanos: offsetNanos)
            frameStart = nil
            event = nil
            dataLines = []
            return frame
        }
        if frameStart == nil { frameStart = lineStart }
        let line = body[lineStart..<lineEnd]
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            if line.elementsEqual("data".utf8) { dataLines.append([]) }
            return nil
        }
        let name = line[lineStart..<colon]
        var valueStart = colon + 1
        if valueStart < lineEnd, body[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        if name.elementsEqual("event".utf8) {
            event = String(decoding: body[valueStart..<lineEnd], as: UTF8.self)
        } else if name.elementsEqual("data".utf8) {
            dataLines.append(Array(body[valueStart..<lineEnd]))
        }
        return nil
    }
}
