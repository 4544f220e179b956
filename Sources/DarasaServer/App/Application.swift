import DarasaCore
import DarasaStore
import DarasaAnalytics
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs the summary refresher for as long as the server runs.
struct SummaryRefresherService: Service {
    let refresher: SummaryRefresher
    func run() async throws { await cancelWhenGracefulShutdown { await refresher.run() } }
}

/// How the server listens and behaves. Read once by the command that starts it.
public struct ServerSettings: Sendable {
    /// Interface to bind; default 127.0.0.1 (put a TLS-terminating proxy in front for a network).
    public var host: String
    /// TCP port; default 8080.
    public var port: Int
    /// Mark cookies `Secure` (set when served over HTTPS; default false for the local demo).
    public var secureCookies: Bool
    /// Session lifetime in seconds; default 8 hours.
    public var sessionLifetime: Int64
    /// Demo mode shows the demo logins on the sign-in page.
    public var demoMode: Bool
    /// The data-quality rules run after every import (nil: the shipped rules).
    public var qualityRules: QualityRules?
    /// The indicator catalogue the API and pages offer (default: indicators/catalogue.yaml as shipped).
    public var catalogue: IndicatorCatalogue = .shipped
    /// Identifiers for DHIS2, ADX and SDMX downloads (nil: Darasa's own codes, `idScheme: CODE`).
    public var exportMapping: ExportMapping?
    /// The shared secret an SMS gateway sends in `X-Darasa-Token` (nil: the SMS webhook is off).
    public var smsToken: String?
    /// The day the app takes as today (registers that may be taken, visits due, plans); nil: the
    /// real date. The demo sets it to the last school day of its data.
    public var today: Day?

    public init(host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false,
                sessionLifetime: Int64 = 8 * 3600, demoMode: Bool = false) {
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.sessionLifetime = sessionLifetime
        self.demoMode = demoMode
    }
}

/// Per-request state: the signed-in session, when there is one.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var session: SessionRecord?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        session = nil
    }
}

/// Everything a handler needs, passed in (no globals).
struct Services: Sendable {
    let store: DarasaStore
    let settings: ServerSettings
    let pages: Pages
    let access: AccessResolver
    let imports: ImportJobs

    /// Today, as the settings say (the demo's clock stands at the end of its data).
    var today: Day { settings.today ?? Day(daysSinceEpoch: Int32(Clock.now() / 86_400)) }
}

/// Builds the router: tests drive it in-process with `app.test(.router)`.
public func buildRouter(store: DarasaStore, settings: ServerSettings) throws -> Router<AppContext> {
    try buildRouter(store: store, settings: settings, activity: SyncActivity())
}

/// The router, telling `activity` when devices push (the summary refresher gives way to them).
func buildRouter(store: DarasaStore, settings: ServerSettings, activity: SyncActivity) throws -> Router<AppContext> {
    let services = Services(store: store, settings: settings, pages: try Pages(), access: AccessResolver(store: store), imports: ImportJobs())
    let router = Router(context: AppContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: SessionMiddleware(store: store))
    router.get("/healthz") { _, _ in "ok" }
    AuthRoutes(services: services).register(on: router)
    WebRoutes(services: services).register(on: router)
    ReviewRoutes(services: services).register(on: router)
    APIRoutes(services: services).register(on: router.group("/api"))
    ImportRoutes(services: services).register(api: router.group("/api/v1"), web: router)
    QualityRoutes(services: services).register(api: router.group("/api/v1"), web: router)
    DistrictPages(services: services).register(on: router)
    ReportCardPage(services: services).register(on: router)
    UnitsPage(services: services).register(on: router)
    RegisterPage(services: services).register(on: router)
    SyncRoutes(services: services).register(on: router.group("/api/v1"), committer: SyncCommitter(store: store, activity: activity))
    SMSRoutes(services: services).register(on: router.group("/api/v1"))
    OfflineAppRoutes(services: services).register(on: router)
    return router
}

/// Builds the application: the router plus the HTTP server on `settings.host:port`.
public func buildApplication(store: DarasaStore, settings: ServerSettings, logger: Logger,
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
    let activity = SyncActivity()
    let router = try buildRouter(store: store, settings: settings, activity: activity)
    return Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Darasa"),
        services: [SummaryRefresherService(refresher: SummaryRefresher(store: store, activity: activity))],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
}
