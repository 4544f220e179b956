import Foundation

/// A task executor with one thread of its own: work preferring it (`Task(executorPreference:)`)
/// runs there, including every continuation after an `await`, instead of on the shared
/// cooperative pool.
///
/// *Why* (docs/sync.md, "Group commit"): the sync writer awaits the database a score of times
/// per commit, and each continuation waited on the pool behind request jobs (a push's JSON
/// decoding) that Swift never pre-empts. On a thread of its own the writer can also run SQLite's
/// statements in place (`isCurrentThread`, used by the SQLite engine), which is where most of
/// the gain came from: the thread alone gave 21.5–23.5k → 23.6–26.9k records/s, the statements
/// in place 32–41k. No package in the machine's set offers a thread-backed `TaskExecutor`
/// (swift-nio's event loops are serial executors, not task executors).
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// Starts the thread; it lives as long as the process (an executor is made once, at start-up).
    public init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Whether the calling code runs on a `DedicatedThreadExecutor`'s thread, where blocking
    /// (e.g. a synchronous database call) holds up nothing but the work that asked for it.
    public static var isCurrentThread: Bool { Thread.current.threadDictionary[marker] != nil }
    private static let marker = "darasa.dedicated-thread"

    private func run() {
        Thread.current.threadDictionary[Self.marker] = true
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
