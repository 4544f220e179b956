import DarasaCore
import PropertyBased
import Testing

@Suite struct StudyDesignTests {
    @Test func multiplierForFivePercentAndEightyPercentPower() throws {
        // M∞ = z_{0.975} + z_{0.80} = 1.959964 + 0.841621 = 2.8016 (../shared/METHODS.md).
        #expect(abs(try #require(StudyDesign.multiplier()) - 2.8016) < 5e-5)
        // With 38 df: 2.024394 + 0.851183 = 2.875577 (SciPy).
        #expect(abs(try #require(StudyDesign.multiplier(reference: .studentT(degreesOfFreedom: 38))) - 2.8755769203799147) < 1e-9)
        // One-sided: z_{0.95} + z_{0.80} = 1.644854 + 0.841621 = 2.486475.
        #expect(abs(try #require(StudyDesign.multiplier(twoSided: false)) - 2.486474860524387) < 1e-12)
    }

    @Test func individualMDESMatchesTheMethodsVector() throws {
        // 2.8016 · √(1 / (0.25 · 1000)) = 2.8016 · 0.063246 = 0.1772.
        let mdes = try #require(StudyDesign.mdesIndividual(sampleSize: 1000, treatedShare: 0.5))
        #expect(abs(mdes - 0.177) < 5e-4)
        #expect(abs(mdes - 0.17718780696593192) < 1e-12)   // SciPy-based value
    }

    @Test func clusteredMDESMatchesTheMethodsVectors() throws {
        // ρ/(PQJ) = 0.2/10 = 0.02; (1 − ρ)/(PQJn) = 0.8/200 = 0.004; √0.024 = 0.154919.
        let normal = try #require(StudyDesign.mdesClustered(clusters: 40, clusterSize: 20, icc: 0.20, reference: .normal))
        #expect(abs(normal - 0.434) < 5e-4)                 // 2.8016 · 0.154919
        let t = try #require(StudyDesign.mdesClustered(clusters: 40, clusterSize: 20, icc: 0.20))
        #expect(abs(t - 0.445) < 5e-4)                      // 2.8756 · 0.154919, df J − 2 = 38
        #expect(t == StudyDesign.mdesClustered(clusters: 40, clusterSize: 20, icc: 0.20, reference: .studentT(degreesOfFreedom: 38)))
        // R²_b = .5: 0.01 + 0.004 = 0.014, √0.014 = 0.118322, × 2.8016 = 0.3315.
        let covariate = try #require(StudyDesign.mdesClustered(clusters: 40, clusterSize: 20, icc: 0.20, rSquaredBetween: 0.5, reference: .normal))
        #expect(abs(covariate - 0.331) < 5e-4)
    }

    @Test func impossibleDesignsHaveNoMDES() {
        #expect(StudyDesign.mdesIndividual(sampleSize: 0) == nil)
        #expect(StudyDesign.mdesIndividual(sampleSize: 100, treatedShare: 1) == nil)
        #expect(StudyDesign.mdesIndividual(sampleSize: 2, reference: .design) == nil)
        #expect(StudyDesign.mdesClustered(clusters: 2, clusterSize: 20, icc: 0.2) == nil)   // J − 2 = 0 df
        #expect(StudyDesign.mdesClustered(clusters: 10, clusterSize: 20, icc: 1.2) == nil)
        #expect(StudyDesign.mdesClustered(clusters: 10, clusterSize: 20, icc: 0.2, rSquaredBetween: 1) == nil)
        #expect(StudyDesign.multiplier(alpha: 0) == nil)
        #expect(StudyDesign.multiplier(power: 1) == nil)
    }

    @Test func moreSchoolsOrPupilsDetectSmallerEffects() async {
        await propertyCheck(count: 200, input: Gen.int(in: 4...200), Gen.double(in: 1...100), Gen.double(in: 0...1)) { j, n, icc in
            let base = try #require(StudyDesign.mdesClustered(clusters: j, clusterSize: n, icc: icc))
            #expect(try #require(StudyDesign.mdesClustered(clusters: j + 1, clusterSize: n, icc: icc)) < base)
            #expect(try #require(StudyDesign.mdesClustered(clusters: j, clusterSize: n + 1, icc: icc)) <= base * (1 + 1e-12))
            if icc < 0.99 {
                #expect(try #require(StudyDesign.mdesClustered(clusters: j, clusterSize: n, icc: icc + 0.01)) >= base * (1 - 1e-12))
            }
        }
    }
}
