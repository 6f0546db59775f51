import SluisCore
import SluisCrypto
import SluisIO
import SluisLink
import SluisPipeline

/// What the intake needs of its own to deliver a project's package: the trust list, the project's
/// pseudonym key and surrogate key unlocked, and a register with the needed columns.
///
/// Prepared before a package of the project is opened, so that a fault here — a missing
/// register, a key with loose permissions, a wrong passphrase — is recognised as the intake's
/// (`IntakeFault.Raised`): the run stops and the package stays claimed, instead of being
/// quarantined for a fault that is not its own.
struct ProjectResources {
    let trust: TrustStore
    let keyId: String

    static func prepare(_ project: IntakeConfig.Project, config: IntakeConfig) throws -> ProjectResources {
        do {
            for (i, t) in project.trust.enumerated() {
                try IntakeCheck.checkFile(t, config, "projects.\(project.id).trust[\(i)]", secret: false)
            }
            let trust = try TrustStore(publicKeyFiles: project.trust, project: project.id)
            try IntakeCheck.checkFile(project.pseudonymKey, config, "projects.\(project.id).pseudonymKey", secret: true)
            let key = try ProjectKey.load(path: project.pseudonymKey,
                                          passphrase: PassphraseSource.resolve(passphraseFile: project.pseudonymKeyPassphraseFile))
            guard key.projectId == project.id else {
                throw InboxError.config(path: config.path, jsonPath: "projects.\(project.id).pseudonymKey",
                                        problem: "\(project.pseudonymKey) is the key of project \(key.projectId)")
            }
            _ = try SurrogateKey.load(path: project.surrogateKey)
            try IntakeCheck.checkFile(project.register, config, "projects.\(project.id).register", secret: false)
            try IntakeCheck.checkRegisterColumns(project, config)
            return ProjectResources(trust: trust, keyId: key.keyId)
        } catch {
            throw IntakeFault.Raised(underlying: error)
        }
    }
}
