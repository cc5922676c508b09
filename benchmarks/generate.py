"""Generate deterministic, realistic feeds of N products for the benchmarks.

    python benchmarks/generate.py [N] [--out benchmarks/data]

writes ``feed_<N>.csv`` (French, semicolon, decimal commas, UTF-8 with BOM, as Excel exports it)
and ``feed_<N>.xml`` (Google RSS 2.0 with the g: namespace), the same products in both; and
``feed_<N>_new.csv``, the next day's version of the CSV with known changes for ``feedcheck diff``
(:data:`NEW_VERSION` says which). The same N gives the same bytes.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = [
    "bouilloire",
    "inox",
    "cafetière",
    "grille-pain",
    "mixeur",
    "balance",
    "lampe",
    "chaise",
    "table",
    "coussin",
    "tapis",
    "miroir",
    "vase",
    "étagère",
    "horloge",
    "bougie",
    "plaid",
    "panier",
    "cadre",
    "théière",
    "casserole",
    "poêle",
    "couteau",
    "verre",
    "assiette",
    "bol",
]
COLOURS = ["Noir", "Blanc", "Gris", "Rouge", "Bleu", "Vert", "Argent", "Doré"]
BRANDS = ["Cuisinox", "Mixo", "Pesix", "Maisonia", "Lumina", "Boisé"]
CATEGORIES = [
    "Maison > Cuisine > Bouilloires",
    "Maison > Déco > Vases",
    "Maison > Salon > Lampes",
    "Maison > Cuisine > Casseroles",
    "Maison > Chambre > Plaids",
]
AVAILABILITY_FR = ["en stock", "en stock", "en stock", "rupture", "sur commande"]
AVAILABILITY_G = ["in_stock", "in_stock", "in_stock", "out_of_stock", "backorder"]


def ean13(rng: random.Random) -> str:
    body = f"3{rng.randint(0, 10**11 - 1):011d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def products(n: int, seed: int = 42):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    for i in range(1, n + 1):
        words = rng.sample(WORDS, 3)
        euros, cents = rng.randint(2, 1999), rng.choice([0, 50, 90, 95, 99])
        yield {
            "id": f"SKU-{i:07d}",
            "title": f"{words[0].capitalize()} {words[1]} {words[2]} n°{i}",
            "description": f"{words[0].capitalize()} en {words[1]}, idéal pour la maison. Livré sous 48 h. Réf {i}.",
            "price": (euros, cents),
            "regular": (euros + rng.randint(0, 30), cents) if rng.random() < 0.3 else None,
            "link": f"https://boutique.example.fr/p/{i}",
            "image": f"https://cdn.example.fr/img/{i % 100000}/{i}.jpg",
            "extra_image": f"https://cdn.example.fr/img/{i % 100000}/{i}-2.jpg",
            "brand": rng.choice(BRANDS),
            "gtin": ean13(rng),
            "availability": rng.randrange(5),
            "category": rng.choice(CATEGORIES),
            "shipping": rng.choice([(0, 0), (4, 90), (6, 90)]),
            "colour": rng.choice(COLOURS),
        }


CSV_HEADER = (
    "Référence;Nom du produit;Description;Prix TTC;Prix barré;URL produit;URL image;Images supplémentaires;"
    "Marque;EAN;Disponibilité;État;Catégorie;Frais de port;Couleur\n"
)


def csv_row(p) -> str:  # type: ignore[no-untyped-def]
    price = f"{p['price'][0]},{p['price'][1]:02d} €"
    regular = f"{p['regular'][0]},{p['regular'][1]:02d} €" if p["regular"] else ""
    ship = f"{p['shipping'][0]},{p['shipping'][1]:02d}"
    return (
        f'{p["id"]};{p["title"]};"{p["description"]}";{price};{regular};{p["link"]};{p["image"]};'
        f"{p['extra_image']};{p['brand']};{p['gtin']};{AVAILABILITY_FR[p['availability']]};neuf;"
        f"{p['category']};{ship};{p['colour']}\n"
    )


def write_csv(n: int, path: Path) -> None:
    write_csv_products(products(n), path)


# The next day's version: for record i (1-based), by i % 100. N a multiple of 100 gives exactly
# N/100 products of each kind; 4 of every 100 products change, 1 is removed and N/100 are added.
NEW_VERSION = {
    1: "removed",
    2: "price up 10 % (cents rounded down), and the crossed-out price when there is one",
    3: "price down 10 % (cents rounded down)",
    4: "availability: in stock <-> out of stock (rupture), on order -> in stock",
    5: "GTIN last digit changed: a new gtin-bad-check-digit error",
}


def _scaled(price: tuple[int, int], factor: int) -> tuple[int, int]:
    cents = (price[0] * 100 + price[1]) * factor // 100
    return cents // 100, cents % 100


def next_version(n: int):  # type: ignore[no-untyped-def]
    """The products of :func:`products` with the :data:`NEW_VERSION` changes, then N/100 new ones."""
    for p in products(n):
        i = int(p["id"][4:])
        kind = i % 100
        if kind == 1:
            continue
        if kind == 2:
            p["price"] = _scaled(p["price"], 110)
            p["regular"] = _scaled(p["regular"], 110) if p["regular"] else None  # still above the price
        elif kind == 3:
            p["price"] = _scaled(p["price"], 90)
        elif kind == 4:
            p["availability"] = {0: 3, 1: 3, 2: 3, 3: 0, 4: 0}[p["availability"]]
        elif kind == 5:
            p["gtin"] = p["gtin"][:-1] + str((int(p["gtin"][-1]) + 1) % 10)
        yield p
    for p in products(n // 100, seed=7):
        p["id"] = f"NEW-{p['id'][4:]}"
        yield p


def write_csv_products(rows_of, path: Path) -> None:  # type: ignore[no-untyped-def]
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write(CSV_HEADER)
        rows = []
        for p in rows_of:
            rows.append(csv_row(p))
            if len(rows) == 10_000:
                out.write("".join(rows))
                rows.clear()
        out.write("".join(rows))


def write_xml(n: int, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">\n'
            "<channel>\n<title>Boutique Exemple</title>\n<link>https://boutique.example.fr</link>\n"
            "<description>Flux produits</description>\n"
        )
        chunk = []
        for p in products(n):
            regular = p["regular"]
            sale = ""
            price = f"{p['price'][0]}.{p['price'][1]:02d} EUR"
            if regular:
                sale = f"<g:sale_price>{price}</g:sale_price>"
                price = f"{regular[0]}.{regular[1]:02d} EUR"
            chunk.append(
                "<item>"
                f"<g:id>{p['id']}</g:id><title>{escape(p['title'])}</title>"
                f"<description><![CDATA[{p['description']}]]></description>"
                f"<link>{p['link']}</link><g:image_link>{p['image']}</g:image_link>"
                f"<g:additional_image_link>{p['extra_image']}</g:additional_image_link>"
                f"<g:price>{price}</g:price>{sale}<g:brand>{p['brand']}</g:brand><g:gtin>{p['gtin']}</g:gtin>"
                f"<g:availability>{AVAILABILITY_G[p['availability']]}</g:availability><g:condition>new</g:condition>"
                f"<g:product_type>{escape(p['category'])}</g:product_type>"
                f"<g:shipping><g:country>FR</g:country>"
                f"<g:price>{p['shipping'][0]}.{p['shipping'][1]:02d} EUR</g:price></g:shipping>"
                f"<g:color>{p['colour']}</g:color>"
                "</item>\n"
            )
            if len(chunk) == 10_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        out.write("</channel>\n</rss>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="products (default 1,000,000)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.n, args.out / f"feed_{args.n}.csv")
    write_xml(args.n, args.out / f"feed_{args.n}.xml")
    write_csv_products(next_version(args.n), args.out / f"feed_{args.n}_new.csv")
    for name in (f"feed_{args.n}.csv", f"feed_{args.n}.xml", f"feed_{args.n}_new.csv"):
        path = args.out / name
        print(f"{path}: {path.stat().st_size / 1e6:,.1f} MB")


if __name__ == "__main__":
    main()
