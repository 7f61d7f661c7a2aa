"""The price table (crates/dap-cost/data/prices-ca-central-1.json) and scripts/refresh-prices.py.

The table must satisfy the format contract the dap-cost crate reads (every key, every field with
its type). The refresh script runs with --offers on small offer files shaped like the AWS Price
List bulk files: for each price the matching product plus decoys that differ from it in one
filter attribute, tiered products where the price has a tier_begin.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "crates/dap-cost/data/prices-ca-central-1.json"
SCRIPT = ROOT / "scripts/refresh-prices.py"
BASE = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws"

# The keys of the format contract (the dap-cost crate refers to them by name), in order.
KEYS = [
    "kms.key_month", "kms.request",
    "s3.standard_gb_month", "s3.put_request", "s3.get_request",
    "glue.etl_dpu_hour", "glue.crawler_dpu_hour", "glue.catalog_object_month", "glue.catalog_request",
    "athena.tb_scanned",
    "cloudtrail.data_event", "cloudtrail.management_event",
    "cloudwatch.alarm_month", "cloudwatch.metric_month", "cloudwatch.dashboard_month", "cloudwatch.request",
    "logs.ingest_gb", "logs.storage_gb_month",
    "sns.email_notification", "sns.request",
    "events.custom_event",
    "ec2.t3.micro_hour", "ec2.t3.small_hour", "ec2.t3.medium_hour", "ec2.t3.large_hour", "ec2.m5.large_hour",
    "ebs.gp3_gb_month",
    "budgets.budget_day",
]
# Prices that are genuinely $0: AWS Budgets charges nothing for a budget without actions.
ZERO = {"budgets.budget_day"}
FIELDS = ["usd", "unit", "description", "offer", "filter", "source", "as_of", "method", "free_tier"]
OFFERS = {"awskms", "AmazonS3", "AWSGlue", "AmazonAthena", "AWSCloudTrail", "AmazonCloudWatch",
          "AmazonSNS", "AWSEvents", "AmazonEC2", "AWSBudgets"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def contract_problems(table) -> list[str]:
    """What in `table` breaks the format contract, one line each (empty: it satisfies it)."""
    out = []
    if table.get("region") != "ca-central-1":
        out.append("region: not ca-central-1")
    if table.get("currency") != "USD":
        out.append("currency: not USD")
    if not isinstance(table.get("refresh"), str):
        out.append("refresh: not a string")
    prices = table.get("prices")
    if not isinstance(prices, dict):
        return out + ["prices: not an object"]
    for key in KEYS:
        if key not in prices:
            out.append(f"{key}: missing")
    for key in prices:
        if key not in KEYS:
            out.append(f"{key}: not a key of the contract")
    if [k for k in prices if k in KEYS] != [k for k in KEYS if k in prices]:
        out.append("prices: keys not in the contract's order")
    for key, p in prices.items():
        if not isinstance(p, dict):
            out.append(f"{key}: not an object")
            continue
        for f in FIELDS:
            if f not in p:
                out.append(f"{key}.{f}: missing")
        for f in p:
            if f not in FIELDS and f != "tier_begin":
                out.append(f"{key}.{f}: not a field of the contract")
        usd = p.get("usd")
        if isinstance(usd, bool) or not isinstance(usd, (int, float)):
            out.append(f"{key}.usd: not a number")
        elif key in ZERO and usd != 0:
            out.append(f"{key}.usd: expected 0")
        elif key not in ZERO and not usd > 0:
            out.append(f"{key}.usd: not > 0")
        for f in ("unit", "description", "offer"):
            if not isinstance(p.get(f), str) or not p.get(f):
                out.append(f"{key}.{f}: not a non-empty string")
        if isinstance(p.get("offer"), str) and p["offer"] not in OFFERS:
            out.append(f"{key}.offer: unknown offer code {p['offer']!r}")
        filt = p.get("filter")
        if not isinstance(filt, dict) or not filt or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in filt.items()):
            out.append(f"{key}.filter: not a non-empty object of strings")
        if "tier_begin" in p and not (isinstance(p["tier_begin"], str) and p["tier_begin"].isdigit()):
            out.append(f"{key}.tier_begin: not a string of digits")
        if not isinstance(p.get("source"), str) or not p["source"].startswith("https://"):
            out.append(f"{key}.source: not an https URL")
        if not isinstance(p.get("as_of"), str) or not DATE.match(p["as_of"]):
            out.append(f"{key}.as_of: not a YYYY-MM-DD date")
        if p.get("method") not in ("bulk", "manual"):
            out.append(f"{key}.method: not bulk or manual")
        if p.get("free_tier") is not None and not (isinstance(p["free_tier"], str) and p["free_tier"]):
            out.append(f"{key}.free_tier: neither null nor a non-empty string")
    return out


def load_script():
    spec = importlib.util.spec_from_file_location("refresh_prices", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- the committed table


def test_repo_table_satisfies_the_contract():
    table = json.loads(TABLE.read_text())
    assert contract_problems(table) == []
    assert list(table) == ["region", "currency", "refresh", "prices"]


def test_repo_table_manual_prices_name_a_public_price_page():
    for key, p in json.loads(TABLE.read_text())["prices"].items():
        if p["method"] == "manual":
            assert p["source"].startswith("https://aws.amazon.com/"), key


def test_repo_table_is_in_the_scripts_format():
    """The script rewrites the file as it is committed: no noise in the diff of a refresh."""
    text = TABLE.read_text()
    assert load_script().render(json.loads(text)) == text


def test_the_validation_reports_a_broken_table():
    """The contract test can fail: a missing key, a wrong type, a bad date, an http source."""
    table = json.loads(TABLE.read_text())
    broken = copy.deepcopy(table)
    del broken["prices"]["logs.ingest_gb"]
    broken["prices"]["kms.request"]["usd"] = "0.000003"
    broken["prices"]["s3.get_request"]["as_of"] = "7 Dec 2026"
    broken["prices"]["athena.tb_scanned"]["source"] = "http://aws.amazon.com/athena/pricing/"
    del broken["prices"]["sns.request"]["free_tier"]
    broken["prices"]["glue.etl_dpu_hour"]["usd"] = 0
    problems = contract_problems(broken)
    assert "logs.ingest_gb: missing" in problems
    assert "kms.request.usd: not a number" in problems
    assert "s3.get_request.as_of: not a YYYY-MM-DD date" in problems
    assert "athena.tb_scanned.source: not an https URL" in problems
    assert "sns.request.free_tier: missing" in problems
    assert "glue.etl_dpu_hour.usd: not > 0" in problems
    assert len(problems) == 6


# ----------------------------------------------------------------------------- offer file fixtures

PUBLISHED = {  # one publication day per offer file
    "awskms": "2026-11-02", "AmazonS3": "2026-11-03", "AWSGlue": "2026-11-04", "AmazonAthena": "2026-11-05",
    "AWSCloudTrail": "2026-11-06", "AmazonCloudWatch": "2026-11-07", "AmazonSNS": "2026-11-09",
    "AWSEvents": "2026-11-10", "AmazonEC2": "2026-11-11", "AWSBudgets": "2026-11-12",
}
GLOBAL_PUBLISHED = "2026-11-20"  # AmazonCloudWatch.global.json


def expected_usd(i: int, key: str) -> float:
    """The price the fixture gives the i-th key: distinct, unlike any manual value (0 where it is 0)."""
    return 0.0 if key in ZERO else round(0.0012345 * (i + 1), 10)


def usd_text(x: float) -> str:
    return f"{x:.10f}"


class OfferFile:
    def __init__(self, offer: str, published: str):
        self.offer = offer
        self.published = published
        self.products = {}
        self.on_demand = {}
        self.n = 0

    def add(self, attributes: dict, dims: list[tuple[str, str, str]], family="Fixture") -> str:
        """dims: (usd, beginRange, endRange)."""
        self.n += 1
        sku = f"{self.offer.upper()[:6]}SKU{self.n:05d}"
        self.products[sku] = {"sku": sku, "productFamily": family,
                              "attributes": {"servicecode": self.offer, **attributes}}
        code = "JRTCKXETXF"
        self.on_demand[sku] = {f"{sku}.{code}": {
            "offerTermCode": code, "sku": sku, "effectiveDate": f"{self.published}T00:00:00Z",
            "priceDimensions": {
                f"{sku}.{code}.R{j:03d}": {"rateCode": f"{sku}.{code}.R{j:03d}", "description": "fixture",
                                           "beginRange": b, "endRange": e, "unit": "Units",
                                           "pricePerUnit": {"USD": usd}, "appliesTo": []}
                for j, (usd, b, e) in enumerate(dims)},
            "termAttributes": {}}}
        return sku

    def document(self) -> dict:
        reserved = {sku: {f"{sku}.4NA7Y494T4": {"offerTermCode": "4NA7Y494T4", "priceDimensions": {}}}
                    for sku in list(self.products)[:1]}
        return {"formatVersion": "v1.0", "disclaimer": "fixture", "offerCode": self.offer,
                "version": self.published.replace("-", "") + "000000",
                "publicationDate": f"{self.published}T00:00:00Z",
                "products": self.products, "terms": {"OnDemand": self.on_demand, "Reserved": reserved}}

    def write(self, path: Path):
        path.write_text(json.dumps(self.document(), indent=4))


def build_offers(table: dict, directory: Path) -> tuple[dict, dict]:
    """Offer files for every price of `table` in `directory`. Returns ({key: usd}, {offer: file})."""
    files = {}
    expected = {}
    for i, (key, price) in enumerate(table["prices"].items()):
        offer = price["offer"]
        is_global = price["filter"].get("location") == "Any"
        if is_global and offer == "AmazonCloudWatch":
            name = "AmazonCloudWatch.global"  # read before DIR/AmazonCloudWatch.json
            published = GLOBAL_PUBLISHED
        else:
            name = offer  # AWSBudgets: only DIR/AWSBudgets.json, as AWS has no regional file for it
            published = PUBLISHED[offer]
        f = files.setdefault(name, OfferFile(offer, published))
        usd = expected_usd(i, key)
        expected[key] = usd
        attrs = {"location": "Canada (Central)", "locationType": "AWS Region", "regionCode": "ca-central-1",
                 "group": key, **price["filter"]}
        tier = price.get("tier_begin")
        if tier is None:
            dims = [(usd_text(usd), "0", "Inf")]
        else:
            # a free tier before, a cheaper tier after: only the tier_begin one is right
            after = str(int(tier) + 5000)
            dims = ([("0.0000000000", "0", tier)] if tier != "0" else []) + [
                (usd_text(usd), tier, after), (usd_text(usd / 2), after, "Inf")]
        f.add(attrs, dims)
        for a, v in price["filter"].items():  # decoys: one filter attribute differs
            f.add({**attrs, a: v + "-decoy"}, [(usd_text(usd * 3 or 0.25), "0", "Inf")])
        f.add({k: v for k, v in attrs.items() if k != next(iter(price["filter"]))},  # decoy: attribute absent
              [(usd_text(usd * 5 or 0.5), "0", "Inf")])
    for name, f in files.items():
        f.write(directory / f"{name}.json")
    return expected, files


def run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120,
                          env=env)


@pytest.fixture
def work(tmp_path):
    """A copy of the committed table and offer files built for it."""
    table_path = tmp_path / "prices.json"
    shutil.copy(TABLE, table_path)
    offers = tmp_path / "offers"
    offers.mkdir()
    expected, files = build_offers(json.loads(TABLE.read_text()), offers)
    return table_path, offers, expected, files


# ----------------------------------------------------------------------------- the refresh


def test_refresh_updates_every_price_from_the_offer_files(work):
    table_path, offers, expected, files = work
    before = json.loads(table_path.read_text())
    r = run("--offers", str(offers), "--table", str(table_path))
    assert r.returncode == 0, r.stderr
    assert f"{len(KEYS)} prices" in r.stdout
    after = json.loads(table_path.read_text())
    assert list(after["prices"]) == list(before["prices"])
    assert {k: v for k, v in after.items() if k != "prices"} == {k: v for k, v in before.items() if k != "prices"}
    for key, p in after["prices"].items():
        old = before["prices"][key]
        assert p["usd"] == pytest.approx(expected[key], rel=1e-12), key
        assert p["method"] == "bulk", key
        offer = p["offer"]
        if p["filter"].get("location") == "Any":
            url = f"{BASE}/{offer}/current/index.json"
            day = GLOBAL_PUBLISHED if offer == "AmazonCloudWatch" else PUBLISHED[offer]
        else:
            url = f"{BASE}/{offer}/current/ca-central-1/index.json"
            day = PUBLISHED[offer]
        assert p["as_of"] == day, key
        assert p["source"] == url, key
        for f in ("unit", "description", "offer", "filter", "free_tier", "tier_begin"):
            assert p.get(f) == old.get(f), (key, f)
        assert list(p) == list(old), key
    assert contract_problems(after) == []
    assert load_script().render(after) == table_path.read_text()


def test_check_passes_on_a_refreshed_table_and_fails_after_an_edit(work):
    table_path, offers, _, _ = work
    r = run("--offers", str(offers), "--table", str(table_path), "--check")
    assert r.returncode == 1  # the committed table is manual: every price differs
    assert "prices.kms.key_month.method: table \"manual\", offer file \"bulk\"" in r.stderr
    assert run("--offers", str(offers), "--table", str(table_path)).returncode == 0
    r = run("--offers", str(offers), "--table", str(table_path), "--check")
    assert r.returncode == 0, r.stderr
    assert "is current" in r.stdout
    table = json.loads(table_path.read_text())
    table["prices"]["athena.tb_scanned"]["usd"] = 5.5
    edited = json.dumps(table, indent=2) + "\n"
    table_path.write_text(edited)
    r = run("--offers", str(offers), "--table", str(table_path), "--check")
    assert r.returncode == 1
    assert "prices.athena.tb_scanned.usd: table 5.5" in r.stderr
    assert "1 field(s)" in r.stderr
    assert table_path.read_text() == edited  # --check writes nothing


def test_an_ambiguous_filter_fails_naming_the_price(work):
    table_path, offers, _, _ = work
    before = table_path.read_text()
    doc = json.loads((offers / "awskms.json").read_text())
    sku, product = next((s, p) for s, p in doc["products"].items()
                        if p["attributes"].get("usagetype") == "ca-central-1-KMS-Keys"
                        and p["attributes"].get("group") == "kms.key_month")
    twin = copy.deepcopy(product)
    twin["sku"] = "TWINSKU0000001"
    twin["attributes"]["operation"] = "CreateKey"  # an attribute the filter does not name
    doc["products"]["TWINSKU0000001"] = twin
    doc["terms"]["OnDemand"]["TWINSKU0000001"] = doc["terms"]["OnDemand"][sku]
    (offers / "awskms.json").write_text(json.dumps(doc))
    r = run("--offers", str(offers), "--table", str(table_path))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines == [f"refresh-prices: prices.kms.key_month: 2 products in awskms (ca-central-1) match filter "
                     f"usagetype=ca-central-1-KMS-Keys (skus {sku}, TWINSKU0000001): add the attribute that "
                     f"tells them apart"]
    assert table_path.read_text() == before


def test_a_missing_product_fails_naming_the_price_and_the_offer(work):
    table_path, offers, _, _ = work
    before = table_path.read_text()
    doc = json.loads((offers / "AmazonS3.json").read_text())
    doc["products"] = {s: p for s, p in doc["products"].items()
                       if p["attributes"].get("usagetype") != "CAN1-Requests-Tier2"}
    (offers / "AmazonS3.json").write_text(json.dumps(doc))
    r = run("--offers", str(offers), "--table", str(table_path))
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "refresh-prices: prices.s3.get_request: no product in AmazonS3 (ca-central-1) matches filter "
        "usagetype=CAN1-Requests-Tier2"]
    assert table_path.read_text() == before


def test_tiers_need_tier_begin_and_it_must_exist(work):
    table_path, offers, _, _ = work
    table = json.loads(table_path.read_text())
    del table["prices"]["s3.standard_gb_month"]["tier_begin"]
    table["prices"]["sns.request"]["tier_begin"] = "42"
    table_path.write_text(json.dumps(table, indent=2))
    r = run("--offers", str(offers), "--table", str(table_path))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("refresh-prices: prices.s3.standard_gb_month: product ")
    assert lines[0].endswith("has 2 price dimensions (tiers beginning at 0, 5000): set tier_begin to pick one")
    assert lines[1].startswith("refresh-prices: prices.sns.request: 0 price dimensions of product ")
    assert lines[1].endswith("begin at 42 (tier_begin); its tiers begin at: 0, 1000000, 1005000")


def test_a_missing_offer_file_names_it(work):
    table_path, offers, _, _ = work
    (offers / "AWSEvents.json").unlink()
    r = run("--offers", str(offers), "--table", str(table_path))
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"refresh-prices: no offer file {offers / 'AWSEvents.json'} (--offers reads DIR/<offer>.json) "
        f"(needed by prices.events.custom_event)"]


def test_without_network_the_error_says_so_and_names_the_url(tmp_path):
    table_path = tmp_path / "prices.json"
    shutil.copy(TABLE, table_path)
    r = run("--table", str(table_path), "--base-url", "http://127.0.0.1:9")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2, lines  # "downloading URL", then the error: the other files are not tried
    first = lines[-1]
    assert first.startswith("refresh-prices: cannot download "
                            "http://127.0.0.1:9/offers/v1.0/aws/awskms/current/ca-central-1/index.json (")
    assert "needs network access to the AWS Price List bulk files" in first
    assert table_path.read_text() == TABLE.read_text()


def test_the_offer_file_is_read_as_a_stream(tmp_path):
    """Products and terms split across many read chunks are still found (a small CHUNK)."""
    module = load_script()
    module.CHUNK = 64
    table = json.loads(TABLE.read_text())
    expected, _ = build_offers(table, tmp_path)
    offers = module.Offers(module.BASE_URL, tmp_path)
    new = module.refresh(table, offers)
    assert {k: p["usd"] for k, p in new["prices"].items()} == pytest.approx(expected)
