import DarasaGenerator
import DarasaIngest
import Foundation
import PropertyBased
import Testing

@Suite struct CSVReaderTests {
    private func records(_ text: String, delimiter: Character = ",") throws -> [[String]] {
        let reader = CSVReader(data: Data(text.utf8), delimiter: delimiter)
        var out: [[String]] = []
        while let r = try reader.next() { out.append(r) }
        return out
    }

    @Test func quotedFieldsKeepDelimitersQuotesAndLineBreaks() throws {
        let text = "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"line1\nline2\"\n"
        #expect(try records(text) == [["a", "b", "c"], ["x, y", "say \"hi\"", "line1\nline2"]])
    }

    @Test func lineEndingsBOMAndBlankLines() throws {
        let text = "\u{FEFF}h1,h2\r\n1,2\r\n\r\n3,4\r5,6"
        #expect(try records(text) == [["h1", "h2"], ["1", "2"], ["3", "4"], ["5", "6"]])
    }

    @Test func emptyFieldsAndOtherDelimiters() throws {
        #expect(try records("a,,c,\n") == [["a", "", "c", ""]])
        #expect(try records("a;b;\"c;d\"\n", delimiter: ";") == [["a", "b", "c;d"]])
        #expect(try records("a\tb\n", delimiter: "\t") == [["a", "b"]])
    }

    @Test func rowNumbersCountRecordsAndLinesCountPhysicalLines() throws {
        let reader = CSVReader(data: Data("h\n\"two\nlines\"\nthree\n".utf8))
        var r = CSVRecord()
        _ = try reader.next(into: &r)
        _ = try reader.next(into: &r)
        #expect(reader.recordNumber == 2 && reader.line == 2)
        _ = try reader.next(into: &r)
        #expect(reader.recordNumber == 3 && reader.line == 4)
        #expect(r[0] == "three")
    }

    @Test func anUnclosedQuoteIsAnError() {
        #expect(throws: CSVReader.CSVError.self) { try records("a,\"b\n") }
    }

    @Test func typedAccessorsReadWithoutStrings() throws {
        let reader = CSVReader(data: Data(" 42 ,-7,x,P,\n".utf8))
        var r = CSVRecord()
        #expect(try reader.next(into: &r))
        #expect(r.int(0) == 42 && r.int(1) == -7 && r.int(2) == nil && r.int(4) == nil)
        #expect(r.singleByte(3) == UInt8(ascii: "P") && r.isEmpty(4) && r.count == 5)
    }

    @Test func readsLargeFilesInChunks() throws {
        // More than one 256 KiB chunk, with a quoted field spanning a chunk boundary somewhere.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-chunks-\(UInt32.random(in: 0...UInt32.max)).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        var text = "id,note\n"
        for i in 0..<20_000 { text += "\(i),\"note, with \"\"quotes\"\"\nand a break \(i)\"\n" }
        try Data(text.utf8).write(to: url)
        let reader = try CSVReader(url: url)
        var r = CSVRecord()
        var n = 0
        _ = try reader.next(into: &r)
        while try reader.next(into: &r) {
            #expect(r.int(0) == n)
            #expect(r[1] == "note, with \"quotes\"\nand a break \(n)")
            n += 1
        }
        #expect(n == 20_000)
    }

    /// Property: any fields, written by the generator's encoder, read back unchanged (for any of
    /// the common delimiters). Fields are made non-empty-row safe: a record of one empty field is
    /// a blank line, which readers skip by design.
    @Test func writingThenReadingRoundTrips() async {
        let field = Gen.oneOf(Gen.letterOrNumber.string(of: 0...6),
                              Gen.element(of: [",", ";", "\"", "\n", "\r\n", " ", "é", "\t", "\"\"", "a,b"]).map { $0 ?? "" })
            .array(of: 1...4).map { $0.joined() }
        let rows = field.array(of: 2...6).array(of: 1...5)
        await propertyCheck(count: 300, input: rows, Gen.element(of: [Character(","), ";", "\t", "|"])) { rows, delimiter in
            let d = delimiter ?? ","
            let text = rows.map { CSVEncoding.line($0, delimiter: d) + "\n" }.joined()
            let reader = CSVReader(data: Data(text.utf8), delimiter: d)
            var back: [[String]] = []
            while let r = try? reader.next() { back.append(r) }
            #expect(back == rows)
        }
    }
}
