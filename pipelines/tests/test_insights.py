"""The demo's insights (pipelines/tools/insights.py): the average-fee ranking leaves out business
types with too few licences to average, and says how many."""
import sys

import pandas as pd

from conftest import PIPELINES

sys.path.insert(0, str(PIPELINES / "tools"))
import insights  # noqa: E402


def test_a_type_with_one_licence_is_not_ranked():
    fees = pd.DataFrame({"business_type": ["Rare", "Restaurant", "Retail"],
                         "licences_with_fee": [1, 1814, 40],
                         "average_fee": [9000.0, 1474.67, 300.0]})
    assert list(insights.rank_fees(fees).business_type) == ["Restaurant", "Retail"]


def test_the_demo_names_a_type_with_enough_licences(full_run, capsys):
    assert insights.main(["insights.py", str(full_run.curated), str(full_run.raw)]) == 0
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("Highest average fee"))
    fees = full_run.duckdb().execute(
        (insights.ATHENA / "average_fee_by_business_type.sql").read_text()).df()
    ranked = insights.rank_fees(fees)
    assert ranked.iloc[0].licences_with_fee >= insights.MIN_LICENCES_FOR_AVERAGE
    assert f": {ranked.iloc[0].business_type} at " in line
    assert f"{len(fees) - len(ranked)} of {len(fees)} types have fewer" in line
