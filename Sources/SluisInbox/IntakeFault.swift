import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisLink
import SluisPipeline
#if canImport(Glibc)
import Glibc
#endif

/// Tells a fault of the intake from a fault of the package.
///
/// Only a package's own fault (its signature, trust, tampering, content) may send it to
/// quarantine. A fault of the intake — its configuration, keys and passphrases, registers, the
/// disk filling up, I/O errors on its own folders — says nothing about the package: the run
/// stops, the package stays claimed, and the next run after the fix delivers it exactly once.
enum IntakeFault {
    /// Raised by the intake's own preparation steps (keys, registers): always an intake fault.
    struct Raised: Error {
        let underlying: any Error
    }

    /// File-system errors that describe the machine, not the bytes being processed. (Not ENOENT
    /// or EINVAL: a package's own entry names could provoke those, and a package must never be
    /// able to stop the intake for every later upload.)
    static let environmentalErrnos: Set<Int32> = [ENOSPC, EDQUOT, EIO, EROFS, EACCES, EPERM, EMFILE, ENFILE, ENOMEM,
                                                   EBUSY, ESTALE]

    /// The intake-fault reading of `error`, or nil when it is the package's fault.
    /// `registers` are the register paths of the project being worked on (a register's own CSV
    /// errors name it).
    static func classify(_ error: any Error, registers: [String] = []) -> (reason: String, category: FailureCategory)? {
        switch error {
        case let raised as Raised:
            return classify(raised.underlying, registers: registers) ?? (message(raised.underlying), .usage)
        case let e as IOError:
            // A secret file group or others may read, or that another user owns: the intake's set-up.
            if e.category == .usage { return (e.description, .usage) }
            guard let code = errnoOf(e), environmentalErrnos.contains(code) else { return nil }
            return (e.description, .io)
        case let e as KeyFileError:
            return (e.description, .usage)
        case let e as TrustError:
            return (e.description, .usage)
        case let e as InboxError:
            switch e {
            case .config, .noRegister: return (e.description, .usage)
            case .locked: return (e.description, .io)
            default: return nil
            }
        case let e as LinkError:
            switch e {
            case .registerColumnMissing, .registerCodeMissing, .tooManyRegisterCodes, .registerRINInvalid,
                 .duplicateRegisterBSN, .pseudonymCollision, .surrogateKeyInvalid, .configInvalid:
                return (e.description, .usage)
            default: return nil
            }
        case let e as SluisError where registers.contains(where: { e.description.contains($0) }):
            return (e.description, .usage)
        default:
            return nil
        }
    }

    static func message(_ error: any Error) -> String {
        (error as? SluisError)?.description ?? "internal error (\(type(of: error)))"
    }

    static func errnoOf(_ e: IOError) -> Int32? {
        switch e {
        case let .cannotOpen(_, c), let .cannotCreate(_, c), let .readFailed(_, c), let .writeFailed(_, c),
             let .syncFailed(_, c), let .renameFailed(_, _, c):
            return c
        case .alreadyExists, .notADirectory, .notARegularFile, .tooLarge, .secretFileExposed, .secretFileNotOwned:
            return nil
        }
    }
}
