import ArgumentParser
import Foundation
import Logging
import MessagesVCR
import ServiceLifecycle

extension VCRMode: ExpressibleByArgument {}
extension ExhaustedPolicy: ExpressibleByArgument {}

/// `messages-vcr serve`: the recording / replaying server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the server (default: replay the demo cassette).")

    @Option(help: "replay, record, auto or passthrough.")
    var mode: VCRMode = .replay

    @Option(name: .customLong("cassette-dir"), help: "Folder of cassettes.")
    var cassetteDir = "cassettes"

    @Option(help: "Cassette name (DIR/NAME.sqlite, else a JSON export DIR/NAME.json), or a path ending in .sqlite or .json.")
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

    @Option(name: .customLong("upstream-ca"), help: ArgumentHelp("PEM certificates an HTTPS upstream may present, trusted besides the system's (a private CA, a self-signed server).", valueName: "file"))
    var upstreamCA: String?

    @Option(name: .customLong("upstream-timeout"), help: "Longest silence (seconds) allowed inside an upstream body.")
    var upstreamTimeout: Double = 600

    @OptionGroup var match: MatchOptions

    @Option(name: .customLong("miss-status"), help: ArgumentHelp("HTTP status of a miss (default 404; 400 with --preset claude-code, whose users then see the explanation). x-vcr-miss: 1 marks it either way.", valueName: "code"))
    var missStatus: Int?

    @Option(help: ArgumentHelp("Answer as ollama (its bytes, the default), as the real anthropic API (ping, msg_01/toolu_01 ids, request-id, count_tokens, key and version checked) or as llamacpp, llama.cpp's llama-server (chatcmpl- ids, Server: llama.cpp, its errors, count_tokens, /health). A request's x-vcr-flavor header overrides it.", valueName: "flavor"))
    var flavor: String = "ollama"

    @Option(help: ArgumentHelp("Replay pacing: original, instant, fixed:MS (MS before each chunk) or speed:X.", valueName: "policy"))
    var timing = "original"

    @Option(help: "Speed factor for original timing: 2 replays twice as fast.")
    var speed: Double = 1

    @Option(name: .customLong("on-exhausted"), help: "After the last identical recording: repeat it, or answer a miss (error).")
    var onExhausted: ExhaustedPolicy = .repeatLast

    @Flag(name: .customLong("accept-drift"), help: "A recording replayed with drift (its client's own texts differ) takes the request received, answer untouched: the next replay has no drift. The log lists each one.")
    var acceptDrift = false

    @Option(help: ArgumentHelp("Write the coverage report (used, unused, missed) to this file on shutdown.", valueName: "file"))
    var report: String?

    @Flag(name: .customLong("fail-on-miss"), help: "Exit 1 at shutdown if any request matched no recording.")
    var failOnMiss = false

    @Option(help: ArgumentHelp("Fault applied to every replayed response, e.g. 'stall=500@3;cut-after-events=6'.", valueName: "spec"))
    var fault: String?

    @Option(name: .customLong("model-alias"), help: ArgumentHelp("Send model FROM upstream as TO (repeatable; glob in FROM), e.g. 'claude-*=qwen3-coder'.", valueName: "from=to"))
    var modelAlias: [String] = []

    @Option(help: ArgumentHelp("Also replace matches of this regex in stored bodies (repeatable); sk-ant- keys and Bearer tokens always are.", valueName: "regex"))
    var redact: [String] = []

    @Option(name: .customLong("admin-token"), help: ArgumentHelp("Require this token on /__vcr/* (header x-vcr-admin-token or Authorization: Bearer).", valueName: "token"))
    var adminToken: String?

    @Option(name: .customLong("allowed-host"), help: ArgumentHelp("Also answer requests whose Host is this name (repeatable; '*' accepts any). IP literals, localhost and the --host name always are.", valueName: "name"))
    var allowedHost: [String] = []

    @Option(name: .customLong("max-cassette-mb"), help: ArgumentHelp("Stop storing recordings once a cassette would grow past this size.", valueName: "MB"))
    var maxCassetteMB: Int?

    @Option(name: .customLong("idle-timeout"), help: "Seconds a client connection may stay idle, or take to send its headers, before it is closed.")
    var idleTimeout: Double = 60

    @Option(name: .customLong("body-timeout"), help: "Seconds a client may take to send a request body (then 408).")
    var bodyTimeout: Double = 30

    @Flag(help: "Log warnings and errors only (no line per request).")
    var quiet = false

    func validate() throws {
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be a positive number") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive") }
        guard idleTimeout > 0, bodyTimeout > 0, firstByteTimeout > 0, upstreamTimeout > 0 else {
            throw ValidationError("timeouts must be positive numbers of seconds")
        }
    }

    func run() async throws {
        let level: Logger.Level = quiet ? .warning : .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
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
        options.upstreamCAFile = upstreamCA
        options.onExhausted = onExhausted
        options.acceptDrift = acceptDrift
        options.reportPath = report
        options.failOnMiss = failOnMiss
        if let missStatus, !(400...599).contains(missStatus) {
            throw ServeOptionError("--miss-status \(missStatus) is not an error status: use 400 to 599")
        }
        options.missStatus = MatchPreset.missStatus(option: missStatus, presets: match.preset)
        do {
            options.flavor = try Flavor(parsing: flavor)
        } catch {
            throw ServeOptionError("--\(error.description)")
        }
        do {
            options.timing = try TimingPolicy(parsing: timing, speed: speed)
            options.rules = try match.rules()
            options.fault = try fault.map { try FaultPlan(parsing: $0) }
            options.modelAliases = try ModelAliases(modelAlias)
            options.redactor = try Redactor(extra: redact)
        } catch let error as TimingPolicy.ParseError {
            throw ServeOptionError(error.description)
        } catch let error as MatchRules.RuleError {
            throw ServeOptionError(error.description)
        } catch let error as FaultPlan.ParseError {
            throw ServeOptionError(error.description)
        } catch let error as ModelAliases.ParseError {
            throw ServeOptionError(error.description)
        } catch let error as Redactor.ParseError {
            throw ServeOptionError(error.description)
        }
        options.adminToken = adminToken
        options.allowedHosts = allowedHost
        options.idleTimeoutSeconds = idleTimeout
        options.bodyTimeoutSeconds = bodyTimeout
        options.maxCassetteBytes = maxCassetteMB.map { $0 << 20 }
        let server = try VCRServer(options: options, logger: logger) { ready in
            FileHandle.standardOutput.write(Data((ready.line + "\n").utf8))  // unbuffered: scripts wait on it
        }
        if mode != .record, mode != .passthrough {
            logger.info("match rules: \(options.rules.summary.joined(separator: "; ")); timing \(options.timing); flavor \(options.flavor)")
        }
        if !["127.0.0.1", "localhost", "::1"].contains(host) {
            logger.warning("binding \(host): messages-vcr is then reachable from other machines")
        }
        var configuration = ServiceGroupConfiguration(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(options.shutdownGraceSeconds)
        try await ServiceGroup(configuration: configuration).run()
    }
}
