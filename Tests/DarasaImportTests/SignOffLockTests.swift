import DarasaAnalytics
import DarasaCore
import DarasaImport
import DarasaIngest
import DarasaStore
import DarasaTestSupport
import Foundation
import Testing

/// Approved data is locked: an import that would change it is refused whole (nothing stored),
/// one that changes nothing or only unapproved schools goes through, and withdrawing the
/// approval (with a reason) lets the correction in.
@Suite struct SignOffLockTests {
    static let mapping = """
        name: Census corrections
        source: census
        target: census_enrolment
        fields:
          school: school
          year: year
          grade: grade
          female: girls
          male: boys
          total: total
        """

    @Test(arguments: TestEngine.available)
    func anImportIntoApprovedDataIsRefusedUntilTheApprovalIsWithdrawn(engine: TestEngine) async throws {
        let store = try await ImporterTests().loadedStore(engine)
        defer { Task { await store.close() } }
        let m = try Mapping.parse(Self.mapping, file: "census-fix.yaml")
        let row = try #require(try await store.database.query("""
            SELECT s.official_code, c.year_id, c.grade, c.female, c.male, c.total, c.school_id FROM census_enrolment c JOIN schools s ON s.id = c.school_id
            ORDER BY c.school_id, c.year_id, c.grade LIMIT 1
            """).first)
        let code = row.text(0)!, year = Int(row.int(1)!), grade = row.int(2)!, f = row.int(3)!, b = row.int(4)!, t = row.int(5)!
        let school = try #require(try await store.orgUnit(id: OrgUnitID(row.int(6)!)))
        let same = try ImporterTests().scratch("same.csv", "school,year,grade,girls,boys,total\n\(code),\(year),\(grade),\(f),\(b),\(t)\n")
        let changed = try ImporterTests().scratch("fix.csv", "school,year,grade,girls,boys,total\n\(code),\(year),\(grade),\(f + 1),\(b),\(t + 1)\n")

        try await SignOff.decide(store, approve: true, unit: school, role: .headTeacher, actor: "head", domain: .census, yearID: year, reason: nil)
        // The same values: nothing would change, so the import goes through.
        let r = try await Importer(store: store, user: "officer").run(m, files: [ImportFile(url: same, name: "same.csv")])
        #expect(r.unchanged == 1)
        // A change: refused whole, with the approval named; the stored value stays.
        do {
            _ = try await Importer(store: store, user: "officer").run(m, files: [ImportFile(url: changed, name: "fix.csv")])
            Issue.record("a change to approved data was let in")
        } catch let e as StoreError {
            #expect(e.code == .locked)
            #expect(e.message.contains("census \(year) for \(school.name)") && e.message.contains("approved at school level by head"))
        }
        #expect(try await store.database.scalarInt("SELECT female FROM census_enrolment WHERE school_id = ? AND year_id = ? AND grade = ?",
                                                   [.int(school.id.rawValue), .int(Int64(year)), .int(grade)]) == f)
        // Withdrawn with a reason: the correction lands, with its history.
        try await SignOff.decide(store, approve: false, unit: school, role: .headTeacher, actor: "head", domain: .census, yearID: year, reason: "grade recounted")
        let ok = try await Importer(store: store, user: "officer").run(m, files: [ImportFile(url: changed, name: "fix.csv")])
        #expect(ok.updated == 1)
        #expect(try await store.database.scalarInt("SELECT female FROM census_enrolment WHERE school_id = ? AND year_id = ? AND grade = ?",
                                                   [.int(school.id.rawValue), .int(Int64(year)), .int(grade)]) == f + 1)
    }
}
