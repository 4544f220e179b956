/// The standard normal distribution.
public enum Normal {
    /// Standard normal cumulative distribution Φ(z) = ½ erfc(−z / √2), using the C library's
    /// `erfc` so the lower tail keeps full relative precision (Φ(−30) ≈ 4.9e−198, not 0).
    ///
    /// Defined for every z: Φ(−∞) = 0, Φ(+∞) = 1. nil only for NaN. O(1).
    public static func cdf(_ z: Double) -> Double? {
        guard !z.isNaN else { return nil }
        return 0.5 * Elementary.erfc(-z / 2.0.squareRoot())
    }

    /// Standard normal density φ(z) = exp(−z²/2) / √(2π). nil for NaN. O(1).
    public static func density(_ z: Double) -> Double? {
        guard !z.isNaN else { return nil }
        return Elementary.exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
    }

    /// Standard normal quantile Φ⁻¹(p) by Wichura's algorithm AS 241 (PPND16), Applied Statistics
    /// 37 (1988) 477–484: rational minimax approximations in three regions of p, relative accuracy
    /// about 1e−16.
    ///
    /// nil unless 0 < p < 1 (the quantiles of 0 and 1 are infinite). O(1).
    /// Table values: Φ⁻¹(0.975) = 1.959964, Φ⁻¹(0.8) = 0.841621.
    public static func quantile(_ p: Double) -> Double? {
        guard p > 0, p < 1 else { return nil }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let numerator = ((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r
                + 6.7265770927008700853e4) * r + 4.5921953931549871457e4) * r
                + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
                + 1.3314166789178437745e2) * r + 3.3871328727963666080e0
            let denominator = ((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r
                + 3.9307895800092710610e4) * r + 2.1213794301586595867e4) * r
                + 5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r
                + 4.2313330701600911252e1) * r + 1
            return q * numerator / denominator
        }
        var r = (-Elementary.log(q < 0 ? p : 1 - p)).squareRoot()
        let x: Double
        if r <= 5 {
            r -= 1.6
            let numerator = ((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                + 2.41780725177450611770e-1) * r + 1.27045825245236838258e0) * r
                + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r
                + 4.63033784615654529590e0) * r + 1.42343711074968357734e0
            let denominator = ((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
                + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r
                + 2.05319162663775882187e0) * r + 1
            x = numerator / denominator
        } else {
            r -= 5
            let numerator = ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
                + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r
                + 5.46378491116411436990e0) * r + 6.65790464350110377720e0
            let denominator = ((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
                + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r + 1
            x = numerator / denominator
        }
        return q < 0 ? -x : x
    }
}

/// Student's t distribution with ν > 0 degrees of freedom (ν need not be an integer).
public enum StudentT {
    /// Cumulative distribution F(t; ν) through the regularised incomplete beta function:
    /// for t ≤ 0, F = ½ I_{ν/(ν+t²)}(ν/2, ½); for t > 0, F = 1 − F(−t). The complement
    /// t²/(ν+t²) is passed separately so F stays accurate near t = 0 for large ν.
    ///
    /// For ν > 1e7 the expansion F ≈ Φ(t) − φ(t)(t³ + t)/(4ν) (Abramowitz & Stegun 26.7.8) is
    /// used instead, with error O(ν⁻²).
    ///
    /// nil when ν ≤ 0 or is not finite, t is NaN, or the continued fraction fails to converge
    /// (not observed). ±∞ give 0 and 1. Absolute error against SciPy below 1e−15 for ν ≤ 1000,
    /// 1e−13 for ν ≤ 1e5, 1e−11 for ν ≤ 1e7 and 1e−13 beyond. O(√ν) continued-fraction terms
    /// at worst, usually fewer than 100.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double? {
        guard nu > 0, nu.isFinite, !t.isNaN else { return nil }
        if t.isInfinite { return t < 0 ? 0 : 1 }
        if nu > 1e7 {
            // Edgeworth-type expansion F ≈ Φ(t) − φ(t)(t³ + t)/(4ν), error O(ν⁻²) < 1e−13; the
            // beta route loses digits to cancellation at such ν.
            guard let phi = Normal.cdf(-abs(t)), let density = Normal.density(t) else { return nil }
            let lower = phi + density * abs(t) * (t * t + 1) / (4 * nu)
            return t <= 0 ? lower : 1 - lower
        }
        guard let lower = lowerTail(-abs(t), nu: nu) else { return nil }
        return t <= 0 ? lower : 1 - lower
    }

    /// Density f(t; ν) = Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + t²/ν)^(−(ν+1)/2), evaluated in log
    /// space (relative error about 1e−14 for ν ≤ 1e5, growing with ν through ln Γ cancellation).
    /// nil when ν ≤ 0 or an argument is NaN or infinite. O(1).
    public static func density(_ t: Double, degreesOfFreedom nu: Double) -> Double? {
        guard nu > 0, nu.isFinite, t.isFinite else { return nil }
        return Elementary.exp(logDensity(t, nu: nu))
    }

    /// Quantile t_p(ν): the value with F(t; ν) = p.
    ///
    /// Method: closed forms for ν = 1 (Cauchy, tan(π(p − ½))) and ν = 2
    /// ((2p − 1)/√(2p(1 − p))); for ν > 1e5 the Cornish–Fisher expansion to O(ν⁻²) about the
    /// normal quantile z (Abramowitz & Stegun 26.7.5; error below 2e−12 for |z| < 6 or ν > 1e7).
    /// Otherwise a start from Hill's approximation, "Algorithm 396: Student's t-quantiles",
    /// Comm. ACM 13 (1970) 617–619 (as in R's `qt`), or from Cornish–Fisher in the far tails,
    /// refined by bracketed Newton steps on ln `cdf` until the step is below 1e−13·(1 + |t|).
    ///
    /// nil unless 0 < p < 1 and ν > 0 is finite; also nil where |t| would exceed about 1e150
    /// (ν < 2 far in the tails, e.g. ν = 0.5, p = 1e−100), since t² then overflows.
    /// Agrees with SciPy within 2e−13 relative for ν from 0.5 to 2e7 and p from 1e−300 to 0.999
    /// (wherever |t| < 1e150).
    /// Table values: t_{0.975}(38) = 2.024394, t_{0.80}(38) = 0.851183, t_{0.975}(2) = 4.302653.
    /// O(1) evaluations of `cdf`, typically 2–4.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double? {
        guard p > 0, p < 1, nu > 0, nu.isFinite else { return nil }
        if p == 0.5 { return 0 }
        // Work in the lower tail, where probabilities keep their relative precision, and mirror.
        let tail = min(p, 1 - p)
        guard let lower = lowerTailQuantile(tail, nu: nu) else { return nil }
        return p < 0.5 ? lower : -lower
    }

    /// The quantile for a lower-tail probability 0 < tail < ½, as a negative number.
    private static func lowerTailQuantile(_ tail: Double, nu: Double) -> Double? {
        // −cot(π·tail), not tan(π(tail − ½)): tail − ½ rounds to −½ for tiny tails.
        if nu == 1 { return -1 / Elementary.tan(Double.pi * tail) }
        if nu == 2 { return (2 * tail - 1) / (2 * tail * (1 - tail)).squareRoot() }
        guard let z = Normal.quantile(tail) else { return nil }
        if nu > 1e5 {
            let z2 = z * z
            let expansion = z + z * (z2 + 1) / (4 * nu) + z * ((5 * z2 + 16) * z2 + 3) / (96 * nu * nu)
            // The omitted O(z⁷/ν³) term is below about 2e−12 when |z| < 6 or ν > 1e7; further
            // out, polish with Newton (the beta-based cdf keeps its relative accuracy there).
            return nu > 1e7 || abs(z) < 6 ? expansion : newtonLowerTail(tail, nu: nu, start: expansion)
        }
        // Hill's formula assumes ν ≥ 1; below that the normal quantile is a start the bracketing
        // below widens from.
        let start = nu >= 1 ? (hillLowerTail(tail, nu: nu, z: z) ?? z) : z
        return newtonLowerTail(tail, nu: nu, start: start)
    }

    /// Hill (1970) Algorithm 396 for the lower-tail quantile, returned as a negative number.
    private static func hillLowerTail(_ tail: Double, nu: Double, z: Double) -> Double? {
        let twoTail = 2 * tail
        let a = 1 / (nu - 0.5)
        let b = 48 / (a * a)
        var c = ((20700 * a / b - 98) * a - 16) * a + 96.36
        let d = ((94.5 / (b + c) - 3) / b + 1) * (a * Double.pi / 2).squareRoot() * nu
        var y = Elementary.pow(d * twoTail, 2 / nu)
        if y > 0.05 + a {
            // Asymptotic inverse expansion about the normal quantile.
            let x = z
            y = x * x
            if nu < 5 { c += 0.3 * (nu - 4.5) * (x + 0.6) }
            c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c
            y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x
            y = Elementary.expm1(a * y * y)
        } else {
            y = ((1 / (((nu + 6) / (nu * y) - 0.089 * d - 0.822) * (nu + 2) * 3) + 0.5 / (nu + 4)) * y - 1)
                * (nu + 1) / (nu + 2) + 1 / y
        }
        let t = (nu * y).squareRoot()
        return t.isFinite && t > 0 ? -t : nil
    }

    /// Newton's method on ln F(t) = ln p for t < 0, kept inside a bracket [lo, hi] that always contains
    /// the root; a step leaving the bracket is replaced by bisection. The bracket is first grown
    /// or shrunk from `start` by factors of 4, so it spans at most a factor of 4 even when the
    /// start is far off (Hill's formula can be, deep in the tails for large ν).
    private static func newtonLowerTail(_ p: Double, nu: Double, start: Double) -> Double? {
        guard start < 0, start.isFinite, let f0 = lowerTail(start, nu: nu) else { return nil }
        var lo = start, hi = start
        if f0 > p {
            repeat {
                hi = lo
                lo *= 4
                guard lo.isFinite, let f = lowerTail(lo, nu: nu) else { return nil }
                if f < p { break }
            } while true
        } else {
            repeat {
                lo = hi
                hi /= 4
                guard hi < 0, let f = lowerTail(hi, nu: nu) else { return nil }
                if f > p { break }
            } while true
        }
        var t = start
        let logP = Elementary.log(p)
        for _ in 0..<200 {
            guard let f = lowerTail(t, nu: nu) else { return nil }
            if f == p { return t }
            if f < p { lo = t } else { hi = t }
            // Newton on ln F(t) − ln p (derivative f/F): in the tails ln F is nearly quadratic
            // while F itself is so steep that plain Newton crawls.
            let density = Elementary.exp(logDensity(t, nu: nu))
            var next = t - (Elementary.log(f) - logP) * f / density
            if !(next > lo && next < hi) || !next.isFinite { next = 0.5 * (lo + hi) }
            if abs(next - t) <= 1e-13 * (1 + abs(t)) { return next }
            t = next
        }
        return nil
    }

    /// F(t) for t ≤ 0.
    private static func lowerTail(_ t: Double, nu: Double) -> Double? {
        let t2 = t * t
        let x = nu / (nu + t2)
        let complement = t2 / (nu + t2)
        return SpecialFunctions.regularizedIncompleteBeta(x: x, complement: complement, a: nu / 2, b: 0.5)
            .map { 0.5 * $0 }
    }

    private static func logDensity(_ t: Double, nu: Double) -> Double {
        SpecialFunctions.lnGamma((nu + 1) / 2) - SpecialFunctions.lnGamma(nu / 2)
            - 0.5 * Elementary.log(nu * Double.pi) - (nu + 1) / 2 * Elementary.log1p(t * t / nu)
    }
}

/// Special functions needed by the distributions.
public enum SpecialFunctions {
    /// ln Γ(x) for x > 0 by the Lanczos approximation (g = 7, 9 coefficients; Numerical Recipes
    /// 3rd ed. §6.1 / Godfrey's coefficients), with the reflection formula
    /// ln Γ(x) = ln(π / sin(πx)) − ln Γ(1 − x) below ½. Relative accuracy about 1e−15.
    ///
    /// Written here rather than taken from C's `lgamma`, which writes the global `signgam` and so
    /// is not safe to call from concurrent tasks. nil for x ≤ 0 or non-finite x (Γ has poles or
    /// is not needed there). O(1).
    public static func logGamma(_ x: Double) -> Double? {
        guard x > 0, x.isFinite else { return nil }
        return lnGamma(x)
    }

    /// ln Γ(x), unchecked: callers guarantee x > 0 and finite.
    static func lnGamma(_ x: Double) -> Double {
        if x < 0.5 {
            return Elementary.log(Double.pi / abs(Elementary.sin(Double.pi * x))) - lnGamma(1 - x)
        }
        let coefficients: [Double] = [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7,
        ]
        let z = x - 1
        var series = coefficients[0]
        for i in 1..<coefficients.count { series += coefficients[i] / (z + Double(i)) }
        let t = z + 7.5
        return 0.5 * Elementary.log(2 * Double.pi) + (z + 0.5) * Elementary.log(t) - t + Elementary.log(series)
    }

    /// Regularised incomplete beta I_x(a, b) = B(x; a, b) / B(a, b), by the continued fraction of
    /// Numerical Recipes 3rd ed. §6.4 evaluated with the modified Lentz method; for
    /// x > (a + 1)/(a + b + 2) the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) keeps the fraction in its
    /// fast-converging region. Relative accuracy about 1e−14.
    ///
    /// nil unless a > 0, b > 0 and 0 ≤ x ≤ 1 (all finite), or if the fraction has not converged
    /// after 10 000 terms. O(√max(a, b)) terms at worst.
    public static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double? {
        regularizedIncompleteBeta(x: x, complement: 1 - x, a: a, b: b)
    }

    /// As `regularizedIncompleteBeta(x:a:b:)`, with 1 − x supplied by the caller when it can be
    /// computed without cancellation.
    static func regularizedIncompleteBeta(x: Double, complement y: Double, a: Double, b: Double) -> Double? {
        guard a > 0, b > 0, a.isFinite, b.isFinite, x >= 0, x <= 1, y >= 0, y <= 1 else { return nil }
        if x == 0 { return 0 }
        if y == 0 { return 1 }
        // ln x via log1p(−(1 − x)) near 1, where x itself has lost the low digits of 1 − x.
        let logX = x > 0.5 ? Elementary.log1p(-y) : Elementary.log(x)
        let logY = y > 0.5 ? Elementary.log1p(-x) : Elementary.log(y)
        let logFront = a * logX + b * logY - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            guard let fraction = betaContinuedFraction(x: x, a: a, b: b) else { return nil }
            return min(1, max(0, Elementary.exp(logFront) * fraction / a))
        }
        guard let fraction = betaContinuedFraction(x: y, a: b, b: a) else { return nil }
        return min(1, max(0, 1 - Elementary.exp(logFront) * fraction / b))
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), arranged as in R's `lbeta` (after
    /// TOMS 708) so that large arguments do not cancel: with p = min, q = max, Stirling's series
    /// carries ln Γ(q) − ln Γ(p + q) when q ≥ 10, and both when p ≥ 10. Absolute error ≈ 1e−14.
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        let p = min(a, b), q = max(a, b)
        let halfLogTwoPi = 0.5 * Elementary.log(2 * Double.pi)
        if p >= 10 {
            let correction = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q)
            return -0.5 * Elementary.log(q) + halfLogTwoPi + correction
                + (p - 0.5) * Elementary.log(p / (p + q)) + q * Elementary.log1p(-p / (p + q))
        }
        if q >= 10 {
            let correction = stirlingCorrection(q) - stirlingCorrection(p + q)
            return lnGamma(p) + correction + p - p * Elementary.log(p + q)
                + (q - 0.5) * Elementary.log1p(-p / (p + q))
        }
        return lnGamma(p) + lnGamma(q) - lnGamma(p + q)
    }

    /// δ(x) = ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π] by Stirling's series to the x⁻⁹ term;
    /// for x ≥ 10 the truncation error is below 3e−14.
    private static func stirlingCorrection(_ x: Double) -> Double {
        let r = 1 / x, r2 = r * r
        return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 / 1188))))
    }

    private static func betaContinuedFraction(x: Double, a: Double, b: Double) -> Double? {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { return h }
        }
        return nil
    }
}
