import Foundation

/// The result of running the built `sluis` binary.
public struct CLIResult {
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    public let stdoutBytes: [UInt8]
}

/// Runs the built `sluis` tool (the debug build beside the test bundle, or `$SLUIS_BIN`).
public enum CLI {
    /// The package's root folder.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static var binaryPath: String {
        if let p = ProcessInfo.processInfo.environment["SLUIS_BIN"] { return p }
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("sluis").path
        if FileManager.default.isExecutableFile(atPath: bundle) { return bundle }
        for dir in [".build/debug", ".build/release"] {
            let p = packageRoot + "/" + dir + "/sluis"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return packageRoot + "/.build/debug/sluis"
    }

    /// Runs `sluis args…` in `directory`, feeding `stdin`, with extra environment variables.
    @discardableResult
    public static func run(_ args: [String], in directory: String? = nil, stdin: [UInt8] = [],
                           environment: [String: String] = [:]) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binaryPath)
        p.arguments = args
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SLUIS_PASSPHRASE_FILE")
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = errPipe
        try p.run()
        // Drain both pipes concurrently so a large output cannot deadlock the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box(), errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outBox.data = outPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errBox.data = errPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if !stdin.isEmpty { inPipe.fileHandleForWriting.write(Data(stdin)) }
        try? inPipe.fileHandleForWriting.close()
        p.waitUntilExit()
        group.wait()
        let outData = outBox.data, errData = errBox.data
        return CLIResult(exitCode: p.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self),
                         stdoutBytes: Array(outData))
    }
}
