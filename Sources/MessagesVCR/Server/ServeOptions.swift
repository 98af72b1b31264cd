/// What a server does with a request that is not an admin route.
public enum VCRMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Answer from the cassette only; a miss is an error.
    case replay
    /// Answer from the cassette on a match, otherwise forward, record and serve the live answer.
    case auto
    /// Always forward and append a new recording.
    case record
    /// Forward and store nothing.
    case passthrough

    /// The flag value.
    public var description: String { rawValue }

    /// True for the modes that may contact the upstream.
    var forwards: Bool { self != .replay }
    /// True for the modes that forward every request (passthrough, record), not only misses.
    var forwardsEveryRequest: Bool { self == .passthrough || self == .record }
    /// True for the modes that write recordings.
    var records: Bool { self == .record || self == .auto }
}

/// Everything `messages-vcr serve` is configured with.
public struct ServeOptions: Sendable {
    /// The mode.
    public var mode: VCRMode = .replay
    /// The cassette folder.
    public var cassetteDirectory: String = "cassettes"
    /// The default cassette: a name (`demo` → `DIR/demo.sqlite`) or a path ending in `.sqlite`.
    public var cassette: String = "demo"
    /// The upstream base URL.
    var upstream: UpstreamTarget
    /// Address to bind.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one.
    public var port: Int = 11435
    /// Largest request body accepted, in bytes.
    public var maxBodyBytes: Int = 32 << 20
    /// Seconds to wait for the upstream's response head.
    public var firstByteTimeoutSeconds: Double = 600
    /// Longest silence allowed between upstream body bytes, in seconds (nil: none).
    public var upstreamReadTimeoutSeconds: Double? = 600
    /// How long in-flight streams may run on after SIGINT/SIGTERM, in seconds.
    public var shutdownGraceSeconds: Double = 5
    /// What makes a request match a recording.
    public var rules: MatchRules = try! MatchRules()
    /// Which server answers behave as (`--flavor`; a request's `x-vcr-flavor` header overrides it).
    public var flavor: Flavor = .ollama
    /// When replayed chunks are written (a request's `x-vcr-timing` header overrides it).
    public var timing: TimingPolicy = .original(speed: 1)
    /// The status of a miss (`--miss-status`; `--preset claude-code` makes it 400). `x-vcr-miss: 1` marks it whatever it is.
    public var missStatus: Int = 404
    /// What a session gets after the last identical recording.
    public var onExhausted: ExhaustedPolicy = .repeatLast
    /// `--accept-drift`: a recording replayed with drift takes the request that drifted, so the
    /// next replay of it has none (its answer untouched).
    public var acceptDrift = false
    /// Where the coverage report is written on shutdown (nil: nowhere).
    public var reportPath: String?
    /// Exit non-zero at shutdown when any request matched no recording.
    public var failOnMiss = false
    /// A fault applied to every replayed response (`--fault`).
    public var fault: FaultPlan?
    /// `--model-alias` rules for forwarded requests.
    public var modelAliases = try! ModelAliases()
    /// Replaces secrets in bodies before they are stored or matched (built-in patterns plus `--redact`).
    public var redactor = try! Redactor()
    /// `--max-cassette-mb`, in bytes: recordings that would grow a cassette past it are not stored.
    public var maxCassetteBytes: Int?
    /// `--admin-token`: required on `/__vcr/*` routes when set.
    public var adminToken: String?
    /// `--upstream-ca`: a PEM file of certificates an HTTPS upstream may present, trusted besides the system's.
    public var upstreamCAFile: String?
    /// `--allowed-host`: `Host` names accepted besides IP literals, `localhost` and ``host`` (`*`: any).
    public var allowedHosts: [String] = []
    /// Seconds a connection may sit idle (or send headers slowly) before it is closed.
    public var idleTimeoutSeconds: Double = 60
    /// Seconds a client may take to send a request body (less than the idle timeout, so it answers 408 first).
    public var bodyTimeoutSeconds: Double = 30

    /// Creates options with defaults and the given upstream.
    public init(upstream: UpstreamTarget) {
        self.upstream = upstream
    }
}
