// sluis-fuzz TARGET [libFuzzer options…]: coverage-guided fuzzing of the code that reads what
// arrives from outside — packages and encrypted files (the intake parses them before anything
// is trusted), what a trusted sender's package holds once decrypted, SPSS/Stata files, CSV data,
// trust lists, configuration and manifests, identifier values. A crash there is not only a bug:
// a package that crashes `sluis inbox` would stop every intake run after it.
//
// Built only by `make fuzz` (swiftc -sanitize=fuzzer,address, -D SLUIS_FUZZ); a normal build
// makes a driver that can only write seeds (`sluis-fuzz seed DIR`). The targets themselves live
// in Targets/ (a library), so the test suite runs the corpora in Corpus/ through them too.
import Foundation
import SluisFuzzTargets
#if SLUIS_FUZZ
import CLibFuzzer
#endif

let targets = SluisFuzz.all()
let arguments = CommandLine.arguments
if arguments.count == 3 && arguments[1] == "seed" {
    do { try SluisFuzz.writeSeeds(into: arguments[2]) } catch {
        FileHandle.standardError.write(Data("sluis-fuzz: cannot write seeds: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
guard arguments.count >= 2, let target = targets.first(where: { $0.name == arguments[1] }) else {
    var usage = "usage: sluis-fuzz TARGET [libFuzzer options]   (make fuzz)\n       sluis-fuzz seed DIR   (starting inputs)\ntargets:\n"
    for t in targets { usage += "  \(t.name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(t.what)\n" }
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}

#if SLUIS_FUZZ
nonisolated(unsafe) var selected = target.run
// libFuzzer sees the options after the target name.
var driverArguments = [arguments[0]] + arguments.dropFirst(2)
var argc = CInt(driverArguments.count)
var cArguments: [UnsafeMutablePointer<CChar>?] = driverArguments.map { strdup($0) } + [nil]
let status = cArguments.withUnsafeMutableBufferPointer { buffer -> CInt in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        _ = selected(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
SluisFuzz.cleanUp()
exit(status)
#else
FileHandle.standardError.write(Data("sluis-fuzz: this build has no fuzzer; run `make fuzz` (it builds with -sanitize=fuzzer)\n".utf8))
exit(2)
#endif
