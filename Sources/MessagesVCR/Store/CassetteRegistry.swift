import NIOConcurrencyHelpers
import NIOPosix

/// The cassettes a server has open: the default one and any selected with `/c/NAME/`.
/// Each file is opened once and shared by every request that uses it.
final class CassetteRegistry: Sendable {
    /// The cassette used when a request has no `/c/NAME/` prefix.
    let defaultCassette: CassetteReference
    /// Resolves `/c/NAME/` names.
    let locator: CassetteLocator
    /// The stores open so far. Its lock is only ever held for a lookup or an insert, never while
    /// a file is opened: the decision looks here from the event loops.
    private let open = NIOLockedValueBox<[String: CassetteStore]>([:])
    /// One gate per path, so that a file is opened (and migrated) once, by one thread at a time.
    private let opening = NIOLockedValueBox<[String: NIOLock]>([:])

    /// A cassette by name and path, not necessarily open or existing.
    struct CassetteReference: Sendable, Equatable {
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
    func reference(named name: String, forWriting: Bool) throws -> CassetteReference {
        CassetteReference(name: name, path: try forWriting ? locator.path(forName: name) : locator.readablePath(forName: name))
    }

    /// The store for `reference` if it is open already (the decision never opens one: it is I/O).
    func openStore(for reference: CassetteReference) -> CassetteStore? {
        open.withLockedValue { $0[reference.path] }
    }

    /// The open store for `reference`, opening (and with `.createIfMissing`, creating) it on first use.
    ///
    /// Opening is file I/O (SQLite's open, a migration, waiting out another process's lock): this
    /// blocks its thread. Call it at startup or on a thread pool; from async code, use
    /// ``openedStore(for:mode:)``.
    func store(for reference: CassetteReference, mode: CassetteStore.OpenMode) throws -> CassetteStore {
        if let store = openStore(for: reference) { return store }
        let gate = opening.withLockedValue { gates in
            if let gate = gates[reference.path] { return gate }
            let gate = NIOLock()
            gates[reference.path] = gate
            return gate
        }
        return try gate.withLock {
            if let store = openStore(for: reference) { return store }
            let store = try CassetteStore(path: reference.path, mode: mode, name: reference.name, maxBytes: maxCassetteBytes)
            open.withLockedValue { $0[reference.path] = store }
            return store
        }
    }

    /// ``store(for:mode:)`` on NIO's thread pool: the caller's thread (an event loop, a Swift task) never waits on the file.
    func openedStore(for reference: CassetteReference, mode: CassetteStore.OpenMode) async throws -> CassetteStore {
        if let store = openStore(for: reference) { return store }
        return try await NIOThreadPool.singleton.runIfActive { try self.store(for: reference, mode: mode) }
    }
}
