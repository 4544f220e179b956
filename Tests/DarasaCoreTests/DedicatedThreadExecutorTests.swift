import DarasaCore
import Foundation
import Testing

/// The writer's thread (docs/sync.md, "Group commit"): work that prefers it runs there, before
/// and after every suspension, and code can tell that it is there.
@Suite struct DedicatedThreadExecutorTests {
    static let executor = DedicatedThreadExecutor(name: "darasa-test-thread")

    actor Counter {
        var n = 0
        func add() -> Int { n += 1; return n }
    }

    @Test func workPreferringItRunsOnItsThreadAcrossSuspensions() async throws {
        #expect(!DedicatedThreadExecutor.isCurrentThread)
        let counter = Counter()
        let seen = try await Task(executorPreference: Self.executor) { () async throws -> [Bool] in
            var seen = [DedicatedThreadExecutor.isCurrentThread]
            for _ in 0..<20 {
                _ = await counter.add()                    // an actor of the default kind: hops and comes back
                try await Task.sleep(for: .milliseconds(1)) // a timer: resumes from another thread
                seen.append(DedicatedThreadExecutor.isCurrentThread)
            }
            return seen
        }.value
        #expect(seen.count == 21 && seen.allSatisfy { $0 })
        #expect(await counter.n == 20)
        #expect(!DedicatedThreadExecutor.isCurrentThread)
    }

    @Test func tasksQueuedTogetherEachRunOnceOnItsThread() async throws {
        let order = Mutexed()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask(executorPreference: Self.executor) {
                    #expect(DedicatedThreadExecutor.isCurrentThread)
                    order.append(i)
                }
            }
        }
        #expect(order.values.sorted() == Array(0..<200))
    }

    final class Mutexed: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Int] = []
        func append(_ i: Int) { lock.lock(); items.append(i); lock.unlock() }
        var values: [Int] { lock.lock(); defer { lock.unlock() }; return items }
    }
}
