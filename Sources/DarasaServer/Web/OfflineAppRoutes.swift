import Foundation
import Hummingbird

/// Serves the offline app (`/app/`): its page, script, styles, manifest, icon and service
/// worker, read once from the build's `OfflineApp` folder. The app itself needs a session only
/// to sync (docs/sync.md).
struct OfflineAppRoutes {
    let services: Services

    static let files: [String: (name: String, type: String)] = [
        "": ("app.html", "text/html; charset=utf-8"), "app.js": ("app.js", "text/javascript; charset=utf-8"),
        "sw.js": ("sw.js", "text/javascript; charset=utf-8"), "app.css": ("app.css", "text/css; charset=utf-8"),
        "manifest.webmanifest": ("manifest.webmanifest", "application/manifest+json"), "icon.svg": ("icon.svg", "image/svg+xml"),
    ]

    static let contents: [String: Data] = {
        guard let dir = Bundle.module.url(forResource: "OfflineApp", withExtension: nil) else { return [:] }
        var out: [String: Data] = [:]
        for (path, file) in files { out[path] = try? Data(contentsOf: dir.appendingPathComponent(file.name)) }
        return out
    }()

    func register(on router: Router<AppContext>) {
        // "/app" and "/app/" are one route; links use "/app/", the service worker's scope.
        router.get("/app/") { _, _ in try Self.serve("") }
        router.get("/app/:file") { _, context in try Self.serve(context.parameters.get("file") ?? "") }
    }

    static func serve(_ path: String) throws -> Response {
        guard let file = files[path], let data = contents[path] else { throw HTTPError(.notFound, message: "No such file in the offline app.") }
        var response = Response(status: .ok, headers: [.contentType: file.type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        // Revalidate each time when online; the service worker keeps its own copy for offline use.
        response.headers[.cacheControl] = "no-cache"
        return response
    }
}
