// The Swift standard library has square roots but no logarithms or exponentials. Rather than pull
// Foundation into the domain module, this one file imports the platform's C maths library and
// re-exports the handful of functions the statistics need under `Elementary`, so no other file
// depends on which C library the platform has.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#elseif canImport(Android)
import Android
#elseif canImport(WASILibc)
import WASILibc
#endif

/// Elementary functions from the C maths library (correctly rounded or within 1 ulp on glibc and
/// Darwin). Internal: callers outside DarasaCore should use their own maths library.
enum Elementary {
    static func log(_ x: Double) -> Double { cLog(x) }
    static func log2(_ x: Double) -> Double { cLog2(x) }
    static func log1p(_ x: Double) -> Double { cLog1p(x) }
    static func exp(_ x: Double) -> Double { cExp(x) }
    static func exp2(_ x: Double) -> Double { cExp2(x) }
    static func expm1(_ x: Double) -> Double { cExpm1(x) }
    static func pow(_ x: Double, _ y: Double) -> Double { cPow(x, y) }
    static func sin(_ x: Double) -> Double { cSin(x) }
    static func tan(_ x: Double) -> Double { cTan(x) }
    static func erfc(_ x: Double) -> Double { cErfc(x) }
}

// File-scope shims: inside `Elementary` the name `log` would resolve to the member itself.
private func cLog(_ x: Double) -> Double { log(x) }
private func cLog2(_ x: Double) -> Double { log2(x) }
private func cLog1p(_ x: Double) -> Double { log1p(x) }
private func cExp(_ x: Double) -> Double { exp(x) }
private func cExp2(_ x: Double) -> Double { exp2(x) }
private func cExpm1(_ x: Double) -> Double { expm1(x) }
private func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
private func cSin(_ x: Double) -> Double { sin(x) }
private func cTan(_ x: Double) -> Double { tan(x) }
private func cErfc(_ x: Double) -> Double { erfc(x) }
