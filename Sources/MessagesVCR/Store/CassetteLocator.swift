import Foundation

/// Turns cassette names into file paths inside the cassette folder, and refuses names that could
/// leave it.
public struct CassetteLocator: Sendable {
    /// The cassette folder (`--cassette-dir`).
    let directory: String

    /// Creates a locator for `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// True when `name` is 1–100 of `[A-Za-z0-9._-]` and contains no `..`.
    static func isValidName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard (1...100).contains(utf8.count), !name.contains("..") else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// `DIR/NAME.sqlite` for a valid name.
    /// - Throws: ``VCRError/invalidCassetteName(_:)``.
    public func path(forName name: String) throws -> String {
        guard Self.isValidName(name) else { throw VCRError.invalidCassetteName(name) }
        return try inside((directory as NSString).appendingPathComponent(name + ".sqlite"), name: name)
    }

    /// `path`, unless it is a symbolic link that leads out of the cassette folder.
    private func inside(_ path: String, name: String) throws -> String {
        guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { return path }
        // The link may dangle (a cassette not created yet), so resolve its folder, not the target itself.
        let absolute = destination.hasPrefix("/") ? destination : (directory as NSString).appendingPathComponent(destination)
        let targetFolder = URL(fileURLWithPath: (absolute as NSString).deletingLastPathComponent).resolvingSymlinksInPath().standardizedFileURL.path
        let folder = URL(fileURLWithPath: directory).resolvingSymlinksInPath().standardizedFileURL.path
        guard targetFolder == folder || targetFolder.hasPrefix(folder + "/") else { throw VCRError.invalidCassetteName(name) }
        return path
    }

    /// The file a name is read from: `DIR/NAME.sqlite` if it exists, else `DIR/NAME.json` (a JSON
    /// export) if that exists, else `DIR/NAME.sqlite`.
    /// - Throws: ``VCRError/invalidCassetteName(_:)``.
    func readablePath(forName name: String) throws -> String {
        let sqlite = try path(forName: name)
        let json = try inside((directory as NSString).appendingPathComponent(name + ".json"), name: name)
        if !FileManager.default.fileExists(atPath: sqlite), FileManager.default.fileExists(atPath: json) { return json }
        return sqlite
    }

    /// Resolves a `--cassette` value: a value ending in `.sqlite` or `.json` is a path, anything else
    /// a name (``readablePath(forName:)``, or ``path(forName:)`` when `forWriting`).
    /// - Returns: the display name and the file path.
    public func resolve(option value: String, forWriting: Bool = false) throws -> (name: String, path: String) {
        if value.hasSuffix(".sqlite") || value.hasSuffix(".json") {
            let name = ((value as NSString).lastPathComponent as NSString).deletingPathExtension
            return (name, value)
        }
        return (value, try forWriting ? path(forName: value) : readablePath(forName: value))
    }
}
