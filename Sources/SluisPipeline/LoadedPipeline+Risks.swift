import SluisCore
import SluisCrypto
import SluisIO

/// Risks `sluis check` can see without reading the data or any passphrase: key and recipient
/// files that would stop `sluis seal`, and kept columns whose names say they hold names or
/// addresses (docs/pipeline.md, "What check warns about").
extension LoadedPipeline {
    /// Parts of column names (lower-cased, with spaces, `_`, `-` and `.` removed) that say a
    /// column holds a person's name or address. Deliberately not: `woonplaats`/`plaats`/
    /// `gemeente` (a municipality is a common analysis variable, not an address by itself).
    public static let nameOrAddressWords = ["naam", "name", "voorletter", "initialen", "initials", "tussenvoegsel",
                                            "adres", "address", "straat", "street", "huisnummer", "huisnr", "housenumber",
                                            "postcode", "zipcode", "toevoeging"]
    /// Name parts of a postcode column and of a house-number column (kept together they identify an address).
    static let postcodeWords = ["postcode", "zipcode", "pc6"]
    static let houseNumberWords = ["huisnummer", "huisnr", "housenumber"]

    /// Warnings for file `index`: kept columns named like names or addresses, and a postcode
    /// and a house number kept as separate columns.
    public func columnWarnings(_ index: Int) -> [String] {
        let file = config.files[index]
        let kept = file.columns.filter { if case .keep = $0.action { return true } else { return false } }.map(\.name)
        func key(_ name: String) -> String { String(name.lowercased().filter { !" _-.".contains($0) }) }
        var warnings: [String] = []
        for name in kept {
            if let word = Self.nameOrAddressWords.first(where: { key(name).contains($0) }) {
                warnings.append("\(file.path): column \(name) is kept but its name (\"\(word)\") says it may hold names or addresses; drop, generalise or pseudonymise it if it does")
            }
        }
        let postcodes = kept.filter { name in Self.postcodeWords.contains { key(name).contains($0) } }
        let houseNumbers = kept.filter { name in Self.houseNumberWords.contains { key(name).contains($0) } }
        if let p = postcodes.first, let h = houseNumbers.first {
            warnings.append("\(file.path): columns \(p) and \(h) are both kept: a postcode with a house number identifies an address; generalise the postcode to pc4 or drop one of them")
        }
        return warnings
    }

    /// Why `sluis seal` would stop on the key files pipeline.json names, found without any
    /// passphrase: a pseudonym key, signing identity or recipient file that is missing,
    /// unreadable, not a key of its kind, of another project, or whose mode lets others read a
    /// secret key or change a public one.
    public func keyFileProblems() -> [String] {
        var problems: [String] = []
        func note(_ member: String, _ body: () throws -> String?) {
            do {
                if let problem = try body() { problems.append("\(configPath): \(member): \(problem)") }
            } catch let error as SluisError {
                problems.append("\(configPath): \(member): \(error.description)")
            } catch {
                problems.append("\(configPath): \(member): cannot be read")
            }
        }
        note("pseudonymKey") {
            let key = try ProjectKey.describe(secretKeyFile: pseudonymKeyPath)
            guard key.projectId == config.project else {
                return PipelineError.keyForOtherProject(path: config.pseudonymKey, keyId: key.keyId, configProject: config.project).description
            }
            return nil
        }
        if let sign = signingKeyPath {
            note("sign") { _ = try Identity.recipient(ofSecretKeyFile: sign); return nil }
        }
        var seen: [String: Int] = [:]
        for (i, path) in recipientPaths.enumerated() {
            note("recipients[\(i)]") {
                let recipient = try Recipient(contentsOfFile: path)
                if let mode = FileSystem.mode(path), mode & 0o022 != 0 {
                    return "\(path) may be changed by group or others (mode \(String(mode, radix: 8))); a swapped public key would encrypt the package for someone else: chmod go-w it"
                }
                if let j = seen[recipient.fingerprint] { return "the same public key as recipients[\(j)]" }
                seen[recipient.fingerprint] = i
                return nil
            }
        }
        return problems
    }
}
