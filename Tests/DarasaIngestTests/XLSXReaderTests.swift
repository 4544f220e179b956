import DarasaCore
@testable import DarasaGenerator
import DarasaXLSX
import DarasaIngest
import Foundation
import Testing

@Suite struct XLSXReaderTests {
    private func workbook(inlineStrings: Bool) throws -> (URL, XLSXReader) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("book-\(UInt32.random(in: 0...UInt32.max)).xlsx")
        let sheet = XLSXSheet(name: "Data & more", rows: [
            [.string("Name"), .string("Count"), .string("Ratio"), .string("When")],
            [.string("A <b> & \"c\""), .int(42), .number(0.125), .date(daysSinceEpoch: Int(Day(iso: "2024-03-15")!.daysSinceEpoch))],
            [.string("A <b> & \"c\""), .empty, .number(-3.5), .date(daysSinceEpoch: Int(Day(iso: "1999-12-31")!.daysSinceEpoch))],
        ], merges: ["A1:B1"])
        try XLSXWriter.write([sheet, XLSXSheet(name: "Second", rows: [[.string("x")]])], to: url, inlineStrings: inlineStrings)
        return (url, try XLSXReader(url: url))
    }

    @Test(arguments: [false, true])
    func readsStringsNumbersAndDatesTheWriterWrote(inlineStrings: Bool) throws {
        let (url, book) = try workbook(inlineStrings: inlineStrings)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(book.sheetNames == ["Data & more", "Second"])
        let rows = try book.rows(sheet: "Data & more")
        #expect(rows.map(\.number) == [1, 2, 3])
        #expect(rows[1][0] == "A <b> & \"c\"" && rows[2][0] == "A <b> & \"c\"")
        #expect(rows[1].cell(1)?.number == 42)
        #expect(rows[2].cell(1) == nil)
        #expect(rows[1].cell(2)?.number == 0.125 && rows[2].cell(2)?.number == -3.5)
        #expect(rows[1].cell(3)?.kind == .number(isDate: true))
        #expect(rows[1].cell(1)?.kind == .number(isDate: false))
        #expect(rows[1].cell(3)?.day() == Day(iso: "2024-03-15"))
        #expect(rows[2].cell(3)?.day() == Day(iso: "1999-12-31"))
        #expect(try book.mergedRanges(sheet: "Data & more") == ["A1:B1"])
        #expect(throws: XLSXReader.XLSXError.self) { try book.rows(sheet: "Missing") }
    }

    @Test func dateSerialsFollowThe1900System() {
        // Excel: 1 = 1900-01-01, 59 = 1900-02-28, 61 = 1900-03-01, 45366 = 2024-03-15.
        let cell = { (v: String) in XLSXCell(column: 0, kind: .number(isDate: true), value: v) }
        #expect(cell("1").day() == Day(iso: "1900-01-01"))
        #expect(cell("59").day() == Day(iso: "1900-02-28"))
        #expect(cell("61").day() == Day(iso: "1900-03-01"))
        #expect(cell("45366").day() == Day(iso: "2024-03-15"))
        #expect(cell("45366.75").day() == Day(iso: "2024-03-15"))
        #expect(XLSXCell(column: 0, kind: .string, value: "15/03/2024").day() == Day(iso: "2024-03-15"))
        #expect(XLSXReader.parseReference("AB12")! == (27, 12))
    }

    @Test func readsTheGeneratedCensus() throws {
        let dir = temporaryFolder("census")
        defer { try? FileManager.default.removeItem(at: dir) }
        let summary = try generateCountry(CountrySpec(learners: 300, seed: 3, defects: .none), to: dir)
        let book = try XLSXReader(url: dir.appendingPathComponent("census/census_2024.xlsx"))
        #expect(book.sheetNames == ["Schools", "Enrolment", "Teachers", "Facilities"])
        let schools = try book.rows(sheet: "Schools")
        #expect(schools.count == summary.schools + 1)
        #expect(schools[0][0] == "School code" && schools[0][15] == "Submitted on")
        let submitted = try #require(schools[1].cell(15)?.day())
        #expect(submitted.year == 2024)
        let enrolment = try book.rows(sheet: "Enrolment")
        #expect(try book.mergedRanges(sheet: "Enrolment").contains("C1:E1"))
        #expect(enrolment[1][2] == "Girls" && enrolment.count == 2 + 8 * summary.schools)
        let girls = try #require(enrolment[2].cell(2)?.number), boys = try #require(enrolment[2].cell(3)?.number)
        #expect(enrolment[2].cell(4)?.number == girls + boys)
    }
}
