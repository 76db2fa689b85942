"""`dynolab.Server` against the binary the wheel installed: start, stop, durability, clocks,
flags, and what it reports (CloudWatch metrics, throttles by reason, top keys, cost), each
checked against a number the test can predict."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from botocore.config import Config

import dynolab
from dynolab import AdminError, Server, ServerStartError, find_binary

KEY = {"KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
       "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}]}


def test_the_package_and_binary_come_from_the_installed_wheel():
    # scripts/test runs this from a fresh virtualenv: the module and the binary must be the
    # wheel's, not the source tree's or target/debug's.
    if os.environ.get("DYNOLAB_BIN"):
        pytest.skip("DYNOLAB_BIN overrides the installed binary")
    assert Path(dynolab.__file__).parent.parent == Path(sysconfig.get_path("purelib"))
    assert find_binary() == Path(sysconfig.get_path("scripts")) / "dynolab"
    out = subprocess.run([str(find_binary()), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["dynolab", dynolab.__version__]


def test_dynolab_bin_overrides_and_must_exist(monkeypatch, tmp_path):
    monkeypatch.setenv("DYNOLAB_BIN", str(tmp_path / "missing"))
    with pytest.raises(dynolab.BinaryNotFoundError, match="DYNOLAB_BIN"):
        find_binary()


def test_server_answers_when_constructed_and_stops():
    with Server() as server:
        assert server.endpoint_url.startswith("http://127.0.0.1:")
        assert server.client().list_tables()["TableNames"] == []
        assert server.running
        endpoint = server.endpoint_url
    assert not server.running
    with pytest.raises(OSError):
        urllib.request.urlopen(endpoint + "/_dynolab/clock", timeout=5)


def test_two_servers_get_two_ports():
    with Server() as a, Server() as b:
        assert a.endpoint_url != b.endpoint_url
        a.client().create_table(TableName="only_in_a", BillingMode="PAY_PER_REQUEST", **KEY)
        assert b.client().list_tables()["TableNames"] == []


def test_data_dir_survives_a_restart(tmp_path):
    with Server(data_dir=tmp_path) as server:
        ddb = server.client()
        ddb.create_table(TableName="kept", BillingMode="PAY_PER_REQUEST", **KEY)
        ddb.put_item(TableName="kept", Item={"PK": {"S": "a"}, "n": {"N": "7"}})
    with Server(data_dir=tmp_path) as server:
        item = server.resource().Table("kept").get_item(Key={"PK": "a"})["Item"]
        assert item["n"] == 7


def test_virtual_clock_moves_only_when_told():
    with Server(clock="virtual") as server:
        start = server.now()
        server.client().list_tables()
        assert server.now() == start
        assert server.advance(300) == pytest.approx(start + 300)
        assert server.set_time(2_000_000_000) == 2_000_000_000
        assert server.now() == 2_000_000_000


def test_the_system_clock_cannot_be_moved():
    with Server() as server:
        with pytest.raises(AdminError) as refused:
            server.advance(1)
        assert refused.value.status == 409
        assert "--clock virtual" in refused.value.message


def test_serve_flags_pass_through():
    # UpdateTimeToLive refuses a second change within the cooldown (an hour by default).
    for cooldown, second_change_ok in (("3600", False), ("0", True)):
        with Server(args=["--ttl-cooldown-secs", cooldown]) as server:
            ddb = server.client()
            ddb.create_table(TableName="ttl", BillingMode="PAY_PER_REQUEST", **KEY)
            spec = {"AttributeName": "expires", "Enabled": True}
            ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification=spec)
            try:
                ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={**spec, "Enabled": False})
                ok = True
            except ddb.exceptions.ClientError:
                ok = False
            assert ok is second_change_ok


def test_a_server_that_cannot_start_says_why():
    with pytest.raises(ServerStartError) as failed:
        Server(args=["--no-such-flag"])
    assert "--no-such-flag" in failed.value.stderr
    assert "dynolab stderr" in str(failed.value)


def test_stderr_is_kept():
    # The hidden fault-injection flag makes a request naming this table panic inside the
    # engine; the server answers 500 and logs the panic to stderr.
    with Server(args=["--fault-panic-table", "boom"]) as server:
        ddb = server.client(config=Config(retries={"total_max_attempts": 1}))
        with pytest.raises(ddb.exceptions.ClientError, match="InternalServerError"):
            ddb.get_item(TableName="boom", Key={"PK": {"S": "a"}})
        assert "panicked" in server.stderr
    assert "panicked" in server.stderr


def write_until_throttled(server, table, writes):
    """`writes` PutItems of ~2 KB (2 WCU each) on one key; returns (succeeded, throttled)."""
    ddb = server.client()
    ok = throttled = 0
    for i in range(writes):
        try:
            ddb.put_item(TableName=table, Item={"PK": {"S": "hot"}, "SK": {"S": str(i)}, "pad": {"S": "x" * 1900}})
            ok += 1
        except ddb.exceptions.ProvisionedThroughputExceededException as e:
            throttled += 1
            assert dynolab.throttling_reasons(e) == ["TableWriteProvisionedThroughputExceeded"]
    return ok, throttled


def test_metrics_throttles_and_top_keys_agree_with_what_the_client_saw():
    with Server(clock="virtual") as server:
        ddb = server.client()
        ddb.create_table(
            TableName="tiny",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "SK", "AttributeType": "S"}],
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        )
        ddb.update_contributor_insights(TableName="tiny", ContributorInsightsAction="ENABLE")
        ok, throttled = write_until_throttled(server, "tiny", 200)
        # 1 WCU banks 300 seconds of burst: 150 writes of 2 WCU, then every write throttles.
        assert (ok, throttled) == (150, 50)
        server.advance(60)
        assert server.metrics("tiny", "ConsumedWriteCapacityUnits").total == 2 * ok
        assert server.metrics("tiny", "WriteThrottleEvents").total == throttled
        assert server.metrics("tiny", "ProvisionedWriteCapacityUnits", statistic="Average").values[-1] == 1
        assert server.throttles("tiny") == {"TableWriteProvisionedThroughputExceeded": throttled}
        dynolab.assert_throttled(server, "tiny", "TableWriteProvisionedThroughputExceeded", at_least=throttled)
        with pytest.raises(AssertionError, match="TableWriteProvisionedThroughputExceeded"):
            dynolab.assert_no_throttles(server, "tiny")
        with pytest.raises(AssertionError):
            dynolab.assert_throttled(server, "tiny", "TableWriteKeyRangeThroughputExceeded")
        keys = server.top_keys("tiny")
        assert keys["most_throttled"] == [{"key": ["hot"], "count": throttled}]
        assert keys["most_accessed"][0]["key"] == ["hot"]
        # An hour later the throttles are out of the default window.
        server.advance(3600)
        dynolab.assert_no_throttles(server, "tiny")


def test_top_keys_needs_contributor_insights():
    with Server() as server:
        server.client().create_table(TableName="plain", BillingMode="PAY_PER_REQUEST", **KEY)
        with pytest.raises(AdminError) as refused:
            server.top_keys("plain")
        assert refused.value.status == 404


def test_cost_counts_on_demand_request_units():
    with Server(clock="virtual") as server:
        table = server.resource().create_table(TableName="ondemand", BillingMode="PAY_PER_REQUEST", **KEY)
        for i in range(10):
            table.put_item(Item={"PK": str(i), "pad": "x" * 1500})  # 2 KB: 2 write request units
        server.advance(60)
        cost = server.cost("ondemand")
        [component] = cost["components"]
        assert component["billing"] == "PAY_PER_REQUEST"
        assert component["write_request_units"] == 20
        assert cost["total_so_far"] >= component["cost_so_far"]["writes"] > 0
        assert server.cost()["tables"]["ondemand"] == cost["components"]


def test_expect_throttle_checks_the_reason():
    with Server(clock="virtual") as server:
        ddb = server.client()
        ddb.create_table(TableName="one", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}, **KEY)
        big = {"PK": {"S": "k"}, "pad": {"S": "x" * 300_000}}  # 293 WCU of the 300 banked
        ddb.put_item(TableName="one", Item=big)
        # 7 units left: the second is still served, in debt (docs/design/capacity-model.md,
        # "Requests larger than what is left"); the third finds the table exhausted.
        ddb.put_item(TableName="one", Item=big)
        with dynolab.expect_throttle(reason="TableWriteProvisionedThroughputExceeded") as caught:
            ddb.put_item(TableName="one", Item=big)
        assert caught.code == "ProvisionedThroughputExceededException"
        with pytest.raises(AssertionError, match="expected TableWriteKeyRangeThroughputExceeded"):
            with dynolab.expect_throttle(reason="TableWriteKeyRangeThroughputExceeded"):
                ddb.put_item(TableName="one", Item=big)
        server.advance(600)
        with pytest.raises(AssertionError, match="succeeded"):
            with dynolab.expect_throttle():
                ddb.put_item(TableName="one", Item={"PK": {"S": "small"}})


def test_client_on_a_virtual_clock_makes_one_attempt():
    with Server(clock="virtual") as server:
        assert server.client().meta.config.retries["total_max_attempts"] == 1
    with Server() as server:
        assert server.client().meta.config.retries.get("total_max_attempts") != 1


def test_flags_given_twice_keep_the_last():
    assert dynolab.server.merge_flags(["--port", "0", "--in-memory", "--clock=system"], ["--clock", "virtual"]) == [
        "--port", "0", "--in-memory", "--clock", "virtual"]
    with Server(args=["--clock", "virtual"]) as server:
        assert server.clock == "virtual"
        assert server.advance(1) > 0


def test_apply_terraform_creates_the_designs_tables(tmp_path):
    design = tmp_path / "tables.tf"
    design.write_text("""
variable "wcu" {
  default = 40
}

resource "aws_dynamodb_table" "events" {
  name           = "events"
  billing_mode   = "PROVISIONED"
  read_capacity  = 10
  write_capacity = var.wcu * 2
  hash_key       = "id"

  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_dynamodb_table" "audit" {
  name         = "audit"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "day"
  range_key    = "at"

  attribute {
    name = "day"
    type = "S"
  }

  attribute {
    name = "at"
    type = "N"
  }
}
""")
    with Server() as server:
        assert sorted(server.apply_terraform(design)) == ["audit", "events"]
        ddb = server.client()
        events = ddb.describe_table(TableName="events")["Table"]
        assert events["ProvisionedThroughput"]["WriteCapacityUnits"] == 80
        audit = ddb.describe_table(TableName="audit")["Table"]
        assert audit["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert {a["AttributeName"]: a["AttributeType"] for a in audit["AttributeDefinitions"]} == {"day": "S", "at": "N"}
        broken = tmp_path / "broken.tf"
        broken.write_text('resource "aws_dynamodb_table" "x" {\n  name = "x"\n}\n')
        with pytest.raises(dynolab.DynolabError, match="hash_key"):
            server.apply_terraform(broken)


def test_a_server_with_credentials_verifies_signatures_and_its_own_calls_use_the_key():
    with Server(clock="virtual", credentials=("AKIDTEAM", "team-secret")) as server:
        assert "--credentials" in server.command
        client = server.client()
        client.create_table(TableName="signed", BillingMode="PAY_PER_REQUEST", **KEY)
        client.put_item(TableName="signed", Item={"PK": {"S": "a"}})
        # Another secret is refused as DynamoDB refuses it.
        wrong = server.client(aws_secret_access_key="not-the-secret")
        with pytest.raises(wrong.exceptions.ClientError) as e:
            wrong.get_item(TableName="signed", Key={"PK": {"S": "a"}})
        assert e.value.response["Error"]["Code"] == "InvalidSignatureException"
        # The admin API needs the key too; the object's own calls carry it.
        before = server.now()
        assert server.advance(60) == pytest.approx(before + 60)
        assert server.table_names() == ["signed"]
        unsigned = urllib.request.Request(server.endpoint_url + "/_dynolab/clock")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(unsigned, timeout=10)
        keys_file = server.command[server.command.index("--credentials") + 1]
    assert not os.path.exists(keys_file), "the key file goes with the server"
