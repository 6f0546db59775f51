import Foundation

/// The result of running the built `sluis` binary.
public struct CLIResult {
    /// The process's exit status.
    public let exitCode: Int32
    /// Standard output as text.
    public let stdout: String
    /// Standard error as text (what the "no secret in messages" checks read).
    public let stderr: String
    /// Standard output as bytes (for binary output such as a package on stdout).
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

    /// The binary the tests run: `$SLUIS_BIN`, else the build beside the test bundle or in `.build`.
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

extension CLI {
    /// Runs `sluis args…` on a pseudo-terminal (through util-linux `script`, part of every Debian
    /// system), answering prompts: for each step, waits until the terminal shows `waitFor`, then
    /// types `send`. Returns the exit code and everything the terminal showed (stdout, stderr
    /// and any echo), so a test can check that typed secrets were not echoed.
    public static func runOnTerminal(_ args: [String], in directory: String, answers: [(waitFor: String, send: String)],
                                     timeoutSeconds: Double = 60) throws -> (exitCode: Int32, transcript: String) {
        func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = ([binaryPath] + args).map(quoted).joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-q", "-e", "-c", command, "/dev/null"]
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SLUIS_PASSPHRASE_FILE")
        p.environment = env
        let inPipe = Pipe(), outPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = outPipe
        final class Transcript: @unchecked Sendable {
            let lock = NSLock()
            var data = Data()
            var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
        }
        let transcript = Transcript()
        outPipe.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            transcript.lock.lock(); transcript.data.append(chunk); transcript.lock.unlock()
        }
        try p.run()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var seen = 0  // answer only prompts that appear after the previous answer
        for answer in answers {
            while true {
                let text = transcript.text
                let tail = text.count > seen ? String(text.dropFirst(seen)) : ""
                if let range = tail.range(of: answer.waitFor) {
                    seen += tail.distance(from: tail.startIndex, to: range.upperBound)
                    break
                }
                guard p.isRunning, Date() < deadline else {
                    if p.isRunning { p.terminate() }
                    p.waitUntilExit()
                    outPipe.fileHandleForReading.readabilityHandler = nil
                    return (p.isRunning ? -1 : p.terminationStatus, transcript.text)
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
            inPipe.fileHandleForWriting.write(Data(answer.send.utf8))
        }
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        try? inPipe.fileHandleForWriting.close()
        Thread.sleep(forTimeInterval: 0.1)
        outPipe.fileHandleForReading.readabilityHandler = nil
        return (p.terminationStatus, transcript.text)
    }
}
