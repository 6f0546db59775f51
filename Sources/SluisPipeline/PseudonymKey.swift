import SluisCore
import SluisCrypto
import SluisIO

/// The project pseudonym key as the pipeline needs it: the secret (HKDF input) and the key id
/// that reports and manifests record. The driver takes this rather than a key file, so callers
/// (`sluis seal`, tests) can supply a key however they hold it.
public struct PseudonymKey: @unchecked Sendable {
    /// The 32-byte project key in guarded memory (the HKDF input of every sub-key).
    public let secret: SecretBytes
    /// The key's public id, recorded in reports and manifests.
    public let keyId: String
    /// A key as the caller holds it, with its id.
    public init(secret: SecretBytes, keyId: String) {
        self.secret = secret
        self.keyId = keyId
    }

    /// From a loaded project key file.
    public init(_ projectKey: ProjectKey) {
        self.init(secret: projectKey.secret, keyId: projectKey.keyId)
    }
}

extension LoadedPipeline {
    /// Loads the key file named by `pseudonymKey` and checks that it is the key of the config's
    /// `project` (a key of another project would silently make unlinkable pseudonyms).
    public func loadPseudonymKey(passphrase: PassphraseSource) throws -> PseudonymKey {
        let key = try ProjectKey.load(path: pseudonymKeyPath, passphrase: passphrase)
        guard key.projectId == config.project else {
            throw PipelineError.keyForOtherProject(path: config.pseudonymKey, keyId: key.keyId, configProject: config.project)
        }
        return PseudonymKey(key)
    }
}
