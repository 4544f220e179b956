import DarasaCore
import Foundation

extension CountryWriter {
    static let markP = UInt8(ascii: "P"), markA = UInt8(ascii: "A"), markL = UInt8(ascii: "L"), markE = UInt8(ascii: "E")

    /// registers/<year>/<school_code>/<YYYY-MM>.csv: monthly class attendance registers.
    ///
    /// Each child's daily absence probability comes from their own propensity (poverty,
    /// disability, school), the month (rains, harvest, end of year) and, in the 45 school days
    /// before a dropout, a rising ramp; after the last day attended a dropout is marked absent
    /// until the teacher takes them off the roll.
    func writeRegisters() throws {
        let years = spec.registerYears ?? spec.years
        var total = 0
        for (yi, cal) in pop.calendars.enumerated() where years.contains(cal.id) {
            let stays = pop.stays[yi]
            // Schools' stay ranges (stays are sorted by school); folders made up front, since the
            // schools are then written in parallel.
            var ranges: [Range<Int>] = []
            var lo = 0
            while lo < stays.count {
                var hi = lo
                while hi < stays.count && stays[hi].school == stays[lo].school { hi += 1 }
                ranges.append(lo..<hi)
                // `url` creates the file's folder; "-" stands for the month files to come.
                _ = try ledger.url("registers/\(cal.id)/\(world.schools[Int(stays[lo].school)].code)/-")
                lo = hi
            }
            let slots = ResultSlots(count: ranges.count)
            defer { _ = slots.buffer.deinitialize(); slots.buffer.deallocate() }
            let job = RegisterWriter(spec: spec, world: world, pop: pop, names: names, recordIDs: recordIDs,
                                     root: ledger.root, yearIndex: yi)
            let schoolRanges = ranges
            DispatchQueue.concurrentPerform(iterations: schoolRanges.count) { i in
                slots.buffer[i] = job.write(range: schoolRanges[i])
            }
            for r in slots.buffer {
                if let failure = r.failure { throw failure }
                for path in r.missing {
                    try logDefect(.missingRegisterMonth, source: "register", file: path, row: 0, column: "",
                                  key: String(path.split(separator: "/")[2]), original: "submitted", injected: "missing")
                }
                ledger.record(source: "registers", rows: r.rows, files: r.files)
                total += r.rows
            }
        }
        summary.registerRows = total
    }

}

struct SchoolRegisters: Sendable {
    var rows = 0
    var files = 0
    var missing: [String] = []
    var failure: GenerationError?
}

/// One result slot per school, each written by exactly one worker.
private struct ResultSlots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<SchoolRegisters>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: SchoolRegisters())
    }
}

/// Writes one year's registers, one school at a time; holds only immutable state, so schools
/// can be written concurrently. Each school draws from its own stream, so the files do not
/// depend on the order in which workers run.
private struct RegisterWriter: Sendable {
    let spec: CountrySpec
    let world: World
    let pop: Population
    let names: NameTable
    let recordIDs: [[UInt8]]
    let root: URL
    let yearIndex: Int

    /// One school's registers for the year: daily marks for every stay, then one file per month.
    func write(range: Range<Int>) -> SchoolRegisters {
        let yi = yearIndex
        var result = SchoolRegisters()
        let cal = pop.calendars[yi]
        let days = pop.schoolDays[yi]
        let n = days.count
        guard n > 0, !range.isEmpty else { return result }
        let stays = pop.stays[yi]
        let learners = pop.learners, givenBytes = names.givenBytes, familyBytes = names.familyBytes
        let recordIDs = self.recordIDs
        let comma = UInt8(ascii: ",")
        let first = days[0].daysSinceEpoch
        var indexOf = [Int32](repeating: -1, count: Int(days[n - 1].daysSinceEpoch - first) + 1)
        for (i, d) in days.enumerated() { indexOf[Int(d.daysSinceEpoch - first)] = Int32(i) }
        /// The school-day index of the last school day on or before `day`.
        func index(onOrBefore day: Int32) -> Int {
            var e = max(0, min(indexOf.count - 1, Int(day - first)))
            while e > 0 && indexOf[e] < 0 { e -= 1 }
            return max(0, Int(indexOf[e]))
        }
        let monthOfDay = days.map { $0.month }
        let dayOfMonth = days.map { $0.dayOfMonth }
        var months: [(month: Int, from: Int, to: Int)] = []
        for (i, m) in monthOfDay.enumerated() {
            if let last = months.last, last.month == m { months[months.count - 1].to = i } else { months.append((m, i, i)) }
        }
        let school = stays[range.lowerBound].school
        let schoolInfo = world.schools[Int(school)]
        let streamIndex = yi << 20 | Int(school)
        var rng = Rng(seed: spec.seed, stream: "registers", index: streamIndex)
        var missingRng = Rng(seed: spec.seed, stream: "registers-missing", index: streamIndex)
        let count = range.count
        var marks = [UInt8](repeating: 0, count: count * n)
        let shift = CountryWriter.monthAbsenceShift
        for k in 0..<count {
            let st = stays[range.lowerBound + k]
            let learner = learners[Int(st.learner)]
            let startIdx = Int(indexOf[max(0, min(indexOf.count - 1, Int(st.start - first)))])
            let endIdx = st.end < days[n - 1].daysSinceEpoch ? index(onOrBefore: st.end) : n - 1
            let dropIdx = st.dropDay >= 0 ? index(onOrBefore: st.dropDay) : -1
            guard startIdx >= 0, endIdx >= startIdx else { continue }
            // Absence thresholds per month as 32-bit integers, so a day costs one draw.
            var monthThreshold = [UInt64](repeating: 0, count: 13)
            for m in 1...12 { monthThreshold[m] = UInt64(logistic(Double(learner.absence) + shift[m]) * 4_294_967_296) }
            let classSalt = mix64(spec.seed ^ UInt64(yi) << 40 ^ UInt64(school) << 8 ^ UInt64(st.grade) << 4 ^ UInt64(st.section))
            let base = k * n
            marks.withUnsafeMutableBufferPointer { m in
                for d in startIdx...endIdx {
                    // A class's register is sometimes not filled in on a day (teacher away).
                    if mix64(classSalt ^ UInt64(d)) % 1000 < 15 { continue }
                    let bits = rng.next()
                    var threshold = monthThreshold[monthOfDay[d]]
                    if dropIdx >= 0 && d > dropIdx {
                        threshold = 1 << 32
                    } else if dropIdx >= 0 && dropIdx - d < 45 {
                        let ramp = 2.5 * (1 - Double(dropIdx - d) / 45)
                        threshold = UInt64(logistic(Double(learner.absence) + shift[monthOfDay[d]] + ramp) * 4_294_967_296)
                    }
                    let low = bits & 0xFFFF
                    if bits >> 32 < threshold {
                        m[base + d] = low < 9_830 ? CountryWriter.markE : CountryWriter.markA  // 15 % excused
                    } else {
                        m[base + d] = low < 3_277 ? CountryWriter.markL : CountryWriter.markP  // 5 % late
                    }
                }
            }
        }
        let codeBytes = Array(schoolInfo.code.utf8)
        var header: [UInt8] = Array("school_code,grade,section,learner_id,learner_name".utf8)
        for dd in 1...31 { header.append(",d"); header.append(pad2(dd)) }
        header.append(10)
        var tail = [UInt8](repeating: 0, count: 64)
        for month in months {
            let path = "registers/\(cal.id)/\(schoolInfo.code)/\(cal.id)-\(pad2(month.month)).csv"
            if missingRng.chance(spec.defects.missingRegisterMonth) {
                result.missing.append(path)
                continue
            }
            var bytes = header
            bytes.reserveCapacity(count * 110 + 200)
            var slots = [Int](repeating: -1, count: 32)
            for i in month.from...month.to { slots[dayOfMonth[i]] = i }
            let monthStart = days[month.from].daysSinceEpoch, monthEnd = days[month.to].daysSinceEpoch
            var rows = 0
            for k in 0..<count {
                let st = stays[range.lowerBound + k]
                guard st.start <= monthEnd && st.end >= monthStart else { continue }
                bytes.append(contentsOf: codeBytes)
                bytes.append(comma)
                appendInt(Int(st.grade), to: &bytes)
                bytes.append(comma)
                bytes.append(65 + st.section % 26)
                bytes.append(comma)
                bytes.append(contentsOf: recordIDs[Int(st.record)])
                bytes.append(comma)
                let learner = learners[Int(st.learner)]
                bytes.append(contentsOf: givenBytes[Int(learner.given)])
                bytes.append(32)
                bytes.append(contentsOf: familyBytes[Int(learner.family)])
                let base = k * n
                let length = marks.withUnsafeBufferPointer { m in
                    tail.withUnsafeMutableBufferPointer { t in
                        slots.withUnsafeBufferPointer { sl in
                            var len = 0
                            var dd = 1
                            while dd <= 31 {
                                t[len] = 44
                                len += 1
                                let i = sl[dd]
                                if i >= 0 {
                                    let mark = m[base + i]
                                    if mark != 0 { t[len] = mark; len += 1 }
                                }
                                dd += 1
                            }
                            t[len] = 10
                            return len + 1
                        }
                    }
                }
                bytes.append(contentsOf: tail[0..<length])
                rows += 1
            }
            do {
                try BufferedFile.write(bytes, to: root.appendingPathComponent(path), path: path)
            } catch let error as GenerationError {
                result.failure = error
                return result
            } catch {
                result.failure = GenerationError(problem: "Could not write \(path)", fix: "Check that the disk is not full")
                return result
            }
            result.rows += rows
            result.files += 1
        }
        return result
    }
}
