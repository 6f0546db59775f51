#!/usr/bin/env python3
"""The straightforward baseline for bench/pseudonymise.sh: the same job as
`sluis pseudonymise` with bench-out/bench.json, written the way most people would
(csv module + hmac), so the benchmark can print the ratio.

Reads survey.csv (';'), pseudonymises BSN (normaliser v1: strip spaces, dots, dashes;
8 digits left-padded; 11-check; invalid -> empty), drops Naam, Geslacht, Postcode,
Huisnummer and Woonplaats, generalises Geboortedatum to its year, keeps Opleiding, Score,
Inkomen and Toelichting. Pseudonyms follow docs/format.md ("Pseudonyms"), so the output is
byte-identical to sluis's (the residual scan sluis also does is not repeated here).

usage: baseline_pseudonymise.py KEYFILE PROJECT INPUT OUTPUT
KEYFILE is an unprotected sluis key file (`sluis keygen pseudonym --unprotected`) or 64 hex digits.
"""
import base64
import csv
import hashlib
import hmac
import struct
import sys


def lp(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def sub_key(project_key: bytes, project: str, label: str) -> bytes:
    # HKDF-SHA256 (RFC 5869), 32 bytes; one block of expand is enough.
    prk = hmac.new(b"sluis/pseudonym/v1", project_key, hashlib.sha256).digest()
    info = lp(b"project") + lp(project.encode()) + lp(b"domain") + lp(label.encode())
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def normalise_bsn(value: str):
    head, dot, tail = value.partition(".")
    if dot and head.isdigit() and tail and tail.strip("0") == "":
        digits = head  # a numeric source value such as 123456782.0
    else:
        digits = value.replace(" ", "").replace(".", "").replace("-", "").replace("\t", "")
    if len(digits) not in (8, 9) or not digits.isdigit():
        return None
    digits = digits.zfill(9)
    if digits == "000000000":
        return None
    total = sum((9 - k) * int(digits[k]) for k in range(8)) - int(digits[8])
    return digits if total % 11 == 0 else None


DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def year_of(value: str):
    s = value.strip()
    for i in range(8, len(s)):
        if s[i] in " T":
            s = s[:i]
            break
    if not s:
        return None
    sep = next((c for c in "-/." if c in s), None)
    if sep is None:
        if len(s) != 8 or not s.isdigit():
            return None
        y, mo, d = int(s[:4]), int(s[4:6]), int(s[6:])
    else:
        parts = s.split(sep)
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return None
        if len(parts[0]) == 4 and len(parts[1]) <= 2 and len(parts[2]) <= 2:
            y, mo, d = int(parts[0]), int(parts[1]), int(parts[2])
        elif len(parts[2]) == 4 and len(parts[0]) <= 2 and len(parts[1]) <= 2:
            d, mo, y = int(parts[0]), int(parts[1]), int(parts[2])
        else:
            return None
    if not 1800 <= y <= 2199 or not 1 <= mo <= 12:
        return None
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    days = 29 if mo == 2 and leap else DAYS[mo - 1]
    return "%04d" % y if 1 <= d <= days else None


def main():
    key_file, project, src, dst = sys.argv[1:5]
    text = open(key_file).read()
    secret = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("secret:")]
    project_key = base64.b64decode(secret[0]) if secret else bytes.fromhex(text.strip())
    mac = hmac.new(sub_key(project_key, project, "bsn"), digestmod=hashlib.sha256)
    modulus = 10 ** 17
    with open(src, newline="", encoding="utf-8") as fin, open(dst, "w", newline="", encoding="utf-8") as fout:
        reader = csv.reader(fin, delimiter=";")
        writer = csv.writer(fout, delimiter=";", lineterminator="\n")
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}
        bsn, birth = col["BSN"], col["Geboortedatum"]
        kept = [col[c] for c in ("Opleiding", "Score", "Inkomen", "Toelichting")]
        writer.writerow(["PSEUDO_BSN", "Geboortedatum", "Opleiding", "Score", "Inkomen", "Toelichting"])
        for row in reader:
            if not row:
                continue
            normalised = normalise_bsn(row[bsn])
            if normalised is None:
                pseudonym = ""
            else:
                m = mac.copy()
                m.update(normalised.encode())
                pseudonym = "%017d" % (int.from_bytes(m.digest()[:16], "big") % modulus)
            year = year_of(row[birth]) or ""
            writer.writerow([pseudonym, year] + [row[i] for i in kept])


if __name__ == "__main__":
    main()
