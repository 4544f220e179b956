import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

struct IndicatorTableDTO: ResponseEncodable, Sendable {
    var table: IndicatorTable
    func encode(to encoder: any Encoder) throws { try table.encode(to: encoder) }
}

struct TrendDTO: ResponseEncodable, Sendable {
    var indicator: String
    var years: [IndicatorTable]
}

struct CatalogueItemDTO: Codable, Sendable {
    var id: String
    var title: String
    var definition: String
    var unit: String
    var method: String
    var mode: String
    var breakdowns: [String]
}

struct CatalogueDTO: ResponseEncodable, Sendable {
    var items: [CatalogueItemDTO]
    var system: EducationSystem
}

/// What an indicator request asks for, read and checked in one place for the API and the web.
struct IndicatorRequest {
    var indicator: IndicatorDefinition
    var depth: Int
    var breakdowns: [Breakdown]
    var yearID: Int?
    var mode: IndicatorDefinition.Mode?
    var period: Int?
    var format: String

    static let formats = ["json", "csv", "xlsx", "dhis2-json", "adx", "sdmx-csv"]

    /// Reads `level`, `by` (comma-separated), `year`, `mode`, `round` (YYYY-MM) and `format`;
    /// each bad value is a 400 with one sentence.
    init(_ request: Request, id: String?, catalogue: IndicatorCatalogue, anchorDepth: Int) throws {
        guard let id, let indicator = catalogue.named(id) else {
            throw HTTPError(.notFound, message: "No such indicator; GET /api/v1/indicators lists them.")
        }
        self.indicator = indicator
        let q = request.uri.queryParameters
        if let level = q.get("level") {
            guard let d = Int(level), (0...12).contains(d) else { throw HTTPError(.badRequest, message: "level must be a depth from 0 (country) to 12.") }
            depth = d
        } else {
            depth = anchorDepth
        }
        breakdowns = []
        for part in (q.get("by") ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty && part != "none" {
            guard let b = Breakdown(rawValue: part) else {
                throw HTTPError(.badRequest, message: "by takes up to three of \(Breakdown.allCases.map(\.rawValue).joined(separator: ", ")), separated by commas.")
            }
            breakdowns.append(b)
        }
        if let y = q.get("year") {
            guard let n = Int(y) else { throw HTTPError(.badRequest, message: "year must be a school year's number, e.g. 2025.") }
            yearID = n
        }
        if let m = q.get("mode") {
            guard let v = IndicatorDefinition.Mode(rawValue: m) else { throw HTTPError(.badRequest, message: "mode must be any, sample or census.") }
            mode = v
        }
        if let r = q.get("round") {
            let parts = r.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, (1...12).contains(parts[1]) else { throw HTTPError(.badRequest, message: "round must be the month of an assessment round, YYYY-MM.") }
            period = parts[0] * 100 + parts[1]
        }
        format = q.get("format") ?? "json"
        guard Self.formats.contains(format) else { throw HTTPError(.badRequest, message: "format must be one of \(Self.formats.joined(separator: ", ")).") }
    }
}

/// Indicator tables under /api/v1/indicators, scoped like everything else; beyond the school
/// tier small cells are withheld (with complementary suppression). Downloads (every format but
/// json) are audited as exports.
struct IndicatorRoutes {
    let services: Services

    var catalogue: IndicatorCatalogue { services.settings.catalogue }
    var engine: IndicatorEngine { IndicatorEngine(store: services.store, catalogue: catalogue) }

    func register(on v1: RouterGroup<AppContext>) {
        registerRosterExport(on: v1)
        v1.get("indicators") { _, context in
            _ = try context.requireSession()
            let engine = self.engine
            return CatalogueDTO(items: catalogue.indicators.map { d in
                CatalogueItemDTO(id: d.id, title: d.title, definition: d.definition, unit: d.unit.rawValue, method: d.method.rawValue,
                                 mode: d.mode.rawValue, breakdowns: engine.breakdowns(for: d).map(\.rawValue).sorted())
            }, system: catalogue.system)
        }
        v1.get("indicators/:indicator") { request, context in
            let session = try context.requireSession()
            let scope = try await services.access.scope(for: session.user)
            let anchor = try await services.access.unit(scope.orgUnitID, in: scope)
            let ask = try IndicatorRequest(request, id: context.parameters.get("indicator"), catalogue: catalogue, anchorDepth: anchor.depth)
            let table = try await run(ask, scope: scope)
            if ask.format == "json" { return try IndicatorTableDTO(table: table).response(from: request, context: context) }
            try await services.store.audit(actor: session.user.username, action: "export", target: "indicator:\(ask.indicator.id)",
                                           detail: "level=\(ask.depth) by=\(ask.breakdowns.map(\.rawValue).joined(separator: ",")) rows=\(table.rows.count) format=\(ask.format)")
            return try download(table, format: ask.format)
        }
        v1.get("indicators/:indicator/trend") { request, context in
            let session = try context.requireSession()
            let scope = try await services.access.scope(for: session.user)
            let anchor = try await services.access.unit(scope.orgUnitID, in: scope)
            let ask = try IndicatorRequest(request, id: context.parameters.get("indicator"), catalogue: catalogue, anchorDepth: anchor.depth)
            do {
                let years = try await engine.trend(ask.indicator, depth: ask.depth, by: ask.breakdowns, scope: scope,
                                                   suppress: scope.role.needsSmallCellSuppression, mode: ask.mode)
                return TrendDTO(indicator: ask.indicator.id, years: years)
            } catch let e as IndicatorError {
                throw HTTPError(.badRequest, message: e.message)
            }
        }
    }

    /// OneRoster bundles carry names: the head teacher exports their own school; operators use the CLI.
    func registerRosterExport(on v1: RouterGroup<AppContext>) {
        v1.get("exports/oneroster") { request, context in
            let session = try context.requireSession()
            let scope = try await services.access.scope(for: session.user)
            guard session.user.role == .headTeacher else {
                throw HTTPError(.forbidden, message: "Rosters carry learners' names, which stay at the school: the head teacher exports the school's roster; a system operator can export any area with `darasa export --format oneroster`.")
            }
            let unitID = request.uri.queryParameters.get("unit", as: Int64.self).map { OrgUnitID($0) } ?? scope.orgUnitID
            let unit = try await services.access.unit(unitID, in: scope)
            var year = request.uri.queryParameters.get("year", as: Int.self)
            if year == nil { year = try await services.store.latestYearID() }
            guard let year, let extract = try await services.store.rosterExtract(underPath: unit.path, yearID: year) else {
                throw HTTPError(.notFound, message: "No such school year is loaded.")
            }
            let zip = try OneRosterExport.zip(extract)
            try await services.store.audit(actor: session.user.username, action: "export", target: "oneroster:\(unit.code)",
                                           detail: "year=\(year) learners=\(extract.students.count) teachers=\(extract.teachers.count)")
            var response = Response(status: .ok, headers: [.contentType: "application/zip"], body: .init(byteBuffer: ByteBuffer(bytes: zip)))
            response.headers[.contentDisposition] = "attachment; filename=\"oneroster-\(unit.code)-\(year).zip\""
            return response
        }
    }

    func run(_ ask: IndicatorRequest, scope: AccessScope) async throws -> IndicatorTable {
        do {
            return try await engine.table(ask.indicator, yearID: ask.yearID, depth: ask.depth, by: ask.breakdowns, scope: scope,
                                          suppress: scope.role.needsSmallCellSuppression, mode: ask.mode, period: ask.period)
        } catch let e as IndicatorError {
            throw HTTPError(.badRequest, message: e.message)
        }
    }

    func download(_ table: IndicatorTable, format: String) throws -> Response {
        let name = "\(table.indicator.id)-\(table.yearID)-\(table.breakdowns.isEmpty ? "all" : table.breakdowns.map(\.rawValue).joined(separator: "-"))"
        let (body, type, ext): (Data, String, String)
        do {
            switch format {
            case "csv": (body, type, ext) = (Data(IndicatorCSV.render(table).utf8), "text/csv; charset=utf-8", "csv")
            case "xlsx": (body, type, ext) = (try IndicatorCSV.xlsx(table), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
            case "dhis2-json": (body, type, ext) = (Data(try StandardExports.dhis2(table, mapping: services.settings.exportMapping).utf8), "application/json", "json")
            case "adx": (body, type, ext) = (Data(try StandardExports.adx(table, mapping: services.settings.exportMapping).utf8), "application/xml", "xml")
            default: (body, type, ext) = (Data(StandardExports.sdmxCSV(table, mapping: services.settings.exportMapping).utf8), "text/csv; charset=utf-8", "csv")
            }
        } catch let e as MappingError {
            throw HTTPError(.unprocessableContent, message: e.description)
        }
        var response = Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        response.headers[.contentDisposition] = "attachment; filename=\"\(name).\(ext)\""
        return response
    }
}
