import Foundation
@testable import MessagesVCR

/// Records through a `record` server in front of `fake`, then stops both.
func recordSession(directory: String, fake: FakeOllama, cassette: String = "test", _ body: @Sendable (Int) async throws -> Void) async throws {
    try await fake.run { upstreamPort in
        try await TestServer.runVCR(serveOptions(mode: .record, directory: directory, upstreamPort: upstreamPort, cassette: cassette)) { port, _ in
            try await body(port)
        }
    }
}

/// Runs a server in `mode` (default replay) on `directory` with no upstream at all.
func replaySession<T: Sendable>(
    directory: String, mode: VCRMode = .replay, cassette: String = "test", configure: (inout ServeOptions) throws -> Void = { _ in },
    _ body: @Sendable (Int, VCRServer) async throws -> T
) async throws -> T {
    var options = try serveOptions(mode: mode, directory: directory, upstreamPort: 1, cassette: cassette)
    try configure(&options)
    return try await TestServer.runVCR(options, body)
}
