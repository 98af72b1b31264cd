/// The optional `/c/NAME/` path prefix that selects a cassette per request, and `/s/SESSION/`
/// (after it, or alone) that names the request's session the way `x-vcr-session` does, for a
/// client that can be given a base URL but no header.
enum CassettePrefix {
    /// Splits `/s/SESSION/rest` into `SESSION` and `/rest` (`/s/SESSION` alone gives `/`).
    /// - Returns: nil when the path has no session prefix.
    static func splitSession(_ path: String) -> (session: String, rest: String)? {
        guard path.hasPrefix("/s/") else { return nil }
        let afterPrefix = path.dropFirst(3)
        guard let slash = afterPrefix.firstIndex(of: "/") else { return (String(afterPrefix), "/") }
        return (String(afterPrefix[..<slash]), String(afterPrefix[slash...]))
    }

    /// A session name given in a path: 1–200 of `[A-Za-z0-9._~-]`.
    static func isValidSession(_ name: String) -> Bool {
        (1...200).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// Splits `/c/NAME/rest` into `NAME` and `/rest` (`/c/NAME` alone gives `/`).
    /// - Returns: nil when the path has no prefix; the name is not validated here.
    static func split(_ path: String) -> (name: String, rest: String)? {
        guard path.hasPrefix("/c/") else { return nil }
        let afterPrefix = path.dropFirst(3)
        guard let slash = afterPrefix.firstIndex(of: "/") else { return (String(afterPrefix), "/") }
        return (String(afterPrefix[..<slash]), String(afterPrefix[slash...]))
    }
}
