"""A generated catalogue with known injected defects: the report counts exactly what was injected."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter

import feedcheck
from feedcheck.codes import Severity

N = 3000
SEED = 20261124


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


# code -> (field, how many rows, how to spoil a row's value)
DEFECTS = {
    "price-unparseable": ("price", 31),
    "price-negative": ("price", 7),
    "gtin-bad-check-digit": ("gtin", 23),
    "gtin-scientific-notation": ("gtin", 9),
    "url-not-absolute": ("link", 17),
    "availability-unknown": ("availability", 11),
    "empty-mandatory-value": ("title", 13),
    "text-mojibake": ("title", 8),
    "condition-unknown": ("condition", 5),
}
DUPLICATED_IDS = 12  # rows whose id copies another row's id: both twins are reported


def build() -> tuple[bytes, dict[str, list[int]]]:
    rng = random.Random(SEED)
    rows = []
    for i in range(1, N + 1):
        rows.append(
            {
                "Référence": f"SKU-{i:05d}",
                "Nom du produit": f"Produit numéro {i}",
                "Description": f"Description du produit {i}, livré en 48 h.",
                "Prix TTC": f"{rng.randint(1, 1999)},{rng.randint(0, 99):02d} €",
                "URL produit": f"https://boutique.example.fr/p/{i}",
                "URL image": f"https://cdn.example.fr/img/{i}.jpg",
                "EAN": ean13(f"3{rng.randint(0, 10**11 - 1):011d}"),
                "Disponibilité": rng.choice(["en stock", "rupture", "in_stock", "out of stock"]),
                "État": rng.choice(["neuf", "new", "occasion"]),
                "Marque": "Exemple",
            }
        )
    spoil = {
        "price-unparseable": ("Prix TTC", lambda v: "19,9O €"),
        "price-negative": ("Prix TTC", lambda v: "-" + v),
        "gtin-bad-check-digit": ("EAN", lambda v: v[:-1] + str((int(v[-1]) + 1) % 10)),
        "gtin-scientific-notation": ("EAN", lambda v: f"{int(v) / 10**12:.5f}E+12"),
        "url-not-absolute": ("URL produit", lambda v: v.removeprefix("https://")),
        "availability-unknown": ("Disponibilité", lambda v: "bientôt"),
        "empty-mandatory-value": ("Nom du produit", lambda v: "  "),
        "text-mojibake": ("Nom du produit", lambda v: "CafetiÃ¨re Ã©lectrique"),
        "condition-unknown": ("État", lambda v: "comme neuf"),
    }
    # Distinct rows for every defect (and for the id copies), so counts add up exactly.
    picks = rng.sample(range(N), sum(n for _, n in DEFECTS.values()) + 2 * DUPLICATED_IDS)
    injected: dict[str, list[int]] = {}
    for code, (_, count) in DEFECTS.items():
        chosen, picks = picks[:count], picks[count:]
        column, fn = spoil[code]
        for index in chosen:
            rows[index][column] = fn(rows[index][column])
        injected[code] = sorted(index + 2 for index in chosen)  # header is line 1
    sources, copies = picks[:DUPLICATED_IDS], picks[DUPLICATED_IDS:]
    for src, dst in zip(sources, copies, strict=True):
        rows[dst]["Référence"] = rows[src]["Référence"]
    injected["id-duplicate"] = sorted(index + 2 for index in sources + copies)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8"), injected


def test_counts_equal_what_was_injected_and_clean_values_raise_nothing() -> None:
    data, injected = build()
    report = feedcheck.validate(data)
    assert report.items == N
    found = {i.code: i for i in report.issues if i.severity != Severity.info and not i.code.startswith("missing-")}
    assert set(found) == set(injected)
    for code, lines in injected.items():
        issue = found[code]
        assert issue.count == len(lines), code
        assert [e.line for e in issue.examples] == lines[:5], code
    fields = {code: field for code, (field, _) in DEFECTS.items()}
    for code, field in fields.items():
        assert found[code].field == field
    filled = {f.field: f.filled for f in report.fields}
    assert filled["price"] == N - 31 - 7
    assert filled["gtin"] == N - 23 - 9
    assert filled["link"] == N - 17
    assert filled["availability"] == N - 11
    assert filled["condition"] == N - 5
    assert filled["title"] == N - 13  # broken accents are reported, not invalid
    assert filled["id"] == N
    assert filled["image_link"] == N


def test_the_same_catalogue_without_defects_is_clean() -> None:
    rng = random.Random(1)
    lines = ["id;title;link;image_link;price;gtin;availability"]
    for i in range(500):
        lines.append(
            f"P{i};Lampe {i};https://x.example/p/{i};https://x.example/i/{i}.png;{rng.randint(1, 99)}.50 EUR;"
            f"{ean13(f'4{rng.randint(0, 10**11 - 1):011d}')};in stock"
        )
    report = feedcheck.validate("\n".join(lines).encode())
    kinds = Counter(i.severity for i in report.issues if not i.code.startswith(("missing-", "empty-")))
    assert kinds == Counter()
    assert report.valid
