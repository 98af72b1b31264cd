#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Nanoseconds from a monotonic clock: the time base of every recorded offset and replay deadline.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary, fixed point (CLOCK_MONOTONIC).
    @inline(__always)
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Nanoseconds elapsed since `start`, a value earlier returned by ``now()``.
    @inline(__always)
    public static func since(_ start: UInt64) -> UInt64 {
        let current = now()
        return current > start ? current - start : 0
    }
}
