import Hummingbird
import NIOCore

/// Hummingbird's request context, with the connection the request came on (the hot path's
/// ``RequestHandoffs`` are per connection).
struct VCRRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
