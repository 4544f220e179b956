import DarasaCore
import PropertyBased
import Testing

/// Reference values from SciPy 1.17 (`scipy.stats.norm`, `scipy.stats.t`, `scipy.special`),
/// which uses Boost/Cephes, independent of the algorithms here; and printed tables.
@Suite struct DistributionsTests {
    @Test func normalQuantileMatchesTables() throws {
        #expect(abs(try #require(Normal.quantile(0.975)) - 1.95996) < 5e-6)   // printed table
        #expect(abs(try #require(Normal.quantile(0.8)) - 0.84162) < 5e-6)
        #expect(try #require(Normal.quantile(0.5)) == 0)
    }

    @Test(arguments: [
        (1e-300, -37.0470962993612), (1e-10, -6.361340902404056), (0.001, -3.090232306167813),
        (0.02425, -1.972961051311885), (0.3, -0.5244005127080409), (0.975, 1.959963984540054),
        (0.8, 0.8416212335729143), (1 - 1e-10, 6.361340889697422),
    ])
    func normalQuantileMatchesSciPy(p: Double, expected: Double) throws {
        // AS 241 is accurate to about 1e−16 relative; 1e−13 leaves room for p near 1.
        #expect(abs(try #require(Normal.quantile(p)) - expected) <= 1e-13 * max(1, abs(expected)))
    }

    @Test func normalRefusesProbabilitiesOutsideTheOpenInterval() {
        #expect(Normal.quantile(0) == nil && Normal.quantile(1) == nil && Normal.quantile(-0.1) == nil)
        #expect(Normal.quantile(.nan) == nil)
        #expect(Normal.cdf(.nan) == nil)
        #expect(Normal.cdf(-.infinity) == 0 && Normal.cdf(.infinity) == 1)
    }

    @Test func normalCDFInvertsTheQuantile() async {
        await propertyCheck(count: 300, input: Gen.double(in: 1e-9...(1 - 1e-9))) { p in
            let z = try #require(Normal.quantile(p))
            #expect(abs(try #require(Normal.cdf(z)) - p) <= 1e-14 + 1e-13 * p)
            // 1 − p is rounded by up to 1 ulp of 1, which moves the quantile by ε / φ(z).
            let mirrored = try #require(Normal.quantile(1 - p))
            #expect(abs(mirrored + z) <= 2.3e-16 / (try #require(Normal.density(z))) + 1e-12)
        }
    }

    @Test func tQuantilesMatchTables() throws {
        // Printed t tables: t_{0.975}(38) = 2.0244, t_{0.80}(38) = 0.8512 (SciPy 0.851183; the
        // brief's 0.8511 is the truncated value), t_{0.975}(2) = 4.3027, t_{0.975}(1) = 12.706.
        #expect(abs(try #require(StudentT.quantile(0.975, degreesOfFreedom: 38)) - 2.0244) < 5e-5)
        #expect(abs(try #require(StudentT.quantile(0.80, degreesOfFreedom: 38)) - 0.8512) < 5e-5)
        #expect(abs(try #require(StudentT.quantile(0.975, degreesOfFreedom: 2)) - 4.3027) < 5e-5)
        #expect(abs(try #require(StudentT.quantile(0.975, degreesOfFreedom: 1)) - 12.706) < 5e-4)
    }

    @Test(arguments: [
        (0.975, 38.0, 2.0243941639119694), (0.8, 38.0, 0.8511827564679453), (0.975, 0.5, 164.55767348048818),
        (0.001, 1.5, -52.18443000899265), (0.2, 3.0, -0.9784723123633038), (1e-6, 4.0, -41.577854150450975),
        (0.6, 10.0, 0.2601848294920803), (0.999, 7.5, 4.6303190940341015), (0.975, 1000.0, 1.9623390808264083),
        (0.025, 1e6, -1.9599663568141072), (0.995, 5.0, 4.032142983555228),
        // Far tail at large ν, where Hill's start is poor and Newton must work on ln F.
        (1e-300, 99999.0, -37.17467194488096), (0.01, 1e9, -2.326347877769915),
        // Cauchy far tail: −cot(π · 1e−20) = −1/(π · 1e−20).
        (1e-20, 1.0, -3.183098861837907e19), (1e-6, 1e6, -4.75345234827968),
    ])
    func tQuantilesMatchSciPy(p: Double, df: Double, expected: Double) throws {
        let t = try #require(StudentT.quantile(p, degreesOfFreedom: df))
        #expect(abs(t - expected) <= 1e-10 * max(1, abs(expected)))
    }

    @Test(arguments: [
        (-1.2, 7.5, 0.13333446139661093), (2.0, 5.0, 0.9490302605850708), (-40.0, 3.0, 1.7190340394579253e-05),
        (1.0, 0.5, 0.698878389158678), (-2.5, 2e7, 0.006209669297032201), (-2.5, 1e9, 0.006209665405201246),
    ])
    func tCDFMatchesSciPy(t: Double, df: Double, expected: Double) throws {
        #expect(abs(try #require(StudentT.cdf(t, degreesOfFreedom: df)) - expected) < 1e-14)
    }

    @Test func tQuantileInvertsTheCDF() async {
        await propertyCheck(count: 300, input: Gen.double(in: 1e-6...(1 - 1e-6)), Gen.double(in: 0.5...2000)) { p, df in
            let t = try #require(StudentT.quantile(p, degreesOfFreedom: df))
            #expect(abs(try #require(StudentT.cdf(t, degreesOfFreedom: df)) - p) <= 1e-12)
            let mirrored = try #require(StudentT.quantile(1 - p, degreesOfFreedom: df))
            let density = try #require(StudentT.density(t, degreesOfFreedom: df))
            #expect(abs(mirrored + t) <= 2.3e-16 / density + 1e-11 * max(1, abs(t)))
        }
    }

    @Test func tRefusesInvalidArguments() {
        #expect(StudentT.quantile(1e-100, degreesOfFreedom: 0.5) == nil)   // |t| ≈ 4.7e153: t² overflows
        #expect(StudentT.quantile(0.5, degreesOfFreedom: 0) == nil)
        #expect(StudentT.quantile(1, degreesOfFreedom: 5) == nil)
        #expect(StudentT.quantile(0.3, degreesOfFreedom: .infinity) == nil)
        #expect(StudentT.cdf(.nan, degreesOfFreedom: 5) == nil)
        #expect(StudentT.cdf(.infinity, degreesOfFreedom: 5) == 1)
        #expect(StudentT.quantile(0.5, degreesOfFreedom: 3) == 0)
    }

    @Test func specialFunctionsMatchSciPy() throws {
        // scipy.special.gammaln and betainc.
        #expect(abs(try #require(SpecialFunctions.logGamma(0.5)) - 0.5723649429247001) < 1e-14)
        #expect(abs(try #require(SpecialFunctions.logGamma(0.25)) - 1.2880225246980774) < 1e-14)
        #expect(abs(try #require(SpecialFunctions.logGamma(10)) - 12.801827480081469) < 1e-13)
        #expect(SpecialFunctions.logGamma(0) == nil && SpecialFunctions.logGamma(-1) == nil)
        #expect(abs(try #require(SpecialFunctions.regularizedIncompleteBeta(x: 0.4, a: 2.5, b: 3.5)) - 0.4869041915261176) < 1e-14)
        #expect(abs(try #require(SpecialFunctions.regularizedIncompleteBeta(x: 0.01, a: 0.5, b: 10)) - 0.3420718248432154) < 1e-14)
        #expect(abs(try #require(SpecialFunctions.regularizedIncompleteBeta(x: 0.45, a: 30, b: 40)) - 0.6447480085585666) < 1e-13)
        #expect(SpecialFunctions.regularizedIncompleteBeta(x: 1.5, a: 1, b: 1) == nil)
        #expect(SpecialFunctions.regularizedIncompleteBeta(x: 0, a: 2, b: 3) == 0)
        #expect(SpecialFunctions.regularizedIncompleteBeta(x: 1, a: 2, b: 3) == 1)
    }
}
