import ArgumentParser
import Foundation
import SluisCore
import SluisServe

/// `sluis serve -c serve.json`: the intake's upload service (tus 1.0), docs/serve.md.
/// The command stays synchronous like the others and waits for the async server here.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the intake's upload service (tus 1.0 resumable uploads into the inbox).",
        discussion: "Reads serve.json (docs/serve.md). Stops gracefully on SIGTERM or SIGINT: in-flight writes finish first. "
            + "With \"port\": 0 it binds a free port, prints it on stderr and writes it to --port-file.")

    @Option(name: [.customShort("c"), .long], help: "The service's configuration.") var config: String = "serve.json"
    @Option(name: .long, help: "Write the port the server listens on to this file once it accepts connections.") var portFile: String?

    func run() throws {
        try reportingErrors {
            final class Outcome: @unchecked Sendable { var error: (any Error)? }
            let outcome = Outcome()
            let done = DispatchSemaphore(value: 0)
            let (configPath, portFilePath) = (config, portFile)
            Task.detached {
                do { try await UploadServer.run(configPath: configPath, portFile: portFilePath) } catch { outcome.error = error }
                done.signal()
            }
            done.wait()
            if let error = outcome.error { throw error }
        }
    }
}
