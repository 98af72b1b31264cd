import Foundation
import HTTPTypes
import Hummingbird

/// The web inspector under `/__vcr/ui/`: server-rendered pages of the cassette, the journal, an
/// interaction's timeline, a miss's diff and a comparison of two interactions.
///
/// | route | page |
/// |---|---|
/// | `GET /__vcr/ui/[?cassette=NAME&q=TEXT&model=M]` | the interactions and the live journal |
/// | `GET /__vcr/ui/interactions/ID[?cassette=NAME]` | the timeline picture, events, message, request, curl |
/// | `GET /__vcr/ui/interactions/ID/raw[?cassette=NAME]` | the recorded response bytes, as text |
/// | `GET /__vcr/ui/misses/N` | a miss: the request beside the nearest recording, differences marked |
/// | `GET /__vcr/ui/compare?a=ID&b=ID[&cassette=NAME]` | two timelines on one scale, their differences |
struct InspectorRoutes: Sendable {
    let registry: CassetteRegistry
    let misses: MissLog
    let journal: Journal
    /// The server's mode, named on the index page.
    let mode: VCRMode

    /// How many interactions the index lists.
    static let listLimit = 500

    /// Security headers every page gets: nothing may load from another origin, nothing may frame it.
    static let pageHeaders: [(String, String)] = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"),
    ]

    func respond(path: String, query: [String: String], host: String?) async throws -> Response {
        let rest = path.dropFirst("/__vcr/ui".count)
        let parts = rest.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch parts.count {
        case 0 where rest.isEmpty:
            return HTTPConversions.response(status: 308, headers: HeaderList(pairs: [("Location", "/__vcr/ui/")]), body: [])
        case 0:
            return try await page(IndexPage(mode: mode, registry: registry, journal: journal, cassette: try await cassette(query), query: query).render())
        case 2 where parts[0] == "interactions":
            let (reference, store) = try await cassette(query)
            let shown = try await interaction(parts[1], in: store)
            return page(InteractionPage(interaction: shown, cassette: reference.name, host: host).render())
        case 3 where parts[0] == "interactions" && parts[2] == "raw":
            let (_, store) = try await cassette(query)
            let interaction = try await interaction(parts[1], in: store)
            return HTTPConversions.response(
                status: 200, headers: HeaderList(pairs: [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")]),
                body: interaction.response.body)
        case 2 where parts[0] == "misses":
            guard let id = Int(parts[1]), let miss = misses.entry(id) else {
                throw VCRError.notFound("miss \(parts[1]) is not among the last \(misses.entries.count) kept")
            }
            return page(MissPage(miss: miss).render())
        case 1 where parts[0] == "compare":
            let (reference, store) = try await cassette(query)
            guard let a = query["a"], let b = query["b"] else { throw VCRError.badRequest("compare needs ?a=ID&b=ID") }
            return page(ComparePage(a: try await interaction(a, in: store), b: try await interaction(b, in: store), cassette: reference.name).render())
        default:
            throw VCRError.notFound("no inspector page \(path)")
        }
    }

    private func page(_ html: String) -> Response {
        HTTPConversions.response(status: 200, headers: HeaderList(pairs: Self.pageHeaders), body: Array(html.utf8))
    }

    /// `?cassette=NAME`, else the server's cassette, opened for reading.
    private func cassette(_ query: [String: String]) async throws -> (CassetteRegistry.CassetteReference, CassetteStore?) {
        let reference = try query["cassette"].map { try registry.reference(named: $0, forWriting: false) } ?? registry.defaultCassette
        do {
            return (reference, try await registry.openedStore(for: reference, mode: .existing))
        } catch VCRError.cassetteNotFound where query["cassette"] == nil {
            return (reference, nil)
        }
    }

    private func interaction(_ id: String, in store: CassetteStore?) async throws -> Interaction {
        guard let store, let found = try await store.interaction(id: id) else { throw VCRError.notFound("no interaction \(id) in this cassette") }
        return found
    }

    /// The page a browser gets when `--admin-token` is set and it did not present it.
    static func tokenPage() -> Response {
        let body = HTML.page(title: "Admin token needed", cassette: nil, body: """
            <h1>This server needs its admin token</h1>
            <p>It was started with <code>--admin-token</code>. Open <code>/__vcr/ui/?token=TOKEN</code> once: the token is kept
            in a cookie for this server's <code>/__vcr/</code> pages and removed from the address.</p>
            """)
        return HTTPConversions.response(status: 401, headers: HeaderList(pairs: pageHeaders), body: Array(body.utf8))
    }

    /// Keeps a correct `?token=` in a cookie and sends the browser to the same page without it.
    static func acceptToken(_ token: String, path: String, query: [String: String]) -> Response {
        let kept = query.filter { $0.key != "token" }.sorted { $0.key < $1.key }.map { "\(HTML.query($0.key))=\(HTML.query($0.value))" }
        let location = path + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        return HTTPConversions.response(status: 303, headers: HeaderList(pairs: [
            ("Location", location), ("Cache-Control", "no-store"),
            ("Set-Cookie", "\(cookieName)=\(HTML.query(token)); Path=/__vcr/; HttpOnly; SameSite=Strict"),
        ]), body: [])
    }

    /// The cookie that carries the admin token for browsers.
    static let cookieName = "vcr_admin_token"

    /// The admin token from a `Cookie` header, if it is there.
    static func token(inCookie header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)).removingPercentEncoding }
        }
        return nil
    }
}
