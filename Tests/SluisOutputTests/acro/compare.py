#!/usr/bin/env python3
"""Compare sluis's primary-suppression decisions with ACRO's, cell by cell.

Usage: compare.py DATA.csv EVIDENCE.json ROWVAR COLVAR [VALUEVAR]

Runs ACRO (the `acro` package on PyPI) on the same microdata with the same two-way table
(frequency, or the sum of VALUEVAR) and compares, for every interior cell, whether ACRO finds
it disclosive with whether sluis suppressed it as primary. Margins are not compared (ACRO does
not check them) nor secondary suppressions (ACRO has none). Every difference is classified by
the documented reason (docs/output.md, "Compared with ACRO"); the script prints one JSON line
per cell that differs and exits 1 when any difference has no documented reason.
"""
import json
import logging
import sys

logging.disable(logging.CRITICAL)
import pandas as pd  # noqa: E402
from acro import ACRO  # noqa: E402


def main():
    data, evidence_path, rowvar, colvar = sys.argv[1:5]
    value = sys.argv[5] if len(sys.argv) > 5 else None
    df = pd.read_csv(data, dtype={rowvar: str, colvar: str})
    evidence = json.load(open(evidence_path))
    table = evidence["table"]
    rules = evidence["rules"]["table"]

    acro = ACRO(suppress=False)
    if value is None:
        acro.crosstab(df[rowvar], df[colvar])
    else:
        acro.crosstab(df[rowvar], df[colvar], values=df[value], aggfunc="sum")
    outcome = acro.results.get_index(0).outcome

    unexplained = 0
    compared = 0
    for cell in table["cells"]:
        if cell["kind"] != "cell":
            continue
        r, c = cell["row"][0], cell["column"][0]
        if r not in outcome.index or c not in outcome.columns:
            continue
        compared += 1
        acro_text = str(outcome.loc[r, c])
        acro_unsafe = acro_text != "ok"
        sluis_unsafe = cell["status"] == "primary"
        if acro_unsafe == sluis_unsafe:
            continue
        reason = classify(cell, acro_text, rules, value is not None)
        if reason == "unexplained":
            unexplained += 1
        print(json.dumps({"row": r, "column": c, "acro": acro_text.strip("; "), "sluis": cell["findings"],
                          "reason": reason}, sort_keys=True))
    print(json.dumps({"compared": compared, "unexplained": unexplained}))
    return 1 if unexplained or compared == 0 else 0


def classify(cell, acro_text, rules, magnitude):
    n = cell["n"]
    findings = set(cell["findings"])
    if n == 0 and not rules["zeroCellsDisclosive"]:
        # ACRO's threshold is count < 10 with 0 included, and zeros are disclosive by default;
        # sluis (as τ-Argus FREQ) judges only 0 < N < 10 and treats empty cells by policy.
        return "zero-cell"
    if findings == {"group"}:
        return "group-rule"          # CBS's > 90 % of the group: ACRO has no such rule.
    if findings == {"dominance"}:
        return "dominance-n1"        # CBS's largest ≥ 50 %: ACRO's dominance is (2, 90 %) only.
    if magnitude and "NK" in acro_text.replace("nk", "NK") and "nk-dominance" not in findings:
        largest = cell.get("largest") or []
        total = cell.get("absoluteTotal") or 0
        if total > 0 and len(largest) >= 2 and abs(sum(largest[:2]) / total - rules.get("nkDominance", {}).get("k", 0.9)) < 1e-9:
            return "nk-boundary"     # top two exactly k: ACRO flags at ≥ k, sluis (τ-Argus) at > k.
    return "unexplained"


if __name__ == "__main__":
    sys.exit(main())
