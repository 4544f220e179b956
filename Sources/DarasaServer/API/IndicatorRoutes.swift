import DarasaAnalytics
import DarasaCore
import DarasaStore
import Hummingbird

struct IndicatorTableDTO: ResponseEncodable, Sendable {
    var table: IndicatorTable
    func encode(to encoder: any Encoder) throws { try table.encode(to: encoder) }
}

struct CatalogueDTO: ResponseEncodable, Sendable {
    var items: [IndicatorDefinition]
}

/// Indicator tables under /api/v1/indicators, scoped like everything else; beyond the school
/// tier small cells are withheld (with complementary suppression). `format=csv` downloads the
/// table and is audited as an export.
struct IndicatorRoutes {
    let services: Services

    func register(on v1: RouterGroup<AppContext>) {
        v1.get("indicators") { _, context in
            _ = try context.requireSession()
            return CatalogueDTO(items: IndicatorDefinition.catalogue)
        }
        v1.get("indicators/:indicator") { request, context in
            let session = try context.requireSession()
            let scope = try await services.access.scope(for: session.user)
            guard let id = context.parameters.get("indicator"), let indicator = IndicatorDefinition.named(id) else {
                throw HTTPError(.notFound, message: "No such indicator; GET /api/v1/indicators lists them.")
            }
            let anchor = try await services.access.unit(scope.orgUnitID, in: scope)
            let depth = request.uri.queryParameters.get("level", as: Int.self) ?? anchor.depth
            guard (0...12).contains(depth) else { throw HTTPError(.badRequest, message: "level must be a depth from 0 (country) to 12.") }
            let byText = request.uri.queryParameters.get("by") ?? "none"
            guard let breakdown = Breakdown(rawValue: byText) else {
                throw HTTPError(.badRequest, message: "by must be one of \(Breakdown.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            guard indicator.measure.breakdowns.contains(breakdown) else {
                throw HTTPError(.badRequest, message: "\(indicator.id) cannot be broken down by \(breakdown.rawValue); choose one of \(indicator.measure.breakdowns.map(\.rawValue).sorted().joined(separator: ", ")).")
            }
            guard let year = try await services.store.latestYearID() else { throw HTTPError(.notFound, message: "No school year is loaded yet.") }
            let table = try await IndicatorEngine(store: services.store).table(indicator, yearID: year, depth: depth, by: breakdown,
                                                                               scope: scope, suppress: scope.role.needsSmallCellSuppression)
            if request.uri.queryParameters.get("format") == "csv" {
                try await services.store.audit(actor: session.user.username, action: "export", target: "indicator:\(indicator.id)",
                                               detail: "level=\(depth) by=\(breakdown.rawValue) rows=\(table.rows.count) format=csv")
                var response = Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                                        body: .init(byteBuffer: ByteBuffer(string: IndicatorCSV.render(table))))
                response.headers[.contentDisposition] = "attachment; filename=\"\(indicator.id)-\(year)-\(breakdown.rawValue).csv\""
                return response
            }
            return try IndicatorTableDTO(table: table).response(from: request, context: context)
        }
    }
}
