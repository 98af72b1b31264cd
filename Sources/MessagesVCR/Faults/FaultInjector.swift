import NIOCore

/// Applies a ``FaultPlan`` to a prepared recording: cuts it, stalls it, drops `message_stop`, or
/// splices in an `event: error` frame. Chunks are split at event boundaries where a fault needs it;
/// every other byte and deadline stays as recorded.
enum FaultInjector {
    /// `replay` with `plan`'s stream faults applied (`status` is answered before any replay).
    static func apply(_ plan: FaultPlan, to replay: PreparedReplay) -> PreparedReplay {
        guard plan.changesStream, replay.status != nil else { return replay }
        let bodyLength = replay.body.readableBytes
        func end(ofEvents count: Int) -> Int? {
            guard count < replay.frames.count else { return nil }
            return count == 0 ? 0 : replay.frames[count - 1].range.upperBound
        }
        // Everything is decided in the recorded body's byte coordinates.
        var truncateAt = bodyLength
        var cut = replay.outcome != .complete
        if let events = plan.cutAfterEvents, let position = end(ofEvents: events) {
            truncateAt = position
            cut = true
        }
        if let bytes = plan.cutAfterBytes, bytes < truncateAt {
            truncateAt = bytes
            cut = true
        }
        var errorFrame: (at: Int, bytes: ByteBuffer)?
        if let (type, events) = plan.errorEvent, let position = end(ofEvents: events) ?? Optional(bodyLength), position <= truncateAt {
            let frame = SSEFrame.encoded("error", .object([
                "type": "error",
                "error": .object(["type": .string(type), "message": .string("messages-vcr: injected fault error-event=\(type)@\(events)")]),
            ]))
            errorFrame = (position, ByteBuffer(bytes: frame))
            truncateAt = position
            cut = false
        }
        let dropped = plan.dropMessageStop ? replay.frames.filter { $0.event == "message_stop" }.map(\.range) : []
        var stalls: [(at: Int, nanos: UInt64)] = plan.stalls.compactMap { stall in
            guard stall.afterEvents < replay.frames.count else { return nil }
            return (replay.frames[stall.afterEvents].range.lowerBound, UInt64(stall.milliseconds) * 1_000_000)
        }
        stalls.sort { $0.at < $1.at }

        // Split points: stalls and the error frame's position need a chunk boundary there.
        let boundaries = Set(stalls.map(\.at) + (errorFrame.map { [$0.at] } ?? []))
        var result = replay
        result.chunks = []
        result.offsets = []
        result.extraDelays = []
        result.contentLength = nil
        var delay: UInt64 = 0
        var lastOffset = replay.ttfbNanos
        var chunkStart = 0
        var insertedError = false
        func emit(_ range: Range<Int>, offset: UInt64) {
            var start = range.lowerBound
            while start < range.upperBound {
                // Stop at the next boundary inside the range.
                let next = boundaries.filter { $0 > start && $0 < range.upperBound }.min() ?? range.upperBound
                for stall in stalls where stall.at == start { delay += stall.nanos }
                if let errorFrame, !insertedError, errorFrame.at == start {
                    insertedError = true
                    append(errorFrame.bytes, offset: offset)
                }
                let kept = subtract(start..<next, dropped)
                for piece in kept where !piece.isEmpty {
                    append(replay.body.getSlice(at: piece.lowerBound, length: piece.count)!, offset: offset)
                }
                start = next
            }
        }
        func append(_ buffer: ByteBuffer, offset: UInt64) {
            result.chunks.append(buffer)
            result.offsets.append(offset)
            result.extraDelays.append(delay)
        }
        for (chunk, offset) in zip(replay.chunks, replay.offsets) {
            let range = chunkStart..<(chunkStart + chunk.readableBytes)
            chunkStart = range.upperBound
            lastOffset = offset
            let clipped = range.clamped(to: 0..<truncateAt)
            if !clipped.isEmpty { emit(clipped, offset: offset) }
            if range.upperBound >= truncateAt { break }
        }
        if let errorFrame, !insertedError {
            // The error frame ends the body (it was cut right after it): a stall at that point comes first.
            for stall in stalls where stall.at == errorFrame.at { delay += stall.nanos }
            append(errorFrame.bytes, offset: lastOffset)
        }
        result.outcome = cut ? .upstreamCut : .complete
        return result
    }

    /// `range` minus the `holes`.
    private static func subtract(_ range: Range<Int>, _ holes: [Range<Int>]) -> [Range<Int>] {
        var pieces = [range]
        for hole in holes {
            pieces = pieces.flatMap { piece -> [Range<Int>] in
                guard piece.overlaps(hole) else { return [piece] }
                return [piece.lowerBound..<max(piece.lowerBound, hole.lowerBound), min(piece.upperBound, hole.upperBound)..<piece.upperBound]
                    .filter { !$0.isEmpty }
            }
        }
        return pieces
    }
}
