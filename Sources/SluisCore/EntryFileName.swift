import Foundation

/// The rules for the file names a package carries in its inner manifest: the names `open` gives
/// the decrypted files (docs/format.md, "File names"). `seal` checks them so it never signs a
/// package that cannot be opened; `open` checks them again because the sender's sluis may differ.
///
/// Why so strict: the names become files on the intake's disk and lines on its officers'
/// terminals. A name must stay inside the output folder, show as what it is (no control, bidi or
/// other format characters), and not collide with another name on a case-insensitive or
/// normalising file system (macOS, Windows shares) — where `Report.csv` and `report.csv`, `ß` and
/// `SS`, `ﬁ` and `fi`, or a fullwidth `Ａ` and `A` would overwrite each other.
public enum EntryFileName {
    /// The longest name, in UTF-8 bytes (the common file-system limit).
    public static let maxByteCount = 255

    /// Why `name` cannot be a file name in a package, or nil when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > maxByteCount { return "it is longer than \(maxByteCount) bytes" }
        if name == "." || name == ".." || name.hasPrefix(".") { return "it starts with a dot (hidden, or a folder reference)" }
        if name.contains("/") || name.contains("\\") { return "it holds a slash or backslash (a folder)" }
        if name.unicodeScalars.contains(where: UntrustedText.needsEscape) {
            return "it holds a control, bidi or other format character"
        }
        return nil
    }

    /// The form two names are compared in: Unicode compatibility normalisation (NFKC) and full
    /// case folding, close to Unicode's NFKC_Casefold (`ß`, `SS` and `ss` all become `ss`; `ﬁ`
    /// becomes `fi`; fullwidth letters become ASCII). Names whose keys are equal collide.
    public static func collisionKey(_ name: String) -> String {
        // Upper- then lower-casing folds ß (→ SS → ss) and final sigma, which lowercasing alone does not.
        let folded = name.precomposedStringWithCompatibilityMapping.uppercased().lowercased()
        return folded.precomposedStringWithCompatibilityMapping
    }

    /// The indices of the first two names in `names` that collide (equal collision keys), if any.
    public static func firstCollision(_ names: [String]) -> (Int, Int)? {
        var seen: [String: Int] = [:]
        for (i, name) in names.enumerated() {
            let key = collisionKey(name)
            if let j = seen[key] { return (j, i) }
            seen[key] = i
        }
        return nil
    }
}
