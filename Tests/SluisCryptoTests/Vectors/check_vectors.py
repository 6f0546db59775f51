#!/usr/bin/env python3
"""An independent reader of the sluis encrypted file format, written from docs/format.md alone.

Decrypts every test vector with libsodium through ctypes (PyNaCl offers the same calls) and the
standard hashlib/hmac modules, and checks each `expect:` outcome. Usage:
    python3 Tests/SluisCryptoTests/Vectors/check_vectors.py Tests/SluisCryptoTests/Vectors
"""
import ctypes, ctypes.util, hashlib, hmac, os, sys

na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert na.sodium_init() >= 0
B = ctypes.c_ubyte

def buf(n): return (B * n)()

def hkdf(ikm, salt, info, n=32):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest(); out += t; i += 1
    return out[:n]

class Outcome(Exception): pass

def decrypt(data, seed):
    pk, sk = buf(32), buf(64)
    na.crypto_sign_seed_keypair(pk, sk, bytes(seed))
    xpk, xsk = buf(32), buf(32)
    na.crypto_sign_ed25519_pk_to_curve25519(xpk, pk); na.crypto_sign_ed25519_sk_to_curve25519(xsk, sk)
    if data[:len(data[:8])] != b"SLUISENC"[:len(data[:8])]: raise Outcome("header failure")
    if len(data) < 10: raise Outcome("truncated")
    if int.from_bytes(data[8:10], "big") != 1: raise Outcome("unsupported version")
    if len(data) < 16: raise Outcome("truncated")
    chunk, n = int.from_bytes(data[10:14], "big"), int.from_bytes(data[14:16], "big")
    if not (64 <= chunk <= 1 << 20 and 1 <= n <= 64): raise Outcome("header failure")
    hlen = 72 + 112 * n
    if len(data) < hlen: raise Outcome("truncated")
    mine = hashlib.sha256(bytes(pk)).digest()
    entries = [data[16 + 112 * i:16 + 112 * (i + 1)] for i in range(n)]
    matches = [e[32:] for e in entries if e[:32] == mine]
    if not matches: raise Outcome("no match")
    file_key = None
    for sealed in matches:
        out = buf(32)
        if na.crypto_box_seal_open(out, sealed, ctypes.c_ulonglong(80), xpk, xsk) == 0: file_key = bytes(out); break
    if file_key is None: raise Outcome("header failure")
    salt = b"sluis/file/v1"
    mac = hmac.new(hkdf(file_key, salt, b"header-mac"), data[:hlen - 32], hashlib.sha256).digest()
    if not hmac.compare_digest(mac, data[hlen - 32:hlen]): raise Outcome("header failure")
    state = buf(na.crypto_secretstream_xchacha20poly1305_statebytes())
    na.crypto_secretstream_xchacha20poly1305_init_pull(state, data[hlen - 56:hlen - 32], hkdf(file_key, salt, b"payload"))
    pos, plain, full = hlen, b"", chunk + 17
    final = na.crypto_secretstream_xchacha20poly1305_tag_final()
    while True:
        piece = data[pos:pos + full]; pos += len(piece)
        if not piece: raise Outcome("truncated")
        m, tag, mlen = buf(max(len(piece), 1)), B(), ctypes.c_ulonglong()
        if len(piece) < 17 or na.crypto_secretstream_xchacha20poly1305_pull(
                state, m, ctypes.byref(mlen), ctypes.byref(tag), piece, ctypes.c_ulonglong(len(piece)), None, ctypes.c_ulonglong(0)) != 0:
            raise Outcome("payload failure")
        plain += bytes(m)[:mlen.value]
        if tag.value == final:
            if pos < len(data): raise Outcome("trailing data")
            return plain
        if tag.value != 0: raise Outcome("payload failure")
        if len(piece) < full: raise Outcome("truncated")

def main(directory):
    failures = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".vector"): continue
        raw = open(os.path.join(directory, name), "rb").read()
        head, body = raw.split(b"\n\n", 1)
        fields = [l.split(": ", 1) for l in head.decode().split("\n")]
        f = {k: v for k, v in fields}
        try:
            plain = decrypt(body, bytes.fromhex(f["identity-seed"]))
            got = "success" if hashlib.sha256(plain).hexdigest() == f.get("plaintext-sha256") else "wrong plaintext"
        except Outcome as o:
            got = str(o)
        ok = got == f["expect"]
        failures += not ok
        print(("ok    " if ok else "FAIL  ") + name + ("" if ok else f": expected {f['expect']}, got {got}"))
    print(f"{failures} failure(s)")
    return 1 if failures else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Tests/SluisCryptoTests/Vectors"))
