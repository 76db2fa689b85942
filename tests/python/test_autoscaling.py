"""The Application Auto Scaling API on `dynolab serve`, as boto3 and the AWS CLI call it (and
Terraform's aws_appautoscaling_* resources): scalable targets, target-tracking policies and
scheduled actions for a table and its GSI, stored durably with the table and gone with it."""

import json
import os
import shutil
import subprocess
import sys

import boto3
import botocore
import pytest

from conftest import ROOT

TABLE = "table/orders"
INDEX = "table/orders/index/GSI1"


def serve(data_dir):
    binary = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))
    proc = subprocess.Popen([binary, "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    url = next(w for w in proc.stdout.readline().split() if w.startswith("http://"))
    return proc, url


def clients(url):
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")
    return boto3.client("dynamodb", **kw), boto3.client("application-autoscaling", **kw)


def error(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def test_targets_policies_and_scheduled_actions_round_trip_and_survive_a_restart(tmp_path):
    proc, url = serve(tmp_path)
    try:
        ddb, aas = clients(url)
        ddb.create_table(
            TableName="orders", BillingMode="PROVISIONED",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                  {"AttributeName": "GSI1PK", "AttributeType": "S"}],
            ProvisionedThroughput={"ReadCapacityUnits": 5000, "WriteCapacityUnits": 1000},
            GlobalSecondaryIndexes=[{"IndexName": "GSI1", "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"},
                                     "ProvisionedThroughput": {"ReadCapacityUnits": 400, "WriteCapacityUnits": 500}}])
        arn = aas.register_scalable_target(ServiceNamespace="dynamodb", ResourceId=TABLE,
                                           ScalableDimension="dynamodb:table:WriteCapacityUnits",
                                           MinCapacity=1000, MaxCapacity=40000)["ScalableTargetARN"]
        assert arn.startswith("arn:aws:application-autoscaling:us-east-1:")
        aas.register_scalable_target(ServiceNamespace="dynamodb", ResourceId=INDEX,
                                     ScalableDimension="dynamodb:index:ReadCapacityUnits",
                                     MinCapacity=400, MaxCapacity=4000)
        # Registering again updates what it names.
        assert aas.register_scalable_target(ServiceNamespace="dynamodb", ResourceId=TABLE,
                                            ScalableDimension="dynamodb:table:WriteCapacityUnits",
                                            MaxCapacity=20000)["ScalableTargetARN"] == arn
        policy = aas.put_scaling_policy(
            PolicyName="orders-write", ServiceNamespace="dynamodb", ResourceId=TABLE,
            ScalableDimension="dynamodb:table:WriteCapacityUnits", PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0, "ScaleInCooldown": 60, "ScaleOutCooldown": 60,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBWriteCapacityUtilization"}})
        assert policy["PolicyARN"].endswith(":resource/dynamodb/table/orders:policyName/orders-write")
        aas.put_scheduled_action(ServiceNamespace="dynamodb", ScheduledActionName="flash-sale",
                                 ResourceId=TABLE, ScalableDimension="dynamodb:table:WriteCapacityUnits",
                                 Schedule="cron(15 20 * * ? *)",
                                 ScalableTargetAction={"MinCapacity": 15000, "MaxCapacity": 40000})
        aas.tag_resource(ResourceARN=arn, Tags={"team": "orders"})
    finally:
        proc.kill()
        proc.wait()

    # kill -9, restart on the same data: every setting is there.
    proc, url = serve(tmp_path)
    try:
        ddb, aas = clients(url)
        targets = aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
        assert sorted((t["ResourceId"], t["ScalableDimension"], t["MinCapacity"], t["MaxCapacity"]) for t in targets) == [
            (TABLE, "dynamodb:table:WriteCapacityUnits", 1000, 20000),
            (INDEX, "dynamodb:index:ReadCapacityUnits", 400, 4000)]
        only_index = aas.describe_scalable_targets(ServiceNamespace="dynamodb", ResourceIds=[INDEX])["ScalableTargets"]
        assert [t["ResourceId"] for t in only_index] == [INDEX]
        [policy] = aas.describe_scaling_policies(ServiceNamespace="dynamodb", ResourceId=TABLE)["ScalingPolicies"]
        assert policy["PolicyType"] == "TargetTrackingScaling"
        assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 70.0
        [action] = aas.describe_scheduled_actions(ServiceNamespace="dynamodb")["ScheduledActions"]
        assert (action["Schedule"], action["ScalableTargetAction"]) == (
            "cron(15 20 * * ? *)", {"MinCapacity": 15000, "MaxCapacity": 40000})
        arn = [t for t in targets if t["ResourceId"] == TABLE][0]["ScalableTargetARN"]
        assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "orders"}

        # What is not there is ObjectNotFoundException; a bad dimension is a ValidationException.
        code, message = error(lambda: aas.delete_scaling_policy(
            PolicyName="nope", ServiceNamespace="dynamodb", ResourceId=TABLE,
            ScalableDimension="dynamodb:table:WriteCapacityUnits"))
        assert code == "ObjectNotFoundException" and "policy name: nope" in message
        code, _ = error(lambda: aas.put_scaling_policy(
            PolicyName="p", ServiceNamespace="dynamodb", ResourceId=TABLE,
            ScalableDimension="dynamodb:table:ReadCapacityUnits", PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={"TargetValue": 70.0}))
        assert code == "ObjectNotFoundException"
        code, _ = error(lambda: aas.register_scalable_target(
            ServiceNamespace="dynamodb", ResourceId=TABLE, ScalableDimension="dynamodb:index:ReadCapacityUnits",
            MinCapacity=1, MaxCapacity=2))
        assert code == "ValidationException"
        code, _ = error(lambda: aas.register_scalable_target(
            ServiceNamespace="dynamodb", ResourceId="table/missing", ScalableDimension="dynamodb:table:ReadCapacityUnits",
            MinCapacity=1, MaxCapacity=2))
        assert code == "ValidationException"

        # Deregistering takes the target's policies and scheduled actions with it.
        aas.deregister_scalable_target(ServiceNamespace="dynamodb", ResourceId=TABLE,
                                       ScalableDimension="dynamodb:table:WriteCapacityUnits")
        assert aas.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"] == []
        assert aas.describe_scheduled_actions(ServiceNamespace="dynamodb")["ScheduledActions"] == []
        # And deleting the table takes the rest.
        ddb.delete_table(TableName="orders")
        assert aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"] == []
    finally:
        proc.kill()
        proc.wait()


def test_the_aws_cli_registers_and_describes(endpoint):
    exe = shutil.which("aws", path=os.path.dirname(sys.executable)) or "aws"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-east-1")
    ddb, _ = clients(endpoint)
    ddb.create_table(TableName="cli_scaling", BillingMode="PROVISIONED",
                     KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    run = lambda *args: subprocess.run([exe, "--endpoint-url", endpoint, "--output", "json", "application-autoscaling", *args],
                                       env=env, capture_output=True, text=True)
    out = run("register-scalable-target", "--service-namespace", "dynamodb", "--resource-id", "table/cli_scaling",
              "--scalable-dimension", "dynamodb:table:ReadCapacityUnits", "--min-capacity", "5", "--max-capacity", "50")
    assert out.returncode == 0, out.stderr
    out = run("describe-scalable-targets", "--service-namespace", "dynamodb", "--resource-ids", "table/cli_scaling")
    assert out.returncode == 0, out.stderr
    assert [t["MaxCapacity"] for t in json.loads(out.stdout)["ScalableTargets"]] == [50]
    ddb.delete_table(TableName="cli_scaling")
