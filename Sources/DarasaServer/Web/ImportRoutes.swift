import DarasaAnalytics
import DarasaCore
import DarasaImport
import DarasaIngest
import DarasaStore
import Foundation
import Hummingbird
import MultipartKit

extension Role {
    /// Data officers import files: district and national officers and administrators. Schools
    /// send data through their own systems (and, later, the offline app).
    public var canImport: Bool { self == .districtOfficer || self == .nationalAnalyst || self == .admin }
}

/// Uploads waiting for a commit, and imports running in the background with their progress.
actor ImportJobs {
    struct Upload { var url: URL; var name: String; var mapping: String; var user: String; var created: Date }
    struct Job { var mapping: String; var file: String; var user: String; var progress: ImportProgress?; var report: ImportReport?; var error: String? }

    let dir: URL
    private var uploads: [String: Upload] = [:]
    private var jobs: [String: Job] = [:]

    init() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-uploads-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func keep(_ data: ByteBuffer, name: String, mapping: String, user: String) throws -> String {
        // Old uploads (over an hour) are removed as new ones arrive.
        for (token, u) in uploads where Date().timeIntervalSince(u.created) > 3600 {
            try? FileManager.default.removeItem(at: u.url)
            uploads[token] = nil
        }
        let token = Tokens.random(bytes: 16)
        let ext = (name as NSString).pathExtension.lowercased()
        let url = dir.appendingPathComponent(token + (["csv", "xlsx", "json", "tsv", "txt", "zip"].contains(ext) ? "." + ext : ""))
        try Data(buffer: data).write(to: url)
        uploads[token] = Upload(url: url, name: name, mapping: mapping, user: user, created: Date())
        return token
    }

    func upload(_ token: String) -> Upload? { uploads[token] }

    func start(_ token: String, job: Job) { jobs[token] = job }
    func update(_ token: String, _ p: ImportProgress) { jobs[token]?.progress = p }
    func finish(_ token: String, report: ImportReport?, error: String?) {
        jobs[token]?.report = report
        jobs[token]?.error = error
        if let u = uploads.removeValue(forKey: token) { try? FileManager.default.removeItem(at: u.url) }
    }
    func job(_ token: String) -> Job? { jobs[token] }
}

/// A file name as shown back to people: the last path component, printable characters only.
/// Data-quality checks after an import, so findings reach schools as data lands. A failure
/// here never undoes the import; it is logged in the audit trail.
func runQualityChecks(store: DarasaStore, rules: QualityRules?, actor: String) async {
    do {
        let r = try rules ?? QualityRules.shipped()
        _ = try await QualityEngine(store: store, rules: r).run(actor: actor)
    } catch {
        try? await store.audit(actor: actor, action: "quality.run_failed", target: "after import", detail: "\(error)")
    }
}

/// The files of an upload: the file itself, or those a mapping reads from an uploaded .zip
/// (a OneRoster bundle: its manifest is honoured).
func uploadFiles(_ url: URL, _ mapping: Mapping, _ shown: String) throws -> [ImportFile] {
    let files = try ImportFile.select(url, mapping: mapping, displayName: shown)
    guard !files.isEmpty else {
        throw InputError(file: shown, problem: "the bundle holds no file this mapping reads (\(mapping.files.joined(separator: ", ")))",
                         fix: "Choose the mapping for a file in the bundle, or check the bundle's manifest")
    }
    return files
}

func displayFileName(_ raw: String) -> String {
    let base = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
    let clean = String(base.unicodeScalars.filter { $0.value >= 32 && $0.value != 127 }.map(Character.init)).prefix(120)
    return clean.isEmpty ? "upload" : String(clean)
}

/// The mapping catalogue the server offers (the shipped mappings, by name).
enum MappingCatalogue {
    static func all() -> [(name: String, mapping: Mapping)] {
        guard let root = ShippedMappings.folder else { return [] }
        var out: [(String, Mapping)] = []
        let e = FileManager.default.enumerator(atPath: root.path)
        while let rel = e?.nextObject() as? String {
            guard rel.hasSuffix(".yaml") else { continue }
            if let m = try? Mapping.load(url: root.appendingPathComponent(rel), displayName: "mappings/" + rel) {
                out.append((String(rel.dropLast(5)), m))
            }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    static func named(_ name: String) -> Mapping? { all().first { $0.name == name }?.mapping }
}

struct MappingDTO: ResponseEncodable, Sendable {
    var name: String
    var title: String
    var source: String
    var target: String
}

struct ImportBatchDTO: ResponseEncodable, Sendable {
    var id: Int64
    var source: String
    var description: String
    var user: String?
    var startedAt: Int64
    var status: String
    var mapping: String?
    var rowsRead: Int
    var stored: Int
    var updated: Int
    var unchanged: Int
    var quarantined: Int
    var skipped: Int
    var deleted: Int
    var quarantineFiles: [String]?
    init(_ b: ImportBatchInfo, files: [String]? = nil) {
        id = b.id; source = b.source; description = b.description; user = b.user; startedAt = b.startedAt; status = b.status
        mapping = b.mapping; rowsRead = b.rowsRead; stored = b.stored; updated = b.updated; unchanged = b.unchanged
        quarantined = b.quarantined; skipped = b.skipped; deleted = b.deleted; quarantineFiles = files
    }
}

struct ImportReportDTO: ResponseEncodable, Sendable {
    var report: ImportReport
}

/// Imports through the web (upload → preview → commit, with progress) and the API. The same
/// pipeline as `darasa import`.
struct ImportRoutes {
    let services: Services
    static let maxUpload = 64 << 20

    func requireImporter(_ context: AppContext) throws -> SessionRecord {
        let session = try context.requireSession()
        guard session.user.role.canImport else {
            throw HTTPError(.forbidden, message: "Imports are for data officers (district, national, administrator).")
        }
        return session
    }

    /// A batch the caller may see: administrators and national officers see every batch,
    /// district officers their own.
    func visibleBatch(_ id: Int64, _ session: SessionRecord) async throws -> ImportBatchInfo {
        guard let b = try await services.store.importBatch(id: id),
              session.user.role != .districtOfficer || b.user == session.user.username else {
            throw HTTPError(.notFound, message: "No such import among yours.")
        }
        return b
    }

    func quarantineCSV(_ id: Int64, file: String?, _ session: SessionRecord) async throws -> Response {
        let b = try await visibleBatch(id, session)
        guard b.user == session.user.username || session.user.role == .admin else {
            throw HTTPError(.forbidden, message: "Quarantined rows can hold learners' names: only who ran the import, or an administrator, can download them.")
        }
        let files = try await services.store.quarantineFiles(batchID: id)
        guard let file = file ?? files.first, files.contains(file) else {
            throw HTTPError(.notFound, message: "This import has no quarantined rows from that file.")
        }
        let csv = try await services.store.quarantineCSV(batchID: id, file: file, user: session.user.username)
        let name = displayFileName(file).replacingOccurrences(of: "\"", with: "")
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
                        body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    func register(api v1: RouterGroup<AppContext>, web router: Router<AppContext>) {
        v1.get("mappings") { _, context in
            _ = try requireImporter(context)
            return ListDTO(items: MappingCatalogue.all().map { MappingDTO(name: $0.name, title: $0.mapping.name, source: $0.mapping.source, target: $0.mapping.target.rawValue) })
        }
        v1.get("imports") { _, context in
            let session = try requireImporter(context)
            let list = try await services.store.importBatches(limit: 100)
            return ListDTO(items: list.filter { session.user.role != .districtOfficer || $0.user == session.user.username }.map { ImportBatchDTO($0) })
        }
        v1.get("imports/:id") { _, context in
            let session = try requireImporter(context)
            guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.badRequest, message: "The id must be a whole number.") }
            let b = try await visibleBatch(id, session)
            return ImportBatchDTO(b, files: try await services.store.quarantineFiles(batchID: id))
        }
        v1.get("imports/:id/quarantine") { request, context in
            let session = try requireImporter(context)
            guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.badRequest, message: "The id must be a whole number.") }
            return try await quarantineCSV(id, file: request.uri.queryParameters.get("file"), session)
        }
        v1.post("imports") { request, context in
            let session = try requireImporter(context)
            guard let name = request.uri.queryParameters.get("mapping"), let mapping = MappingCatalogue.named(name) else {
                throw HTTPError(.badRequest, message: "Name a mapping with ?mapping= (GET /api/v1/mappings lists them).")
            }
            let file = displayFileName(request.uri.queryParameters.get("file") ?? "upload.\(mapping.read.format.rawValue)")
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: Self.maxUpload) } catch {
                throw HTTPError(.contentTooLarge, message: "The file is larger than \(Self.maxUpload >> 20) MB; import it with the darasa import command instead.")
            }
            guard body.readableBytes > 0 else { throw HTTPError(.badRequest, message: "\(file): the file is empty. Send the file's bytes as the request body.") }
            let token = try await services.imports.keep(body, name: file, mapping: name, user: session.user.username)
            guard let upload = await services.imports.upload(token) else { throw HTTPError(.internalServerError) }
            do {
                let report = try await Importer(store: services.store, user: session.user.username).run(mapping, files: try uploadFiles(upload.url, mapping, file))
                await services.imports.finish(token, report: report, error: nil)
                await runQualityChecks(store: services.store, rules: services.settings.qualityRules, actor: session.user.username)
                var response = try ImportReportDTO(report: report).response(from: request, context: context)
                response.status = .created
                return response
            } catch let e as InputError {
                await services.imports.finish(token, report: nil, error: e.description)
                throw HTTPError(.unprocessableContent, message: e.description)
            } catch let e as StoreError {
                await services.imports.finish(token, report: nil, error: e.message)
                throw HTTPError(.unprocessableContent, message: e.message)
            }
        }

        // Web: upload → preview → commit → progress → report.
        router.get("/imports") { _, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            return try await listPage(session, error: nil)
        }
        router.post("/imports/preview") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            guard session.user.role.canImport else { throw HTTPError(.forbidden, message: "Imports are for data officers.") }
            let form: UploadForm
            do { form = try await readUpload(request) } catch let e as HTTPError {
                return try await listPage(session, error: e.body ?? "The upload could not be read.", status: e.status)
            }
            guard let sent = form.fields["csrf"], Tokens.constantTimeEqual(sent, session.csrfToken) else {
                throw HTTPError(.forbidden, message: "The form had expired; reload the page and try again.")
            }
            guard let name = form.fields["mapping"], let mapping = MappingCatalogue.named(name) else {
                return try await listPage(session, error: "Choose what the file holds (a mapping).", status: .badRequest)
            }
            guard let file = form.file, file.data.readableBytes > 0 else {
                return try await listPage(session, error: "Choose a file to upload; the one sent was empty.", status: .badRequest)
            }
            let shown = displayFileName(file.name)
            let token = try await services.imports.keep(file.data, name: shown, mapping: name, user: session.user.username)
            guard let upload = await services.imports.upload(token) else { throw HTTPError(.internalServerError) }
            do {
                let files = try uploadFiles(upload.url, mapping, shown)
                let preview = try Importer.preview(mapping, file: files[0])
                let dry = try await Importer(store: services.store, user: session.user.username).dryRun(mapping, files: files)
                return previewPage(session, token: token, mapping: mapping, mappingName: name, file: shown, preview: preview, dry: dry)
            } catch let e as InputError {
                await services.imports.finish(token, report: nil, error: e.description)
                return try await listPage(session, error: e.description, status: .unprocessableContent)
            } catch let e as StoreError {
                await services.imports.finish(token, report: nil, error: e.message)
                return try await listPage(session, error: e.message, status: .unprocessableContent)
            }
        }
        router.post("/imports/commit") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            guard session.user.role.canImport else { throw HTTPError(.forbidden, message: "Imports are for data officers.") }
            let form = try await readForm(CommitForm.self, request, context: context)
            guard let sent = form.csrf, Tokens.constantTimeEqual(sent, session.csrfToken) else {
                throw HTTPError(.forbidden, message: "The form had expired; reload the page and try again.")
            }
            guard let token = form.token, let upload = await services.imports.upload(token), upload.user == session.user.username,
                  let mapping = MappingCatalogue.named(upload.mapping) else {
                return try await listPage(session, error: "That upload has expired; upload the file again.", status: .gone)
            }
            let jobs = services.imports, store = services.store, user = session.user.username
            await jobs.start(token, job: .init(mapping: mapping.name, file: upload.name, user: user))
            Task {
                do {
                    let report = try await Importer(store: store, user: user).run(mapping, files: try uploadFiles(upload.url, mapping, upload.name),
                                                                                 progress: { p in Task { await jobs.update(token, p) } })
                    await jobs.finish(token, report: report, error: nil)
                    await runQualityChecks(store: store, rules: services.settings.qualityRules, actor: user)
                } catch {
                    await jobs.finish(token, report: nil, error: (error as? InputError)?.description ?? (error as? StoreError)?.message ?? "The import failed; nothing was changed.")
                }
            }
            var response = Response.redirect(to: "/imports/jobs/\(token)", type: .found)
            response.status = .seeOther
            return response
        }
        router.get("/imports/jobs/:token") { _, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            guard let token = context.parameters.get("token"), let job = await services.imports.job(token), job.user == session.user.username else {
                throw HTTPError(.notFound, message: "No such import.")
            }
            if let report = job.report {
                var response = Response.redirect(to: "/imports/\(report.batchID)", type: .found)
                response.status = .seeOther
                return response
            }
            var ctx = baseContext(session, title: "Importing")
            ctx["file"] = job.file
            ctx["mapping"] = job.mapping
            ctx["error"] = job.error as Any
            if job.error == nil {
                let p = job.progress
                let share = p.map { $0.bytesTotal > 0 ? Double($0.bytesDone) / Double($0.bytesTotal) : 0 } ?? 0
                ctx["running"] = true
                ctx["percent"] = Int(share * 100)
                ctx["rows"] = Format.count(p?.rows ?? 0)
            }
            var response = services.pages.render("importJob", ctx)
            if job.error == nil { response.headers[.init("Refresh")!] = "1" }
            return response
        }
        router.get("/imports/:id") { _, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            guard session.user.role.canImport else { throw HTTPError(.forbidden, message: "Imports are for data officers.") }
            guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.badRequest, message: "The id must be a whole number.") }
            let b = try await visibleBatch(id, session)
            var ctx = baseContext(session, title: "Import \(id)")
            ctx["batch"] = batchRow(b)
            ctx["addsUp"] = b.rowsRead == b.stored + b.updated + b.unchanged + b.deleted + b.quarantined
            ctx["files"] = try await services.store.quarantineFiles(batchID: id).map { f -> [String: Any] in
                ["name": f, "href": "/imports/\(id)/quarantine.csv?file=" + (f.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")]
            }
            ctx["canDownload"] = b.user == session.user.username || session.user.role == .admin
            return services.pages.render("importReport", ctx)
        }
        router.get("/imports/:id/quarantine.csv") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            guard session.user.role.canImport else { throw HTTPError(.forbidden, message: "Imports are for data officers.") }
            guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.badRequest, message: "The id must be a whole number.") }
            return try await quarantineCSV(id, file: request.uri.queryParameters.get("file"), session)
        }
    }

    struct CommitForm: Decodable { var csrf: String?; var token: String? }

    struct UploadForm {
        var fields: [String: String] = [:]
        var file: (name: String, data: ByteBuffer)?
    }

    /// Reads a multipart/form-data upload (bounded) into its text fields and one file.
    func readUpload(_ request: Request) async throws -> UploadForm {
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = type.components(separatedBy: "boundary=").last?.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")), !boundary.isEmpty else {
            throw HTTPError(.badRequest, message: "Send the file with the upload form (multipart/form-data).")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maxUpload) } catch {
            throw HTTPError(.contentTooLarge, message: "The file is larger than \(Self.maxUpload >> 20) MB; import it with the darasa import command instead.")
        }
        let parser = MultipartParser(boundary: boundary)
        var form = UploadForm()
        var headers: [String: String] = [:]
        var part = ByteBuffer()
        parser.onHeader = { name, value in headers[name.lowercased()] = value }
        parser.onBody = { chunk in part.writeBuffer(&chunk) }
        parser.onPartComplete = {
            let disposition = headers["content-disposition"] ?? ""
            let name = Self.attribute("name", in: disposition) ?? ""
            if let filename = Self.attribute("filename", in: disposition) {
                form.file = (filename, part)
            } else if part.readableBytes <= 4096 {
                form.fields[name] = String(buffer: part)
            }
            headers = [:]
            part = ByteBuffer()
        }
        do { try parser.execute(body) } catch {
            throw HTTPError(.badRequest, message: "The upload could not be read; choose the file again and resend the form.")
        }
        return form
    }

    static func attribute(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let kv = piece.trimmingCharacters(in: .whitespaces)
            if kv.lowercased().hasPrefix(key + "=") {
                return String(kv.dropFirst(key.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    func baseContext(_ session: SessionRecord, title: String) -> [String: Any] {
        ["title": title, "role": session.user.role.rawValue, "csrf": session.csrfToken,
         "language": session.user.language, "user": ["displayName": session.user.displayName, "roleTitle": session.user.role.title, "scopeName": ""]]
    }

    func batchRow(_ b: ImportBatchInfo) -> [String: Any] {
        ["id": b.id, "when": Format.instant(b.startedAt), "who": b.user ?? "", "what": b.description, "read": Format.count(b.rowsRead),
         "stored": Format.count(b.stored), "updated": Format.count(b.updated), "unchanged": Format.count(b.unchanged),
         "quarantined": Format.count(b.quarantined), "skipped": b.skipped > 0 ? Format.count(b.skipped) : "",
         "deleted": b.deleted > 0 ? Format.count(b.deleted) as Any : false]
    }

    func listPage(_ session: SessionRecord, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        var ctx = baseContext(session, title: "Imports")
        ctx["error"] = error as Any
        guard session.user.role.canImport else {
            ctx["explainer"] = "Imports are done by data officers (district, national, administrator)."
            var r = services.pages.render("imports", ctx)
            r.status = .forbidden
            return r
        }
        ctx["canImport"] = true
        ctx["mappings"] = MappingCatalogue.all().map { ["name": $0.name, "title": $0.mapping.name] }
        let list = try await services.store.importBatches(limit: 30).filter { session.user.role != .districtOfficer || $0.user == session.user.username }
        ctx["batches"] = list.map(batchRow)
        var r = services.pages.render("imports", ctx)
        r.status = status
        return r
    }

    func previewPage(_ session: SessionRecord, token: String, mapping: Mapping, mappingName: String, file: String,
                     preview: MappingPreview, dry: (report: ImportReport, problems: [QuarantinedRow])) -> Response {
        var ctx = baseContext(session, title: "Check before importing")
        ctx["token"] = token
        ctx["file"] = file
        ctx["mapping"] = mapping.name
        let r = dry.report
        ctx["summary"] = "\(Format.count(r.rowsRead)) rows: \(Format.count(r.stored)) new, \(Format.count(r.updated)) updated, \(Format.count(r.unchanged)) unchanged, \(Format.count(r.quarantined)) would be quarantined."
        ctx["fields"] = preview.fields
        let problemRows = Dictionary(grouping: dry.problems, by: \.row)
        ctx["rows"] = preview.rows.map { row -> [String: Any] in
            let problems = row.problems.map { "\($0.column ?? ""): \($0.reason)" } + (problemRows[row.row] ?? []).map { "\($0.column ?? ""): \($0.reason)" }
            return ["row": row.row, "values": row.values, "problem": Array(Set(problems)).sorted().joined(separator: "; "), "bad": !problems.isEmpty]
        }
        ctx["problems"] = dry.problems.prefix(20).map { ["row": $0.row, "column": $0.column ?? "", "value": $0.value, "reason": $0.reason, "fix": $0.fix] }
        return services.pages.render("importPreview", ctx)
    }
}

extension Templates {
    static let imports = """
    <h1>Imports</h1>
    {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
    {{#explainer}}<p>{{explainer}}</p>{{/explainer}}
    {{#canImport}}
    <p class="narrative">Bring a file in through a mapping that says how its columns fit Darasa. You will see how it reads before anything is saved. Rows with problems are kept aside (quarantined) with the reason, to fix and import again; nothing is silently dropped.</p>
    <form id="upload" method="post" action="/imports/preview" enctype="multipart/form-data">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="mapping">What the file holds</label>
    <select id="mapping" name="mapping" required>{{#mappings}}<option value="{{name}}">{{title}}</option>{{/mappings}}</select>
    <label for="file">File (CSV, XLSX or JSON)</label><input id="file" name="file" type="file" required>
    <p><button type="submit">Check the file</button></p>
    </form>
    {{/canImport}}
    {{#has_batches}}<h2>Recent imports</h2>
    <table data-table="imports"><thead><tr><th>#</th><th>When (UTC)</th><th>Who</th><th>What</th><th class="num">Rows</th><th class="num">New</th><th class="num">Updated</th><th class="num">Unchanged</th><th class="num">Quarantined</th></tr></thead>
    <tbody>{{#batches}}<tr><td><a href="/imports/{{id}}">{{id}}</a></td><td>{{when}}</td><td>{{who}}</td><td>{{what}}</td><td class="num">{{read}}</td><td class="num">{{stored}}</td><td class="num">{{updated}}</td><td class="num">{{unchanged}}</td><td class="num">{{quarantined}}</td></tr>{{/batches}}</tbody></table>{{/has_batches}}
    """

    static let importPreview = """
    <h1>Check before importing</h1>
    <p class="narrative"><strong>{{file}}</strong> read as “{{mapping}}”: <span data-metric="preview-summary">{{summary}}</span></p>
    <h2>The first rows as Darasa reads them</h2>
    <div style="overflow-x:auto"><table data-table="preview"><thead><tr><th>Row</th>{{#fields}}<th>{{.}}</th>{{/fields}}<th>Problem</th></tr></thead>
    <tbody>{{#rows}}<tr class="{{#bad}}bad{{/bad}}"><td>{{row}}</td>{{#values}}<td>{{.}}</td>{{/values}}<td>{{problem}}</td></tr>{{/rows}}</tbody></table></div>
    {{#has_problems}}<h2>Rows that would be quarantined</h2>
    <table data-table="problems"><thead><tr><th>Row</th><th>Column</th><th>Value</th><th>Problem</th><th>What to do</th></tr></thead>
    <tbody>{{#problems}}<tr class="bad"><td>{{row}}</td><td>{{column}}</td><td>{{value}}</td><td>{{reason}}</td><td>{{fix}}</td></tr>{{/problems}}</tbody></table>{{/has_problems}}
    <form method="post" action="/imports/commit"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="token" value="{{token}}">
    <p><button type="submit" data-action="commit">Import this file</button> <a href="/imports">Cancel</a></p></form>
    """

    static let importJob = """
    <h1>Importing {{file}}</h1>
    {{#error}}<p class="error" role="alert">{{error}}</p><p><a href="/imports">Back to imports</a></p>{{/error}}
    {{#running}}<p>“{{mapping}}”: <progress max="100" value="{{percent}}">{{percent}} %</progress> {{percent}} % · {{rows}} rows read. This page refreshes itself.</p>{{/running}}
    """

    static let importReport = """
    <h1>Import {{#batch}}{{id}}{{/batch}}</h1>
    {{#batch}}<p class="narrative" data-metric="import-report">{{what}}: {{read}} rows read = {{stored}} new + {{updated}} updated + {{unchanged}} unchanged{{#deleted}} + {{deleted}} removed{{/deleted}} + {{quarantined}} quarantined.</p>
    <p>By {{who}} at {{when}} UTC.</p>{{/batch}}
    {{#has_files}}<h2>Quarantined rows</h2>
    <p>Each file holds the rows that were kept aside, with the file's own columns and the problem in the last columns. Fix them in a spreadsheet and import the file again with the same mapping.</p>
    {{#canDownload}}<ul>{{#files}}<li><a href="{{href}}" data-download="quarantine">{{name}}</a></li>{{/files}}</ul>{{/canDownload}}
    {{^canDownload}}<p>Only the person who ran the import, or an administrator, can download them (they may hold learners' names).</p>{{/canDownload}}{{/has_files}}
    <p><a href="/imports">Back to imports</a></p>
    """
}
