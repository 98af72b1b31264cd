/// The optional `/c/NAME/` path prefix that selects a cassette per request.
public enum CassettePrefix {
    /// Splits `/c/NAME/rest` into `NAME` and `/rest` (`/c/NAME` alone gives `/`).
    /// - Returns: nil when the path has no prefix; the name is not validated here.
    public static func split(_ path: String) -> (name: String, rest: String)? {
        guard path.hasPrefix("/c/") else { return nil }
        let afterPrefix = path.dropFirst(3)
        guard let slash = afterPrefix.firstIndex(of: "/") else { return (String(afterPrefix), "/") }
        return (String(afterPrefix[..<slash]), String(afterPrefix[slash...]))
    }
}
