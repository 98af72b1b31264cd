import Foundation
import GRDB
import GRDBSQLite

/// How interactions, rules and bodies map to rows when they are inserted and read whole (the index, the group commit and the store also run SQL of their own).
///
/// Request bodies are stored as parts (``BodySegmenter``): each part is a content-addressed row of
/// `blob`, and `body_parts` lists the parts of a body in order. Response bodies, and request bodies
/// too small to split, are one `blob` row each.
extension CassetteStore {
    static func insert(_ rule: SynthesisRule, into db: Database) throws {
        try db.execute(
            sql: "INSERT INTO rule (id, seq, created_at, seed, definition) VALUES (?, ?, ?, ?, ?)",
            arguments: [rule.id, rule.seq, InteractionCoding.formatDate(Date()), Int64(bitPattern: rule.seed), GoJSONWriter.string(rule.definition)])
    }

    /// Stores a request body as its parts (each once) and returns the hash of the whole body.
    static func insertBody(_ bytes: [UInt8], into db: Database) throws -> String {
        let parts = BodySegmenter.parts(bytes)
        guard parts.count > 1 else { return try insertBlob(bytes, into: db) }
        let hash = SHA256.hex(bytes)
        // The whole body's `blob` row keeps its size and an empty `data`: its bytes are the parts'.
        try db.execute(sql: "INSERT OR IGNORE INTO blob (hash, size, data) VALUES (?, ?, x'')", arguments: [hash, bytes.count])
        guard db.changesCount > 0 else { return hash }
        var digests: [UInt8] = []
        digests.reserveCapacity(parts.count * 32)
        for range in parts {
            let part = Array(bytes[range])
            let digest = SHA256.digest(part)
            try insertBlob(part, hash: HexEncoding.encode(digest), into: db)
            digests += digest
        }
        try db.execute(sql: "INSERT INTO body_parts (body_hash, parts) VALUES (?, ?)", arguments: [hash, Data(digests)])
        return hash
    }

    @discardableResult
    static func insertBlob(_ bytes: [UInt8], hash: String? = nil, into db: Database) throws -> String {
        let hash = hash ?? SHA256.hex(bytes)
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO blob (hash, size, data) VALUES (?, ?, ?)")
            .execute(arguments: [hash, bytes.count, Data(bytes)])
        return hash
    }

    static func insert(_ interaction: Interaction, into db: Database) throws {
        let request = interaction.request
        let response = interaction.response
        let summary = RequestSummary(body: request.body)
        // One cached statement, not the record's Codable encoding: it is most of a recording's cost
        // to store (measured under load in record mode).
        let columns = """
            id, seq, recorded_at, source, upstream, method, path, query, request_headers, request_body_hash, model, stream,
            match_key, match_rules, status, response_headers, response_body_hash, ttfb_ns, duration_ns, outcome, error,
            chunk_count, event_count, session
            """
        let values: [(any DatabaseValueConvertible)?] = [
            interaction.id, interaction.seq, InteractionCoding.formatDate(interaction.recordedAt), interaction.source.rawValue,
            interaction.upstream, request.method, request.path, request.query, InteractionCoding.encodeHeaders(request.headers),
            try insertBody(request.body, into: db), summary.model, summary.stream, interaction.matchKey,
            interaction.matchRulesFingerprint, response.status, InteractionCoding.encodeHeaders(response.headers),
            try insertBlob(response.body, into: db), response.ttfbNanos.map { Int64($0) }, Int64(response.durationNanos),
            response.outcome.rawValue, response.errorMessage, response.chunks.count, response.frames.count, interaction.session,
        ]
        try db.cachedStatement(sql: "INSERT INTO interaction (\(columns)) VALUES (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))")
            .execute(arguments: StatementArguments(values))
        let chunkStatement = try db.cachedStatement(
            sql: "INSERT INTO chunk (interaction_id, idx, byte_offset, length, offset_ns) VALUES (?, ?, ?, ?, ?)")
        for (index, chunk) in response.chunks.enumerated() {
            try chunkStatement.execute(arguments: [interaction.id, index, chunk.byteOffset, chunk.length, Int64(chunk.offsetNanos)])
        }
        let frameStatement = try db.cachedStatement(
            sql: "INSERT INTO frame (interaction_id, idx, event, data, byte_start, byte_end, offset_ns) VALUES (?, ?, ?, ?, ?, ?, ?)")
        for (index, frame) in response.frames.enumerated() {
            try frameStatement.execute(arguments: [
                interaction.id, index, frame.event, Data(frame.data),
                frame.byteRange.lowerBound, frame.byteRange.upperBound, Int64(frame.offsetNanos),
            ])
        }
    }

    /// The stored request of interaction `id` (for recomputing match keys and miss diagnoses).
    static func request(id: String, in db: Database) throws -> RecordedRequest {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT method, path, query, request_headers, request_body_hash FROM interaction WHERE id = ?"),
            arguments: [id])
        else { throw VCRError.internalFailure("recording \(id) vanished") }
        return RecordedRequest(
            method: row["method"], path: row["path"], query: row["query"],
            headers: InteractionCoding.decodeHeaders(row["request_headers"]), body: try blob(row["request_body_hash"], in: db))
    }

    /// A body by hash: its parts joined in order, or its one `blob` row.
    static func blob(_ hash: String, in db: Database) throws -> [UInt8] {
        let blobStatement = try db.cachedStatement(sql: "SELECT data FROM blob WHERE hash = ?")
        if let digests = try Data.fetchOne(db.cachedStatement(sql: "SELECT parts FROM body_parts WHERE body_hash = ?"), arguments: [hash]) {
            // A Claude Code request has tens of parts: each is read in place, not copied into a `Data` first.
            guard digests.count % 32 == 0 else { throw VCRError.internalFailure("the part list of body \(hash) is damaged") }
            var bytes: [UInt8] = []
            let parts = digests.withUnsafeBytes { raw in
                stride(from: 0, to: raw.count, by: 32).map { HexEncoding.encode(UnsafeRawBufferPointer(rebasing: raw[$0..<$0 + 32])) }
            }
            for part in parts {
                guard try appendBlob(part, with: blobStatement, to: &bytes) else {
                    throw VCRError.internalFailure("part \(part) of body \(hash) is missing")
                }
            }
            return bytes
        }
        var bytes: [UInt8] = []
        guard try appendBlob(hash, with: blobStatement, to: &bytes) else { throw VCRError.internalFailure("body \(hash) is missing") }
        return bytes
    }

    /// Appends the stored bytes of the blob `hash` to `bytes`; false if there is no such blob.
    ///
    /// Steps the prepared statement with SQLite's own calls: a body of a Claude Code session is
    /// tens of parts and a miss reads tens of bodies, and GRDB's cursor, row and argument values
    /// for each part cost more than SQLite's lookup.
    private static func appendBlob(_ hash: String, with statement: Statement, to bytes: inout [UInt8]) throws -> Bool {
        let handle = statement.sqliteStatement
        var hash = hash
        let result: Int32 = hash.withUTF8 { utf8 in
            sqlite3_reset(handle)
            defer {
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)  // the key's bytes live only in this closure
            }
            let bound = sqlite3_bind_text(handle, 1, UnsafeRawPointer(utf8.baseAddress)?.assumingMemoryBound(to: CChar.self), Int32(utf8.count), nil)
            guard bound == SQLITE_OK else { return bound }
            let step = sqlite3_step(handle)
            if step == SQLITE_ROW, let base = sqlite3_column_blob(handle, 0) {
                bytes.append(contentsOf: UnsafeRawBufferPointer(start: base, count: Int(sqlite3_column_bytes(handle, 0))).bindMemory(to: UInt8.self))
            }
            return step
        }
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw VCRError.internalFailure("reading body part \(hash): \(String(cString: sqlite3_errstr(result)))")
        }
    }

    /// Deletes the bodies and parts no interaction uses any more.
    static func deleteOrphans(in db: Database) throws {
        // A response body identical to a split request body reads back through the same part list:
        // a list stays while any body, request or response, has its hash.
        try db.execute(sql: """
            DELETE FROM body_parts WHERE body_hash NOT IN
                (SELECT request_body_hash FROM interaction UNION SELECT response_body_hash FROM interaction)
            """)
        var used = Set(try String.fetchAll(db, sql: "SELECT request_body_hash FROM interaction UNION SELECT response_body_hash FROM interaction"))
        for digests in try Data.fetchAll(db, sql: "SELECT parts FROM body_parts") {
            for start in stride(from: 0, to: digests.count, by: 32) {
                used.insert(HexEncoding.encode(digests[digests.startIndex + start..<digests.startIndex + start + 32]))
            }
        }
        let delete = try db.cachedStatement(sql: "DELETE FROM blob WHERE hash = ?")
        for hash in try String.fetchAll(db, sql: "SELECT hash FROM blob") where !used.contains(hash) {
            try delete.execute(arguments: [hash])
        }
    }

    static func load(_ row: InteractionRow, from db: Database, requestBody: Bool = true) throws -> Interaction {
        let chunks = try ChunkRow.fetchAll(db.cachedStatement(sql: "SELECT * FROM chunk WHERE interaction_id = ? ORDER BY idx"), arguments: [row.id]).map {
            BodyChunk(byteOffset: $0.byteOffset, length: $0.length, offsetNanos: UInt64($0.offsetNs))
        }
        let frames = try FrameRow.fetchAll(db.cachedStatement(sql: "SELECT * FROM frame WHERE interaction_id = ? ORDER BY idx"), arguments: [row.id]).map {
            SSEFrame(event: $0.event, data: [UInt8]($0.data), byteRange: $0.byteStart..<$0.byteEnd, offsetNanos: UInt64($0.offsetNs))
        }
        let request = RecordedRequest(
            method: row.method, path: row.path, query: row.query,
            headers: InteractionCoding.decodeHeaders(row.requestHeaders), body: requestBody ? try blob(row.requestBodyHash, in: db) : [])
        let response = RecordedResponse(
            status: row.status, headers: InteractionCoding.decodeHeaders(row.responseHeaders),
            body: try blob(row.responseBodyHash, in: db), chunks: chunks, frames: frames,
            ttfbNanos: row.ttfbNs.map { UInt64($0) }, durationNanos: UInt64(row.durationNs),
            outcome: Outcome(rawValue: row.outcome) ?? .complete, errorMessage: row.error)
        return Interaction(
            id: row.id, seq: row.seq, recordedAt: InteractionCoding.parseDate(row.recordedAt),
            source: InteractionSource(rawValue: row.source) ?? .recorded, upstream: row.upstream,
            request: request, response: response, matchKey: row.matchKey, matchRulesFingerprint: row.matchRules, session: row.session)
    }
}
