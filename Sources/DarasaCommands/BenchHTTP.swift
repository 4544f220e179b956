import DarasaCore
import DarasaServer
import DarasaStore
import Logging
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

/// A real Darasa server in the bench's own process, on a free loopback port.
struct BenchServer {
    let port: Int
    private let task: Task<Void, any Error>

    static func start(store: DarasaStore, today: Day? = nil) async throws -> BenchServer {
        // Critical only: stopping the server by cancelling its task makes Hummingbird log two
        // "errors" about the cancellation; the bench counts every failed request itself.
        var logger = Logger(label: "darasa-bench")
        logger.logLevel = .critical
        var settings = ServerSettings(host: "127.0.0.1", port: 0, demoMode: true)
        if let today { settings.today = today }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try buildApplication(store: store, settings: settings, logger: logger) { port in continuation.yield(port) }
        let task = Task { try await app.runService() }
        var next = ports.makeAsyncIterator()
        guard let port = await next.next() else { throw UserFacingError("The bench server did not start.") }
        return BenchServer(port: port, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// The `p` quantile (0…1, nearest rank) of latencies in seconds, in milliseconds; 0 for none.
func percentileMilliseconds(_ seconds: [Double], _ p: Double) -> Double {
    let s = seconds.sorted()
    return s.isEmpty ? 0 : s[min(s.count - 1, max(0, Int((p * Double(s.count)).rounded(.up)) - 1))] * 1000
}
