"""The seed's step 1 against dynolab: find the throttling with the AWS CLI's CloudWatch commands.

A provisioned table whose partition key and five GSIs are keyed on the user type takes 80% of its
writes on USER#premium. Writes throttle on that key's partitions while
`aws cloudwatch get-metric-statistics` shows the table consuming well under half of what it
provisions. The server runs on a virtual clock moved through its admin API.
"""

import json
import os
import shutil
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config

from conftest import ROOT, admin


def aws_cli(env, endpoint, *args):
    exe = shutil.which("aws", path=os.path.dirname(sys.executable)) or "aws"
    out = subprocess.run([exe, "--endpoint-url", endpoint, "--output", "json", *args], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


GSI_SORT_KEYS = ["created_at", "amount", "status", "product_id", "region"]


def test_hot_key_throttles_while_cloudwatch_shows_spare_capacity(virtual_endpoint, aws_env):
    ddb = boto3.client(
        "dynamodb", endpoint_url=virtual_endpoint, region_name="us-east-1",
        aws_access_key_id="a", aws_secret_access_key="b", config=Config(retries={"total_max_attempts": 1}),
    )
    ddb.create_table(
        TableName="orders",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ["PK", "SK", "user_type", *GSI_SORT_KEYS]],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        ProvisionedThroughput={"ReadCapacityUnits": 2000, "WriteCapacityUnits": 3000},
        GlobalSecondaryIndexes=[{
            "IndexName": f"by_{sk}",
            "KeySchema": [{"AttributeName": "user_type", "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 400, "WriteCapacityUnits": 3000},
        } for sk in GSI_SORT_KEYS],
    )
    ddb.update_contributor_insights(TableName="orders", ContributorInsightsAction="ENABLE")
    ddb.update_contributor_insights(TableName="orders", IndexName="by_status", ContributorInsightsAction="ENABLE")
    start = admin(virtual_endpoint, "/_dynolab/clock")["epoch_seconds"]
    pad = "x" * 8800
    throttled = 0
    n = 0
    for _second in range(10):
        for i in range(150):
            n += 1
            user_type = "premium" if i % 20 < 16 else ("standard" if i % 20 < 19 else "free")
            item = {"PK": {"S": f"USER#{user_type}"}, "SK": {"S": f"ORDER#{n:08}"}, "user_type": {"S": user_type}, "pad": {"S": pad}}
            item.update({sk: {"S": f"{sk}-{n:08}"} for sk in GSI_SORT_KEYS})
            try:
                ddb.put_item(TableName="orders", Item=item)
            except ddb.exceptions.ProvisionedThroughputExceededException as e:
                throttled += 1
                reasons = e.response.get("ThrottlingReasons", [])
                assert reasons and all("KeyRangeThroughputExceeded" in r["reason"] for r in reasons)
        admin(virtual_endpoint, "/_dynolab/clock/advance", {"seconds": 1})
    assert throttled > 100
    admin(virtual_endpoint, "/_dynolab/clock/advance", {"seconds": 120})
    end = admin(virtual_endpoint, "/_dynolab/clock")["epoch_seconds"]

    def stats(metric, statistic, *dims):
        dimensions = ["Name=TableName,Value=orders", *dims]
        answer = aws_cli(aws_env, virtual_endpoint, "cloudwatch", "get-metric-statistics", "--namespace", "AWS/DynamoDB",
                         "--metric-name", metric, "--dimensions", *dimensions, "--start-time", str(int(start) - 60),
                         "--end-time", str(int(end)), "--period", "300", "--statistics", statistic)
        return sum(p[statistic] for p in answer["Datapoints"])

    consumed = stats("ConsumedWriteCapacityUnits", "Sum")
    provisioned_average = stats("ProvisionedWriteCapacityUnits", "Average")
    assert consumed > 0 and provisioned_average > 0
    # Over the 10 busy seconds the table consumed well under half of the 3,000 WCU/s it provisions.
    assert consumed / (3000 * 10) < 0.5, consumed
    assert stats("WriteThrottleEvents", "Sum") == throttled
    assert stats("WriteKeyRangeThroughputThrottleEvents", "Sum") > 0
    assert stats("ThrottledRequests", "Sum", "Name=Operation,Value=PutItem") == throttled
    assert stats("WriteThrottleEvents", "Sum", "Name=GlobalSecondaryIndexName,Value=by_status") > 0

    cw = boto3.client("cloudwatch", endpoint_url=virtual_endpoint, region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    data = cw.get_metric_data(
        MetricDataQueries=[{"Id": "w", "MetricStat": {"Metric": {"Namespace": "AWS/DynamoDB", "MetricName": "ConsumedWriteCapacityUnits",
                            "Dimensions": [{"Name": "TableName", "Value": "orders"}]}, "Period": 60, "Stat": "Sum"}}],
        StartTime=start - 60, EndTime=end,
    )
    assert sum(data["MetricDataResults"][0]["Values"]) == pytest.approx(consumed)
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="AWS/DynamoDB")["Metrics"]}
    assert {"ConsumedWriteCapacityUnits", "WriteThrottleEvents", "ThrottledRequests", "ProvisionedWriteCapacityUnits", "SuccessfulRequestLatency"} <= names

    # Contributor Insights names the culprit: the rules DynamoDB creates, read with the AWS CLI.
    described = ddb.describe_contributor_insights(TableName="orders")
    assert described["ContributorInsightsStatus"] == "ENABLED"
    rules = described["ContributorInsightsRuleList"]
    throttled_rule = next(r for r in rules if "-PKT-" in r)
    report = aws_cli(aws_env, virtual_endpoint, "cloudwatch", "get-insight-rule-report", "--rule-name", throttled_rule,
                     "--start-time", str(int(start) - 60), "--end-time", str(int(end)), "--period", "60")
    assert report["Contributors"][0]["Keys"] == ["USER#premium"]
    assert report["Contributors"][0]["ApproximateAggregateValue"] == throttled
    accessed = aws_cli(aws_env, virtual_endpoint, "cloudwatch", "get-insight-rule-report", "--rule-name",
                       next(r for r in rules if "-PKC-" in r), "--start-time", str(int(start) - 60), "--end-time", str(int(end)), "--period", "60")
    assert [c["Keys"][0] for c in accessed["Contributors"]][:3] == ["USER#premium", "USER#standard", "USER#free"]
    listed = ddb.list_contributor_insights()["ContributorInsightsSummaries"]
    assert {(s["TableName"], s.get("IndexName")) for s in listed} == {("orders", None), ("orders", "by_status")}

    # And the dynolab command shows the same.
    binary = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))
    out = subprocess.run([binary, "top-keys", "--endpoint", virtual_endpoint, "--table", "orders", "--index", "by_status", "--minutes", "10"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    throttled_section = out.stdout.split("Most throttled partition keys:")[1].split("\n\n")[0]
    assert "premium" in throttled_section
