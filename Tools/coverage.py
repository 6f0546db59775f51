#!/usr/bin/env python3
"""Per-module line and region coverage of the test suite (make coverage).

Builds and runs the whole suite with `swift test --enable-code-coverage` in its own scratch path
(.build/coverage by default, so the instrumented build never invalidates the ordinary debug build
of `make test`), then asks llvm-cov for a summary of every file under Sources/ and adds the files
up per module. Prints one row per module: lines covered / lines, region coverage, in percent.

Usage: Tools/coverage.py [--scratch-path DIR] [--skip-test] [-- extra swift test arguments]
  --skip-test   reuse the profile of the last run (only print the table again)
llvm-cov is found next to the `swift` on PATH (the toolchain ships it), or through $LLVM_COV.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

# Every Sources module with Swift code, in the order of Package.swift (C shims have no Swift code;
# SluisTestSupport is test scaffolding, listed last so its number is not mistaken for product code).
MODULES = [
    "SluisCore", "SluisIO", "SluisCrypto", "SluisFormats", "SluisPipeline", "SluisLink",
    "SluisInbox", "SluisOutput", "SluisTransfer", "SluisServe", "SluisUpload", "sluis",
    "SluisTestSupport",
]


def find_llvm_cov():
    """llvm-cov from $LLVM_COV, next to the swift driver, or on PATH; exits when there is none."""
    candidates = [os.environ.get("LLVM_COV")]
    swift = shutil.which("swift")
    if swift:
        candidates.append(os.path.join(os.path.dirname(os.path.realpath(swift)), "llvm-cov"))
    candidates.append(shutil.which("llvm-cov"))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("sluis: coverage: llvm-cov not found next to swift or on PATH; set LLVM_COV")


def run_tests(scratch, extra):
    """The whole suite, instrumented; a failing test fails the target (coverage of a red suite lies)."""
    command = ["swift", "test", "--enable-code-coverage", "--scratch-path", scratch] + extra
    print("+ " + " ".join(command), file=sys.stderr, flush=True)
    subprocess.run(["swift", "build", "--build-tests", "--enable-code-coverage", "--scratch-path", scratch], check=True)
    # The CLI tests run the instrumented `sluis` of this build (not whatever .build/debug holds);
    # its processes write their profiles beside the test bundle's, and count too.
    environment = dict(os.environ, SLUIS_BIN=os.path.abspath(os.path.join(scratch, "debug", "sluis")))
    subprocess.run(command, check=True, env=environment)


def test_binary_and_profile(scratch):
    """The xctest bundle's executable and the merged profile SwiftPM wrote for it."""
    debug = os.path.join(scratch, "debug")
    profile = os.path.join(debug, "codecov", "default.profdata")
    bundles = [name for name in os.listdir(debug) if name.endswith("PackageTests.xctest")]
    if not bundles or not os.path.exists(profile):
        sys.exit(f"sluis: coverage: no instrumented test run in {scratch}; run without --skip-test")
    binary = os.path.join(debug, bundles[0])
    if os.path.isdir(binary):  # macOS: a bundle; the executable is inside it
        name = bundles[0][: -len(".xctest")]
        binary = os.path.join(binary, "Contents", "MacOS", name)
    return binary, profile


def executables(scratch):
    """The instrumented `sluis` the CLI tests ran, when it was built: its code counts as well."""
    path = os.path.join(scratch, "debug", "sluis")
    return [path] if os.access(path, os.X_OK) else []


def module_totals(llvm_cov, binary, others, profile, root):
    """Sums llvm-cov's per-file line and region counts for each module under Sources/."""
    objects = [argument for other in others for argument in ("-object", other)]
    output = subprocess.run(
        [llvm_cov, "export", "-summary-only", f"-instr-profile={profile}", binary] + objects,
        check=True, capture_output=True, text=True).stdout
    totals = {module: [0, 0, 0, 0] for module in MODULES}
    sources = os.path.join(os.path.realpath(root), "Sources") + os.sep
    for entry in json.loads(output)["data"][0]["files"]:
        path = os.path.realpath(entry["filename"])
        if not path.startswith(sources):
            continue  # dependencies, tests, tools
        module = path[len(sources):].split(os.sep)[0]
        if module not in totals:
            continue  # C shims
        summary = entry["summary"]
        row = totals[module]
        row[0] += summary["lines"]["covered"]
        row[1] += summary["lines"]["count"]
        row[2] += summary["regions"]["covered"]
        row[3] += summary["regions"]["count"]
    return totals


def percent(covered, count):
    """A percentage with one decimal, or a dash for a module without instrumented code."""
    return f"{100.0 * covered / count:5.1f}" if count else "    -"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch-path", default=".build/coverage")
    parser.add_argument("--skip-test", action="store_true")
    parser.add_argument("extra", nargs="*", help="passed to swift test (after --)")
    arguments = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    llvm_cov = find_llvm_cov()
    if not arguments.skip_test:
        run_tests(arguments.scratch_path, arguments.extra)
    binary, profile = test_binary_and_profile(arguments.scratch_path)
    totals = module_totals(llvm_cov, binary, executables(arguments.scratch_path), profile, root)
    print(f"{'module':<18} {'lines %':>8} {'regions %':>10} {'lines':>13} {'regions':>13}")
    for module in MODULES:
        lines_covered, lines, regions_covered, regions = totals[module]
        print(f"{module:<18} {percent(lines_covered, lines):>8} {percent(regions_covered, regions):>10} "
              f"{lines_covered:>6}/{lines:<6} {regions_covered:>6}/{regions:<6}")


if __name__ == "__main__":
    main()
