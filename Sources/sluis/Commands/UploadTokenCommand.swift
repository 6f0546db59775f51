import ArgumentParser
import Foundation
import SluisCore
import SluisCrypto
import SluisPipeline
import SluisTransfer

/// `sluis upload token`: prints an upload token (a JWT signed by the researcher's identity) for
/// tus clients other than `sluis upload`, e.g. `Authorization: Bearer $(sluis upload token …)`.
/// A standalone command type so that the `upload` command can take it as its `token` subcommand.
struct UploadTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print an upload token for sluis serve (for third-party tus clients).",
        discussion: "The token is a JWT signed with EdDSA by your identity (docs/serve.md, \"Upload tokens\"). "
            + "It is valid for --minutes (default 5, servers refuse more than they allow, 15 by default) and only for "
            + "the server named by --audience. With --package it may upload that one package only. Keep it private "
            + "until it expires: whoever holds it can upload in your name.")

    @Option(name: .long, help: "The project the upload is for.") var project: String
    @Option(name: .long, help: "Minutes the token is valid (1–60).") var minutes: Int = 5
    @Option(name: .long, help: "Your identity (secret key file); default: \"sign\" in pipeline.json.") var identity: String?
    @Option(name: [.customShort("c"), .long], help: "pipeline.json to take \"sign\" from.") var config: String = "pipeline.json"
    @Option(name: .long, help: "The server's name, from its operator (serverName in its serve.json).") var audience: String
    @Option(name: .long, help: "Restrict the token to this package file (its SHA-256).") var package: String?
    @Option(name: .long, help: "Passphrase file for the identity.") var passphraseFile: String?

    func run() throws {
        try reportingErrors {
            guard (1...60).contains(minutes) else { throw UsageError("--minutes must be between 1 and 60") }
            let path: String
            if let identity { path = identity } else {
                let pipeline = try LoadedPipeline.load(path: config)
                guard let p = pipeline.signingKeyPath else { throw UsageError("no identity: give --identity or \"sign\" in \(config)") }
                path = p
            }
            let signer = try Identity.load(path: path, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
            let digest = try package.map { try PackageDigest.sha256Hex(ofFile: $0) }
            let token = try UploadToken.mint(identity: signer, audience: audience, project: project, packageSHA256: digest,
                                             lifetime: TimeInterval(minutes * 60))
            print(token)
        }
    }
}
