/// Every libsodium construction that keys and encrypted files use, in one file, so that auditing
/// the cryptography of sluis means reading one page (the C calls themselves are in Sodium.swift,
/// the only importer of libsodium).
///
/// Secrets go in and come out as `SecretBytes`; public values as `[UInt8]`. Functions that can
/// fail on input (a bad point, a failed authentication) return nil; the caller turns that into an
/// error that says what it means.
enum Primitives {
    static let ed25519PublicKeyByteCount = 32
    static let ed25519SeedByteCount = 32
    static let ed25519SecretKeyByteCount = 64
    static let signatureByteCount = 64
    static let x25519KeyByteCount = 32
    static let fileKeyByteCount = 32
    /// `crypto_box_seal` of a 32-byte file key: ephemeral public key (32) ‖ MAC (16) ‖ ciphertext (32).
    static let sealedFileKeyByteCount = 80
    static let argon2SaltByteCount = 16
    static let aeadNonceByteCount = 24
    static let aeadTagByteCount = 16

    // MARK: Ed25519 and the conversion to X25519

    /// The Ed25519 key pair of a 32-byte seed (`crypto_sign_seed_keypair`).
    static func ed25519KeyPair(seed: SecretBytes) -> (publicKey: [UInt8], secretKey: SecretBytes) {
        Sodium.ready()
        precondition(seed.count == ed25519SeedByteCount)
        var pk = [UInt8](repeating: 0, count: ed25519PublicKeyByteCount)
        let sk = SecretBytes(count: ed25519SecretKeyByteCount)
        seed.withUnsafeBytes { s in
            sk.withUnsafeMutableBytes { k in
                // swift-format-ignore: NeverForceUnwrap
                // Safe: the key pair arrays and SecretBytes have fixed, non-zero sizes, so each buffer has a base address.
                pk.withUnsafeMutableBytes { Sodium.ed25519SeedKeyPair(publicKey: $0.baseAddress!, secretKey: k.baseAddress!, seed: s.baseAddress!) }
            }
        }
        return (pk, sk)
    }

    /// The X25519 public key of an Ed25519 public key, or nil when the bytes are not a valid point.
    static func x25519PublicKey(fromEd25519 pk: [UInt8]) -> [UInt8]? {
        Sodium.ready()
        guard pk.count == ed25519PublicKeyByteCount else { return nil }
        var out = [UInt8](repeating: 0, count: x25519KeyByteCount)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `pk` has 32 bytes (guard above) and `out` 32, so both buffers have base addresses.
        let ok = out.withUnsafeMutableBytes { o in pk.withUnsafeBytes { Sodium.ed25519PublicKeyToX25519(o.baseAddress!, $0.baseAddress!) } }
        guard ok else { return nil }
        return out
    }

    /// The X25519 secret key of an Ed25519 secret key (64 bytes).
    static func x25519SecretKey(fromEd25519 sk: SecretBytes) -> SecretBytes {
        let out = SecretBytes(count: x25519KeyByteCount)
        sk.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { o in
                // swift-format-ignore: NeverForceUnwrap
                // Safe: both are SecretBytes, whose sodium_malloc pointer is never nil.
                Sodium.ed25519SecretKeyToX25519(o.baseAddress!, s.baseAddress!)
            }
        }
        return out
    }

    /// A detached Ed25519 signature.
    static func sign(_ message: [UInt8], secretKey: SecretBytes) -> [UInt8] {
        var sig = [UInt8](repeating: 0, count: signatureByteCount)
        secretKey.withUnsafeBytes { k in
            sig.withUnsafeMutableBytes { o in
                // swift-format-ignore: NeverForceUnwrap
                // Safe: `sig` has 64 bytes and the key is SecretBytes, so both have base addresses.
                message.withUnsafeBytes { Sodium.ed25519Sign(o.baseAddress!, message: $0, secretKey: k.baseAddress!) }
            }
        }
        return sig
    }

    /// Checks a detached Ed25519 signature.
    static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        Sodium.ready()
        guard signature.count == signatureByteCount, publicKey.count == ed25519PublicKeyByteCount else { return false }
        return signature.withUnsafeBytes { sig in
            publicKey.withUnsafeBytes { pk in
                // swift-format-ignore: NeverForceUnwrap
                // Safe: the signature and the public key have their fixed sizes (guard above), so both have base addresses.
                message.withUnsafeBytes { Sodium.ed25519Verify(sig.baseAddress!, message: $0, publicKey: pk.baseAddress!) }
            }
        }
    }

    // MARK: Sealed boxes

    /// `crypto_box_seal(fileKey, recipient)` built from its documented parts so that the ephemeral key
    /// comes from `ephemeralSeed` (injectable for test vectors) rather than from inside libsodium:
    /// (epk, esk) = crypto_box_seed_keypair(seed); nonce = BLAKE2b-192(epk ‖ pk);
    /// sealed = epk ‖ crypto_box_easy(fileKey, nonce, pk, esk). `crypto_box_seal_open` opens it.
    static func seal(_ fileKey: SecretBytes, to recipientX25519: [UInt8], ephemeralSeed: SecretBytes) -> [UInt8] {
        Sodium.ready()
        precondition(recipientX25519.count == x25519KeyByteCount && ephemeralSeed.count == 32)
        var epk = [UInt8](repeating: 0, count: 32)
        let esk = SecretBytes(count: 32)
        esk.withUnsafeMutableBytes { e in
            ephemeralSeed.withUnsafeBytes { s in
                // swift-format-ignore: NeverForceUnwrap
                // Safe: `epk` has 32 bytes and the keys are SecretBytes, so each buffer has a base address.
                epk.withUnsafeMutableBytes { Sodium.boxSeedKeyPair(publicKey: $0.baseAddress!, secretKey: e.baseAddress!, seed: s.baseAddress!) }
            }
        }
        var nonce = [UInt8](repeating: 0, count: 24)
        let nonceInput = epk + recipientX25519
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `nonce` has 24 bytes, so its buffer has a base address.
        nonce.withUnsafeMutableBytes { n in nonceInput.withUnsafeBytes { Sodium.blake2b(n.baseAddress!, outCount: 24, $0) } }
        var boxed = [UInt8](repeating: 0, count: 16 + fileKey.count)
        fileKey.withUnsafeBytes { m in
            esk.withUnsafeBytes { e in
                boxed.withUnsafeMutableBytes { b in
                    nonce.withUnsafeBytes { n in
                        recipientX25519.withUnsafeBytes { pk in
                            // swift-format-ignore: NeverForceUnwrap
                            // Safe: `boxed` has at least 16 bytes, the nonce 24, the recipient key 32 (precondition) and the secret key is SecretBytes.
                            Sodium.boxEasy(b.baseAddress!, message: m, nonce: n.baseAddress!, publicKey: pk.baseAddress!, secretKey: e.baseAddress!)
                        }
                    }
                }
            }
        }
        return epk + boxed
    }

    /// Opens a sealed file key (`crypto_box_seal_open`); nil when it does not authenticate.
    static func openSealed(_ sealed: [UInt8], publicKey: [UInt8], secretKey: SecretBytes) -> SecretBytes? {
        guard sealed.count == sealedFileKeyByteCount, publicKey.count == x25519KeyByteCount else { return nil }
        let out = SecretBytes(count: fileKeyByteCount)
        let ok = out.withUnsafeMutableBytes { o in
            secretKey.withUnsafeBytes { s in
                sealed.withUnsafeBytes { c in
                    // swift-format-ignore: NeverForceUnwrap
                    // Safe: `out` and the secret key are SecretBytes and the public key has 32 bytes (guard above).
                    publicKey.withUnsafeBytes { Sodium.boxSealOpen(o.baseAddress!, sealed: c, publicKey: $0.baseAddress!, secretKey: s.baseAddress!) }
                }
            }
        }
        return ok ? out : nil
    }

    // MARK: Passphrase protection

    /// Argon2id13 (`crypto_pwhash`) of a passphrase into a 32-byte key; nil when libsodium refuses
    /// (out of memory, limits outside its range).
    static func argon2id(passphrase: SecretBytes, salt: [UInt8], opsLimit: UInt64, memLimitBytes: UInt64) -> SecretBytes? {
        Sodium.ready()
        guard salt.count == argon2SaltByteCount else { return nil }
        let key = SecretBytes(count: 32)
        let ok = key.withUnsafeMutableBytes { k in
            passphrase.withUnsafeBytes { p in
                salt.withUnsafeBytes {
                    // swift-format-ignore: NeverForceUnwrap
                    // Safe: the key is SecretBytes and the salt has its fixed size (guard above).
                    Sodium.argon2id(k.baseAddress!, outCount: 32, passphrase: p, salt: $0.baseAddress!,
                                    opsLimit: opsLimit, memLimitBytes: Int(memLimitBytes))
                }
            }
        }
        return ok ? key : nil
    }

    /// XChaCha20-Poly1305 (IETF) encryption of a secret under `key` with additional data.
    static func aeadSeal(_ plaintext: SecretBytes, additionalData: [UInt8], nonce: [UInt8], key: SecretBytes) -> [UInt8] {
        precondition(nonce.count == aeadNonceByteCount && key.count == 32)
        var out = [UInt8](repeating: 0, count: plaintext.count + aeadTagByteCount)
        plaintext.withUnsafeBytes { m in
            key.withUnsafeBytes { k in
                out.withUnsafeMutableBytes { o in
                    additionalData.withUnsafeBytes { ad in
                        nonce.withUnsafeBytes {
                            // swift-format-ignore: NeverForceUnwrap
                            // Safe: `out` has at least the tag's 16 bytes, the nonce 24 (precondition) and the key is SecretBytes.
                            Sodium.xchacha20Poly1305Encrypt(o.baseAddress!, message: m, additionalData: ad, nonce: $0.baseAddress!, key: k.baseAddress!)
                        }
                    }
                }
            }
        }
        return out
    }

    /// XChaCha20-Poly1305 (IETF) decryption into guarded memory; nil when it does not authenticate.
    static func aeadOpen(_ ciphertext: [UInt8], additionalData: [UInt8], nonce: [UInt8], key: SecretBytes) -> SecretBytes? {
        guard nonce.count == aeadNonceByteCount, ciphertext.count >= aeadTagByteCount else { return nil }
        let out = SecretBytes(count: ciphertext.count - aeadTagByteCount)
        let ok = out.withUnsafeMutableBytes { m in
            key.withUnsafeBytes { k in
                ciphertext.withUnsafeBytes { c in
                    additionalData.withUnsafeBytes { ad in
                        nonce.withUnsafeBytes {
                            // swift-format-ignore: NeverForceUnwrap
                            // Safe: `out` and the key are SecretBytes (never nil) and the nonce has 24 bytes (guard above).
                            Sodium.xchacha20Poly1305Decrypt(m.baseAddress!, ciphertext: c, additionalData: ad, nonce: $0.baseAddress!, key: k.baseAddress!)
                        }
                    }
                }
            }
        }
        return ok ? out : nil
    }

    // MARK: Base64 (libsodium's decoder runs in constant time, which matters for secrets)

    /// Standard base64 with padding.
    static func base64(_ bytes: UnsafeRawBufferPointer) -> String {
        Sodium.ready()
        let length = Sodium.base64EncodedLengthWithNUL(bytes.count)
        var out = [CChar](repeating: 0, count: length)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `out` holds at least the terminating NUL, so its buffer has a base address.
        out.withUnsafeMutableBytes { Sodium.base64Encode(bytes, into: $0.baseAddress!, outCount: length) }
        let text = out.withUnsafeBytes { String(decoding: $0.prefix(length - 1), as: UTF8.self) }
        out.withUnsafeMutableBytes { Sodium.zero($0) }
        return text
    }

    static func base64(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { base64($0) } }

    /// Standard base64 of a secret, appended to `out` as bytes (never a Swift string, which could
    /// not be wiped); the caller wipes `out`.
    static func appendBase64(of secret: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        Sodium.ready()
        let length = Sodium.base64EncodedLengthWithNUL(secret.count)
        let buffer = SecretBytes(count: length)
        buffer.withUnsafeMutableBytes { b in
            // swift-format-ignore: NeverForceUnwrap
            // Safe: SecretBytes always lends its sodium_malloc pointer (never nil).
            Sodium.base64Encode(secret, into: b.baseAddress!, outCount: length)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[0..<(length - 1)]))
        }
    }

    /// Decodes standard base64 (padding required, no whitespace) of exactly `byteCount` bytes, or nil.
    static func decodeBase64(_ text: Substring, byteCount: Int) -> [UInt8]? {
        guard let secret = decodeBase64Secret(text, byteCount: byteCount) else { return nil }
        return secret.exposedCopy()
    }

    /// Decodes standard base64 of exactly `byteCount` bytes into guarded memory, or nil.
    static func decodeBase64Secret(_ text: Substring, byteCount: Int) -> SecretBytes? {
        var chars = Array(text.utf8)
        defer { chars.withUnsafeMutableBytes { Sodium.zero($0) } }
        return chars.withUnsafeBytes { decodeBase64Secret(bytes: $0, byteCount: byteCount) }
    }

    /// The same from base64 text held as bytes (a secret key's, kept out of Swift strings).
    static func decodeBase64Secret(bytes chars: UnsafeRawBufferPointer, byteCount: Int) -> SecretBytes? {
        Sodium.ready()
        guard !chars.isEmpty, chars.count == Sodium.base64EncodedLengthWithNUL(byteCount) - 1
        else { return nil }
        let out = SecretBytes(count: byteCount + 3)
        let written = out.withUnsafeMutableBytes { Sodium.base64Decode(chars, into: $0) }
        guard written == byteCount else { return nil }
        let exact = SecretBytes(count: byteCount)
        exact.withUnsafeMutableBytes { d in out.withUnsafeBytes { s in d.copyMemory(from: UnsafeRawBufferPointer(rebasing: s[0..<byteCount])) } }
        return exact
    }

}
