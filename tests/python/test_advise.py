"""`dynolab advise` as a newcomer runs it on the orders example: the files it writes are usable
(after.json is accepted by the AWS CLI's create-table against dynolab serve) and the HTML report
renders in headless Chromium with its before/after table and heat maps. A screenshot is written to
target/advice.png for a person to look at.
"""

import json
import os
import re
import subprocess
import tempfile

from conftest import ROOT
from test_aws_cli import aws
from test_page import chromium


def run_advise(out_dir):
    binary = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))
    examples = ROOT / "examples" / "orders"
    return subprocess.run(
        [binary, "advise", "--design", str(examples / "before.tf"), "--workload", str(examples / "workload.toml"),
         "--days", "1", "--out", out_dir, "--quiet"],
        capture_output=True, text=True, timeout=600)


def test_advise_writes_a_design_the_aws_cli_accepts_and_a_report_chromium_renders(endpoint, aws_env):
    with tempfile.TemporaryDirectory() as out_dir:
        done = run_advise(out_dir)
        assert done.returncode == 0, done.stderr
        assert "BEFORE AND AFTER" in done.stdout
        files = sorted(os.listdir(out_dir))
        assert files == ["advice.html", "advice.json", "after.json", "after.tf", "after.workload.toml"], files

        advice = json.load(open(os.path.join(out_dir, "advice.json")))
        assert advice["before"]["throttled"] > 0
        assert advice["after"]["throttled"] == 0

        tf = open(os.path.join(out_dir, "after.tf")).read()
        assert '"GSI1"' in tf
        # The capacity mode advise chose (on-demand, or provisioned with auto scaling) is the
        # same in after.tf, after.json and the table the AWS CLI creates from it.
        mode = re.search(r'billing_mode\s*=\s*"(\w+)"', tf).group(1)
        assert mode in ("PAY_PER_REQUEST", "PROVISIONED")
        if mode == "PROVISIONED":
            assert "aws_appautoscaling_target" in tf

        # The CreateTable JSON goes straight into the AWS CLI.
        create = json.load(open(os.path.join(out_dir, "after.json")))
        create["TableName"] = "orders-after"
        path = os.path.join(out_dir, "create.json")
        json.dump(create, open(path, "w"))
        made = aws(aws_env, endpoint, "dynamodb", "create-table", "--cli-input-json", "file://" + path)
        assert made.returncode == 0, made.stderr
        desc = json.loads(made.stdout)["TableDescription"]
        assert [g["IndexName"] for g in desc["GlobalSecondaryIndexes"]] == ["GSI1"]
        assert desc.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") == mode

        html = "file://" + os.path.join(out_dir, "advice.html")
        dom = chromium("--dump-dom", html).stdout
        assert 'id="before-after"' in dom
        assert dom.count("<rect") > 50, "heat maps and throttle bars are drawn"
        assert "Recommended changes" in dom and "GSI1" in dom
        shot = ROOT / "target" / "advice.png"
        chromium("--window-size=1200,3000", f"--screenshot={shot}", html)
        assert shot.exists() and shot.stat().st_size > 10_000
