import DarasaCore
@testable import DarasaServer
import DarasaStore
import DarasaTestSupport
import Foundation
import Testing

/// The background summary refresh gives way to pushes while they keep coming, but never for
/// longer than its limit (docs/sync.md, "Summaries after sync").
@Suite struct SummaryRefresherTests {
    static func queueBothSchools(_ store: DarasaStore) async throws {
        for (s, seq) in [(TinyCountry.s1, 1), (TinyCountry.s2, 2)] {
            try await store.database.execute("INSERT INTO summary_dirty (school_id, year_id, tables, seq) VALUES (?, NULL, 'all', ?)",
                                             .int(s.rawValue), .int(Int64(seq)))
        }
    }

    @Test func itWaitsWhilePushesComeThenRefreshesWhenQuiet() async throws {
        let store = try await Harness.store()
        try await Self.queueBothSchools(store)
        let activity = SyncActivity()
        let refresher = SummaryRefresher(store: store, activity: activity)
        var since: ContinuousClock.Instant?
        // A push 0.1 s ago: the refresh waits, looks again after `quiet`, and notes since when schools wait.
        let now = ContinuousClock.now
        activity.pushed(at: now - .milliseconds(100))
        #expect(await refresher.step(waitingSince: &since, now: now) == refresher.quiet)
        #expect(since == now)
        #expect(try await store.summariesWaiting() == 2)
        // Quiet for longer than `quiet`: both schools are refreshed and nothing waits.
        activity.pushed(at: ContinuousClock.now - refresher.quiet - .milliseconds(100))
        let pause = await refresher.step(waitingSince: &since)
        #expect(try await store.summariesWaiting() == 0)
        #expect(since == nil)
        #expect(pause >= refresher.interval)
    }

    @Test func pushesDoNotHoldTheRefreshBackForever() async throws {
        let store = try await Harness.store()
        try await Self.queueBothSchools(store)
        let activity = SyncActivity()
        let refresher = SummaryRefresher(store: store, activity: activity)
        // Schools have waited longer than `maxDelay`; pushes are still arriving: the pass runs anyway.
        var since: ContinuousClock.Instant? = ContinuousClock.now - refresher.maxDelay - .seconds(1)
        activity.pushed()
        _ = await refresher.step(waitingSince: &since)
        #expect(try await store.summariesWaiting() == 0)
        #expect(since == nil)
    }

    @Test func theLongPauseAfterAPassUnderLoadEndsWhenPushesStop() async throws {
        let store = try await Harness.store()
        let activity = SyncActivity()
        var refresher = SummaryRefresher(store: store, activity: activity)
        refresher.interval = .milliseconds(50)
        refresher.quiet = .milliseconds(100)
        // Pushes keep coming (every 20 ms) for 0.6 s: a 0.4 s pause is slept whole.
        let pusher = Task {
            for _ in 0..<30 { activity.pushed(); try? await Task.sleep(for: .milliseconds(20)) }
        }
        var start = ContinuousClock.now
        await refresher.rest(.milliseconds(400))
        #expect(ContinuousClock.now - start >= .milliseconds(400))
        await pusher.value
        // No push for longer than `quiet`: a 60 s pause ends at the next look, within one `quiet`.
        try await Task.sleep(for: .milliseconds(150))
        start = ContinuousClock.now
        await refresher.rest(.seconds(60))
        #expect(ContinuousClock.now - start < .seconds(5))
        // The ordinary pause (no longer than `interval`) is slept whole, pushes or not.
        start = ContinuousClock.now
        await refresher.rest(refresher.interval)
        #expect(ContinuousClock.now - start >= refresher.interval)
    }

    @Test func aPassStopsBetweenSchoolsWhenAskedToGiveWay() async throws {
        let store = try await Harness.store()
        try await Self.queueBothSchools(store)
        #expect(try await store.refreshDirtySummaries(giveWay: { true }) == 0)
        #expect(try await store.summariesWaiting() == 2)
        #expect(try await store.refreshDirtySummaries() == 2)
        #expect(try await store.summariesWaiting() == 0)
    }

    @Test func activityIsAWindowOfTime() {
        let activity = SyncActivity()
        #expect(!activity.busy(within: .seconds(1)))
        let t = ContinuousClock.now
        activity.pushed(at: t)
        #expect(activity.busy(within: .seconds(1), now: t + .milliseconds(999)))
        #expect(!activity.busy(within: .seconds(1), now: t + .seconds(1)))
    }
}

/// What a user may push is kept a few seconds (docs/sync.md, "Who may push what"): any change to
/// the account misses at once; only the classes taught can lag, by at most the lifetime.
@Suite struct SyncPermissionCacheTests {
    static func user(role: Role = .teacher, unit: Int64 = 10, disabled: Bool = false) -> UserRecord {
        UserRecord(id: UserID(7), username: "t1", displayName: "T1", passwordHash: "!", role: role, orgUnitID: OrgUnitID(unit),
                   teacherID: TeacherID(3), language: "en", disabled: disabled)
    }
    static let permissions = SyncPermissions(username: "t1", role: .teacher, path: "/TL/S1/",
                                             classes: [ClassRef(schoolID: SchoolID(10), grade: 2, section: "A")])

    @Test func aKnownUserIsAnsweredUntilTheLifetimeEnds() {
        let cache = SyncPermissionCache(lifetime: .seconds(5))
        let t = ContinuousClock.now
        #expect(cache.get(Self.user(), now: t) == nil)
        cache.put(Self.permissions, for: Self.user(), now: t)
        #expect(cache.get(Self.user(), now: t + .milliseconds(4_999)) == Self.permissions)
        #expect(cache.get(Self.user(), now: t + .seconds(5)) == nil)
    }

    @Test func aChangedAccountMissesAtOnce() {
        let cache = SyncPermissionCache()
        cache.put(Self.permissions, for: Self.user())
        #expect(cache.get(Self.user(role: .headTeacher)) == nil)
        #expect(cache.get(Self.user(unit: 11)) == nil)
        #expect(cache.get(Self.user(disabled: true)) == nil)
        #expect(cache.get(Self.user()) == Self.permissions)
    }

    @Test func itHoldsAtMostItsCapacity() {
        let cache = SyncPermissionCache(capacity: 2)
        for id in 1...3 {
            var u = Self.user()
            u.id = UserID(Int64(id))
            cache.put(Self.permissions, for: u)
        }
        var first = Self.user(), third = Self.user()
        first.id = UserID(1)
        third.id = UserID(3)
        #expect(cache.get(first) == nil, "the cache started again when full")
        #expect(cache.get(third) == Self.permissions)
    }
}
