/// The one line `serve` prints to stdout when it is listening; scripts read the port from it.
enum StartupLine {
    /// `messages-vcr listening on http://127.0.0.1:PORT (mode record, cassette PATH, upstream URL)`.
    static func format(host: String, port: Int, mode: VCRMode, cassettePath: String, upstream: UpstreamTarget) -> String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "messages-vcr listening on http://\(shownHost):\(port) (mode \(mode), cassette \(cassettePath), upstream \(upstream))"
    }
}
