#!/usr/bin/env python3
"""An independent reader of the sluis package format (`*.sluis`), written from docs/format.md alone.

Python standard library plus libsodium through ctypes, like
Tests/SluisCryptoTests/Vectors/check_vectors.py (the reader of the encrypted-file part). Usage:

    check_package.py verify PACKAGE TRUSTED.pub [--project P]
    check_package.py open   PACKAGE IDENTITY.key TRUSTED.pub OUTDIR [--project P]

Exit 0 on success; 4 when the package is refused (tampered, truncated, untrusted, wrong project);
3 for "not a package" or an unsupported version; 2 for a usage or key-file problem. Only unprotected (`protection: none`) identity keys are read.
"""
import base64, ctypes, ctypes.util, hashlib, hmac, json, mmap, os, re, shutil, sys, tempfile

na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert na.sodium_init() >= 0
B, P, U64 = ctypes.c_ubyte, ctypes.c_char_p, ctypes.c_ulonglong
# Prototypes for the calls that take unsigned long long lengths: by default ctypes would pass a
# Python int as a 32-bit C int.
na.crypto_sign_verify_detached.argtypes = [P, P, U64, P]
na.crypto_box_seal_open.argtypes = [ctypes.c_void_p, P, U64, ctypes.c_void_p, ctypes.c_void_p]
na.crypto_secretstream_xchacha20poly1305_pull.argtypes = [
    ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(U64), ctypes.POINTER(B), P, U64, P, U64]
TAG_FINAL = na.crypto_secretstream_xchacha20poly1305_tag_final()

PKG_MAGIC, END_MAGIC, ENC_MAGIC = b"SLUISPKG", b"SLUISEND", b"SLUISENC"
CONTEXT = b"sluis/package-manifest/v1\n"
MAX_MANIFEST = 4 * 1024 * 1024
HEX64, HEX32 = re.compile(r"[0-9a-f]{64}\Z"), re.compile(r"[0-9a-f]{32}\Z")
PROJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")

class Refused(Exception):
    """The package (or a key file) is refused; `code` is the process exit status."""
    def __init__(self, reason, code=4):
        super().__init__(reason); self.code = code

def buf(n): return (B * n)()

def fingerprint_of_hash(key_hash):
    h = key_hash[:10].hex()
    return "-".join(h[i:i + 4] for i in range(0, 20, 4))

def fingerprint(pk): return fingerprint_of_hash(hashlib.sha256(pk).digest())

def parse_public_line(text, what, code=2):
    """A `sluis-pub-v1 <base64>[ <comment>]` line -> the 32-byte Ed25519 key (the comment is a label)."""
    text = text.rstrip(" \t\r\n")
    if "\n" in text or "\r" in text: raise Refused(f"{what}: more than one line", code)
    parts = text.split(" ", 2)
    if len(parts) < 2 or parts[0] != "sluis-pub-v1" or len(parts[1]) != 44:
        raise Refused(f"{what}: not a sluis public key", code)
    try: pk = base64.b64decode(parts[1], validate=True)
    except ValueError: raise Refused(f"{what}: bad base64", code)
    if len(pk) != 32 or na.crypto_sign_ed25519_pk_to_curve25519(buf(32), pk) != 0:
        raise Refused(f"{what}: not a valid Ed25519 public key", code)
    return pk

def read_identity(path):
    """An unprotected identity .key file -> (Ed25519 pk, X25519 pk, X25519 sk)."""
    try: fd = os.open(path, os.O_RDONLY)
    except OSError: raise Refused(f"cannot open key file {path}", 2)
    with os.fdopen(fd, "rb") as f:
        if os.fstat(f.fileno()).st_mode & 0o077:
            raise Refused(f"refusing to use {path}: group or others may read it; run chmod 600", 2)
        raw = f.read(8193)
    if len(raw) > 8192: raise Refused(f"{path}: key file larger than 8192 bytes", 2)
    try: lines = raw.decode("utf-8").replace("\r\n", "\n").rstrip("\n").split("\n")
    except UnicodeDecodeError: raise Refused(f"{path}: not UTF-8", 2)
    if lines[0].startswith("sluis-pub-v1"):
        raise Refused(f"{path} is a public key, but a secret key file (NAME.key) is needed here", 2)
    if lines[0] != "sluis-secret-key-v1": raise Refused(f"{path}: not a sluis key file", 2)
    fields = [l.split(": ", 1) for l in lines[1:]]
    if any(len(f) != 2 for f in fields): raise Refused(f"{path}: malformed line", 2)
    names, f = [k for k, _ in fields], dict(fields)
    if f.get("kind") != "identity": raise Refused(f"{path}: not an identity key", 2)
    if f.get("protection") != "none":
        raise Refused(f"{path}: only unprotected (protection: none) identity keys are supported", 2)
    if names != ["kind", "public"] + (["comment"] if "comment" in f else []) + ["protection", "secret"]:
        raise Refused(f"{path}: fields missing or out of order", 2)
    try: seed, public = base64.b64decode(f["secret"], validate=True), base64.b64decode(f["public"], validate=True)
    except ValueError: raise Refused(f"{path}: bad base64", 2)
    if len(seed) != 32 or len(public) != 32: raise Refused(f"{path}: wrong key size", 2)
    pk, sk, xpk, xsk = buf(32), buf(64), buf(32), buf(32)
    na.crypto_sign_seed_keypair(pk, sk, seed)
    if bytes(pk) != public: raise Refused(f"{path}: the file was altered (public key does not match)", 2)
    na.crypto_sign_ed25519_pk_to_curve25519(xpk, pk); na.crypto_sign_ed25519_sk_to_curve25519(xsk, sk)
    return bytes(pk), xpk, xsk

def parse_enc_header(data, off, size, name):
    """The encrypted-file header of an entry -> (header length, chunk size, recipients' key hashes)."""
    if size < 16 or data[off:off + 8] != ENC_MAGIC: raise Refused(f"{name}: not a sluis encrypted file")
    if int.from_bytes(data[off + 8:off + 10], "big") != 1: raise Refused(f"{name}: unsupported version")
    chunk, n = int.from_bytes(data[off + 10:off + 14], "big"), int.from_bytes(data[off + 14:off + 16], "big")
    if not (64 <= chunk <= 1 << 20 and 1 <= n <= 64): raise Refused(f"{name}: malformed header")
    hlen = 72 + 112 * n
    if size < hlen + 17: raise Refused(f"{name}: truncated (shorter than its header and one chunk)")
    hashes = [bytes(data[off + 16 + 112 * i:off + 48 + 112 * i]) for i in range(n)]
    return hlen, chunk, hashes

def no_duplicates(pairs):
    # A signed object with a repeated key means different things to different parsers (Python keeps
    # the last value, Foundation the first), so it is refused rather than interpreted.
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys): raise ValueError("duplicate key")
    return dict(pairs)

def parse_json(raw, what):
    try: return json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, ValueError): raise Refused(f"{what} is not UTF-8 JSON without repeated keys")

def nat(v): return type(v) is int and v >= 0

def entry_fields(e, where):
    if not isinstance(e, dict): raise Refused(f"manifest: {where} is not an object")
    name, off, size = e.get("name"), e.get("offset"), e.get("size")
    if not isinstance(name, str) or not name: raise Refused(f"manifest: {where}.name missing")
    # bool is an int in Python; JSON true must not pass as offset 1.
    for k, v in (("offset", off), ("size", size)):
        if not nat(v): raise Refused(f"manifest: {where}.{k} is not a non-negative integer")
    for k in ("sha256", "headerSHA256"):
        if not isinstance(e.get(k), str) or not HEX64.match(e[k]): raise Refused(f"manifest: {where}.{k} is not 64 hex digits")
    return e

def verify(data, trusted_pk, project=None, hash_bodies=True):
    """Steps 1-7 of "Verifying a package". Returns (manifest, signer fingerprint, [data entries], inner entry)."""
    size = len(data)
    # 1. preamble: magic, version 1, and 7 reserved bytes that must be zero.
    if size == 0: raise Refused("not a package (empty file)", 3)
    if data[:min(size, 8)] != PKG_MAGIC[:min(size, 8)]: raise Refused("not a package (bad magic)", 3)
    if size < 16: raise Refused("truncated (ends inside the preamble)")
    if data[8] != 1: raise Refused(f"unsupported package version {data[8]}", 3)
    if any(data[9:16]): raise Refused("damaged: the reserved bytes of the preamble are not zero")
    # 2. trailer: u64 O, u64 M, u32 64, u32 0, SLUISEND
    if size < 16 + 32: raise Refused("truncated (no room for preamble and trailer)")
    t = data[size - 32:size]
    if t[24:32] != END_MAGIC: raise Refused("truncated or damaged (no SLUISEND trailer at the end)")
    O, M = int.from_bytes(t[0:8], "big"), int.from_bytes(t[8:16], "big")
    if int.from_bytes(t[16:20], "big") != 64 or int.from_bytes(t[20:24], "big") != 0:
        raise Refused("damaged trailer (signature length or reserved field)")
    if M > MAX_MANIFEST: raise Refused(f"damaged: manifest length {M} exceeds 4 MiB")
    if O < 16 or O + M + 96 != size:
        raise Refused(f"truncated or extended: trailer says {O + M + 96} bytes, file has {size}")
    manifest_bytes, sig = bytes(data[O:O + M]), bytes(data[O + M:O + M + 64])
    # 3. parse the manifest, verify the signature with the claimed sender's key (exact bytes).
    m = parse_json(manifest_bytes, "damaged: the manifest")
    if not isinstance(m, dict): raise Refused("damaged: the manifest is not a JSON object")
    sender = m.get("sender")
    if not isinstance(sender, dict) or not isinstance(sender.get("publicKey"), str):
        raise Refused("manifest: sender.publicKey missing")
    sender_pk = parse_public_line(sender["publicKey"], "manifest: sender.publicKey", 4)
    msg = CONTEXT + manifest_bytes
    if na.crypto_sign_verify_detached(sig, msg, len(msg), sender_pk) != 0:
        raise Refused("bad signature: the manifest or the signature was modified")
    signer = fingerprint(sender_pk)
    # Not in the numbered steps, but the table defines these values; a reader should not accept others.
    if m.get("format") != "sluis-package" or type(m.get("version")) is not int:
        raise Refused("manifest: not a sluis-package manifest")
    if m["version"] != 1: raise Refused(f"unsupported manifest version {m['version']}", 3)
    if sender.get("fingerprint") != signer: raise Refused("manifest: sender.fingerprint does not match sender.publicKey")
    # 4. trust comes from the caller's file, never from the package.
    if not hmac.compare_digest(sender_pk, trusted_pk):
        raise Refused(f"signer {signer} is not trusted (trusted key: {fingerprint(trusted_pk)})")
    if not isinstance(m.get("project"), str) or not PROJECT_ID.match(m["project"]):
        raise Refused("manifest: project is not a project id")
    if project is not None and m["project"] != project:
        raise Refused(f"package is for project {m['project']}, expected {project}")
    if not isinstance(m.get("packageId"), str) or not HEX32.match(m["packageId"]):
        raise Refused("manifest: packageId is not 32 hex digits")
    for k in ("pseudonymKeyId", "createdAt", "tool"):
        if not isinstance(m.get(k), str): raise Refused(f"manifest: {k} missing")
    recipients = m.get("recipients")
    if not isinstance(recipients, list) or not recipients or not all(isinstance(r, str) for r in recipients):
        raise Refused("manifest: recipients is not a non-empty array of fingerprints")
    # 5. unique names; entries cover [16, O) exactly. Only coverage is required: the array order is
    # not tied to the byte order (sluis accepts the inner manifest stored first, for example).
    if not isinstance(m.get("entries"), list): raise Refused("manifest: entries missing")
    entries = [entry_fields(e, f"entries[{i}]") for i, e in enumerate(m["entries"])]
    inner = entry_fields(m.get("innerManifest"), "innerManifest")
    if inner["name"] != "inner-manifest": raise Refused("manifest: innerManifest.name is not inner-manifest")
    for e in entries:
        if not re.fullmatch(r"entry-[0-9]{3,}", e["name"]): raise Refused(f"manifest: entry name {e['name']!r} is not entry-NNN")
    names = [e["name"] for e in entries] + [inner["name"]]
    if len(set(names)) != len(names): raise Refused("manifest: entry names are not unique")
    pos = 16
    for e in sorted(entries + [inner], key=lambda e: e["offset"]):
        if e["offset"] != pos: raise Refused(f"manifest: {e['name']} at {e['offset']}, expected {pos} (gap or overlap)")
        pos += e["size"]
    if pos != O: raise Refused(f"manifest: entries end at {pos}, manifest starts at {O}")
    # 6. + 7. each entry's header hash and recipients, then the hash of all its bytes.
    for e in entries + [inner]:
        off, n = e["offset"], e["size"]
        hlen, _, hashes = parse_enc_header(data, off, n, e["name"])
        if hashlib.sha256(data[off:off + hlen]).hexdigest() != e["headerSHA256"]:
            raise Refused(f"{e['name']}: header SHA-256 differs from the signed manifest")
        if [fingerprint_of_hash(h) for h in hashes] != recipients:
            raise Refused(f"{e['name']}: recipients differ from the signed manifest")
        if hash_bodies and sha256_range(data, off, n) != e["sha256"]:
            raise Refused(f"{e['name']}: SHA-256 differs from the signed manifest")
    return m, signer, entries, inner

def sha256_range(data, off, n, step=1 << 22):
    h = hashlib.sha256()
    for p in range(off, off + n, step): h.update(data[p:min(p + step, off + n)])
    return h.hexdigest()

def hkdf32(ikm, info, salt=b"sluis/file/v1"):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()

def decrypt_entry(data, e, ident, sink):
    """Decrypts one entry into sink.write; returns the SHA-256 of the entry's bytes (checked by the caller)."""
    pk, xpk, xsk = ident
    off, size, name = e["offset"], e["size"], e["name"]
    hlen, chunk, hashes = parse_enc_header(data, off, size, name)
    mine = hashlib.sha256(pk).digest()
    if mine not in hashes:
        raise Refused(f"{name}: not encrypted to key {fingerprint(pk)}; recipients: "
                      + ", ".join(fingerprint_of_hash(h) for h in hashes))
    i = hashes.index(mine)
    sealed = bytes(data[off + 16 + 112 * i + 32:off + 16 + 112 * (i + 1)])
    file_key = buf(32)
    if na.crypto_box_seal_open(file_key, sealed, 80, xpk, xsk) != 0:
        raise Refused(f"{name}: the file key does not open: the header is corrupted or was tampered with")
    file_key = bytes(file_key)
    header = bytes(data[off:off + hlen])
    mac = hmac.new(hkdf32(file_key, b"header-mac"), header[:hlen - 32], hashlib.sha256).digest()
    if not hmac.compare_digest(mac, header[hlen - 32:]): raise Refused(f"{name}: the header failed authentication")
    state = buf(na.crypto_secretstream_xchacha20poly1305_statebytes())
    na.crypto_secretstream_xchacha20poly1305_init_pull(state, header[hlen - 56:hlen - 32], hkdf32(file_key, b"payload"))
    whole = hashlib.sha256(header)
    pos, end, full, k = off + hlen, off + size, chunk + 17, 0
    m, tag, mlen = buf(chunk + 17), B(), U64()
    while True:
        piece = bytes(data[pos:min(pos + full, end)]); pos += len(piece); whole.update(piece)
        if not piece: raise Refused(f"{name}: ends after {k} chunks without its final chunk: truncated")
        if len(piece) < 17 or na.crypto_secretstream_xchacha20poly1305_pull(
                state, m, ctypes.byref(mlen), ctypes.byref(tag), piece, len(piece), None, 0) != 0:
            raise Refused(f"{name}: payload chunk {k} failed to authenticate")
        sink(ctypes.string_at(m, mlen.value)); k += 1
        if tag.value == TAG_FINAL:
            if pos != end: raise Refused(f"{name}: unexpected data after the final chunk")
            return whole.hexdigest()
        if tag.value != 0: raise Refused(f"{name}: chunk {k - 1} has an unexpected tag")
        if len(piece) < full: raise Refused(f"{name}: truncated inside chunk {k - 1}")

class Counter:
    """SHA-256, size and CSV record count of a plaintext as it streams past.

    Records are counted as LF bytes outside double quotes (a CRLF ends one record; "" inside a
    quoted field toggles twice and cancels out), plus one for a last record without a line end."""
    def __init__(self, out):
        self.out, self.h, self.size, self.lf, self.quoted, self.last = out, hashlib.sha256(), 0, 0, False, b""
    def __call__(self, b):
        if not b: return
        self.out.write(b); self.h.update(b); self.size += len(b); self.last = b[-1:]
        for j, seg in enumerate(b.split(b'"')):
            if j: self.quoted = not self.quoted
            if not self.quoted: self.lf += seg.count(b"\n")
    def csv_rows(self):
        records = self.lf + (1 if self.size and self.last != b"\n" else 0)
        return max(records - 1, 0)

def spss_stata_rows(path, fmt):
    """The row count stored in a .sav/.zsav or .dta header (what ReadStat reports), or None if unknown."""
    with open(path, "rb") as f: head = f.read(4096)
    if fmt in ("sav", "zsav"):
        if head[:4] not in (b"$FL2", b"$FL3") or len(head) < 84: return None
        order = "little" if int.from_bytes(head[64:68], "little") in (2, 3) else "big"
        n = int.from_bytes(head[80:84], order, signed=True)
        return None if n < 0 else n
    if fmt == "dta" and head.startswith(b"<stata_dta>"):     # 117-119: tagged header
        try: rel = int(head[head.index(b"<release>") + 9:head.index(b"</release>")]); at = head.index(b"<N>") + 3
        except ValueError: return None
        order = "big" if b"<byteorder>MSF" in head else "little"
        return int.from_bytes(head[at:at + (4 if rel == 117 else 8)], order)
    if fmt == "dta" and len(head) >= 10 and 104 <= head[0] <= 115:   # binary header: nobs at offset 6
        return int.from_bytes(head[6:10], "big" if head[1] == 1 else "little")
    return None

FILE_FIELDS = {"entry": str, "name": str, "sourcePath": str, "format": str, "columns": list, "rows": int,
               "rowsRead": int, "plaintextSize": int, "plaintextSHA256": str, "invalidIdentifiers": dict,
               "residualFindings": dict}

def check_file_object(f):
    """The inner manifest's file object: every field of the table present with its type (`dialect` optional)."""
    for k, t in FILE_FIELDS.items():
        if type(f.get(k)) is not t or (t is int and f[k] < 0):
            raise Refused(f"inner manifest: file object {f.get('entry')!r}: {k} missing or of the wrong type")
    if f["format"] not in ("csv", "sav", "zsav", "dta", "file"):   # file: an output release's opaque file
        raise Refused(f"inner manifest: {f['entry']}: unknown format {f['format']!r}")
    if not HEX64.match(f["plaintextSHA256"]): raise Refused(f"inner manifest: {f['entry']}: plaintextSHA256 is not hex")
    if "dialect" in f and not isinstance(f["dialect"], dict): raise Refused(f"inner manifest: {f['entry']}: bad dialect")
    for c in f["columns"]:
        if not (isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("action"), str)
                and type(c.get("output")) is bool):
            raise Refused(f"inner manifest: {f['entry']}: a column object lacks name, action or output")

def create_private(path):
    # Decrypted files hold personal data: owner-only, like sluis's own output (0600).
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

SAFE_NAME = re.compile(r"[^/\\\x00-\x1f\x7f]+\Z")   # a plain base name: no separators, no control bytes

def utf8_len(n):
    try: return len(n.encode("utf-8"))
    except UnicodeEncodeError: return 1 << 30   # a lone surrogate from a \ud800 escape: not a file name

def open_package(data, ident, trusted_pk, outdir, project=None):
    m, signer, entries, inner_e = verify(data, trusted_pk, project, hash_bodies=False)
    if os.path.lexists(outdir): raise Refused(f"{outdir} already exists", 2)
    parts = []
    if decrypt_entry(data, inner_e, ident, parts.append) != inner_e["sha256"]:
        raise Refused("inner-manifest: SHA-256 differs from the signed manifest")
    inner = parse_json(b"".join(parts), "inner manifest")
    if not isinstance(inner, dict) or inner.get("format") != "sluis-inner-manifest" \
            or type(inner.get("version")) is not int or inner["version"] != 1:
        raise Refused("inner manifest: not a sluis-inner-manifest version 1")
    if not nat(inner.get("normalisationVersion")) or "pipeline" not in inner:
        raise Refused("inner manifest: normalisationVersion or pipeline missing")
    for k in ("packageId", "project", "pseudonymKeyId"):
        if inner.get(k) != m[k]: raise Refused(f"inner manifest: {k} differs from the signed manifest")
    files = inner.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        raise Refused("inner manifest: files is not an array of objects")
    for f in files: check_file_object(f)
    if sorted(f["entry"] for f in files) != sorted(e["name"] for e in entries):
        raise Refused("inner manifest: not exactly one file object per data entry")
    names = [f.get("name") for f in files]
    for n in names:
        # Hidden names are refused too (the staging folder is hidden), and at most 255 UTF-8 bytes.
        if not isinstance(n, str) or not SAFE_NAME.match(n) or n.startswith(".") or utf8_len(n) > 255 \
                or n == "sluis-manifest.json":
            raise Refused(f"inner manifest: unsafe file name {ascii(n)}")
    if len({n.casefold() for n in names}) != len(names): raise Refused("inner manifest: file names not unique")
    by_entry = {f["entry"]: f for f in files}
    parent = os.path.dirname(os.path.abspath(outdir))
    staging = tempfile.mkdtemp(prefix="." + os.path.basename(os.path.abspath(outdir)) + ".staging-", dir=parent)
    try:
        for e in entries:
            f = by_entry[e["name"]]
            target = os.path.join(staging, f["name"])
            with os.fdopen(create_private(target), "wb") as out:
                c = Counter(out)
                if decrypt_entry(data, e, ident, c) != e["sha256"]:
                    raise Refused(f"{e['name']}: SHA-256 differs from the signed manifest")
                out.flush(); os.fsync(out.fileno())
            if c.size != f["plaintextSize"] or c.h.hexdigest() != f["plaintextSHA256"]:
                raise Refused(f"{e['name']} ({f['name']}): plaintext size or SHA-256 differs from the inner manifest")
            fmt = f["format"]
            if fmt == "file": continue   # an output release's opaque file: no rows to count
            rows = c.csv_rows() if fmt == "csv" else spss_stata_rows(target, fmt)
            if rows is None: raise Refused(f"{e['name']} ({f['name']}): cannot read the row count of format {fmt!r}")
            if rows != f["rows"]:
                raise Refused(f"{e['name']} ({f['name']}): {rows} rows, inner manifest says {f['rows']}")
        record = {"package": m, "signer": signer, "inner": inner}
        with os.fdopen(create_private(os.path.join(staging, "sluis-manifest.json")), "w", encoding="utf-8") as out:
            # The document fixes this record's content, not its bytes: this is JSON-equal to sluis's.
            out.write(json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False, separators=(",", " : ")) + "\n")
        os.rename(staging, outdir)      # all or nothing: the folder appears complete or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True); raise
    return m, signer, files

def show(m, signer, entries, files=None):
    print(f"signer:     {signer}\nproject:    {m['project']}\npackage id: {m['packageId']}\n"
          f"recipients: {', '.join(m['recipients'])}")
    for e in entries:
        print(f"  {e['name']}  {e['size']} bytes  sha256 {e['sha256']}")
    for f in files or []:
        print(f"  {f['entry']} -> {f['name']}  {f['rows']} rows  {f['plaintextSize']} bytes")

def main(argv):
    for stream in (sys.stdout, sys.stderr):     # signed names may hold anything JSON can escape
        stream.reconfigure(errors="backslashreplace")
    args, project = list(argv), None
    if "--project" in args:
        i = args.index("--project")
        if i + 1 >= len(args): return usage()
        project = args[i + 1]; del args[i:i + 2]
    if not args or (args[0], len(args)) not in (("verify", 3), ("open", 5)): return usage()
    try:
        with open(args[2 if args[0] == "verify" else 3], encoding="utf-8") as f:
            trusted = parse_public_line(f.read(), "trusted key")
        ident = read_identity(args[2]) if args[0] == "open" else None
        with open(args[1], "rb") as f:
            size = os.fstat(f.fileno()).st_size
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            if args[0] == "verify":
                m, signer, entries, _ = verify(data, trusted, project)
                print(f"package {args[1]} verified"); show(m, signer, entries)
            else:
                m, signer, files = open_package(data, ident, trusted, args[4], project)
                print(f"package {args[1]} opened into {args[4]}"); show(m, signer, m["entries"], files)
    except Refused as r:
        print(f"check_package: {r}", file=sys.stderr); return r.code
    except OSError as e:
        print(f"check_package: {e}", file=sys.stderr); return 5
    return 0

def usage():
    print(__doc__.split("Usage:")[1].split("Exit")[0].strip("\n"), file=sys.stderr); return 2

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
