"""Workloads from what a running system leaves behind, end to end: a server on a virtual clock
records its requests (`dynolab serve --record`); the same server's CloudWatch metrics and
Contributor Insights report are exported with the AWS CLI; `dynolab workload from-log` and
`dynolab workload from-cloudwatch` turn each into a workload, and `dynolab simulate` runs both.
"""

import json
import os
import subprocess
import tempfile

import boto3
from botocore.config import Config

from conftest import ROOT, admin, start_server
from test_cloudwatch import aws_cli

BINARY = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))

DESIGN = {
    "TableName": "events",
    "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in ["PK", "SK", "kind"]],
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    "BillingMode": "PROVISIONED",
    "ProvisionedThroughput": {"ReadCapacityUnits": 100, "WriteCapacityUnits": 100},
    "GlobalSecondaryIndexes": [{
        "IndexName": "by_kind",
        "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 100, "WriteCapacityUnits": 100},
    }],
}


def dynolab(*args):
    done = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_recorded_and_exported_traffic_become_workloads_that_simulate(aws_env):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "requests.jsonl")
        proc, url = start_server("--clock", "virtual", "--record", log)
        try:
            ddb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="a",
                               aws_secret_access_key="b", config=Config(retries={"total_max_attempts": 1}))
            ddb.create_table(**DESIGN)
            ddb.update_contributor_insights(TableName="events", ContributorInsightsAction="ENABLE")
            start = admin(url, "/_dynolab/clock/advance", {"seconds": 60})["epoch_seconds"]
            # 20 virtual seconds: 10 writes of ~2 KB a second, 7 of them on USER#premium; a read
            # of each written item; a Query on the GSI every second.
            n = 0
            for _second in range(20):
                for i in range(10):
                    n += 1
                    pk = "USER#premium" if i < 7 else f"USER#{n}"
                    item = {"PK": {"S": pk}, "SK": {"S": f"E#{n:06}"}, "kind": {"S": "click" if i % 2 else "view"},
                            "pad": {"S": "x" * 1900}}
                    ddb.put_item(TableName="events", Item=item)
                    ddb.get_item(TableName="events", Key={"PK": {"S": pk}, "SK": {"S": f"E#{n:06}"}})
                ddb.query(TableName="events", IndexName="by_kind", KeyConditionExpression="kind = :k",
                          ExpressionAttributeValues={":k": {"S": "click"}}, Limit=5)
                admin(url, "/_dynolab/clock/advance", {"seconds": 1})
            end = admin(url, "/_dynolab/clock/advance", {"seconds": 120})["epoch_seconds"]

            # The log: one line per request, on the virtual clock.
            lines = [json.loads(l) for l in open(log)]
            assert len(lines) == 20 * 21
            assert all(start <= l["t"] < start + 21 for l in lines)
            puts = [l for l in lines if l["op"] == "PutItem"]
            assert len(puts) == 200 and all(l["write_units"] == 2.0 for l in puts)
            assert sum(l["pk"] == "USER#premium" for l in puts) == 140
            queries = [l for l in lines if l["op"] == "Query"]
            assert all(l["index"] == "by_kind" and l["pk"] == "click" and l["items"] == 5 for l in queries)

            # The exports, with the AWS CLI against the same server.
            for metric in ["ConsumedWriteCapacityUnits", "ConsumedReadCapacityUnits"]:
                answer = aws_cli(aws_env, url, "cloudwatch", "get-metric-statistics", "--namespace", "AWS/DynamoDB",
                                 "--metric-name", metric, "--dimensions", "Name=TableName,Value=events",
                                 "--start-time", str(int(start) - 60), "--end-time", str(int(end)),
                                 "--period", "60", "--statistics", "Sum")
                assert answer["Datapoints"], answer
                json.dump(answer, open(os.path.join(tmp, f"{metric}.json"), "w"))
            rules = ddb.describe_contributor_insights(TableName="events")["ContributorInsightsRuleList"]
            report = aws_cli(aws_env, url, "cloudwatch", "get-insight-rule-report", "--rule-name",
                             next(r for r in rules if "-PKC-" in r), "--start-time", str(int(start) - 60),
                             "--end-time", str(int(end)), "--period", "60")
            json.dump(report, open(os.path.join(tmp, "top-keys.json"), "w"))
        finally:
            proc.kill()
            proc.wait()

        design = os.path.join(tmp, "design.json")
        json.dump(DESIGN, open(design, "w"))
        from_log = os.path.join(tmp, "from-log.toml")
        dynolab("workload", "from-log", "--log", log, "--design", design, "--out", from_log)
        from_cw = os.path.join(tmp, "from-cloudwatch.toml")
        dynolab("workload", "from-cloudwatch", "--design", design,
                "--metrics", os.path.join(tmp, "ConsumedWriteCapacityUnits.json"),
                "--metrics", os.path.join(tmp, "ConsumedReadCapacityUnits.json"),
                "--top-keys", os.path.join(tmp, "top-keys.json"), "--out", from_cw)

        text = open(from_log).read()
        assert '"USER#premium" = 0.7' in text, text
        assert "item_bytes = 2048" in text
        assert 'name = "Query on by_kind"' in text and "items_read = 5" in text
        cw = open(from_cw).read()
        # Contributor Insights counts every request on a key: 70% of the puts and gets.
        assert '"USER#premium" = 0.7' in cw, cw
        assert 'name = "PutItem"' in cw and 'name = "GetItem"' in cw

        for workload in [from_log, from_cw]:
            report = json.loads(dynolab("simulate", "--design", design, "--workload", workload, "--days", "1",
                                        "--quiet", "--json", "-"))
            assert report["requests"] > 0, report.keys()
