import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore

/// Requests the hot path read and decided on, then left to Hummingbird's route (a plan that is
/// not instant): the route takes the reading from here instead of checking, reading and parsing
/// the request again. One per connection at most: the hot path leaves a request to Hummingbird
/// only while Hummingbird owes no other answer on that connection.
final class RequestHandoffs: Sendable {
    private let waiting = NIOLockedValueBox<[ObjectIdentifier: (head: HTTPRequest, read: ReadRequest)]>([:])

    /// Leaves `read`, the reading of the request with `head`, for Hummingbird's route on `channel`.
    func leave(_ read: ReadRequest, head: HTTPRequest, on channel: any Channel) {
        waiting.withLockedValue { $0[ObjectIdentifier(channel)] = (head, read) }
    }

    /// The reading left for the request with `head` on `channel`, if that request is the one left.
    func take(head: HTTPRequest, on channel: any Channel) -> ReadRequest? {
        waiting.withLockedValue { waiting in
            guard let left = waiting.removeValue(forKey: ObjectIdentifier(channel)) else { return nil }
            return left.head == head ? left.read : nil
        }
    }

    /// Forgets what was left on a connection that closed.
    func drop(_ channel: any Channel) {
        _ = waiting.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}
