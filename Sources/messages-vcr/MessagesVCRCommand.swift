import ArgumentParser
import Foundation
import MessagesVCR

/// `messages-vcr`: record and replay the Anthropic Messages API as Ollama serves it.
@main
struct MessagesVCRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages-vcr",
        abstract: "Record and replay the Anthropic Messages API as Ollama serves it.",
        subcommands: [
            ServeCommand.self, ListCommand.self, ShowCommand.self, ExportCommand.self, ImportCommand.self, CheckCommand.self,
            DeleteCommand.self, PruneCommand.self, SynthCommand.self, VerifyCommand.self,
        ]
    )

    /// Parses and runs. A bad flag or a cassette command's error prints one line on stderr and exits 2;
    /// a server that cannot start (or `--fail-on-miss` at shutdown) exits 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            let message = error is ServeOptionError || error is ToolError ? "\(error)" : message(for: error)
            FileHandle.standardError.write(Data("messages-vcr: error: \(message)\n".utf8))
            Foundation.exit(error is ServeOptionError ? 1 : 2)
        }
    }
}
