import Foundation
import GRDB
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

extension LoadSensitiveTests {
    /// Replay pacing, checked as ratios against the recording with generous bounds (exact figures
    /// belong to `Benchmarks/`).
    @Suite("Replay timing")
    struct TimingTests {
        /// Records one stream whose frames the fake upstream sends 100 ms apart; returns the folder and the stored interaction.
        static func recordPacedStream() async throws -> (dir: String, body: String, recorded: Interaction) {
            let dir = try temporaryDirectory()
            let fake = FakeOllama { _ in OllamaBytes.streamReply(texts: ["one", " two"], delayMillis: 100) }
            let body = TestClient.messagesBody(text: "paced", stream: true)
            let stored = NIOLockedValueBox<Interaction?>(nil)
            try await fake.run { upstreamPort in
                try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                    _ = try await TestClient.send(port: port, body: body)
                    _ = try await eventually { try await storedInteractions(server).count == 1 }
                    let first = try await storedInteractions(server).first
                    stored.withLockedValue { $0 = first }
                }
            }
            let recorded = try #require(stored.withLockedValue { $0 })
            return (dir, body, recorded)
        }

        @Test("original pacing takes the recorded time and puts each chunk near its recorded offset; instant takes ≈ 0; speed:2 ≈ half; fixed:MS spaces chunks")
        func pacing() async throws {
            let (dir, body, recorded) = try await Self.recordPacedStream()
            let chunks = recorded.response.chunks
            #expect(chunks.count == 7)
            let recordedEnd = Double(try #require(chunks.last).offsetNanos)
            #expect(recordedEnd > 600e6 && recordedEnd < 1500e6, "recorded end \(recordedEnd / 1e6) ms")

            try await replaySession(directory: dir) { port, _ in
                let original = try await TestClient.send(port: port, body: body)
                #expect(original.body == recorded.response.body)
                #expect(original.chunks.count == chunks.count)
                let ratio = Double(try #require(original.arrivals.last)) / recordedEnd
                #expect(ratio > 0.9 && ratio < 1.4, "original took \(ratio)× the recorded time")
                for (arrival, chunk) in zip(original.arrivals, chunks) {
                    let error = abs(Double(arrival) - Double(chunk.offsetNanos)) / 1e6
                    #expect(error < 100, "chunk arrived \(error) ms off its recorded offset")
                }

                let instant = try await TestClient.send(port: port, headers: [("x-vcr-timing", "instant")], body: body)
                #expect(instant.body == recorded.response.body)
                #expect(Double(try #require(instant.arrivals.last)) / recordedEnd < 0.4)

                let double = try await TestClient.send(port: port, headers: [("x-vcr-timing", "speed:2")], body: body)
                let half = Double(try #require(double.arrivals.last)) / recordedEnd
                #expect(half > 0.4 && half < 0.7, "speed:2 took \(half)× the recorded time")

                let fixed = try await TestClient.send(port: port, headers: [("x-vcr-timing", "fixed:40")], body: body)
                let fixedEnd = Double(try #require(fixed.arrivals.last)) / 1e6
                #expect(fixedEnd > 0.9 * 40 * 7 && fixedEnd < 2.0 * 40 * 7, "fixed:40 ended at \(fixedEnd) ms")

                let bad = try await TestClient.send(port: port, headers: [("x-vcr-timing", "sometimes")], body: body)
                #expect(bad.status == 400)
                #expect(bad.text.contains(#"invalid timing \"sometimes\": use original, instant, fixed:MS or speed:X"#), "\(bad.text)")
            }
            try await replaySession(directory: dir, configure: { $0.timing = .original(speed: 2) }) { port, _ in
                let double = try await TestClient.send(port: port, body: body)
                let half = Double(try #require(double.arrivals.last)) / recordedEnd
                #expect(half > 0.4 && half < 0.7, "--speed 2 took \(half)× the recorded time")
            }
        }

        @Test("50 concurrent replays at original pacing each stay on schedule")
        func concurrentPacing() async throws {
            let (dir, body, recorded) = try await Self.recordPacedStream()
            let recordedEnd = Double(try #require(recorded.response.chunks.last).offsetNanos)
            try await replaySession(directory: dir) { port, _ in
                try await withThrowingTaskGroup(of: Double.self) { group in
                    for i in 0..<50 {
                        group.addTask {
                            let result = try await TestClient.send(port: port, headers: [("x-vcr-session", "s\(i)")], body: body)
                            #expect(result.body == recorded.response.body)
                            return Double(result.arrivals.last ?? 0) / recordedEnd
                        }
                    }
                    for try await ratio in group { #expect(ratio > 0.9 && ratio < 1.5, "a concurrent replay took \(ratio)×") }
                }
            }
        }

        @Test("a cassette that takes long to open (another process holds its lock) stalls only its own request: 20 paced replays stay on schedule meanwhile")
        func slowOpenStallsNoOne() async throws {
            let (dir, body, recorded) = try await Self.recordPacedStream()
            let chunks = recorded.response.chunks
            let locked = try FileLock(path: dir + "/slow.sqlite")
            defer { locked.release() }
            try await replaySession(directory: dir) { port, server in
                let slow = Task {
                    let result = try await TestClient.send(port: port, path: "/c/slow/v1/messages", body: body)
                    return (result.status, ContinuousClock.now)
                }
                // The slow cassette is being opened (its request is past the reading) before the streams start.
                #expect(try await eventually { server.stats.snapshot.requests >= 1 })
                try await Task.sleep(for: .milliseconds(100))
                let lateness = try await withThrowingTaskGroup(of: Double.self) { group in
                    for i in 0..<20 {
                        group.addTask {
                            let result = try await TestClient.send(port: port, headers: [("x-vcr-session", "s\(i)")], body: body)
                            #expect(result.body == recorded.response.body)
                            return zip(result.arrivals, chunks).map { Double($0) - Double($1.offsetNanos) }.max() ?? 0
                        }
                    }
                    return try await group.reduce(into: [Double]()) { $0.append($1) }
                }
                let released = ContinuousClock.now
                locked.release()
                let (status, answered) = try await slow.value
                // Had the open waited on an event loop (or held the registry while it waited), the
                // streams would have waited for the release, which comes only after they ended.
                #expect(answered > released, "the slow cassette's request was answered while its file was still locked")
                #expect(status == 404, "an empty cassette: a miss")
                #expect(lateness.count == 20)
                #expect(lateness.allSatisfy { $0 < 5e9 }, "latest chunks \(lateness.map { Int($0 / 1e6) }) ms behind their offsets")
            }
        }
    }
}

/// Holds an exclusive SQLite lock on a file (as another process writing it would) until released,
/// or for `atMost` seconds (so that a server that waits on it cannot hang the test).
final class FileLock: Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let once = NIOLockedValueBox(false)

    init(path: String, atMost seconds: Double = 15) throws {
        let locked = DispatchSemaphore(value: 0)
        let queue = try DatabaseQueue(path: path)
        let (released, done) = (released, done)
        Thread {
            try? queue.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN EXCLUSIVE")
                locked.signal()
                _ = released.wait(timeout: .now() + seconds)
                try db.execute(sql: "COMMIT")
            }
            try? queue.close()
            done.signal()
        }.start()
        locked.wait()
    }

    /// Lets go of the lock (once) and waits until it is let go.
    func release() {
        guard once.withLockedValue({ let first = !$0; $0 = true; return first }) else { return }
        released.signal()
        done.wait()
    }
}
