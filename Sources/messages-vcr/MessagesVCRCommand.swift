import ArgumentParser
import Foundation
import MessagesVCR

/// `messages-vcr`: record and replay the Anthropic Messages API as Ollama serves it.
@main
struct MessagesVCRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages-vcr",
        abstract: "Record and replay the Anthropic Messages API as Ollama serves it.",
        subcommands: [ServeCommand.self]
    )

    /// Parses and runs; a bad flag prints one line on stderr and exits 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            let message = error is ServeOptionError ? "\(error)" : message(for: error)
            FileHandle.standardError.write(Data("messages-vcr: error: \(message)\n".utf8))
            Foundation.exit(error is ServeOptionError ? 1 : 2)
        }
    }
}
