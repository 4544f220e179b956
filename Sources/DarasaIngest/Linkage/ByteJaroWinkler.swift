/// Jaro–Winkler on byte strings, for linkage's inner loop.
///
/// `StringSimilarity.jaroWinkler` (DarasaCore) compares arrays of `Character`, which is right for
/// any script but builds two arrays per call; `darasa bench link` measured it at ~50,000 pairs a
/// second, too slow for 200,000 × 200,000 learners. Names that `normalizeName` leaves as ASCII
/// (nearly all in the synthetic country and in most registers) are compared here on their UTF-8
/// bytes with the same definition (Winkler 1990; prefix ≤ 4, p = 0.1, boost above 0.7); any
/// other name falls back to the Core function. Tested equal to it on random names.
enum ByteJaroWinkler {
    static func similarity(_ s: [UInt8], _ t: [UInt8]) -> Double {
        if s == t { return 1 }
        guard !s.isEmpty, !t.isEmpty else { return 0 }
        let window = max(0, max(s.count, t.count) / 2 - 1)
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: s.count + t.count) { flags -> Double in
            flags.initialize(repeating: false)
            let sm = UnsafeMutableBufferPointer(rebasing: flags[0..<s.count])
            let tm = UnsafeMutableBufferPointer(rebasing: flags[s.count..<(s.count + t.count)])
            var matches = 0
            for i in 0..<s.count {
                let low = max(0, i - window), high = min(t.count - 1, i + window)
                guard low <= high else { continue }
                for j in low...high where !tm[j] && t[j] == s[i] {
                    sm[i] = true
                    tm[j] = true
                    matches += 1
                    break
                }
            }
            guard matches > 0 else { return 0 }
            var transpositions = 0
            var k = 0
            for i in 0..<s.count where sm[i] {
                while !tm[k] { k += 1 }
                if s[i] != t[k] { transpositions += 1 }
                k += 1
            }
            let m = Double(matches)
            let j = (m / Double(s.count) + m / Double(t.count) + (m - Double(transpositions) / 2) / m) / 3
            guard j > 0.7 else { return j }
            var prefix = 0
            while prefix < min(4, s.count, t.count), s[prefix] == t[prefix] { prefix += 1 }
            return j + Double(prefix) * 0.1 * (1 - j)
        }
    }
}
