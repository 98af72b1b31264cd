import Foundation

/// Which server messages-vcr behaves as: Ollama's Anthropic-compatible endpoint, or the real
/// Anthropic API. `serve --flavor` sets it for every request, the `x-vcr-flavor` header for one.
///
/// A flavour shapes every answer messages-vcr gives itself — replayed, rule-generated, emulated,
/// fault-injected, its own errors — whatever upstream the recording came from. Answers that are
/// forwarded (record, passthrough, auto's misses) are the upstream's own bytes.
public enum Flavor: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Ollama's `/v1/messages`, byte for byte: no `ping`, `call_…` ids, no `stop_sequence` keys,
    /// no `request-id`, no `count_tokens`, keys and versions never checked.
    case ollama
    /// The real Anthropic API as its SDKs see it: `ping`, `msg_01…`/`toolu_01…` ids, `request-id`
    /// on every answer, `count_tokens`, the API's model list, key and version checked, `event: error`.
    case anthropic

    public var description: String { rawValue }

    /// The flavour named `text` (`ollama` or `anthropic`), or an error that says what is accepted.
    public init(parsing text: String) throws(ParseError) {
        guard let flavor = Flavor(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else { throw ParseError(text: text) }
        self = flavor
    }

    /// A flavour name that is neither `ollama` nor `anthropic`.
    public struct ParseError: Error, CustomStringConvertible {
        /// What was given.
        public let text: String
        public var description: String { "invalid flavor \"\(text)\": use ollama or anthropic" }
    }

    /// Which server produced a recorded response, read from the response itself: the real API
    /// sends `request-id` (and `anthropic-*` headers) on every answer, Ollama never does; its
    /// streams say `charset=utf-8`, Ollama's do not. Synthetic answers are Ollama's.
    static func producer(of response: RecordedResponse, source: InteractionSource = .recorded) -> Flavor {
        guard source == .recorded else { return .ollama }
        for field in response.headers {
            let name = field.name.lowercased()
            if name == "request-id" || name.hasPrefix("anthropic-") { return .anthropic }
        }
        return .ollama
    }
}
