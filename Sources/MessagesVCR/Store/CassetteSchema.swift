import GRDB

/// The cassette's SQL schema, created and upgraded only through a `DatabaseMigrator`.
///
/// | table | holds |
/// |---|---|
/// | `meta` | `format_version`, `created_by` |
/// | `blob` | every body once, keyed by its SHA-256 |
/// | `interaction` | one row per request/response |
/// | `chunk` | the response body as it arrived: byte ranges of the body blob with arrival offsets |
/// | `frame` | parsed SSE frames of event-stream bodies |
/// | `rule` | synthesis rules (format 2): answers generated for requests no recording matches |
/// | `body_parts` | a split request body's parts in order, as their SHA-256 digests (32 bytes each) (format 3); the body's own `blob` row keeps its size and empty data |
enum CassetteSchema {
    /// The format this build writes and the newest it reads.
    static let formatVersion = 4

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "blob") { t in
                t.primaryKey("hash", .text)
                t.column("size", .integer).notNull()
                t.column("data", .blob).notNull()
            }
            try db.create(table: "interaction") { t in
                t.primaryKey("id", .text)
                t.column("seq", .integer).notNull().unique()
                t.column("recorded_at", .text).notNull()
                t.column("source", .text).notNull()
                t.column("upstream", .text)
                t.column("method", .text).notNull()
                t.column("path", .text).notNull()
                t.column("query", .text)
                t.column("request_headers", .text).notNull()
                t.column("request_body_hash", .text).notNull().references("blob")
                t.column("model", .text)
                t.column("stream", .boolean)
                t.column("match_key", .text)
                t.column("match_rules", .text)
                t.column("status", .integer)
                t.column("response_headers", .text).notNull()
                t.column("response_body_hash", .text).notNull().references("blob")
                t.column("ttfb_ns", .integer)
                t.column("duration_ns", .integer).notNull()
                t.column("outcome", .text).notNull()
                t.column("error", .text)
                t.column("chunk_count", .integer).notNull()
                t.column("event_count", .integer).notNull()
            }
            try db.create(index: "interaction_on_match_key", on: "interaction", columns: ["match_key", "seq"])
            try db.create(table: "chunk", options: .withoutRowID) { t in
                t.column("interaction_id", .text).notNull().references("interaction", onDelete: .cascade)
                t.column("idx", .integer).notNull()
                t.column("byte_offset", .integer).notNull()
                t.column("length", .integer).notNull()
                t.column("offset_ns", .integer).notNull()
                t.primaryKey(["interaction_id", "idx"])
            }
            try db.create(table: "frame", options: .withoutRowID) { t in
                t.column("interaction_id", .text).notNull().references("interaction", onDelete: .cascade)
                t.column("idx", .integer).notNull()
                t.column("event", .text)
                t.column("data", .blob).notNull()
                t.column("byte_start", .integer).notNull()
                t.column("byte_end", .integer).notNull()
                t.column("offset_ns", .integer).notNull()
                t.primaryKey(["interaction_id", "idx"])
            }
            // A readable view for `sqlite3 cassette.sqlite 'select * from chunk_text'`.
            try db.execute(
                sql: """
                    CREATE VIEW chunk_text AS
                    SELECT c.interaction_id, c.idx, c.offset_ns / 1000000.0 AS offset_ms,
                           CAST(substr(b.data, c.byte_offset + 1, c.length) AS TEXT) AS text
                    FROM chunk c JOIN interaction i ON i.id = c.interaction_id
                    JOIN blob b ON b.hash = i.response_body_hash
                    """)
            try db.execute(
                sql: "INSERT INTO meta (key, value) VALUES ('format_version', ?), ('created_by', 'messages-vcr')",
                arguments: [String(formatVersion)])
        }
        migrator.registerMigration("v2-rules") { db in
            try db.create(table: "rule") { t in
                t.primaryKey("id", .text)
                t.column("seq", .integer).notNull().unique()
                t.column("created_at", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("definition", .text).notNull()
            }
            try db.execute(sql: "UPDATE meta SET value = '2' WHERE key = 'format_version'")
        }
        migrator.registerMigration("v3-body-parts") { db in
            try db.create(table: "body_parts", options: .withoutRowID) { t in
                t.primaryKey("body_hash", .text)
                t.column("parts", .blob).notNull()
            }
            try db.execute(sql: "UPDATE meta SET value = '3' WHERE key = 'format_version'")
        }
        migrator.registerMigration("v4-session") { db in
            // The x-vcr-session a recording was made in: a session replays its own recordings first.
            try db.alter(table: "interaction") { t in t.add(column: "session", .text) }
            try db.execute(sql: "UPDATE meta SET value = '4' WHERE key = 'format_version'")
        }
        return migrator
    }
}
