// swift-tools-version:6.0
// sluis: pseudonymise, encrypt and sign research data on its way into a secure environment.
// Targets are listed in dependency order: C shims, then pure core, then I/O, crypto, formats,
// pipeline stages, and the thin command-line tool on top.
import PackageDescription

let settings: [SwiftSetting] = []

let package = Package(
    name: "sluis",
    // macOS 14: Hummingbird 2, which sluis serve builds on, needs it.
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluis", targets: ["sluis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // sluis serve: the HTTP server (with TLS) and its Prometheus metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        // sluis upload: the tus client's HTTP (with TLS).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // System libraries: a module map and a one-line shim each.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(name: "CReadStat"),
        // The one Linux call Swift's Glibc module lacks (renameat2, to replace a folder atomically).
        .systemLibrary(name: "CLinux"),
        // GLPK (libglpk-dev): the linear and integer programs of secondary suppression and its audit.
        .systemLibrary(name: "CGLPK", providers: [.apt(["libglpk-dev"]), .brew(["glpk"])]),
        // SSE2 byte masks for output check's key scan (header-only, compiled into the caller).
        .systemLibrary(name: "CScanMasks"),
        // zlib (zlib1g-dev): raw inflate and CRC-32 of the ZIP entries of XLSX workbooks (output check).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),

        // Pure value types: identifiers, normalisers, pseudonym rendering, config and manifest models.
        .target(name: "SluisCore", swiftSettings: settings),
        // Byte sinks and sources, atomic files: the only place that talks to the file system.
        .target(name: "SluisIO", dependencies: ["SluisCore", .target(name: "CLinux", condition: .when(platforms: [.linux]))],
                swiftSettings: settings),
        // The only importer of libsodium and libcrypto.
        .target(name: "SluisCrypto", dependencies: ["SluisCore", "SluisIO", "CSodium", "COpenSSL"],
                swiftSettings: settings),
        // Streaming CSV, SPSS/Stata through ReadStat, and the package container.
        .target(name: "SluisFormats", dependencies: ["SluisCore", "SluisIO", "CReadStat", "CZlib"],
                swiftSettings: settings),
        // pipeline.json, check, pseudonymise, seal, verify, open, synth.
        .target(name: "SluisPipeline", dependencies: ["SluisCore", "SluisIO", "SluisCrypto", "SluisFormats"],
                swiftSettings: settings),
        // Intake linking of pseudonyms to RINPERSOONS/RINPERSOON.
        .target(name: "SluisLink", dependencies: ["SluisCore", "SluisIO", "SluisCrypto", "SluisFormats"],
                swiftSettings: settings),
        // The unattended intake job.
        .target(name: "SluisInbox", dependencies: ["SluisCore", "SluisIO", "SluisCrypto", "SluisFormats", "SluisPipeline", "SluisLink"],
                swiftSettings: settings),
        // Output control: disclosure rules, tables and models with evidence, check and release.
        .target(name: "SluisOutput", dependencies: ["SluisCore", "SluisIO", "SluisCrypto", "SluisFormats", "SluisPipeline", "CGLPK", "CScanMasks"],
                swiftSettings: settings),
        // The upload protocol shared by `sluis serve` and `sluis upload`: upload tokens and receipts.
        .target(name: "SluisTransfer", dependencies: ["SluisCore", "SluisIO", "SluisCrypto"], swiftSettings: settings),
        // The intake upload service (tus 1.0 over Hummingbird).
        .target(name: "SluisServe",
                dependencies: ["SluisCore", "SluisIO", "SluisCrypto", "SluisFormats", "SluisPipeline", "SluisTransfer",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "HummingbirdCore", package: "hummingbird"),
                               .product(name: "HummingbirdTLS", package: "hummingbird"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "HTTPTypes", package: "swift-http-types")],
                swiftSettings: settings),
        // The tus client of `sluis upload`: resumable, checksummed, token per request, receipts kept.
        .target(name: "SluisUpload",
                dependencies: ["SluisCore", "SluisIO", "SluisCrypto", "SluisFormats", "SluisTransfer",
                               .product(name: "AsyncHTTPClient", package: "async-http-client")],
                swiftSettings: settings),
        .executableTarget(
            name: "sluis",
            dependencies: ["SluisCore", "SluisIO", "SluisCrypto", "SluisFormats", "SluisPipeline", "SluisLink", "SluisInbox",
                           "SluisOutput",
                           "SluisTransfer", "SluisServe", "SluisUpload",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: settings),
        // libFuzzer's entry point, declared only (make fuzz links the real one).
        .systemLibrary(name: "CLibFuzzer"),
        // The fuzz targets and their seeds, shared by the libFuzzer driver and SluisFuzzTests.
        .target(name: "SluisFuzzTargets",
                dependencies: ["SluisCore", "SluisCrypto", "SluisIO", "SluisFormats", "SluisPipeline", "SluisLink", "SluisInbox",
                               "SluisTestSupport"],
                path: "Tools/sluis-fuzz/Targets", swiftSettings: settings),
        .executableTarget(name: "sluis-fuzz", dependencies: ["SluisFuzzTargets", "CLibFuzzer"],
                          path: "Tools/sluis-fuzz", exclude: ["Targets", "Corpus"], swiftSettings: settings),
        // The residual scanner's throughput (bench/residual.sh).
        .executableTarget(name: "sluis-scanbench", dependencies: ["SluisCore"], path: "Tools/sluis-scanbench",
                          swiftSettings: settings),
        // Generates the encrypted-file test vectors under Tests/Vectors from fixed keys and injected randomness.
        .executableTarget(name: "sluis-vectors", dependencies: ["SluisCore", "SluisCrypto", "SluisIO"],
                          path: "Tools/sluis-vectors", swiftSettings: settings),

        .target(name: "SluisTestSupport", dependencies: ["SluisCore", "SluisIO", "SluisCrypto"],
                swiftSettings: settings),
        .testTarget(name: "SluisIOTests", dependencies: ["SluisIO", "SluisTestSupport"], swiftSettings: settings),
        .testTarget(name: "SluisCoreTests", dependencies: ["SluisCore"], swiftSettings: settings),
        .testTarget(name: "SluisCryptoTests", dependencies: ["SluisCrypto", "SluisTestSupport"],
                    resources: [.copy("Vectors")], swiftSettings: settings),
        .testTarget(name: "SluisFormatsTests", dependencies: ["SluisFormats", "SluisTestSupport"], swiftSettings: settings),
        // Vectors/check_package.py: the independent package reader, run by SluisCLITests.
        .testTarget(name: "SluisPipelineTests", dependencies: ["SluisPipeline", "SluisTestSupport"], exclude: ["Vectors"],
                    swiftSettings: settings),
        .testTarget(name: "SluisLinkTests", dependencies: ["SluisLink", "SluisPipeline", "SluisTestSupport"], swiftSettings: settings),
        .testTarget(name: "SluisInboxTests", dependencies: ["SluisInbox", "SluisTestSupport"], swiftSettings: settings),
        .testTarget(name: "SluisOutputTests", dependencies: ["SluisOutput", "SluisTestSupport"], exclude: ["acro"],
                    swiftSettings: settings),
        .testTarget(name: "SluisUploadTests", dependencies: ["SluisUpload", "SluisTransfer", "SluisTestSupport"], swiftSettings: settings),
        .testTarget(name: "SluisTransferTests", dependencies: ["SluisTransfer", "SluisCrypto"], swiftSettings: settings),
        .testTarget(name: "SluisServeTests", dependencies: ["SluisServe", "SluisIO", "SluisTestSupport"],
                    swiftSettings: settings),
        // The checked-in fuzz corpora (Tools/sluis-fuzz/Corpus) through every fuzz target.
        .testTarget(name: "SluisFuzzTests", dependencies: ["SluisFuzzTargets", "SluisTestSupport"], swiftSettings: settings),
        .testTarget(name: "SluisCLITests", dependencies: ["SluisTestSupport", "SluisCore", "SluisCrypto", "SluisFormats", "SluisTransfer"],
                    swiftSettings: settings),
    ],
    swiftLanguageModes: [.v6]
)
