import Foundation
@testable import MessagesVCR
import Testing

/// Debian's chromium, if installed.
let installedChromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// The inspector in a real browser: Debian's chromium, headless, against a server replaying the
/// demo. `.ci/run` installs chromium; on a machine without it (and not in CI) the suite is off.
@Suite("Web inspector in a browser", .serialized, .enabled(if: installedChromium != nil || ProcessInfo.processInfo.environment["CI"] != nil))
struct BrowserTests {
    static var chromium: String? { installedChromium }

    /// Where screenshots go (the timeline's is the README's picture when refreshed with VCR_UPDATE_SCREENSHOT).
    static let screenshots = NSTemporaryDirectory() + "vcr-browser-shots"

    /// Loads `url` headless, lets its scripts run for `budget` ms of virtual time, and returns the DOM.
    static func dom(_ url: String, screenshot: String? = nil, budget: Int = 3000) async throws -> String {
        let chromium = try #require(chromium, "chromium is not installed: apt-get install -y chromium")
        let profile = try temporaryDirectory()
        var arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
            "--window-size=1280,1000", "--virtual-time-budget=\(budget)",
        ]
        if let screenshot {
            try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
            arguments.append("--screenshot=\(screenshots)/\(screenshot)")
        } else {
            arguments.append("--dump-dom")
        }
        arguments.append(url)
        let output = profile + "/stdout.html"
        let finalArguments = arguments
        return try await offThePool {
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: chromium)
            process.arguments = finalArguments
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            return try String(contentsOfFile: output, encoding: .utf8)
        }
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test("every page renders in chromium: the demo listed, the live journal filled by its script, the timeline drawn, a miss's diff marked")
    func pages() async throws {
        let store = try CassetteStore(path: InspectorTests.demo + "/demo.json", mode: .existing)
        let all = try await store.all()
        let streamed = try #require(all.first { !$0.response.frames.isEmpty })
        try await InspectorTests.withDemo { port in
            let base = "http://127.0.0.1:\(port)"
            let miss = #"{"model":"qwen3","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"Count from 1 to 11"}]}"#
            #expect(try await TestClient.send(port: port, body: miss).status == 404)

            let index = try await Self.dom(base + "/__vcr/ui/")
            for interaction in all { #expect(index.contains(">\(interaction.id)</a>"), "\(interaction.id)") }
            // The script replaced the journal's rows with what /__vcr/journal says, and said so.
            #expect(index.contains("Live: "), "the journal script did not run: \(index.suffix(800))")
            #expect(index.contains(">miss 1: see the diff</a>"))
            _ = try await Self.dom(base + "/__vcr/ui/", screenshot: "index.png")

            let page = try await Self.dom(base + "/__vcr/ui/interactions/\(streamed.id)")
            #expect(Self.count("<rect class=\"mark", in: page) == streamed.response.frames.count)
            #expect(page.contains("<button type=\"button\" class=\"copy\" data-copy=\"curl\">Copy as curl</button>"), "the copy button is shown by the script")
            _ = try await Self.dom(base + "/__vcr/ui/interactions/\(streamed.id)", screenshot: "timeline.png")

            let missPage = try await Self.dom(base + "/__vcr/ui/misses/1")
            #expect(Self.count("class=\"diff\"", in: missPage) == 2)
            _ = try await Self.dom(base + "/__vcr/ui/misses/1", screenshot: "miss.png")

            let other = try #require(all.first { $0.id != streamed.id })
            let compare = try await Self.dom(base + "/__vcr/ui/compare?a=\(streamed.id)&b=\(other.id)")
            #expect(Self.count("<svg class=\"timeline\"", in: compare) == 2)
            for shot in ["index.png", "timeline.png", "miss.png"] {
                let size = (try? FileManager.default.attributesOfItem(atPath: Self.screenshots + "/" + shot)[.size] as? Int) ?? 0
                #expect(size > 10_000, "\(shot) is \(size) bytes")
            }
            if ProcessInfo.processInfo.environment["VCR_UPDATE_SCREENSHOT"] != nil {
                let target = repositoryRoot + "/docs/inspector-timeline.png"
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: Self.screenshots + "/timeline.png", toPath: target)
            }
        }
    }
}
