import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP/1.1 on one kept-alive loopback connection to a bench's in-process server.
enum BenchHTTP {
    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
    typealias Responses = NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    typealias Requests = NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    static func connect(port: Int) async throws -> Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Channel(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Sends one request and reads its whole response.
    static func exchange(_ head: HTTPRequestHead, body: ByteBuffer? = nil, _ outbound: Requests,
                         _ responses: inout Responses) async throws -> (status: Int, body: ByteBuffer) {
        try await outbound.write(.head(head))
        if let body { try await outbound.write(.body(.byteBuffer(body))) }
        try await outbound.write(.end(nil))
        var status = 0
        var received = ByteBuffer()
        reading: while let part = try await responses.next() {
            switch part {
            case .head(let h): status = Int(h.status.code)
            case .body(var b): received.writeBuffer(&b)
            case .end: break reading
            }
        }
        return (status, received)
    }
}
