import NIOCore
import NIOHTTPTypes

/// Bounds how much one connection reads from its socket at a time: one read of at most 64 KiB
/// per event-loop turn (NIO's default is four). Why: the request body reaches the PATCH handler
/// as buffers that are slices of what was read (for TLS, of the decrypted records of a whole
/// read), and up to ten of them wait per connection for the handler; smaller reads keep that —
/// what twenty concurrent uploads hold in memory — small, at the cost of more, cheaper turns.
final class ReadSizeLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.maxMessagesPerRead, value: 1)
    }
}
