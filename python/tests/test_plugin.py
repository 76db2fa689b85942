"""The pytest plugin as a user meets it: fixtures from the wheel's entry point, tables dropped
between tests unless marked, per-test virtual servers, `serve` flags from a marker or the ini
file, the server's stderr in a failure's report, and one server per pytest-xdist worker. Each
test runs a small test file of its own in a separate pytest session (pytester)."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

# Indented as the test files below are, so that pytester's dedent applies to both.
TABLE = '''
        KEY = {"TableName": "orders", "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}]}
'''


def test_the_plugin_is_registered_by_the_entry_point(pytester):
    pytester.makepyfile(
        """
        def test_fixtures_exist(request):
            for name in ("dynolab", "dynolab_virtual", "dynolab_table"):
                assert request.getfixturevalue(name) is not None
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--fixtures")
    listed = result.stdout.str()
    for name in ("dynolab", "dynolab_table", "dynolab_virtual"):
        assert re.search(rf"^{name} -- .*dynolab/pytest_plugin.py", listed, re.MULTILINE), name
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_tables_are_dropped_between_tests_unless_marked(pytester):
    pytester.makepyfile(
        TABLE
        + """
        import pytest

        def test_1_creates(dynolab, dynolab_table):
            table = dynolab_table(KEY)
            table.put_item(Item={"PK": "a"})
            assert dynolab.table_names() == ["orders"]

        def test_2_sees_none(dynolab):
            assert dynolab.table_names() == []

        @pytest.mark.dynolab_keep_tables
        def test_3_creates_and_keeps(dynolab_table):
            dynolab_table(KEY)

        def test_4_sees_the_kept_table(dynolab):
            assert dynolab.table_names() == ["orders"]

        def test_5_sees_none_again(dynolab):
            assert dynolab.table_names() == []
        """
    )
    pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly").assert_outcomes(passed=5)


def test_the_session_server_is_shared_and_virtual_servers_are_per_test(pytester):
    pytester.makepyfile(
        """
        seen = []

        def test_a(dynolab, dynolab_virtual):
            seen.append((dynolab.endpoint_url, dynolab_virtual.endpoint_url))
            assert dynolab_virtual.clock == "virtual" and dynolab.clock == "system"

        def test_b(dynolab, dynolab_virtual):
            seen.append((dynolab.endpoint_url, dynolab_virtual.endpoint_url))
            (session_a, virtual_a), (session_b, virtual_b) = seen
            assert session_a == session_b
            assert virtual_a != virtual_b
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_dynolab_table_goes_to_the_virtual_server_and_reads_design_files(pytester):
    described = {
        "Table": {
            "TableName": "from_json",
            "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "SK", "AttributeType": "N"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7, "NumberOfDecreasesToday": 0},
            "TableStatus": "ACTIVE",
        }
    }
    pytester.path.joinpath("table.json").write_text(json.dumps(described))
    pytester.path.joinpath("before.tf").write_text((ROOT / "examples" / "orders" / "before.tf").read_text())
    pytester.makepyfile(
        TABLE
        + """
        import pathlib

        def test_virtual(dynolab_virtual, dynolab_table):
            table = dynolab_table(KEY)
            assert dynolab_virtual.table_names() == ["orders"]
            assert table.billing_mode_summary["BillingMode"] == "PAY_PER_REQUEST"

        def test_json(dynolab_virtual, dynolab_table):
            table = dynolab_table(pathlib.Path(__file__).parent / "table.json")
            assert table.provisioned_throughput["WriteCapacityUnits"] == 7
            assert {a["AttributeName"]: a["AttributeType"] for a in table.attribute_definitions}["SK"] == "N"

        def test_terraform(dynolab_virtual, dynolab_table):
            # The seed's table as Terraform describes it: variables evaluated, five GSIs.
            table = dynolab_table(pathlib.Path(__file__).parent / "before.tf")
            assert table.name == "orders"
            assert table.provisioned_throughput["WriteCapacityUnits"] == 1000
            assert table.provisioned_throughput["ReadCapacityUnits"] == 5000
            gsis = {g["IndexName"]: g for g in table.global_secondary_indexes}
            assert len(gsis) == 5
            assert gsis["gsi_user_type_amount"]["KeySchema"][0]["AttributeName"] == "user_type"
            assert gsis["gsi_user_type_amount"]["ProvisionedThroughput"]["WriteCapacityUnits"] == 500

        def test_session_by_default(dynolab, dynolab_table):
            dynolab_table(KEY)
            assert dynolab.table_names() == ["orders"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_serve_flags_from_the_marker_and_the_ini_file(pytester):
    pytester.makeini(
        """
        [pytest]
        dynolab_args = --ttl-cooldown-secs 0
        """
    )
    pytester.makepyfile(
        TABLE
        + """
        import pytest

        def toggle_ttl_twice(server, dynolab_table):
            dynolab_table(KEY, server=server)
            ddb = server.client()
            spec = {"AttributeName": "expires", "Enabled": True}
            ddb.update_time_to_live(TableName="orders", TimeToLiveSpecification=spec)
            ddb.update_time_to_live(TableName="orders", TimeToLiveSpecification={**spec, "Enabled": False})

        def test_ini_reaches_the_session_server(dynolab, dynolab_table):
            toggle_ttl_twice(dynolab, dynolab_table)

        @pytest.mark.dynolab(args=["--ttl-cooldown-secs", "3600"])
        def test_marker_comes_after_ini(dynolab_virtual, dynolab_table):
            with pytest.raises(Exception, match="TimeToLive"):
                toggle_ttl_twice(dynolab_virtual, dynolab_table)

        @pytest.mark.dynolab(capacity=False)
        def test_capacity_off(dynolab_virtual, dynolab_table):
            table = dynolab_table({**KEY, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}})
            for i in range(20):
                table.put_item(Item={"PK": str(i), "pad": "x" * 100_000})
            assert dynolab_virtual.throttles("orders") == {}
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_a_failing_test_shows_the_servers_stderr(pytester):
    pytester.makepyfile(
        TABLE
        + """
        import pytest

        @pytest.mark.dynolab(args=["--fault-panic-table", "orders"])
        def test_fails(dynolab_virtual, dynolab_table):
            table = dynolab_table(KEY)
            table.put_item(Item={"PK": "a"})
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*dynolab stderr (http://127.0.0.1:*, during this test)*", "*injected fault*"])


def test_one_server_per_xdist_worker(pytester, monkeypatch, tmp_path):
    pytest.importorskip("xdist")
    monkeypatch.setenv("SEEN_DIR", str(tmp_path))
    pytester.makepyfile(
        TABLE
        + """
        import os
        import pytest

        @pytest.mark.parametrize("n", range(8))
        def test_same_table_name_everywhere(n, dynolab, dynolab_table):
            dynolab_table(KEY).put_item(Item={"PK": str(n)})
            assert dynolab.resource().Table("orders").scan()["Count"] == 1
            with open(os.path.join(os.environ["SEEN_DIR"], f"seen-{os.getpid()}-{n}"), "w") as out:
                out.write(dynolab.endpoint_url)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=8)
    seen = list(tmp_path.glob("seen-*"))
    endpoints = {p.read_text() for p in seen}
    workers = {p.name.split("-")[1] for p in seen}
    assert len(seen) == 8 and len(workers) == 2 and len(endpoints) == 2


def test_the_readme_example(pytester):
    readme = (ROOT / "README.md").read_text()
    example = readme.split("```python\nimport dynolab\n", 1)[1].split("```", 1)[0]
    pytester.makepyfile("import dynolab\n" + example)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
