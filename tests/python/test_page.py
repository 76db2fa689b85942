"""The live page in a real browser: headless Chromium loads GET /, which polls the dashboard JSON
and draws each table's partition heat map, throttles by cause, hottest keys and cost.

Chromium is Debian's `chromium` package; scripts/test installs it. A screenshot is written to
target/page.png for a person to look at.
"""

import os
import shutil
import subprocess
import tempfile

import boto3
from botocore.config import Config

from conftest import ROOT, admin

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium(*args):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Chromium is not installed (scripts/test installs Debian's chromium package)"
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120)
    return out


def test_page_shows_heat_throttles_keys_and_cost(virtual_endpoint):
    ddb = boto3.client("dynamodb", endpoint_url=virtual_endpoint, region_name="us-east-1",
                       aws_access_key_id="a", aws_secret_access_key="b", config=Config(retries={"total_max_attempts": 1}))
    ddb.create_table(
        TableName="shop",
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "SK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        ProvisionedThroughput={"ReadCapacityUnits": 100, "WriteCapacityUnits": 3000},
    )
    ddb.update_contributor_insights(TableName="shop", ContributorInsightsAction="ENABLE")
    pad = "x" * 8800
    throttled = 0
    for second in range(40):
        for i in range(130):
            key = "USER#premium" if i < 115 else f"USER#{i}"
            try:
                ddb.put_item(TableName="shop", Item={"PK": {"S": key}, "SK": {"S": f"{second}-{i}"}, "pad": {"S": pad}})
            except ddb.exceptions.ProvisionedThroughputExceededException:
                throttled += 1
        admin(virtual_endpoint, "/_dynolab/clock/advance", {"seconds": 1})
    assert throttled > 0

    out = chromium("--virtual-time-budget=5000", "--dump-dom", virtual_endpoint + "/")
    dom = out.stdout
    assert 'id="table-shop"' in dom, out.stderr[-2000:]
    assert dom.count("<rect") > 100, "the heat map has cells"
    assert "WriteKeyRangeThroughputThrottleEvents" in dom
    assert "USER#premium" in dom
    assert "so far" in dom and "/month" in dom
    # The hot partition is drawn at (or over) its cap somewhere in the window.
    assert 'data-util="1.' in dom or 'data-util="0.9' in dom

    shot = ROOT / "target" / "page.png"
    shot.parent.mkdir(exist_ok=True)
    out = chromium("--virtual-time-budget=5000", "--window-size=1400,900", f"--screenshot={shot}", virtual_endpoint + "/")
    assert shot.exists() and shot.stat().st_size > 10_000, out.stderr[-2000:]
