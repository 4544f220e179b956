import Dispatch
import Foundation

/// Work split over the machine's cores, for CPU-bound passes that read shared immutable data
/// (record linkage's comparisons). Results come back in order, so the output does not depend on
/// which worker finished first.
public enum Parallel {
    /// How many parts work is split into: one per core, at least 1.
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Splits `0..<count` into at most `parts` contiguous ranges of near-equal size (none empty).
    public static func ranges(_ count: Int, parts: Int) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let n = max(1, min(parts, count))
        return (0..<n).map { k in (count * k / n)..<(count * (k + 1) / n) }
    }

    /// `body` run over `0..<count` in contiguous parts on up to `parts` threads (default: one per
    /// core), its results in the parts' order. The first error thrown (in part order) is rethrown
    /// once every part has finished. Below `serialBelow` items it runs on the calling thread.
    public static func map<T>(_ count: Int, parts: Int = Parallel.cores, serialBelow: Int = 2_000,
                              _ body: @escaping (Range<Int>) throws -> T) throws -> [T] {
        let split = count < serialBelow ? ranges(count, parts: 1) : ranges(count, parts: parts)
        if split.count <= 1 { return try split.map(body) }
        let work = PartsWork(body: body, split: split)
        DispatchQueue.concurrentPerform(iterations: split.count) { k in work.run(k) }
        return try work.results()
    }
}

/// The parts of one `Parallel.map`: each slot is written by exactly one worker and read only
/// after `concurrentPerform` has returned, so no two threads touch a slot at once.
private final class PartsWork<T>: @unchecked Sendable {
    let body: (Range<Int>) throws -> T
    let split: [Range<Int>]
    let slots: UnsafeMutableBufferPointer<Result<T, any Error>?>

    init(body: @escaping (Range<Int>) throws -> T, split: [Range<Int>]) {
        self.body = body
        self.split = split
        slots = .allocate(capacity: split.count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func run(_ k: Int) { slots[k] = Result { try body(split[k]) } }

    func results() throws -> [T] { try slots.map { try $0!.get() } }
}
