/// The shape of an id a server mints — a prefix, then characters of one alphabet — and how to
/// derive one from another id deterministically, so a replay gives the same ids every run.
struct IDShape: Sendable {
    enum Encoding: Sendable {
        /// Lowercase hex of a hash's bytes (`length` characters).
        case hex
        /// Each hash byte picks a character of the alphabet.
        case alphabet([UInt8])
    }

    let prefix: String
    /// What the hash of a derived id starts with, so the shapes never collide.
    let salt: String
    let encoding: Encoding
    /// Characters after the prefix.
    let length: Int

    /// The shape as lints name it (`msg_ + 24 hex`).
    var name: String {
        let characters: String
        switch encoding {
        case .hex: characters = "hex"
        case .alphabet(let alphabet): characters = alphabet == IDShape.base58 ? "base58" : "letters and digits"
        }
        return "\(prefix) + \(length) \(characters)"
    }

    /// The id in this shape for `material` (a recorded id).
    func derived(from material: String) -> String {
        let digest = SHA256.digest(Array((salt + material).utf8))
        switch encoding {
        case .hex: return prefix + HexEncoding.encode(digest.prefix(length / 2))
        case .alphabet(let characters):
            return prefix + String(decoding: digest.prefix(length).map { characters[Int($0) % characters.count] }, as: UTF8.self)
        }
    }

    /// Whether `id` has this shape.
    func fits(_ id: String) -> Bool {
        guard id.hasPrefix(prefix) else { return false }
        let rest = id.utf8.dropFirst(prefix.utf8.count)
        guard rest.count == length else { return false }
        switch encoding {
        case .hex: return rest.allSatisfy { IDShape.lowerHex.contains($0) }
        case .alphabet(let characters): return rest.allSatisfy(characters.contains)
        }
    }

    static let base58 = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
    static let alphanumeric = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    static let lowerAlphanumeric = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    static let lowerHex = Array("0123456789abcdef".utf8)

    /// Ollama's `msg_` + 24 hex.
    static let ollamaMessage = IDShape(prefix: "msg_", salt: "ollama-msg:", encoding: .hex, length: 24)
    /// The API's `msg_01` + 22 base58.
    static let anthropicMessage = IDShape(prefix: "msg_01", salt: "msg:", encoding: .alphabet(base58), length: 22)
    /// llama.cpp's `chatcmpl-` + 32 letters and digits.
    static let llamacppMessage = IDShape(prefix: "chatcmpl-", salt: "llamacpp-msg:", encoding: .alphabet(alphanumeric), length: 32)
    /// The API's `req_011C` + 20 base58.
    static let anthropicRequest = IDShape(prefix: "req_011C", salt: "req:", encoding: .alphabet(base58), length: 20)
    /// Ollama's error `request_id`, `req_` + 24 hex.
    static let ollamaRequest = IDShape(prefix: "req_", salt: "ollama-req:", encoding: .hex, length: 24)
}

/// The shape of a server's tool-use ids. Tool ids cross turns (a `tool_result` names the id the
/// replay minted), so every shape maps to and from one canonical space, Ollama's `call_` + 8
/// `[a-z0-9]`: a canonical id is carried inside the others' (its 8 characters, then a check
/// hashed from them), and comes back out; an id minted by the server itself maps to `call_` + 8
/// characters of its hash (one way; matching maps the recorded request's ids the same way).
struct ToolIDShape: Sendable {
    /// The prefix ids of this shape start with (also how an id is told to be one of them).
    let prefix: String
    /// The prefix of an id that carries a canonical one.
    let carrierPrefix: String
    let alphabet: [UInt8]
    /// Characters after ``carrierPrefix``: 8 carried, the rest a check.
    let length: Int
    let checkSalt: String
    /// Length an id must have to be claimed as this shape's (nil: the prefix alone tells).
    let claimedLength: Int?

    /// The shape as lints name it (`call_…`).
    var name: String { prefix.isEmpty ? "\(length) letters and digits" : prefix + "…" }

    /// Ollama's `call_` + 8, the canonical space.
    static let call = ToolIDShape(prefix: "call_", carrierPrefix: "call_", alphabet: IDShape.lowerAlphanumeric, length: 8, checkSalt: "", claimedLength: 13)
    /// The API's `toolu_01` + 22 base58.
    static let toolu = ToolIDShape(prefix: "toolu_", carrierPrefix: "toolu_01", alphabet: IDShape.base58, length: 22, checkSalt: "toolu:", claimedLength: nil)
    /// llama.cpp's 32 letters and digits, no prefix.
    static let llamacpp = ToolIDShape(prefix: "", carrierPrefix: "", alphabet: IDShape.alphanumeric, length: 32, checkSalt: "llamacpp-tool:", claimedLength: 32)
    /// The shapes that are not canonical, tried in this order.
    static let others: [ToolIDShape] = [.toolu, .llamacpp]

    var isCanonical: Bool { checkSalt.isEmpty }

    /// Whether `id` is one of this shape's.
    func claims(_ id: String) -> Bool {
        guard id.hasPrefix(prefix) else { return false }
        guard let claimedLength else { return true }
        return id.utf8.count == claimedLength && id.utf8.dropFirst(prefix.utf8.count).allSatisfy(alphabet.contains)
    }

    /// The id in this shape for a canonical `call_` id; other ids are returned as they are.
    func id(fromCall id: String) -> String {
        guard !isCanonical else { return id }
        let bytes = Array(id.utf8)
        guard ToolIDShape.call.claims(id) else { return id }
        var carried: [UInt8] = []
        for byte in bytes[ToolIDShape.call.prefix.utf8.count...] {
            if alphabet.contains(byte) { carried.append(byte) }
            else if byte == UInt8(ascii: "0") { carried.append(UInt8(ascii: "A")) }
            else if byte == UInt8(ascii: "l") { carried.append(UInt8(ascii: "L")) }
            else { return id }
        }
        return carrierPrefix + String(decoding: carried + check(carried), as: UTF8.self)
    }

    /// The canonical `call_` id carried by `id`, or nil when it carries none.
    func carried(in id: String) -> String? {
        let bytes = Array(id.utf8)
        guard !isCanonical, id.hasPrefix(carrierPrefix), bytes.count == carrierPrefix.utf8.count + length else { return nil }
        let start = carrierPrefix.utf8.count
        let carried = Array(bytes[start..<(start + 8)])
        guard Array(bytes[(start + 8)...]) == check(carried) else { return nil }
        let original = carried.map { byte -> UInt8 in
            if byte == UInt8(ascii: "A"), !alphabet.contains(UInt8(ascii: "0")) { return UInt8(ascii: "0") }
            if byte == UInt8(ascii: "L"), !alphabet.contains(UInt8(ascii: "l")) { return UInt8(ascii: "l") }
            return byte
        }
        return ToolIDShape.call.prefix + String(decoding: original, as: UTF8.self)
    }

    /// `id` in the canonical space: the id it carries, else `call_` + 8 characters of its hash
    /// when a non-canonical shape claims it; other ids (canonical ones among them) as they are.
    static func canonical(_ id: String) -> String {
        guard !call.claims(id), let shape = others.first(where: { $0.claims(id) }) else { return id }
        if let carried = shape.carried(in: id) { return carried }
        let digest = SHA256.digest(Array("call:".utf8) + Array(id.utf8))
        return call.prefix + String(decoding: digest.prefix(8).map { IDShape.lowerAlphanumeric[Int($0) % IDShape.lowerAlphanumeric.count] }, as: UTF8.self)
    }

    /// `id` (of any server) in this shape.
    func converting(_ id: String) -> String {
        let canonical = ToolIDShape.canonical(id)
        if isCanonical { return canonical }
        return claims(id) ? id : self.id(fromCall: canonical)
    }

    private func check(_ carried: [UInt8]) -> [UInt8] {
        SHA256.digest(Array(checkSalt.utf8) + carried).prefix(length - 8).map { alphabet[Int($0) % alphabet.count] }
    }
}
