import Foundation
import GRDB
@testable import MessagesVCR
import Testing

/// An upstream may answer before it has read the whole request (Go's net/http, nginx or a proxy
/// refusing an oversized head or body) and close. Every forwarding mode must relay that answer (or
/// a 502), record what there is, and go on serving.
@Suite("Upstreams that answer early", .timeLimit(.minutes(3)))
struct EarlyAnswerTests {
    enum Oversize: String, CaseIterable, Sendable {
        case head, body, both
    }

    static let forwardingModes: [VCRMode] = [.record, .auto, .passthrough]

    /// The upstream's early answer: a status line and a short body, then it closes.
    static func earlyAnswer(status: Int, reason: String) -> RawUpstream {
        let body = "\(status) \(reason)"
        return RawUpstream([
            .bytes("HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"),
            .close,
        ], answerEarly: true)
    }

    @Test("an upstream that answers before the request is sent is relayed (or a 502), recorded, and the server goes on", arguments: forwardingModes, Oversize.allCases)
    func earlyAnswer(mode: VCRMode, oversize: Oversize) async throws {
        let dir = try temporaryDirectory()
        let status = oversize == .head ? 431 : 413
        let reason = status == 431 ? "Request Header Fields Too Large" : "Request Entity Too Large"
        let answerBody = "\(status) \(reason)"
        let upstream = Self.earlyAnswer(status: status, reason: reason)
        try await upstream.run { upstreamPort in
            try await TestServer.runVCR(try serveOptions(mode: mode, directory: dir, upstreamPort: upstreamPort)) { port, server in
                for attempt in 0..<3 {
                    let headers = oversize == .body ? [] : [("x-padding", String(repeating: "p", count: 70_000))]
                    let text = "attempt \(attempt) " + (oversize == .head ? "" : String(repeating: "x", count: 1 << 20))
                    let result = try await TestClient.send(port: port, headers: headers, body: TestClient.messagesBody(text: text))
                    if result.status == 502 {
                        #expect(result.text.hasPrefix(#"{"type":"error","error":{"type":"api_error","message":"messages-vcr: upstream "#), "\(result.text.prefix(200))")
                    } else {
                        #expect(result.status == status, "\(mode) \(oversize): \(result.status) \(result.text.prefix(200))")
                        // AsyncHTTPClient fails a request whose body write fails, even when the whole
                        // answer has arrived: the status is relayed, the body may end early (a cut).
                        if result.bodyError == nil { #expect(result.text == answerBody) } else { #expect(answerBody.hasPrefix(result.text)) }
                    }
                }
                #expect(try await TestClient.send(port: port, method: .GET, path: "/__vcr/health").status == 200, "the server is still up")
                if mode.records {
                    let stored = try await storedInteractions(server)
                    #expect(stored.count == 3, "every exchange is recorded with its outcome")
                    for interaction in stored {
                        #expect(interaction.response.status == status)
                        if interaction.response.outcome != .complete {
                            #expect(interaction.response.outcome == .upstreamCut)
                            #expect(interaction.response.errorMessage == "the upstream closed the connection before the request was sent")
                        }
                    }
                }
            }
        }
    }
}
