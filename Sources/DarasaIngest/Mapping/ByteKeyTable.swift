import Foundation

/// Identifiers by key, looked up from a key's bytes as they lie in a file, without making a
/// String: open addressing over one arena of key bytes. `[String: Int64]` hashes a key with
/// SipHash after building a String for it; for the 6.5 million register rows of a country that
/// was a tenth of the import.
///
/// Built once from a dictionary (O(n)); a lookup hashes the key's bytes once and compares bytes
/// only with keys of the same hash. Keys and values are as given: no trimming or case folding.
struct ByteKeyTable: Sendable {
    private var arena: [UInt8] = []
    /// Per key: where its bytes start in `arena`, and how many there are.
    private var starts: [Int] = []
    private var lengths: [Int] = []
    private var values: [Int64] = []
    /// Per slot: 1 + the key's index, or 0 when empty; and the key's full hash.
    private var slots: [Int32]
    private var hashes: [UInt64]
    private let mask: Int

    init(_ keys: [String: Int64]) {
        var capacity = 16
        while capacity < keys.count * 2 { capacity <<= 1 }
        slots = Array(repeating: 0, count: capacity)
        hashes = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        starts.reserveCapacity(keys.count)
        lengths.reserveCapacity(keys.count)
        values.reserveCapacity(keys.count)
        for (key, value) in keys {
            let start = arena.count
            arena.append(contentsOf: key.utf8)
            starts.append(start)
            lengths.append(arena.count - start)
            values.append(value)
            let h = arena.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start...])) }
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(values.count)
            hashes[i] = h
        }
    }

    var count: Int { values.count }

    /// The value stored for exactly these bytes, or nil.
    func value(_ key: UnsafeBufferPointer<UInt8>) -> Int64? {
        let h = Self.hash(key)
        var i = Int(truncatingIfNeeded: h) & mask
        return arena.withUnsafeBufferPointer { a in
            while true {
                let s = Int(slots[i])
                if s == 0 { return nil }
                if hashes[i] == h {
                    let k = s - 1
                    if lengths[k] == key.count, key.count == 0 || memcmp(a.baseAddress! + starts[k], key.baseAddress!, key.count) == 0 {
                        return values[k]
                    }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// A 64-bit hash of the bytes: eight at a time, each word multiplied in and folded (the
    /// finaliser of SplitMix64 spreads the result over every bit).
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(b.count)
        guard let base = b.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= b.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < b.count {
            tail |= UInt64(base[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 30
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 27
        return h
    }
}
