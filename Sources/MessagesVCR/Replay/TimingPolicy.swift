/// When replayed chunks are written.
public enum TimingPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Each chunk at its recorded offset divided by `speed` (TTFB included); 1 is the original pace.
    case original(speed: Double)
    /// Everything at once.
    case instant
    /// A fixed pause before each chunk.
    case fixed(milliseconds: Int)

    /// Parses `original`, `instant`, `fixed:MS` or `speed:X` (original pacing at X times the speed),
    /// the syntax of `--timing` and of the `x-vcr-timing` request header.
    /// - Parameter speed: the `--speed` that `original` takes.
    /// - Throws: ``ParseError``.
    public init(parsing text: String, speed: Double = 1) throws {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch value {
        case "original":
            self = .original(speed: speed)
        case "instant":
            self = .instant
        case _ where value.hasPrefix("fixed:"):
            guard let ms = Int(value.dropFirst(6)), ms >= 0, ms <= 600_000 else { throw ParseError(text: text) }
            self = .fixed(milliseconds: ms)
        case _ where value.hasPrefix("speed:"):
            guard let factor = Double(value.dropFirst(6)), factor > 0, factor.isFinite else { throw ParseError(text: text) }
            self = .original(speed: factor)
        default:
            throw ParseError(text: text)
        }
    }

    /// The flag syntax.
    public var description: String {
        switch self {
        case .original(let speed): return speed == 1 ? "original" : "speed:\(speed)"
        case .instant: return "instant"
        case .fixed(let ms): return "fixed:\(ms)"
        }
    }

    /// Nanoseconds after the request's arrival at which the response head is written.
    func headDelay(ttfbNanos: UInt64) -> UInt64 {
        switch self {
        case .original(let speed): return UInt64(Double(ttfbNanos) / speed)
        case .instant, .fixed: return 0
        }
    }

    /// Nanoseconds after the request's arrival at which chunk `index`, recorded at `offsetNanos`, is written.
    func deadline(chunk index: Int, offsetNanos: UInt64) -> UInt64 {
        switch self {
        case .original(let speed): return UInt64(Double(offsetNanos) / speed)
        case .instant: return 0
        case .fixed(let ms): return UInt64(index + 1) * UInt64(ms) * 1_000_000
        }
    }

    /// Why a timing value was refused.
    public struct ParseError: Error, CustomStringConvertible {
        /// The value given.
        let text: String
        /// One line.
        public var description: String {
            "invalid timing \"\(text)\": use original, instant, fixed:MS or speed:X"
        }
    }
}

import Foundation
