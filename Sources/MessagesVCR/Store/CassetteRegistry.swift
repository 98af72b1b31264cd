import NIOConcurrencyHelpers

/// The cassettes a server has open: the default one and any selected with `/c/NAME/`.
/// Each file is opened once and shared by every request that uses it.
public final class CassetteRegistry: Sendable {
    /// The cassette used when a request has no `/c/NAME/` prefix.
    public let defaultCassette: CassetteReference
    /// Resolves `/c/NAME/` names.
    public let locator: CassetteLocator
    private let open = NIOLockedValueBox<[String: CassetteStore]>([:])

    /// A cassette by name and path, not necessarily open or existing.
    public struct CassetteReference: Sendable, Equatable {
        /// Display name (`demo`, `my-test`).
        public var name: String
        /// File path.
        public var path: String

        /// Creates a reference.
        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    /// Largest size a cassette may grow to, in bytes (nil: no limit).
    public let maxCassetteBytes: Int?

    /// Creates a registry.
    /// - Parameters:
    ///   - locator: the cassette folder.
    ///   - defaultCassette: the `--cassette` in force.
    ///   - maxCassetteBytes: `--max-cassette-mb`, in bytes.
    public init(locator: CassetteLocator, defaultCassette: CassetteReference, maxCassetteBytes: Int? = nil) {
        self.locator = locator
        self.defaultCassette = defaultCassette
        self.maxCassetteBytes = maxCassetteBytes
    }

    /// The cassette a `/c/NAME/` prefix names: `DIR/NAME.sqlite` when `forWriting`, else the
    /// file it is read from (``CassetteLocator/readablePath(forName:)``).
    /// - Throws: ``VCRError/invalidCassetteName(_:)``.
    public func reference(named name: String, forWriting: Bool) throws -> CassetteReference {
        CassetteReference(name: name, path: try forWriting ? locator.path(forName: name) : locator.readablePath(forName: name))
    }

    /// The store for `reference` if it is open already (the decision never opens one: it is I/O).
    public func openStore(for reference: CassetteReference) -> CassetteStore? {
        open.withLockedValue { $0[reference.path] }
    }

    /// The open store for `reference`, opening (and with `.createIfMissing`, creating) it on first use.
    public func store(for reference: CassetteReference, mode: CassetteStore.OpenMode) throws -> CassetteStore {
        try open.withLockedValue { stores in
            if let store = stores[reference.path] { return store }
            let store = try CassetteStore(path: reference.path, mode: mode, name: reference.name, maxBytes: maxCassetteBytes)
            stores[reference.path] = store
            return store
        }
    }
}
