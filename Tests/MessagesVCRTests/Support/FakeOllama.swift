import Foundation
import NIOSSL
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// A request as the fake upstream received it.
struct ReceivedRequest: Sendable {
    var method: String
    var path: String
    var query: String?
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// What the fake upstream answers: a status, headers and body parts, each sent after its delay.
struct FakeReply: Sendable {
    enum Part: Sendable {
        /// Bytes written (and flushed) after waiting `delayMillis`.
        case bytes([UInt8], delayMillis: Int = 0)
        /// Waits until the test opens the gate.
        case wait(Gate)
        /// Resets the connection mid-body.
        case cut
    }

    var status: Int = 200
    var headers: [(String, String)] = []
    var parts: [Part] = []
    /// Sets Content-Length from the parts (non-streamed bodies, as Go does under ~2 KB).
    var fixedLength = false
}

/// An in-process stand-in for Ollama's `/v1/messages`, following the reference spec's bytes.
/// Each test scripts the replies; the fake counts and keeps the requests it received.
final class FakeOllama: Sendable {
    typealias Script = @Sendable (ReceivedRequest) async -> FakeReply

    private let state = NIOLockedValueBox<(requests: [ReceivedRequest], script: Script)>(([], { _ in FakeReply() }))
    private let clientGone = NIOLockedValueBox<Int>(0)

    init(script: @escaping Script = FakeOllama.standard) {
        state.withLockedValue { $0.script = script }
    }

    var requests: [ReceivedRequest] { state.withLockedValue { $0.requests } }
    var requestCount: Int { state.withLockedValue { $0.requests.count } }
    /// How many replies stopped because the client (messages-vcr) went away mid-body.
    var abandonedReplies: Int { clientGone.withLockedValue { $0 } }

    func setScript(_ script: @escaping Script) { state.withLockedValue { $0.script = script } }

    /// Runs the fake on 127.0.0.1:0 for the duration of `body`.
    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        try await TestServer.run(responder: FakeResponder(fake: self), body)
    }

    /// Runs the fake over HTTPS with `tls` for the duration of `body`.
    func runTLS<T: Sendable>(_ tls: TLSConfiguration, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        try await TestServer.runTLS(responder: FakeResponder(fake: self), tls: tls, body)
    }

    fileprivate func receive(_ request: ReceivedRequest) -> Script {
        state.withLockedValue {
            $0.requests.append(request)
            return $0.script
        }
    }

    fileprivate func noteClientGone() { clientGone.withLockedValue { $0 += 1 } }

    /// Ollama's answers for plain requests: a non-stream JSON message or the SSE stream of §4.3(a).
    static let standard: Script = { request in
        let stream = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["stream"] as? Bool ?? false
        return stream ? OllamaBytes.streamReply(texts: ["Hel", "lo!"]) : OllamaBytes.messageReply(text: "Hello!")
    }
}

private struct FakeResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let fake: FakeOllama

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let body = Array(try await request.collectBody(upTo: 64 << 20).readableBytesView)
        let received = ReceivedRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            headers: request.headers.map { ($0.name.rawName, $0.value) } + [("Host", request.head.authority ?? "")], body: body)
        let reply = await fake.receive(received)(received)
        var fields = HTTPFields()
        for (name, value) in reply.headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        let length: Int? = reply.fixedLength ? reply.parts.reduce(0) { if case .bytes(let b, _) = $1 { return $0 + b.count }; return $0 } : nil
        let fake = self.fake
        return Response(status: .init(code: reply.status), headers: fields, body: ResponseBody(contentLength: length) { writer in
            for part in reply.parts {
                switch part {
                case .bytes(let bytes, let delay):
                    if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
                    do {
                        try await writer.write(ByteBuffer(bytes: bytes))
                    } catch {
                        fake.noteClientGone()
                        throw error
                    }
                case .wait(let gate):
                    await gate.wait()
                case .cut:
                    throw FakeCut()
                }
            }
            try await writer.finish(nil)
        })
    }
}

private struct FakeCut: Error {}

/// A one-shot signal a test opens to let the fake upstream go on.
final class Gate: Sendable {
    private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLockedValue { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
