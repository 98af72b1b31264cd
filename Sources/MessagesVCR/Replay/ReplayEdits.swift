import NIOCore

/// Byte edits to a recording about to be replayed — a string rewritten, a frame re-encoded, an
/// event inserted after another — applied so that every chunk keeps its recorded deadline.
///
/// An edit replaces a byte range of the recorded body. Chunk boundaries move with the bytes
/// around them; a boundary inside an edited range moves to the edit's start, so the new bytes go
/// out whole with the chunk that held the end of the range they replace (a changed string leaves
/// with the chunk that completed it, an inserted event with the event it follows).
struct ReplayEdits {
    /// One replacement: `range` of the recorded body becomes `bytes`.
    typealias Edit = (range: Range<Int>, bytes: [UInt8])

    private let edits: [Edit]

    /// `edits`, sorted by position; their ranges must not overlap.
    init(_ edits: [Edit]) {
        self.edits = edits.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    var isEmpty: Bool { edits.isEmpty }

    /// `replay` with the edits applied to `body` (its recorded body as bytes): chunks and frames
    /// moved to the new byte positions, a chunk left empty dropped rather than written empty.
    /// - Parameter reparseFrames: find the frames again in the new body (edits that add or remove events).
    func applied(to replay: PreparedReplay, body: [UInt8], reparseFrames: Bool = false) -> PreparedReplay {
        var newBody: [UInt8] = []
        newBody.reserveCapacity(body.count + edits.reduce(0) { $0 + $1.bytes.count })
        var moves: [Move] = []
        var cursor = 0
        for edit in edits {
            newBody += body[cursor..<edit.range.lowerBound]
            let newStart = newBody.count
            newBody += edit.bytes
            moves.append(Move(old: edit.range.lowerBound, new: newStart, oldEnd: edit.range.upperBound, newEnd: newBody.count))
            cursor = edit.range.upperBound
        }
        newBody += body[cursor...]
        var result = replay
        result.body = ByteBuffer(bytes: newBody)
        if result.contentLength != nil { result.contentLength = newBody.count }
        result.chunks = []
        result.offsets = []
        result.extraDelays = []
        var oldStart = 0
        var chunkMapper = Mapper(moves: moves)
        for (index, chunk) in replay.chunks.enumerated() {
            let oldEnd = oldStart + chunk.readableBytes
            let range = chunkMapper.map(oldStart)..<chunkMapper.map(oldEnd)
            oldStart = oldEnd
            guard !range.isEmpty else { continue }  // its bytes were all in an edit that ends later
            result.chunks.append(result.body.getSlice(at: range.lowerBound, length: range.count)!)
            result.offsets.append(replay.offsets[index])
            result.extraDelays.append(replay.extraDelays[index])
        }
        if reparseFrames {
            var parser = SSEFrameParser()
            result.frames = parser.consume(newBody, offsetNanos: 0).map { ($0.byteRange, $0.event) }
        } else {
            var frameMapper = Mapper(moves: moves)
            result.frames = replay.frames.map { (frameMapper.map($0.range.lowerBound)..<frameMapper.map($0.range.upperBound), $0.event) }
        }
        return result
    }

    /// Where an edit's bytes were and where they went.
    private struct Move {
        var old: Int
        var new: Int
        var oldEnd: Int
        var newEnd: Int
    }

    /// Maps a recorded offset to the new body; offsets must be asked in increasing order.
    private struct Mapper {
        let moves: [Move]
        var next = 0
        var shift = 0

        mutating func map(_ offset: Int) -> Int {
            while next < moves.count, offset > moves[next].old {
                if offset < moves[next].oldEnd { return moves[next].new }
                shift = moves[next].newEnd - moves[next].oldEnd
                next += 1
            }
            return offset + shift
        }
    }
}
