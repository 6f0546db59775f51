import ArgumentParser
import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisLink
import SluisPipeline

/// `sluis link`: replaces the pseudonym columns of opened package folders (or single files) by
/// RINPERSOONS/RINPERSOON through the reference register, and prints the link report
/// (docs/intake.md, "Linking").
struct LinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Link pseudonyms to RINPERSOONS/RINPERSOON through the register",
        discussion: "Settings come from -c link.json and flags (flags win). Output files keep the input's name, "
            + "format and dialect; all are written atomically, or none. Counts below 10 in the report are shown as <10.")

    @Argument(help: "Opened package folders or data files (default: inputs in link.json).")
    var inputs: [String] = []
    @Option(name: [.customShort("c"), .long], help: "link.json with the settings (docs/intake.md).")
    var config: String?
    @Option(help: "The reference register (CSV with BSN, RINPERSOONS, RINPERSOON, sex, birth date, postcode, house number).")
    var register: String?
    @Option(help: "A register column name, as ROLE=NAME (roles: bsn rinpersoons rinpersoon sex birthdate postcode housenumber).")
    var registerColumn: [String] = []
    @Option(help: "The project's pseudonym key file.")
    var pseudonymKey: String?
    @Option(help: "Read the pseudonym key's passphrase from this file (mode 0600).")
    var passphraseFile: String?
    @Option(help: "The intake's surrogate key file for unmatched rows (make one with --new-surrogate-key).")
    var surrogateKey: String?
    @Option(name: .shortAndLong, help: "The output folder (refused when it exists and is not empty, unless --force).")
    var output: String?

    @Flag(name: .long, help: "Replace an existing output folder (atomically) instead of refusing it.")
    var force = false

    @Flag(name: [.customShort("q"), .long], help: "No progress on stderr.")
    var quiet = false
    @Option(help: "A pseudonym column of files without a manifest, as NAME=DOMAIN (e.g. bsn_p=bsn).")
    var column: [String] = []
    @Option(help: "The project's pseudonym rendering (default decimal:17).")
    var rendering: String?
    @Option(help: "RINPERSOONS for rows that match no register person (default S).")
    var unmatchedCode: String?
    @Flag(help: "Print the report as JSON.")
    var json = false
    @Option(help: "Also write the report to this file.")
    var report: String?
    @Option(help: "Threads for building the register index.")
    var threads = 2
    @Flag(help: "Print how long each stage took, and the index size, on standard error.")
    var timings = false
    @Option(help: "Write a new intake surrogate key to this file (mode 0600) and stop.")
    var newSurrogateKey: String?
    @Option(help: "What a pseudonym collision in the register does: skip (never link on it; the default) or stop.")
    var onCollision: String?
    @Flag(help: "Report how many pseudonym collisions the register has under the project key, and stop (needs only the register and the key).")
    var checkRegister = false

    func run() throws {
        try reportingErrors {
            if let path = newSurrogateKey {
                try SurrogateKey.generate(path: path)
                print("wrote \(path) (keep it with the intake; never give it to researchers)")
                return
            }
            var settings = try config.map { try LinkConfig.load(path: $0) } ?? LinkConfig()
            try apply(to: &settings)
            if checkRegister { try check(settings) } else { try link(settings) }
        }
    }

    /// Flags over link.json.
    private func apply(to s: inout LinkConfig) throws {
        if !inputs.isEmpty { s.inputs = inputs }
        if let register { s.register = LinkConfig.Register(path: register, columns: s.register?.columns) }
        if !registerColumn.isEmpty {
            s.register = LinkConfig.Register(path: s.register?.path,
                                             columns: try Self.registerColumns(registerColumn, over: s.register?.columns ?? RegisterColumns()))
        }
        if let pseudonymKey { s.pseudonymKey = pseudonymKey }
        if let surrogateKey { s.surrogateKey = surrogateKey }
        if let output { s.output = LinkConfig.Output(directory: output, rinpersoons: s.output?.rinpersoons, rinpersoon: s.output?.rinpersoon,
                                                     prefixSeparator: s.output?.prefixSeparator) }
        if !column.isEmpty {
            s.pseudonymColumns = try column.map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw UsageError("--column takes NAME=DOMAIN, e.g. bsn_p=bsn") }
                return PseudonymColumn(name: parts[0], domain: parts[1])
            }
        }
        if let rendering { s.rendering = rendering }
        if let unmatchedCode { s.unmatchedCode = unmatchedCode }
        if let onCollision {
            guard CollisionPolicy(setting: onCollision) != nil else { throw UsageError("--on-collision must be skip or stop") }
            s.onCollision = onCollision
        }
    }

    /// `--register-column ROLE=NAME` flags over `columns` (shared with `sluis keygen pseudonym`).
    static func registerColumns(_ flags: [String], over columns: RegisterColumns) throws -> RegisterColumns {
        var columns = columns
        for pair in flags {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { throw UsageError("--register-column takes ROLE=NAME, e.g. bsn=BSN") }
            guard columns.set(role: parts[0], to: parts[1]) else {
                throw UsageError("--register-column: unknown role '\(parts[0])'; use " + RegisterColumns.roles.joined(separator: ", "))
            }
        }
        return columns
    }

    /// The rendering setting, checked.
    private static func rendering(_ s: LinkConfig) throws -> PseudonymRendering {
        let renderingText = s.rendering ?? PseudonymRendering.default.description
        guard let rendering = PseudonymRendering(parsing: renderingText) else {
            throw UsageError("rendering '\(renderingText)' is not valid; use decimal:WIDTH (1-38) or hex:WIDTH (1-64)")
        }
        return rendering
    }

    /// `--check-register`: builds the index for the domains the inputs use (without inputs: every
    /// domain the register has the columns for) and reports its collisions per domain.
    private func check(_ s: LinkConfig) throws {
        guard let registerPath = s.register?.path else { throw UsageError("give the register with --register or register.path in link.json") }
        guard let keyPath = s.pseudonymKey else { throw UsageError("give the project's pseudonym key with --pseudonym-key or pseudonymKey in link.json") }
        let rendering = try Self.rendering(s)
        let columns = s.register?.columns ?? RegisterColumns()
        let register = try CSVReader(path: registerPath)
        var domains: [PseudonymDomain] = []
        if let inputs = s.inputs, !inputs.isEmpty {
            let files = try LinkFiles.expand(inputs, formats: LinkFormats.all)
            domains = s.domainsNeeded(for: try files.map { try openedPackageLayout(of: $0, settings: s) ?? s.layout(forFile: $0) })
        }
        if domains.isEmpty { domains = columns.domainsAvailable(in: register.columnNames) }
        if domains.isEmpty { domains = [LinkDomains.bsn] }  // the build names the missing column
        let projectKey = try ProjectKey.load(path: keyPath, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
        let builder = RegisterIndexBuilder(projectKey: projectKey.secret, projectId: projectKey.projectId, rendering: rendering,
                                           columns: columns, domains: domains, threads: threads)
        let index = try builder.build(from: register)
        let check = RegisterCheckReport(register: registerPath, project: projectKey.projectId, keyId: projectKey.keyId,
                                        rendering: rendering.description, rows: index.rowCount, domains: index.statistics)
        print(json ? check.json : check.text, terminator: "")
    }

    private func link(_ s: LinkConfig) throws {
        guard let inputs = s.inputs, !inputs.isEmpty else { throw UsageError("give the folders or files to link, as arguments or inputs in link.json") }
        guard let registerPath = s.register?.path else { throw UsageError("give the register with --register or register.path in link.json") }
        guard let keyPath = s.pseudonymKey else { throw UsageError("give the project's pseudonym key with --pseudonym-key or pseudonymKey in link.json") }
        guard let surrogatePath = s.surrogateKey else {
            throw UsageError("give the intake's surrogate key with --surrogate-key or surrogateKey in link.json (make one with --new-surrogate-key FILE)")
        }
        guard let outputDirectory = s.output?.directory else { throw UsageError("give the output folder with -o or output.directory in link.json") }
        let rendering = try Self.rendering(s)
        if let w = s.surrogateWidth, !(1...38).contains(w) { throw UsageError("surrogateWidth must be 1 to 38 digits") }
        if (s.unmatchedCode ?? "S").isEmpty { throw UsageError("unmatchedCode must not be empty") }

        let files = try LinkFiles.expand(inputs, formats: LinkFormats.all)
        let linkInputs = try files.map { LinkInput(path: $0, layout: try openedPackageLayout(of: $0, settings: s) ?? s.layout(forFile: $0)) }
        let columns = s.register?.columns ?? RegisterColumns()
        let register = try CSVReader(path: registerPath)
        var domains = s.domainsNeeded(for: linkInputs.map(\.layout))
        if domains.isEmpty { domains = columns.domainsAvailable(in: register.columnNames) }

        let projectKey = try ProjectKey.load(path: keyPath, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
        try checkKeyMatches(files, projectKey)
        let surrogateSecret = try SurrogateKey.load(path: surrogatePath)

        let started = Date()
        var builder = RegisterIndexBuilder(projectKey: projectKey.secret, projectId: projectKey.projectId, rendering: rendering,
                                           columns: columns, domains: domains, threads: threads)
        builder.onCollision = s.collisionPolicy
        if timings {
            builder.onStage = { stage, seconds in
                printError("sluis: \(stage): " + String(format: "%.2f s (resident now %d MB)", seconds, residentMegabytes()))
            }
        }
        let index = try builder.build(from: register)
        let built = Date()
        if timings {
            printError(String(format: "sluis: register index: %d rows in %.2f s, %d MB", index.rowCount,
                              built.timeIntervalSince(started), index.byteCount >> 20))
        }
        let linker = TableLinker(index: index, surrogateSecret: surrogateSecret, projectId: projectKey.projectId, options: s.options)
        // Written as a whole: a staging folder beside the output, renamed into place at the end,
        // so no stale file of an earlier run survives and a failure leaves nothing.
        let staged = try StagedDirectory(target: outputDirectory, replacing: force, purpose: "link")
        let progress = ProgressReporter(label: "linking", totalByteCount: files.reduce(UInt64(0)) { $0 + ((try? FileInput(path: $1).size()) ?? nil ?? 0) },
                                        enabled: !quiet && !json && !timings)
        let result: LinkReport
        do {
            defer { progress.finish() }
            result = try LinkFiles.run(linkInputs, outputDirectory: staged.path, reportedDirectory: staged.target, linker: linker,
                                       formats: LinkFormats.all, onStage: builder.onStage)
            try staged.commit()
        }
        if timings {
            let seconds = Date().timeIntervalSince(built)
            let rows = result.files.reduce(0) { $0 + $1.rows }
            printError(String(format: "sluis: linked %d rows in %.2f s (%.2f million rows/s)", rows, seconds, Double(rows) / seconds / 1e6))
        }
        let text = json ? result.json : result.text
        if let report { try FileSystem.writeAtomically(Array(text.utf8), to: report, mode: 0o600) }
        print(text, terminator: "")
    }

    /// The resident set size of this process, from /proc (0 where there is none).
    private func residentMegabytes() -> Int { LinkCommand.residentMegabytes() }

    /// The layout a package's inner manifest gives for a file opened by `sluis open`, or nil when
    /// there is none (then link.json or --column decide).
    /// The package's manifest says which columns hold which pseudonyms; which of them belong to
    /// one person can only be said by the intake: link.json's `files.NAME.personKeys` applies.
    private func openedPackageLayout(of path: String, settings: LinkConfig) throws -> LinkFileLayout? {
        let name = splitPath(path).name
        guard let metadata = try OpenedPackageMetadata.forFile(path),
              let file = metadata.file(named: name) else { return nil }
        var layout = LinkFileLayout(manifestColumns: file.columns)
        if let keys = settings.files?[name]?.personKeys { layout.personKeys = keys }
        return layout
    }

    /// Every opened package among the inputs must have been pseudonymised with this project key.
    private func checkKeyMatches(_ files: [String], _ key: ProjectKey) throws {
        for path in files {
            guard let metadata = try OpenedPackageMetadata.forFile(path) else { continue }
            if metadata.package.pseudonymKeyId != key.keyId || metadata.package.project != key.projectId {
                throw PseudonymKeyMismatch(file: path, expected: "\(metadata.package.pseudonymKeyId) (\(metadata.package.project))",
                                           actual: "\(key.keyId) (\(key.projectId))")
            }
        }
    }

    static func residentMegabytes() -> Int {
        guard let bytes = try? FileSystem.readAll("/proc/self/statm", limitByteCount: 4096) else { return 0 }
        let text = String(decoding: bytes, as: UTF8.self)
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return (pages * Int(sysconf(Int32(_SC_PAGESIZE)))) >> 20
    }
}
