import ArgumentParser
import Foundation
import MessagesVCR

/// `messages-vcr verify`: re-sends each recorded request to a live server and compares the
/// answers' shape with the recordings'.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Do the fixtures still describe the server? Re-send each recorded request and compare shape, not text.",
        discussion: """
            Compares, per recording: which server answered, the status, the headers clients read, the event grammar \
            and order, block types, id shapes, usage keys, time to first byte and the mean gap between chunks \
            (within --timing-factor, differences under --timing-slack-ms always agree). Prints a table; exits 1 when \
            any recording differs.
            """)
    @OptionGroup var cassette: CassetteOptions
    @Option(help: "The live server, e.g. http://127.0.0.1:8080.") var upstream: String
    @Option(name: .customLong("id"), help: "Verify only this interaction (repeatable).") var ids: [String] = []
    @Option(name: .customLong("header"), help: "NAME:VALUE added to every request, e.g. a key (cassettes hold no secrets; repeatable).")
    var headers: [String] = []
    @Option(help: "Live timing may be this many times the recorded, or that fraction of it.") var timingFactor: Double = 10
    @Option(name: .customLong("timing-slack-ms"), help: "Timing differences below this always agree.") var timingSlackMillis: Double = 250
    @Option(help: "Seconds to wait for each answer's first byte and between its chunks.") var timeout: Double = 300
    @Flag(help: "JSON for machines.") var json = false

    func run() async throws {
        let target: UpstreamTarget
        do { target = try UpstreamTarget(url: upstream) } catch { throw ToolError("--upstream: \(error)") }
        var extra = HeaderList()
        for header in headers {
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex else { throw ToolError("--header \(header): use NAME:VALUE") }
            extra.fields.append(.init(name: String(header[..<colon]), value: header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let store = try cassette.open()
        let interactions = ids.isEmpty ? try await store.all() : try await CassetteTool.interactions(ids, in: store)
        let verdicts = try await CassetteVerifier.verify(
            interactions, upstream: target, extraHeaders: extra, bounds: .init(factor: timingFactor, slackMillis: timingSlackMillis), timeoutSeconds: timeout)
        if json {
            printBytes(PrettyJSONWriter.encode(CassetteVerifier.json(verdicts)))
        } else {
            print(CassetteVerifier.table(verdicts).joined(separator: "\n"))
        }
        if verdicts.isEmpty || verdicts.contains(where: { !$0.agrees }) { throw ExitCode(1) }
    }
}
