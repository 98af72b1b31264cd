// vcr-bench: on-demand measurements of messages-vcr (never run by `swift test` or CI).
//
//   swift run -c release vcr-bench timing [--events 100] [--gap-ms 20] [--streams 1,100,200]
//   swift run -c release vcr-bench record-overhead [--requests 50] [--events 100] [--gap-ms 10]
//   swift run -c release vcr-bench scale [--interactions 100000] [--turns 50]
//   swift run -c release vcr-bench rewrite [--requests 200] [--events 2000]
//   swift run -c release vcr-bench flavor [--requests 200] [--events 2000]
//   swift run -c release vcr-bench drift [--requests 2000] [--file BODY.json]
//
// Every figure is printed beside a baseline measured in the same run on the same machine.
import Foundation
import NIOCore

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

switch arguments.first {
case "timing":
    let scenario = TimingScenario(
        events: Int(option("--events", "100")) ?? 100,
        gapMillis: Int(option("--gap-ms", "20")) ?? 20,
        concurrency: option("--streams", "1,100,200").split(separator: ",").compactMap { Int($0) })
    try await scenario.run()
case "record-overhead":
    try await RecordingOverheadScenario(
        requests: Int(option("--requests", "50")) ?? 50, events: Int(option("--events", "100")) ?? 100,
        gapMillis: Int(option("--gap-ms", "10")) ?? 10
    ).run()
case "scale":
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("messages-vcr").path
    try await ScaleScenario(
        interactions: Int(option("--interactions", "100000")) ?? 100_000, turns: Int(option("--turns", "50")) ?? 50,
        timedHits: Int(option("--hits", "300")) ?? 300, serverBinary: binary
    ).run()
case "rewrite":
    try await RewriteScenario(requests: Int(option("--requests", "200")) ?? 200, events: Int(option("--events", "2000")) ?? 2000).run()
case "bare":
    // A peer for wrk: `vcr-bench bare --kind nio|hummingbird --file F --content-type T [--port P]`.
    let bytes = try Data(contentsOf: URL(fileURLWithPath: option("--file", "")))
    let answer = BareServers.Answer(contentType: option("--content-type", "application/json"), chunks: [ByteBuffer(bytes: bytes)], offsets: nil)
    try await BareServers.serveForever(kind: option("--kind", "nio"), answer: answer, port: Int(option("--port", "0")) ?? 0)
case "flavor":
    try await FlavorScenario(requests: Int(option("--requests", "200")) ?? 200, events: Int(option("--events", "2000")) ?? 2000).run()
case "drift":
    try DriftScenario(requests: Int(option("--requests", "2000")) ?? 2000, file: arguments.contains("--file") ? option("--file", "") : nil).run()
default:
    FileHandle.standardError.write(Data("usage: vcr-bench timing [--events N] [--gap-ms MS] [--streams 1,100,200] | record-overhead [--requests N] [--events N] [--gap-ms MS] | scale [--interactions N] [--turns N] [--hits N] | rewrite [--requests N] [--events N] | flavor [--requests N] [--events N] | drift [--requests N] [--file F]\n".utf8))
    exit(2)
}
