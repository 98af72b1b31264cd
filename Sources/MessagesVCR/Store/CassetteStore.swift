import Foundation
import GRDB

/// One cassette: a SQLite file in WAL mode read through a pool of connections, or a JSON export
/// (``CassetteExport``) loaded read-only into memory.
///
/// Each interaction is written in one IMMEDIATE transaction, so concurrent recordings (even from
/// two processes sharing the file) all land, and a crash never leaves half an interaction.
public final class CassetteStore: Sendable {
    /// The cassette file's path.
    public let path: String
    /// True for a JSON export: it is served, never written.
    let isReadOnly: Bool
    private let pool: any DatabaseWriter
    private let commits: GroupCommit

    /// How to open a cassette file.
    public enum OpenMode: Sendable {
        /// Create the file (and its schema) if it does not exist.
        case createIfMissing
        /// Open an existing file; a missing one is ``VCRError/cassetteNotFound(_:)``.
        case existing
    }

    /// Opens (or creates) the cassette at `path`; a path ending in `.json` is a JSON export, loaded read-only.
    /// - Parameters:
    ///   - path: the `.sqlite` (or `.json`) file.
    ///   - mode: whether a missing file is created.
    ///   - name: the name to use in errors (defaults to the path).
    ///   - maxBytes: the largest the file may grow (SQLite's `max_page_count`); a write past it
    ///     fails as a full disk would, and stores nothing of that interaction.
    /// - Throws: ``VCRError/cassetteNotFound(_:)`` or ``VCRError/cassetteUnusable(path:reason:)``.
    public init(path: String, mode: OpenMode, name: String? = nil, maxBytes: Int? = nil) throws {
        self.path = path
        if path.hasSuffix(".json") {
            isReadOnly = true
            pool = try Self.loadExport(path: path, name: name)
            commits = GroupCommit(writer: pool)
            return
        }
        isReadOnly = false
        if mode == .existing, !FileManager.default.fileExists(atPath: path) {
            throw VCRError.cassetteNotFound(name ?? path)
        }
        try Self.checkHeader(path: path)
        try Self.checkFormat(path: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "cassette"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            if let maxBytes {
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA max_page_count = \(max(16, maxBytes / pageSize))")
            }
        }
        do {
            let pool = try Self.retryingWhenRaced { try DatabasePool(path: path, configuration: configuration) }
            let migrator = CassetteSchema.migrator
            try pool.write { db in
                if try migrator.hasBeenSuperseded(db) || Self.storedFormatVersion(db) > CassetteSchema.formatVersion {
                    throw VCRError.cassetteUnusable(
                        path: path,
                        reason: "written by a newer messages-vcr (format \(try Self.storedFormatVersion(db)); this build reads format \(CassetteSchema.formatVersion))"
                    )
                }
            }
            try Self.retryingWhenRaced { try migrator.migrate(pool) }
            self.pool = pool
            self.commits = GroupCommit(writer: pool)
        } catch let error as VCRError {
            throw error
        } catch {
            throw VCRError.cassetteUnusable(path: path, reason: Self.describe(error))
        }
    }

    /// Runs `body` again (up to 5 times, waiting a little longer each time) when it fails with a
    /// database error. Two processes that open a new cassette at once (two recording servers, e.g.
    /// pytest-xdist workers) race: one's switch to WAL can find the file locked (SQLITE_BUSY comes
    /// back at once there, with no busy wait), or both can see a migration pending and the second
    /// fails inside that migration's transaction (rolled back). Tried again, the file is ready.
    private static func retryingWhenRaced<T>(_ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch is DatabaseError where attempt < 5 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    /// A JSON export, imported into an in-memory database.
    private static func loadExport(path: String, name: String?) throws -> DatabaseQueue {
        guard let data = FileManager.default.contents(atPath: path) else { throw VCRError.cassetteNotFound(name ?? path) }
        do {
            let document = try CassetteExport.decode([UInt8](data))
            let queue = try DatabaseQueue()
            try CassetteSchema.migrator.migrate(queue)
            try queue.write { db in
                for interaction in document.interactions { try insert(interaction, into: db) }
                for rule in document.rules { try insert(rule, into: db) }
            }
            return queue
        } catch let error as CassetteExport.DecodeError {
            throw VCRError.cassetteUnusable(path: path, reason: error.description)
        } catch {
            throw VCRError.cassetteUnusable(path: path, reason: describe(error))
        }
    }

    /// Refuses files that are not SQLite before SQLite gets to touch them.
    private static func checkHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if !header.isEmpty, header != Data("SQLite format 3\0".utf8) {
            throw VCRError.cassetteUnusable(path: path, reason: "not a SQLite cassette (file header does not match)")
        }
    }

    /// Refuses a cassette of a newer format through a read-only connection, before any writer
    /// touches the file (opening a writer can checkpoint or migrate it).
    private static func checkFormat(path: String) throws {
        let files = FileManager.default
        guard files.fileExists(atPath: path) else { return }
        // A read-only look at a WAL database can leave empty -wal and -shm files; they are not
        // removed here, because another process may be opening the same cassette right now (its
        // writer would lose them). The writer opened next removes them when it closes.
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let version: Int
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            version = try queue.read { db in try storedFormatVersion(db) }
            try queue.close()
        } catch {
            return  // not readable this way (corrupt, busy): opening the writer reports what is wrong
        }
        if version > CassetteSchema.formatVersion {
            throw VCRError.cassetteUnusable(
                path: path, reason: "written by a newer messages-vcr (format \(version); this build reads format \(CassetteSchema.formatVersion))")
        }
    }

    private static func storedFormatVersion(_ db: Database) throws -> Int {
        guard try db.tableExists("meta") else { return 0 }
        let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format_version'")
        return text.flatMap(Int.init) ?? 0
    }

    /// A short reason for a database error.
    static func describe(_ error: any Error) -> String {
        if let dbError = error as? DatabaseError { return dbError.message ?? "\(dbError.resultCode)" }
        return "\(error)"
    }

    // MARK: - Writing

    /// Stores `interaction`, whole, assigning the next sequence number; returns once it is
    /// committed (in one transaction with the others that ended meanwhile: ``GroupCommit``).
    /// - Returns: the interaction as stored (with its `seq`).
    @discardableResult
    public func save(_ interaction: Interaction) async throws -> Interaction {
        try await withCheckedThrowingContinuation { continuation in
            save(interaction) { continuation.resume(with: $0) }
        }
    }

    /// Like ``save(_:)``, calling `completion` (on the writer's queue) instead of suspending a task.
    func save(_ interaction: Interaction, completion: @escaping @Sendable (Result<Interaction, VCRError>) -> Void) {
        do {
            try checkWritable()
        } catch {
            return completion(.failure(VCRError.from(error)))
        }
        let path = self.path
        commits.enqueue(interaction) { result in
            completion(result.mapError { error in
                VCRError.internalFailure("could not store interaction \(interaction.id) in \(path): \(Self.describe(error))")
            })
        }
    }

    /// Stores `interactions` and `rules` as they are (ids and sequence numbers kept) in one transaction: all or none.
    public func importAll(_ interactions: [Interaction], rules: [SynthesisRule] = []) async throws {
        try checkWritable()
        do {
            try await pool.write { db in
                for interaction in interactions { try Self.insert(interaction, into: db) }
                for rule in rules { try Self.insert(rule, into: db) }
            }
        } catch {
            throw VCRError.internalFailure("could not import into \(path): \(Self.describe(error))")
        }
    }

    /// Deletes the interactions with `ids` (their chunks and frames, and bodies nothing else uses).
    /// - Returns: how many were deleted.
    @discardableResult
    public func delete(ids: [String]) async throws -> Int {
        try checkWritable()
        let deleted = try await pool.write { db -> Int in
            var count = 0
            for id in ids {
                try db.execute(sql: "DELETE FROM chunk WHERE interaction_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM frame WHERE interaction_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM interaction WHERE id = ?", arguments: [id])
                count += db.changesCount
            }
            try Self.deleteOrphans(in: db)
            return count
        }
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
        return deleted
    }

    /// Replaces the request of the recording `id` with `request` (its answer untouched), in one
    /// transaction, with the match key computed under the rules in force; the old request body
    /// is dropped unless another recording uses it.
    func replaceRequest(id: String, with request: RecordedRequest, matchKey: String, matchRulesFingerprint: String) async throws {
        try checkWritable()
        do {
            try await pool.write { db in
                let summary = RequestSummary(body: request.body)
                try db.execute(
                    sql: """
                        UPDATE interaction SET method = ?, path = ?, query = ?, request_headers = ?, request_body_hash = ?, model = ?,
                               stream = ?, match_key = ?, match_rules = ? WHERE id = ?
                        """,
                    arguments: [
                        request.method, request.path, request.query, InteractionCoding.encodeHeaders(request.headers),
                        try Self.insertBody(request.body, into: db), summary.model, summary.stream, matchKey, matchRulesFingerprint, id,
                    ])
                try Self.deleteOrphans(in: db)
            }
        } catch {
            throw VCRError.internalFailure("could not update recording \(id) in \(path): \(Self.describe(error))")
        }
    }

    /// Closes the database connections (a store is unusable afterwards).
    public func close() throws {
        if let pool = pool as? DatabasePool { try pool.close() }
        if let queue = pool as? DatabaseQueue { try queue.close() }
    }

    private func checkWritable() throws {
        if isReadOnly {
            throw VCRError.cassetteUnusable(path: path, reason: "a JSON export is read-only (messages-vcr import turns it into a .sqlite cassette)")
        }
    }

    /// Stores a synthesis rule after the cassette's others.
    /// - Returns: the rule as stored (with its `seq`).
    @discardableResult
    func saveRule(_ rule: SynthesisRule) async throws -> SynthesisRule {
        try checkWritable()
        do {
            return try await pool.write { db in
                var stored = rule
                stored.seq = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM rule") ?? 1
                try Self.insert(stored, into: db)
                return stored
            }
        } catch {
            throw VCRError.internalFailure("could not store rule \(rule.id) in \(path): \(Self.describe(error))")
        }
    }

    /// The synthesis rules, in order.
    public func rules() async throws -> [SynthesisRule] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, seq, seed, definition FROM rule ORDER BY seq").map { row in
                let definition = try JSONParser.parse(Array((row["definition"] as String).utf8))
                return try SynthesisRule(id: row["id"], seq: row["seq"], seed: UInt64(bitPattern: row["seed"]), definition: definition)
            }
        }
    }

    // MARK: - Reading

    /// Number of interactions stored.
    func count() async throws -> Int {
        try await pool.read { db in try InteractionRow.fetchCount(db) }
    }

    /// The ids of every interaction, in sequence order.
    public func ids() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM interaction ORDER BY seq") }
    }

    /// Every interaction, in sequence order.
    public func all() async throws -> [Interaction] {
        try await pool.read { db in
            try InteractionRow.order(Column("seq")).fetchAll(db).map { try Self.load($0, from: db) }
        }
    }

    /// The interaction with `id`, or nil.
    /// - Parameter requestBody: whether to read the request's body too (a replay that learns
    ///   nothing from it leaves it empty: a Claude Code request is tens of stored parts).
    func interaction(id: String, requestBody: Bool = true) async throws -> Interaction? {
        try await pool.read { db in
            // Cached statements: a replay reads one recording at a time, first use by first use.
            try InteractionRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM interaction WHERE id = ?"), arguments: [id])
                .map { try Self.load($0, from: db, requestBody: requestBody) }
        }
    }

    /// Each model the cassette's requests name, with when it was first recorded.
    func models() async throws -> [(name: String, firstRecorded: Date)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT model, MIN(recorded_at) AS first FROM interaction WHERE model IS NOT NULL GROUP BY model")
                .map { (name: $0["model"] as String, firstRecorded: InteractionCoding.parseDate($0["first"] as String)) }
        }
    }

    /// Runs `body` with a read-only database connection (for queries the store does not name).
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }
}
