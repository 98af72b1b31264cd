import AsyncHTTPClient
import Foundation
@testable import MessagesVCR
import NIOCore
import NIOHTTP1

/// What a test client saw: status, headers, each body chunk with its arrival time, and how it ended.
struct ClientResult: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var chunks: [[UInt8]]
    /// Arrival of each chunk, in ns from the moment the request was sent.
    var arrivals: [UInt64]
    /// The error that ended the body, if it did not end cleanly.
    var bodyError: String?

    var body: [UInt8] { chunks.flatMap { $0 } }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first(name: name) }
}

/// A plain HTTP client (AsyncHTTPClient) that records every chunk as it arrives.
enum TestClient {
    static let shared: HTTPClient = {
        // No read timeout: AsyncHTTPClient 1.37's idle-read timer traps (IdleReadStateMachine.requestEndSent)
        // on connections whose peer answers and closes early; the suites that can hang have time limits.
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Sends a request and reads the whole response.
    /// - Parameters:
    ///   - onChunk: called with each chunk as it arrives (before the next one is read).
    static func send(
        port: Int, method: HTTPMethod = .POST, path: String = "/v1/messages", headers: [(String, String)] = [],
        body: String? = nil, bytes: [UInt8]? = nil, onChunk: (@Sendable ([UInt8]) async -> Void)? = nil
    ) async throws -> ClientResult {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        if let bytes { request.body = .bytes(ByteBuffer(bytes: bytes)) }
        let start = MonotonicClock.now()
        let response = try await shared.execute(request, timeout: .seconds(30))
        var result = ClientResult(status: Int(response.status.code), headers: response.headers, chunks: [], arrivals: [])
        do {
            for try await buffer in response.body {
                result.arrivals.append(MonotonicClock.since(start))
                result.chunks.append(Array(buffer.readableBytesView))
                await onChunk?(Array(buffer.readableBytesView))
            }
        } catch {
            result.bodyError = "\(error)"
        }
        return result
    }

    /// A Messages request body.
    static func messagesBody(text: String = "Hello, how are you?", stream: Bool = false, model: String = "qwen3-coder", extra: String = "") -> String {
        #"{"model":"\#(model)","max_tokens":1024,"stream":\#(stream),"messages":[{"role":"user","content":"\#(text)"}]\#(extra)}"#
    }
}

/// Polls `condition` until it is true or `seconds` pass.
func eventually(seconds: Double = 5, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
