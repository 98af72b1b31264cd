import NIOConcurrencyHelpers
import NIOCore

/// Reads an upstream body chunk by chunk, ending it when the upstream stays silent longer than
/// `--upstream-timeout` between two chunks.
///
/// The silence limit is enforced here, not by AsyncHTTPClient's read timeout: with a read timeout
/// configured, its idle-read state machine (async-http-client 1.37,
/// `IdleReadStateMachine.requestEndSent()`) hits a `preconditionFailure` and kills the process when
/// an upstream answers and closes before the request is fully written — which Go's net/http, nginx
/// and proxies do with an oversized head or body.
///
/// Without a limit the body is read directly. With one, a pump task reads it while a watchdog
/// checks the time since the last chunk; both are children of the caller's task, and leaving
/// (a client gone, a timeout) cancels the pump, which cancels the upstream request.
public struct UpstreamBodyReader: Sendable {
    /// Thrown when the upstream sent nothing for ``idleTimeout``.
    public struct IdleTimeout: Error, CustomStringConvertible {
        /// The limit that passed.
        public var seconds: Double
        /// One line.
        public var description: String { "read timeout (no body bytes for \(seconds) s)" }
    }

    /// The longest silence allowed between chunks (nil: no limit).
    public let idleTimeout: TimeAmount?

    /// Creates a reader.
    public init(idleTimeout: TimeAmount?) {
        self.idleTimeout = idleTimeout
    }

    /// Calls `consume` with each chunk of `body` in order until the body ends or `consume` returns false.
    /// - Throws: the upstream's error, ``IdleTimeout``, or what `consume` throws.
    public func forEach(
        _ body: UpstreamBody, _ consume: (ByteBuffer) async throws -> Bool
    ) async throws {
        guard let idleTimeout else {
            for try await buffer in body where try await !consume(buffer) { return }
            return
        }
        let (chunks, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let lastChunk = NIOLockedValueBox(NIODeadline.now())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await buffer in body {
                        lastChunk.withLockedValue { $0 = .now() }
                        continuation.yield(buffer)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    let deadline = lastChunk.withLockedValue { $0 } + idleTimeout
                    if deadline <= .now() {
                        continuation.finish(throwing: IdleTimeout(seconds: Double(idleTimeout.nanoseconds) / 1e9))
                        return
                    }
                    try? await Task.sleep(nanoseconds: UInt64(max(1_000_000, (deadline - .now()).nanoseconds)))
                }
            }
            defer { group.cancelAll() }
            for try await buffer in chunks where try await !consume(buffer) { return }
        }
    }
}
