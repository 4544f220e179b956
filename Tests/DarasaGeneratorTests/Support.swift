import DarasaTestSupport
import DarasaGenerator
import DarasaIngest
import Foundation

/// A fresh temporary folder.
func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("darasa-generator-tests-\(name)-\(UInt64.random(in: 0...UInt64.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// One mid-sized country shared by the realism tests (generated once per test run).
enum SharedCountry {
    static let learners = 6_000
    static let dir = temporaryFolder("shared")
    static let generated: Result<(URL, GenerationSummary), any Error> = Result {
        // Removed when the test process exits.
        atexit { try? FileManager.default.removeItem(at: SharedCountry.dir) }
        return (dir, try generateCountry(CountrySpec(learners: learners, seed: 2025), to: dir))
    }
    static func get() throws -> (dir: URL, summary: GenerationSummary) { try generated.get() }
}


/// Every file under `dir` (relative path → FNV-1a 64 of its bytes), for comparing trees.
func treeHashes(_ dir: URL) throws -> [String: UInt64] {
    var out: [String: UInt64] = [:]
    let base = dir.standardizedFileURL.path
    guard let walker = FileManager.default.enumerator(atPath: base) else { return out }
    while let relative = walker.nextObject() as? String {
        let path = base + "/" + relative
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        out[relative] = h
    }
    return out
}

/// Files under `sub` of `dir` with the given suffix, sorted.
func files(_ dir: URL, _ sub: String, suffix: String) -> [URL] {
    let base = dir.appendingPathComponent(sub)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
    return names.filter { $0.hasSuffix(suffix) }.sorted().map { base.appendingPathComponent($0) }
}
