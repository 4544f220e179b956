import DarasaAnalytics
import ArgumentParser
import DarasaCore
import DarasaImport
import DarasaIngest
import DarasaServer
import DarasaStore
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a synthetic country, load every source, and serve it with demo logins.",
        discussion: "Demo logins (demo mode only): teacher, head, district, national, admin — password `demo`. Running the demo again replaces the earlier demo data; it refuses to touch a database that holds non-demo data.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var server: ServerOptions

    @Option(help: "Number of learners in the synthetic country.")
    var learners: Int = 20_000

    @Option(help: "Random seed for the synthetic country.")
    var seed: UInt64 = 1

    @Flag(help: "Load the demo and exit without serving (for scripts and benchmarks).")
    var noServe = false

    func validate() throws {
        guard (100...5_000_000).contains(learners) else { throw ValidationError("--learners must be between 100 and 5,000,000.") }
    }

    func run() async throws {
        try await runReportingErrors {
            let clock = ContinuousClock()
            let t0 = clock.now
            let db = try await store.open()
            do {
                try await db.migrate()
                try await db.eraseDemoData()
                try await db.setSetting("mode", "demo")
                say("Database: \(store.displayName)")

                let countryDir = (store.dataDir as NSString).appendingPathComponent("country-\(seed)-\(learners)")
                let summary = try generate(out: countryDir, learners: learners, seed: seed)
                say("Generated a synthetic country in \(countryDir) (\(seconds(clock.now - t0))): \(summary)")

                let t1 = clock.now
                // Every source through its mapping, as a ministry's own files would come in.
                var rows = 0, quarantined = 0
                for mapping in try ShippedMappings.synthetic() {
                    let files = try ImportFile.select(URL(fileURLWithPath: countryDir), mapping: mapping)
                    guard !files.isEmpty else { continue }
                    let r = try await Importer(store: db, user: "demo").run(mapping, files: files)
                    rows += r.rowsRead
                    quarantined += r.quarantined
                    say("  \(mapping.name): \(r.summary)")
                }
                say("Imported \(Format.count(rows)) rows in \(seconds(clock.now - t1)) (\(Format.count(quarantined)) quarantined or awaiting identity review: darasa quarantine BATCH).")
                let q = try await QualityEngine(store: db, rules: try QualityRules.shipped()).run(actor: "demo")
                say("Data-quality checks: \(q.findings) findings over \(q.schools) schools in \(String(format: "%.1f", q.seconds)) s (Data quality in the web app).")
                try await createDemoUsers(db)
            } catch {
                await db.close()
                throw error
            }
            if noServe {
                await db.close()
                return
            }
            // The demo's clock stands at the last school day of its data, so registers, plans and
            // follow-ups behave as they would on that day.
            let lastDay = try await db.calendar().last?.schoolDays.last
            var options = server
            if options.smsToken == nil { options.smsToken = demoSMSToken }
            try await serve(db, options, demo: true, banner: [
                "Demo logins (password: demo): teacher, head, district, national, admin",
                "Offline app: /app/ (sign in first). SMS webhook: POST /api/v1/sms/inbound with X-Darasa-Token: \(options.smsToken ?? "") from \(demoPhone).",
            ] + (lastDay.map { ["The demo takes \($0.iso), the last school day of its data, as today (--today to change)."] } ?? []), today: lastDay)
        }
    }

    func seconds(_ d: Duration) -> String {
        String(format: "%.1f s", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }
}

let demoPhone = "+254700000001"
let demoSMSToken = "demo-sms-token"

/// Picks a real school, its district and one of its class teachers, and makes one account per
/// role: teacher, head, district, national, admin (password "demo"). Demo mode only.
func createDemoUsers(_ db: DarasaStore) async throws {
    guard let year = try await db.latestYearID(), let root = try await db.rootOrgUnit(),
          let pick = try await db.demoSchool(yearID: year), let school = try await db.orgUnit(id: pick.school),
          let districtID = try await db.ancestor(of: school, depth: 2) else {
        throw UserFacingError("The demo data has no school with a class teacher in its latest year; generate it again with more learners.")
    }
    let hash = try await PasswordHasher.hash("demo")
    // The head teacher heads the school with the most pairs awaiting identity review (so the demo
    // shows the review queue), else the teacher's school.
    let reviewSchool = try await db.linkReviewSchools().first.map { OrgUnitID($0.school.rawValue) } ?? school.id
    // The district officer oversees the head teacher's school (sign-off, to-do lists, review).
    var headDistrict = districtID
    if let headSchool = try await db.orgUnit(id: reviewSchool), let d = try await db.ancestor(of: headSchool, depth: 2) { headDistrict = d }
    let accounts: [(String, String, Role, OrgUnitID, TeacherID?)] = [
        ("teacher", "Demo Teacher", .teacher, school.id, pick.teacher),
        ("head", "Demo Head Teacher", .headTeacher, reviewSchool, nil),
        ("district", "Demo District Officer", .districtOfficer, headDistrict, nil),
        ("national", "Demo National Analyst", .nationalAnalyst, root.id, nil),
        ("admin", "Demo Administrator", .admin, root.id, nil),
    ]
    for (username, name, role, unit, teacher) in accounts {
        try await db.createUser(username: username, displayName: name, passwordHash: hash, role: role,
                                orgUnitID: unit, teacherID: teacher, actor: "demo")
    }
    // The head teacher's phone, for trying the SMS webhook (docs/sms-guide.md).
    if let headSchool = try await db.orgUnit(id: reviewSchool) {
        try await db.registerPhone(demoPhone, schoolCode: headSchool.code, name: "Demo Head Teacher", language: "en", actor: "demo")
    }
}
