/// Whether a request that differs from a recording only in its client's harness replays it.
public enum DriftPolicy: String, Sendable, CaseIterable {
    /// It replays, marked with its drift (`x-vcr-drift`, the journal, the log, the coverage report).
    case allow
    /// It is a miss, as any other difference.
    case miss
}

/// How a request differs from the recording that answers it in the parts its client's harness
/// owns (``MatchRules/harness``): which paths, and the two client versions when the requests say them.
struct Drift: Sendable, Equatable {
    /// The recording compared.
    var recordingID: String
    /// Concrete paths that differ, in document order.
    var paths: [String]
    /// The recorded request's client (`claude-cli/2.1.306`), from its `User-Agent`.
    var recordedClient: String?
    /// The received request's client.
    var receivedClient: String?

    init(recorded: PreparedReplay, received: ReplayEngine.Query) {
        recordingID = recorded.interactionID
        paths = recorded.harness.differences(from: received.harness)
        recordedClient = recorded.client
        receivedClient = Self.client(userAgent: received.request.headers["user-agent"])
    }

    /// The first product token of a `User-Agent` (`claude-cli/2.1.306 (external, cli)` → `claude-cli/2.1.306`).
    static func client(userAgent: String?) -> String? {
        guard let userAgent, let token = userAgent.split(separator: " ").first, token.contains("/") else { return nil }
        return String(token)
    }

    /// `claude-cli/2.1.306 → 2.1.332`, or nil when neither request names its client.
    var versions: String? {
        guard recordedClient != nil || receivedClient != nil else { return nil }
        let received = receivedClient.map { recordedClient?.split(separator: "/").first == $0.split(separator: "/").first ? String($0.split(separator: "/").last!) : $0 }
        return "\(recordedClient ?? "?") → \(received ?? "?")"
    }

    /// As the journal and the coverage report give it: `{"paths":[…],"recorded":"claude-cli/2.1.306","received":"claude-cli/2.1.332"}`.
    var json: JSONValue {
        var members = [JSONMember("recording", .string(recordingID)), JSONMember("paths", .array(paths.map { .string($0) }))]
        if let recordedClient { members.append(JSONMember("recorded_client", .string(recordedClient))) }
        if let receivedClient { members.append(JSONMember("received_client", .string(receivedClient))) }
        return .object(members)
    }

    /// One line for a log or a miss: the paths, then the versions.
    public var description: String {
        paths.joined(separator: ", ") + (versions.map { " (\($0))" } ?? "")
    }
}
