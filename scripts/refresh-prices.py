#!/usr/bin/env python3
"""Refresh crates/dap-cost/data/prices-ca-central-1.json from the AWS Price List bulk offer files.

For every price in the table, the script reads the offer file of the price's `offer` (the AWS
Price List service code), picks the one product whose attributes equal the price's `filter`, takes
that product's on-demand price dimension (the one whose `beginRange` is the price's `tier_begin`
when the price has one) and writes `usd`, `as_of` (the offer file's publication day), `source`
(the offer file's URL) and `method: "bulk"`. Every other field is kept.

A price whose filter has `"location": "Any"` is a global product (CloudWatch dashboards, AWS
Budgets): AWS lists those in the offer's global file (`<offer>/current/index.json`), not in the
regional one (`<offer>/current/<region>/index.json`).

  .venv/bin/python scripts/refresh-prices.py                 # download the offer files, rewrite the table
  .venv/bin/python scripts/refresh-prices.py --offers DIR    # read DIR/<offer>.json instead of downloading
  .venv/bin/python scripts/refresh-prices.py --check         # compare only; exit 1 listing the differences

Downloading needs network access to the Price List bulk files (https://pricing.us-east-1.amazonaws.com,
no credentials). With --offers, DIR/<offer>.json is the offer's regional file; a global product is
read from DIR/<offer>.global.json when that file exists, else from DIR/<offer>.json.
--table FILE works on another copy of the table (tests); --base-url URL replaces
https://pricing.us-east-1.amazonaws.com (a mirror, tests).

Standard library only. The offer files are read as a stream (the EC2 file is hundreds of MB): one
product or term at a time is decoded, never the whole file.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from decimal import Decimal
from json.decoder import scanstring
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "crates/dap-cost/data/prices-ca-central-1.json"
BASE_URL = "https://pricing.us-east-1.amazonaws.com"
GLOBAL = "global"  # the scope of a product without a region
CHUNK = 1 << 20


class Failure(Exception):
    """One readable line for the user."""


class Fatal(Failure):
    """A failure that stops the run at once (the network is down: no point trying the other files)."""


# ----------------------------------------------------------------------------- the table


def fmt_number(x):
    """A JSON number in plain decimal notation (0.0000055, not 5.5e-06)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return json.dumps(x)
    text = format(Decimal(repr(float(x))), "f")
    return text if "." in text else text + ".0"


def fmt_value(v):
    if isinstance(v, float):
        return fmt_number(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {fmt_value(x)}" for k, x in v.items()) + "}"
    return json.dumps(v, ensure_ascii=False)


def render(table):
    """The table as the committed file spells it: 2-space indent, one field a line, filters inline."""
    lines = ["{"]
    top = list(table.items())
    for i, (k, v) in enumerate(top):
        end = "," if i < len(top) - 1 else ""
        if k != "prices":
            lines.append(f"  {json.dumps(k)}: {fmt_value(v)}{end}")
            continue
        lines.append('  "prices": {')
        prices = list(v.items())
        for j, (key, price) in enumerate(prices):
            lines.append(f"    {json.dumps(key)}: {{")
            fields = list(price.items())
            for n, (f, x) in enumerate(fields):
                lines.append(f"      {json.dumps(f)}: {fmt_value(x)}" + ("," if n < len(fields) - 1 else ""))
            lines.append("    }" + ("," if j < len(prices) - 1 else ""))
        lines.append("  }" + end)
    lines.append("}")
    return "\n".join(lines) + "\n"


def load_table(path):
    try:
        table = json.loads(path.read_text())
    except FileNotFoundError:
        raise Failure(f"{path}: no such file")
    except json.JSONDecodeError as e:
        raise Failure(f"{path}:{e.lineno}:{e.colno}: not JSON: {e.msg}")
    if not isinstance(table, dict) or not isinstance(table.get("prices"), dict):
        raise Failure(f"{path}: no `prices` object")
    if not isinstance(table.get("region"), str):
        raise Failure(f"{path}: no `region` string")
    problems = []
    for key, price in table["prices"].items():
        if not isinstance(price, dict):
            problems.append(f"prices.{key}: not an object")
            continue
        if not isinstance(price.get("offer"), str) or not price["offer"]:
            problems.append(f"prices.{key}: no `offer` (the Price List service code)")
        filt = price.get("filter")
        if not isinstance(filt, dict) or not filt or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in filt.items()):
            problems.append(f"prices.{key}: `filter` must be a non-empty object of strings")
        if "tier_begin" in price and not isinstance(price["tier_begin"], str):
            problems.append(f"prices.{key}: `tier_begin` must be a string such as \"0\"")
    if problems:
        raise Failure("\n".join(problems))
    return table


def scope_of(price, region):
    return GLOBAL if price["filter"].get("location") == "Any" else region


# ----------------------------------------------------------------------------- offer files


def offer_url(base, offer, scope):
    if scope == GLOBAL:
        return f"{base}/offers/v1.0/aws/{offer}/current/index.json"
    return f"{base}/offers/v1.0/aws/{offer}/current/{scope}/index.json"


class Offers:
    """Where each (offer, scope) file comes from: a local directory or a download."""

    def __init__(self, base, directory=None):
        self.base = base.rstrip("/")
        self.directory = directory
        self.tmp = None
        self.downloaded = {}

    def url(self, offer, scope):
        return offer_url(self.base, offer, scope)

    def path(self, offer, scope):
        if self.directory is not None:
            candidates = [self.directory / f"{offer}.json"]
            if scope == GLOBAL:
                candidates.insert(0, self.directory / f"{offer}.global.json")
            for c in candidates:
                if c.is_file():
                    return c
            raise Failure(f"no offer file {candidates[-1]} (--offers reads DIR/<offer>.json)")
        url = self.url(offer, scope)
        if url not in self.downloaded:
            self.downloaded[url] = self.download(url)
        return self.downloaded[url]

    def download(self, url):
        if self.tmp is None:
            self.tmp = tempfile.TemporaryDirectory(prefix="refresh-prices-")
        dest = Path(self.tmp.name) / f"{len(self.downloaded)}.json"
        print(f"downloading {url}", file=sys.stderr)
        try:
            with urllib.request.urlopen(url, timeout=120) as resp, open(dest, "wb") as out:
                shutil.copyfileobj(resp, out, CHUNK)
        except urllib.error.HTTPError as e:
            raise Fatal(f"{url}: HTTP {e.code} {e.reason} (is the offer code right, and does AWS "
                          f"publish a file for this region?)")
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise Fatal(f"cannot download {url} ({reason}): refresh-prices.py needs network access to "
                          f"the AWS Price List bulk files (or use --offers DIR with files downloaded elsewhere)")
        return dest

    def close(self):
        if self.tmp is not None:
            self.tmp.cleanup()


class Stream:
    """A forward-only JSON reader over a file: walks objects key by key, decodes one value at a time."""

    WS = " \t\r\n"

    def __init__(self, f, name):
        self.f = f
        self.name = name
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _more(self):
        if self.eof:
            return False
        data = self.f.read(CHUNK)
        if not data:
            self.eof = True
            return False
        if self.pos > CHUNK:
            self.buf = self.buf[self.pos:]
            self.pos = 0
        self.buf += data
        return True

    def _fail(self, what):
        raise Failure(f"{self.name}: not an AWS Price List offer file ({what})")

    def peek(self):
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in self.WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                self._fail("unexpected end of file")

    def expect(self, ch):
        if self.peek() != ch:
            self._fail(f"expected {ch!r} at character {self.pos}")
        self.pos += 1

    def value(self):
        """Decode the value at the cursor (retrying with more text when it is cut by the buffer)."""
        self.peek()
        while True:
            try:
                v, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                if self._more():
                    continue
                self._fail("bad JSON")
            if end >= len(self.buf) and not self.eof and self._more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return v

    def items(self):
        """Iterate an object's keys; the caller reads (value/items) or skips each value before next()."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            self.peek()
            if self.buf[self.pos] != '"':
                self._fail(f"expected a key at character {self.pos}")
            while True:
                try:
                    key, end = scanstring(self.buf, self.pos + 1)
                    break
                except json.JSONDecodeError:
                    if not self._more():
                        self._fail("unterminated key")
            self.pos = end
            self.expect(":")
            yield key
            ch = self.peek()
            if ch == ",":
                self.pos += 1
            elif ch == "}":
                self.pos += 1
                return
            else:
                self._fail(f"expected ',' or '}}' at character {self.pos}")


def read_offer(path, name, wanted):
    """Scan one offer file. `wanted`: {price key: filter}. Returns (publicationDate,
    {price key: [(sku, product)]}, {sku: OnDemand terms of that sku}) for the matching skus."""
    matches = {key: [] for key in wanted}
    on_demand = {}
    publication = None
    needed = None  # the matching skus, once the products are read (they come before the terms)
    with open(path, encoding="utf-8") as f:
        s = Stream(f, name)
        for top in s.items():
            if top == "products":
                for sku in s.items():
                    product = s.value()
                    attrs = product.get("attributes", {}) if isinstance(product, dict) else {}
                    for key, filt in wanted.items():
                        if all(attrs.get(a) == v for a, v in filt.items()):
                            matches[key].append((sku, product))
                needed = {sku for found in matches.values() for sku, _ in found}
            elif top == "terms":
                for kind in s.items():
                    for sku in s.items():
                        terms = s.value()
                        if kind == "OnDemand" and (needed is None or sku in needed):
                            on_demand[sku] = terms
            elif top == "publicationDate":
                publication = s.value()
            else:
                s.value()
    if not isinstance(publication, str) or len(publication) < 10:
        raise Failure(f"{name}: no publicationDate (is it an AWS Price List offer file?)")
    needed = {sku for found in matches.values() for sku, _ in found}
    return publication[:10], matches, {sku: t for sku, t in on_demand.items() if sku in needed}


def fmt_filter(filt):
    return ", ".join(f"{k}={v}" for k, v in filt.items())


def pick_price(key, price, sku, terms, where):
    """The USD price of the product's on-demand dimension for this price."""
    if not terms:
        raise Failure(f"prices.{key}: product {sku} in {where} has no OnDemand term")
    if len(terms) > 1:
        raise Failure(f"prices.{key}: product {sku} in {where} has {len(terms)} OnDemand terms "
                      f"({', '.join(sorted(terms))})")
    (term,) = terms.values()
    dims = list(term.get("priceDimensions", {}).values())
    tier = price.get("tier_begin")
    begins = ", ".join(str(d.get("beginRange")) for d in dims)
    if tier is not None:
        chosen = [d for d in dims if str(d.get("beginRange")) == tier]
        if len(chosen) != 1:
            raise Failure(f"prices.{key}: {len(chosen)} price dimensions of product {sku} in {where} begin at "
                          f"{tier} (tier_begin); its tiers begin at: {begins or 'none'}")
    else:
        chosen = dims
        if len(chosen) != 1:
            raise Failure(f"prices.{key}: product {sku} in {where} has {len(dims)} price dimensions "
                          f"(tiers beginning at {begins or 'none'}): set tier_begin to pick one")
    (dim,) = chosen
    usd = dim.get("pricePerUnit", {}).get("USD")
    try:
        return float(usd)
    except (TypeError, ValueError):
        raise Failure(f"prices.{key}: product {sku} in {where} has no USD pricePerUnit ({usd!r})")


def refresh(table, offers):
    """The table with every price read from the offer files (a new dict; `table` is not changed)."""
    region = table["region"]
    groups = {}
    for key, price in table["prices"].items():
        groups.setdefault((price["offer"], scope_of(price, region)), []).append(key)
    new = json.loads(json.dumps(table))
    errors = []
    for (offer, scope), keys in groups.items():
        try:
            path = offers.path(offer, scope)
        except Fatal:
            raise
        except Failure as e:
            errors.append(f"{e} (needed by {', '.join('prices.' + k for k in keys)})")
            continue
        url = offers.url(offer, scope)
        where = f"{offer} ({'global file' if scope == GLOBAL else scope})"
        try:
            day, matches, on_demand = read_offer(path, f"{offer} offer file {path}",
                                                 {k: table["prices"][k]["filter"] for k in keys})
        except Failure as e:
            errors.append(str(e))
            continue
        for key in keys:
            price = new["prices"][key]
            found = matches[key]
            if not found:
                errors.append(f"prices.{key}: no product in {where} matches filter {fmt_filter(price['filter'])}")
                continue
            if len(found) > 1:
                skus = ", ".join(sku for sku, _ in found)
                errors.append(f"prices.{key}: {len(found)} products in {where} match filter "
                              f"{fmt_filter(price['filter'])} (skus {skus}): add the attribute that tells them apart")
                continue
            sku = found[0][0]
            try:
                usd = pick_price(key, price, sku, on_demand.get(sku), where)
            except Failure as e:
                errors.append(str(e))
                continue
            price["usd"] = usd
            price["as_of"] = day
            price["source"] = url
            price["method"] = "bulk"
    if errors:
        raise Failure("\n".join(errors))
    return new


def differences(old, new):
    out = []
    for key, price in new["prices"].items():
        for field in ("usd", "as_of", "source", "method"):
            before = old["prices"][key].get(field)
            if before != price[field]:
                out.append(f"prices.{key}.{field}: table {fmt_value(before)}, offer file {fmt_value(price[field])}")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="refresh-prices.py",
        description="Refresh the price table from the AWS Price List bulk offer files.")
    p.add_argument("--offers", metavar="DIR", type=Path,
                   help="read DIR/<offer>.json (and DIR/<offer>.global.json) instead of downloading")
    p.add_argument("--check", action="store_true", help="compare only; exit 1 listing the differences")
    p.add_argument("--table", metavar="FILE", type=Path, default=TABLE, help="the price table (default: %(default)s)")
    p.add_argument("--base-url", metavar="URL", default=BASE_URL, help="the Price List host (default: %(default)s)")
    args = p.parse_args(argv)
    if args.offers is not None and not args.offers.is_dir():
        print(f"refresh-prices: --offers {args.offers}: not a directory", file=sys.stderr)
        return 1
    offers = Offers(args.base_url, args.offers)
    try:
        table = load_table(args.table)
        new = refresh(table, offers)
    except Failure as e:
        for line in str(e).splitlines():
            print(f"refresh-prices: {line}", file=sys.stderr)
        return 1
    finally:
        offers.close()
    diff = differences(table, new)
    shown = os.path.relpath(args.table) if args.table.resolve().is_relative_to(Path.cwd()) else str(args.table)
    if args.check:
        if diff:
            for line in diff:
                print(line, file=sys.stderr)
            print(f"refresh-prices: {shown} differs from the offer files in {len(diff)} field(s): "
                  f"run .venv/bin/python scripts/refresh-prices.py", file=sys.stderr)
            return 1
        print(f"{shown} is current ({len(new['prices'])} prices)")
        return 0
    for line in diff:
        if ".usd:" in line:
            print(line)
    args.table.write_text(render(new))
    print(f"wrote {shown}: {len(new['prices'])} prices, {sum('.usd:' in d for d in diff)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
