"""A seeded, deterministic IATI 2.03 generator for benchmarks: `python bench/generate.py OUT -n 100000`.

Writes one file per publisher, as the IATI registry does, each streamed activity by
activity (never one tree in memory). Codes come from `data/reference/` (codelists,
places, the UN SDG KOS), so the files pass devkg's reader and checks; what real data
gets wrong and devkg only warns about (country/region percentages that do not sum to
100, participating organisations without a name) appears at a small rate. Sizes follow
long tails like the registry's: a few publishers with thousands of activities, most
with a few dozen. The same seed and size always give byte-identical files.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LANGS = ["en", "en", "en", "fr", "es", "pt", "de"]
WORDS = {
    "en": "support strengthening resilient health education water governance rural climate access women youth "
          "programme capacity local nutrition recovery markets justice peace inclusive services".split(),
    "fr": "appui renforcement santé éducation eau gouvernance rurale climat accès femmes jeunesse programme "
          "capacités locale nutrition relèvement marchés justice paix inclusion services".split(),
    "es": "apoyo fortalecimiento salud educación agua gobernanza rural clima acceso mujeres juventud programa "
          "capacidades local nutrición recuperación mercados justicia paz inclusión servicios".split(),
    "pt": "apoio fortalecimento saúde educação água governação rural clima acesso mulheres juventude programa "
          "capacidades local nutrição recuperação mercados justiça paz inclusão serviços".split(),
    "de": "Unterstützung Stärkung Gesundheit Bildung Wasser Regierungsführung ländliche Klima Zugang Frauen "
          "Jugend Programm Kapazitäten lokale Ernährung Wiederaufbau Märkte Justiz Frieden Inklusion".split(),
}
CURRENCIES = ["USD"] * 6 + ["EUR"] * 4 + ["GBP", "CAD", "SEK", "NOK", "JPY", "AUD", "CHF", "DKK"]
ORG_TYPES = ["10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "80", "90"]


class Codes:
    """Real codes from devkg's reference data (withdrawn codes left out)."""

    def __init__(self, data: Path):
        from graph.reference import Reference

        ref = Reference.load(data)

        def active(name: str) -> list[str]:
            return sorted(c.code for c in ref.codelist(name).items.values() if not c.withdrawn)

        self.sectors = [c for c in active("Sector") if len(c) == 5]
        self.categories = active("SectorCategory")
        self.regions = active("Region")
        self.markers = active("PolicyMarker")
        self.significance = [c for c in active("PolicySignificance") if c in "01234"]
        self.transaction_types = [c for c in active("TransactionType") if c in ("1", "2", "3", "4", "11", "12", "13")]
        self.doc_categories = active("DocumentCategory")
        countries = {k: p for k, p in ref.places.items() if p.kind == "country" and len(k) == 2}
        self.countries = sorted(countries)
        subs: dict[str, list[str]] = {}
        for key, p in ref.places.items():
            if p.kind in ("region", "district") and "-" in key and key[:2] in countries and key == key.upper():
                subs.setdefault(key[:2], []).append(key)
        self.subdivisions = {k: sorted(v) for k, v in subs.items()}
        # Codes in the UN KOS's own notation (its IRI ends with the code), not the zero-padded aliases.
        canonical = [c for c, iri in ref.sdg.items() if iri.endswith("/" + c)]
        self.goals = sorted(c for c in canonical if c.isdigit() and 1 <= int(c) <= 17)
        self.targets = sorted(c for c in canonical if c.count(".") == 1)


class Generator:
    def __init__(self, codes: Codes, seed: int, activities: int):
        self.c, self.seed, self.n = codes, seed, activities
        rng = random.Random(seed)
        n_pub = max(3, min(1600, activities // 60))
        weights = [1 / (i + 1) ** 1.1 for i in range(n_pub)]
        total = sum(weights)
        sizes = [max(1, int(activities * w / total)) for w in weights]
        sizes[0] += activities - sum(sizes)  # the largest publisher absorbs rounding
        while sizes[0] < 1:  # many publishers on a tiny size: trim from the tail
            sizes[sizes.index(max(sizes))] -= 1
            sizes[0] += 1
        self.publishers = []
        for i, size in enumerate(sizes):
            cc = rng.choice(codes.countries)
            ref = f"{cc}-{rng.choice(['GOV', 'CHC', 'DAC', 'COH', 'NGO'])}-{1000 + i}"
            self.publishers.append((ref, self._name(rng, "en", 3) + " Agency", rng.choice(ORG_TYPES), size))
        # Organisations publishers name; about a fifth have no identifier, only a name.
        self.orgs = []
        for i in range(max(20, activities // 20)):
            lang = rng.choice(LANGS)
            ref = None if rng.random() < 0.2 else f"{rng.choice(codes.countries)}-ORG-{i}"
            self.orgs.append((ref, self._name(rng, lang, 2).title() + " " + str(i), lang, rng.choice(ORG_TYPES)))

    @staticmethod
    def _name(rng: random.Random, lang: str, n: int) -> str:
        return " ".join(rng.choice(WORDS[lang]) for _ in range(n))

    def write(self, out: Path) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for i, (ref, name, org_type, size) in enumerate(self.publishers):
            path = out / f"{ref.lower()}.xml"
            rng = random.Random(f"{self.seed}/{i}")
            with path.open("w", encoding="utf-8") as f:
                f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                        '<iati-activities version="2.03" generated-datetime="2026-01-01T00:00:00Z">\n')
                for k in range(size):
                    f.write(self.activity(rng, ref, name, org_type, k))
                f.write("</iati-activities>\n")
            paths.append(path)
        return paths

    # --- one activity --------------------------------------------------------------
    def activity(self, rng: random.Random, pub: str, pub_name: str, pub_type: str, k: int) -> str:
        c = self.c
        lang = rng.choice(LANGS)
        currency = rng.choice(CURRENCIES)
        w = []
        w.append(f'  <iati-activity xml:lang="{lang}" default-currency="{currency}" '
                 f'humanitarian="{int(rng.random() < 0.1)}" hierarchy="{1 if rng.random() < 0.85 else 2}" '
                 f'last-updated-datetime="2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z">\n')
        w.append(f"    <iati-identifier>{pub}-{k:06d}</iati-identifier>\n")
        w.append(f'    <reporting-org ref="{pub}" type="{pub_type}">{_narr(pub_name)}</reporting-org>\n')
        title = self._name(rng, lang, rng.randint(3, 8)).capitalize()
        extra = ""
        if lang != "en" and rng.random() < 0.4:
            extra = _narr(self._name(rng, "en", 5).capitalize(), "en")
        w.append(f"    <title>{_narr(title)}{extra}</title>\n")
        for kind in ("1", "2")[: rng.randint(1, 2)]:
            w.append(f'    <description type="{kind}">'
                     f'{_narr(self._name(rng, lang, rng.randint(10, 40)))}</description>\n')
        w.append(f'    <participating-org ref="{pub}" role="1" type="{pub_type}">'
                 f'{_narr(pub_name)}</participating-org>\n')
        for role in ("2", "3", "4", "4")[: rng.randint(1, 4)]:
            ref, name, olang, otype = rng.choice(self.orgs)
            attrs = f' ref="{ref}"' if ref else ""
            if rng.random() < 0.01:  # real files sometimes name no organisation at all: a warning
                w.append(f'    <participating-org role="{role}" type="{otype}"/>\n')
            else:
                w.append(f'    <participating-org{attrs} role="{role}" type="{otype}">'
                         f'{_narr(name, olang)}</participating-org>\n')
        w.append(f'    <activity-status code="{rng.choice("1223344456")}"/>\n')
        start_y = rng.randint(2005, 2025)
        end_y = start_y + rng.randint(1, 6)
        w.append(f'    <activity-date type="1" iso-date="{start_y}-{rng.randint(1, 12):02d}-01"/>\n')
        w.append(f'    <activity-date type="3" iso-date="{end_y}-12-31"/>\n')
        if rng.random() < 0.6:
            w.append(f'    <activity-date type="2" iso-date="{start_y}-{rng.randint(1, 12):02d}-15"/>\n')
        countries = self._geography(rng, w)
        self._locations(rng, w, countries, lang)
        self._sectors(rng, w, lang)
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.5:
                w.append(f'    <tag vocabulary="2" code="{rng.choice(c.goals)}"/>\n')
            else:
                w.append(f'    <tag vocabulary="3" code="{rng.choice(c.targets)}"/>\n')
        for code in rng.sample(c.markers, rng.randint(0, 4)):
            w.append(f'    <policy-marker vocabulary="1" code="{code}" significance="{rng.choice(c.significance)}"/>\n')
        if rng.random() < 0.05:
            w.append(f'    <policy-marker vocabulary="99" code="{pub}-M{rng.randint(1, 3)}" significance="1">'
                     f'{_narr("Publisher marker", "en")}</policy-marker>\n')
        w.append(f'    <collaboration-type code="{rng.choice("12346")}"/>\n')
        w.append(f'    <default-flow-type code="{rng.choice(["10", "20", "30"])}"/>\n')
        w.append(f'    <default-finance-type code="{rng.choice(["110", "410", "421"])}"/>\n')
        w.append(f'    <default-aid-type code="{rng.choice(["A01", "B01", "C01", "D02"])}"/>\n')
        self._money(rng, w, start_y, end_y, currency)
        if rng.random() < 0.3:
            w.append(f'    <document-link format="application/pdf" url="https://example.org/{pub}/{k}.pdf">'
                     f'<title>{_narr("Report " + str(k), "en")}</title>'
                     f'<category code="{rng.choice(c.doc_categories)}"/><language code="{lang}"/>'
                     f'<document-date iso-date="{start_y}-06-30"/></document-link>\n')
        if k and rng.random() < 0.1:
            w.append(f'    <related-activity ref="{pub}-{rng.randint(0, k - 1):06d}" type="{rng.choice("12345")}"/>\n')
        for _ in range(rng.choices([0, 1, 2], [6, 3, 1])[0]):
            self._result(rng, w, lang, start_y, end_y)
        w.append("  </iati-activity>\n")
        return "".join(w)

    def _geography(self, rng: random.Random, w: list[str]) -> list[str]:
        c = self.c
        if rng.random() < 0.15:
            w.append(f'    <recipient-region code="{rng.choice(c.regions)}" vocabulary="1" percentage="100"/>\n')
            return []
        countries = rng.sample(c.countries, rng.choices([1, 2, 3, 5], [70, 15, 10, 5])[0])
        shares = _split(rng, len(countries))
        if rng.random() < 0.02:  # published data often miscounts: a warning, not an error
            shares[shares.index(max(shares))] -= 20
        for code, share in zip(countries, shares):
            w.append(f'    <recipient-country code="{code}" percentage="{share}"/>\n')
        return countries

    def _locations(self, rng: random.Random, w: list[str], countries: list[str], lang: str) -> None:
        for country in countries[:2]:
            subs = self.c.subdivisions.get(country)
            if not subs or rng.random() < 0.5:
                continue
            for sub in rng.sample(subs, min(len(subs), rng.randint(1, 3))):
                lat, lon = rng.uniform(-60, 70), rng.uniform(-170, 170)
                w.append(f'    <location ref="{sub}-site"><location-reach code="1"/>'
                         f'<name>{_narr(self._name(rng, lang, 2).title())}</name>'
                         f'<administrative vocabulary="A1" level="1" code="{sub}"/>'
                         '<point srsName="http://www.opengis.net/def/crs/EPSG/0/4326">'
                         f'<pos>{lat:.5f} {lon:.5f}</pos></point>'
                         f'<exactness code="{rng.choice("12")}"/>'
                         f'<location-class code="{rng.choice("1234")}"/></location>\n')

    def _sectors(self, rng: random.Random, w: list[str], lang: str) -> None:
        c = self.c
        codes = rng.sample(c.sectors, rng.choices([1, 2, 3, 4], [50, 25, 15, 10])[0])
        for code, share in zip(codes, _split(rng, len(codes))):
            w.append(f'    <sector vocabulary="1" code="{code}" percentage="{share}"/>\n')
        if rng.random() < 0.2:
            w.append(f'    <sector vocabulary="2" code="{rng.choice(c.categories)}" percentage="100"/>\n')
        if rng.random() < 0.15:
            w.append(f'    <sector vocabulary="7" code="{rng.choice(c.goals)}" percentage="100"/>\n')
        if rng.random() < 0.05:
            w.append('    <sector vocabulary="99" vocabulary-uri="https://example.org/sectors" '
                     f'code="S{rng.randint(1, 9)}" '
                     f'percentage="100">{_narr(self._name(rng, lang, 2))}</sector>\n')

    def _money(self, rng: random.Random, w: list[str], start_y: int, end_y: int, currency: str) -> None:
        c = self.c
        for year in range(start_y, min(end_y, start_y + 2) + 1):
            value = rng.randint(10, 5000) * 1000
            w.append(f'    <budget type="{rng.choice("112")}" status="{rng.choice("12")}">'
                     f'<period-start iso-date="{year}-01-01"/><period-end iso-date="{year}-12-31"/>'
                     f'<value value-date="{year}-01-01">{value}</value></budget>\n')
        for n in range(rng.choices([0, 1, 2, 4, 8], [25, 30, 25, 15, 5])[0]):
            kind = rng.choice(c.transaction_types)
            y = rng.randint(start_y, end_y)
            value = rng.randint(1, 2000) * 500 * (-1 if rng.random() < 0.01 else 1)
            ref, name, olang, _t = rng.choice(self.orgs)
            receiver = f'<receiver-org ref="{ref}">{_narr(name, olang)}</receiver-org>' if ref else \
                f"<receiver-org>{_narr(name, olang)}</receiver-org>"
            w.append(f'    <transaction ref="T{n}"><transaction-type code="{kind}"/>'
                     f'<transaction-date iso-date="{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"/>'
                     f'<value currency="{currency}" value-date="{y}-01-01">{value}</value>{receiver}</transaction>\n')

    def _result(self, rng: random.Random, w: list[str], lang: str, start_y: int, end_y: int) -> None:
        w.append(f'    <result type="{rng.choice("123")}" aggregation-status="1">'
                 f'<title>{_narr(self._name(rng, lang, 4).capitalize())}</title>')
        for _ in range(rng.randint(1, 2)):
            base = rng.randint(0, 100)
            w.append(f'<indicator measure="{rng.choice("12")}" ascending="1">'
                     f'<title>{_narr(self._name(rng, lang, 3).capitalize())}</title>'
                     f'<baseline year="{start_y}" value="{base}"/>')
            for y in range(start_y, min(end_y, start_y + 1) + 1):
                w.append(f'<period><period-start iso-date="{y}-01-01"/><period-end iso-date="{y}-12-31"/>'
                         f'<target value="{base + rng.randint(1, 50)}"/>'
                         f'<actual value="{base + rng.randint(0, 60)}"/></period>')
            w.append("</indicator>")
        w.append("</result>\n")


def _narr(text: str, lang: str | None = None) -> str:
    attr = f' xml:lang="{lang}"' if lang else ""
    return f"<narrative{attr}>{escape(text)}</narrative>"


def _split(rng: random.Random, n: int) -> list[int]:
    """n whole percentages that sum to 100."""
    if n == 1:
        return [100]
    cuts = sorted(rng.sample(range(1, 100), n - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [100])]


def generate(out: Path, activities: int, seed: int = 1, data: Path = ROOT / "data") -> list[Path]:
    """Write `activities` IATI activities under `out`, one file per publisher; returns the files."""
    return Generator(Codes(data), seed, activities).write(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output directory (one .xml per publisher)")
    parser.add_argument("-n", "--activities", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    paths = generate(args.out, args.activities, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"{args.activities} activities in {len(paths)} files, {size / 1e6:.1f} MB, under {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
