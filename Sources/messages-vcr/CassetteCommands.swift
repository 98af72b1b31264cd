import ArgumentParser
import Foundation
import MessagesVCR

/// `--cassette-dir` and `--cassette`, resolved as `serve` resolves them.
struct CassetteOptions: ParsableArguments {
    @Option(name: .customLong("cassette-dir"), help: "Folder of cassettes.")
    var cassetteDir = "cassettes"

    @Option(help: "Cassette name (DIR/NAME.sqlite, else DIR/NAME.json), or a path ending in .sqlite or .json.")
    var cassette = "demo"

    func open() throws -> CassetteStore { try CassetteTool.open(directory: cassetteDir, cassette: cassette) }
}

/// Writes to stdout.
func printBytes(_ bytes: [UInt8]) { FileHandle.standardOutput.write(Data(bytes)) }

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "One line per interaction.")
    @OptionGroup var cassette: CassetteOptions
    @Flag(help: "JSON for machines.") var json = false

    func run() async throws {
        let interactions = try await cassette.open().all()
        if json {
            printBytes(PrettyJSONWriter.encode(CassetteTool.listJSON(interactions)))
        } else {
            print(CassetteTool.listLines(interactions).joined(separator: "\n"))
        }
    }
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "An interaction's request, its response as a timeline of events, and the final message.")
    @OptionGroup var cassette: CassetteOptions
    @Argument(help: "The interaction id (see list).") var id: String
    @Flag(help: "Show the system prompt and tool definitions whole.") var full = false
    @Flag(help: "Print the exact recorded response body bytes, nothing else.") var raw = false
    @OptionGroup(title: "Matching (what serve would match on, and learn)") var match: MatchOptions

    func run() async throws {
        let rules = try match.rules()
        let interaction = try await CassetteTool.interactions([id], in: cassette.open())[0]
        if raw {
            printBytes(interaction.response.body)
        } else {
            print(InteractionView(interaction, full: full, rules: rules).lines.joined(separator: "\n"))
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "The whole cassette as deterministic, reviewable JSON.")
    @OptionGroup var cassette: CassetteOptions
    @Option(help: "File to write (default: stdout).") var out: String?

    func run() async throws {
        let store = try cassette.open()
        let document = CassetteExport.encode(try await store.all(), rules: try await store.rules())
        guard let out else { return printBytes(document) }
        do {
            try Data(document).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw ToolError("cannot write \(out): \(error.localizedDescription)")
        }
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Build a SQLite cassette from a JSON export.")
    @Option(name: .customLong("cassette-dir"), help: "Folder of cassettes.") var cassetteDir = "cassettes"
    @Option(help: "Name of the cassette to build (default: the file's name without .json).") var cassette: String?
    @Flag(help: "Replace an existing cassette of that name.") var replace = false
    @Argument(help: "The JSON export.") var file: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ToolError("cannot read \(file)") }
        let document: CassetteExport.Document
        do {
            document = try CassetteExport.decode([UInt8](data))
        } catch let error as CassetteExport.DecodeError {
            throw ToolError("\(file): \(error.description)")
        }
        let name = cassette ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let path = try CassetteCommandSupport.sqlitePath(directory: cassetteDir, name: name)
        if FileManager.default.fileExists(atPath: path), !replace {
            throw ToolError("cassette \(path) already exists (--replace rebuilds it)")
        }
        // Built beside the target and renamed into place: a failed import leaves nothing half-written.
        let staging = path + ".importing-\(UUID().uuidString).sqlite"
        do {
            let store = try CassetteStore(path: staging, mode: .createIfMissing)
            // Match keys under the default rules, so a large cassette's first replay need not compute them.
            let rules = try MatchRules()
            let keyed = document.interactions.map { interaction -> Interaction in
                var keyed = interaction
                keyed.matchKey = rules.key(for: interaction.request)
                keyed.matchRulesFingerprint = rules.fingerprint
                return keyed
            }
            try await store.importAll(keyed, rules: document.rules)
            try store.close()
            try CassetteCommandSupport.removeCassetteFiles(path)
            try FileManager.default.moveItem(atPath: staging, toPath: path)
        } catch {
            try? CassetteCommandSupport.removeCassetteFiles(staging)
            throw ToolError("import into \(path) failed: \((error as? VCRError)?.message ?? "\(error)")")
        }
        print("imported \(document.interactions.count) interactions\(document.rules.isEmpty ? "" : " and \(document.rules.count) rules") into \(path)")
    }
}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate every stream against the Messages event grammar and lint it against its server's behaviour (exit 1 on any problem).")
    @OptionGroup var cassette: CassetteOptions
    @Option(help: ArgumentHelp("Lint against this server's behaviour: ollama, anthropic or llamacpp (default: the server each recording came from).", valueName: "flavor"))
    var flavor: String?

    func run() async throws {
        var server: Flavor?
        if let flavor {
            do {
                server = try Flavor(parsing: flavor)
            } catch {
                throw ToolError(error.description)
            }
        }
        let report = CassetteTool.check(try await cassette.open().all(), flavor: server)
        for line in report.incomplete { print("note: " + line) }
        for line in report.problems { print(line) }
        print("\(report.checked) interactions checked, \(report.problems.count) problems, \(report.incomplete.count) incomplete")
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete interactions by id.")
    @OptionGroup var cassette: CassetteOptions
    @Argument(help: "Interaction ids.") var ids: [String]

    func run() async throws {
        let store = try cassette.open()
        _ = try await CassetteTool.interactions(ids, in: store)  // every id must exist before anything is deleted
        let deleted = try await CassetteCommandSupport.writing { try await store.delete(ids: ids) }
        print("deleted \(deleted) interactions from \(store.path)")
    }
}

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Delete the interactions a coverage report (serve --report) lists as never used.")
    @OptionGroup var cassette: CassetteOptions
    @Option(name: .customLong("unused-since"), help: "The coverage report.") var unusedSince: String

    func run() async throws {
        let store = try cassette.open()
        guard let data = FileManager.default.contents(atPath: unusedSince) else { throw ToolError("cannot read \(unusedSince)") }
        let ids: [String]
        do {
            ids = try Coverage.unusedIDs(inReport: [UInt8](data), path: store.path, name: cassette.cassette)
        } catch let error as CassetteExport.DecodeError {
            throw ToolError("\(unusedSince): \(error.description)")
        }
        let known = Set(try await store.ids())
        let deleted = try await CassetteCommandSupport.writing { try await store.delete(ids: ids.filter(known.contains)) }
        print("pruned \(deleted) unused interactions from \(store.path)")
    }
}

struct SynthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth", abstract: "Add Ollama-shaped interactions from a synthesis script (no upstream needed).")
    @Option(name: .customLong("cassette-dir"), help: "Folder of cassettes.") var cassetteDir = "cassettes"
    @Option(help: "Cassette to add to (DIR/NAME.sqlite, created if missing).") var cassette: String
    @Argument(help: "The script (JSON).") var file: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ToolError("cannot read \(file)") }
        let script: SynthesisScript
        do {
            script = try SynthesisScript(bytes: [UInt8](data))
        } catch let error as OllamaAnswer.ParseError {
            throw ToolError("\(file): \(error.description)")
        }
        let path = try CassetteCommandSupport.sqlitePath(directory: cassetteDir, name: cassette)
        let store = try CassetteCommandSupport.writing { try CassetteStore(path: path, mode: .createIfMissing, name: cassette) }
        let added = try await CassetteCommandSupport.writing { try await SynthesisLoader.add(script, to: store) }
        print("added \(added.interactions.count) synthetic interactions\(script.rules.isEmpty ? "" : " and \(script.rules.count) rules") to \(path)")
    }
}

enum CassetteCommandSupport {
    static func sqlitePath(directory: String, name: String) throws -> String {
        if name.hasSuffix(".sqlite") { return name }
        do {
            return try CassetteLocator(directory: directory).path(forName: name)
        } catch let error as VCRError {
            throw ToolError(error.message)
        }
    }

    /// Runs a store operation, turning messages-vcr's errors into one-line tool errors.
    static func writing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VCRError {
            throw ToolError(error.message)
        }
    }

    static func writing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as VCRError {
            throw ToolError(error.message)
        }
    }

    static func removeCassetteFiles(_ path: String) throws {
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
    }
}
