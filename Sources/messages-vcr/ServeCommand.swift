import ArgumentParser
import Foundation
import Logging
import MessagesVCR
import ServiceLifecycle

extension VCRMode: ExpressibleByArgument {}

/// `messages-vcr serve`: the recording / replaying server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the server (default: replay the demo cassette).")

    @Option(help: "replay, record, auto or passthrough.")
    var mode: VCRMode = .replay

    @Option(name: .customLong("cassette-dir"), help: "Folder of cassettes.")
    var cassetteDir = "cassettes"

    @Option(help: "Cassette name (DIR/NAME.sqlite), or a path ending in .sqlite.")
    var cassette = "demo"

    @Option(help: "Upstream base URL (default: $OLLAMA_HOST, else http://127.0.0.1:11434).")
    var upstream: String?

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0 picks a free port).")
    var port = 11435

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted.")
    var maxBodyBytes = 32 << 20

    @Option(name: .customLong("first-byte-timeout"), help: "Seconds to wait for the upstream's response head.")
    var firstByteTimeout: Double = 600

    @Option(name: .customLong("upstream-timeout"), help: "Longest silence (seconds) allowed inside an upstream body.")
    var upstreamTimeout: Double = 600

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "messages-vcr")
        var options: ServeOptions
        do {
            options = ServeOptions(
                upstream: try UpstreamTarget.resolve(option: upstream, environment: ProcessInfo.processInfo.environment))
        } catch let error as UpstreamTarget.ParseError {
            throw ServeOptionError(error.description)
        }
        options.mode = mode
        options.cassetteDirectory = cassetteDir
        options.cassette = cassette
        options.host = host
        options.port = port
        options.maxBodyBytes = maxBodyBytes
        options.firstByteTimeoutSeconds = firstByteTimeout
        options.upstreamReadTimeoutSeconds = upstreamTimeout
        if !["127.0.0.1", "localhost", "::1"].contains(host) {
            logger.warning("binding \(host): messages-vcr is then reachable from other machines")
        }
        let server = try VCRServer(options: options, logger: logger) { ready in
            FileHandle.standardOutput.write(Data((ready.line + "\n").utf8))  // unbuffered: scripts wait on it
        }
        var configuration = ServiceGroupConfiguration(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(options.shutdownGraceSeconds)
        try await ServiceGroup(configuration: configuration).run()
    }
}
