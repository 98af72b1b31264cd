import Foundation
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// Puts a ``HotPathHandler`` after Hummingbird's connection-state handler once the
/// connection's pipeline is complete (Hummingbird adds its extra handlers before that one), then
/// removes itself.
final class HotPathInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    private let makeHandler: @Sendable () -> HotPathHandler

    init(_ makeHandler: @escaping @Sendable () -> HotPathHandler) {
        self.makeHandler = makeHandler
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The pipeline is being set up now; the state handler comes after this one.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.execute { bound.value.handler.install(context: bound.value.context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        install(context: context)
        context.fireChannelRead(data)
    }

    private var installed = false

    private func install(context: ChannelHandlerContext) {
        guard !installed else { return }
        installed = true
        let pipeline = context.pipeline.syncOperations
        if let state = try? pipeline.handler(type: HTTPConnectionStateHandler.self) {
            try? pipeline.addHandler(makeHandler(), position: .after(state))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// The `Date` header value, formatted at most once a second.
final class HTTPDateCache: Sendable {
    private let cached = NIOLockedValueBox<(second: Int, value: String)>((-1, ""))
    /// Only used under the lock.
    private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }()

    var date: String {
        let now = Date()
        let second = Int(now.timeIntervalSince1970)
        return cached.withLockedValue { cached in
            if cached.second != second { cached = (second, Self.formatter.string(from: now)) }
            return cached.value
        }
    }
}
