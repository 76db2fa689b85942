"""Tests of the installed `dynolab` wheel: its Server, its pytest plugin, and the seed's boto3
code. They import `dynolab` from the environment it was installed into (scripts/test installs
the wheel into a fresh virtualenv), never from the source tree; the plugin's fixtures come from
the wheel's `pytest11` entry point."""

pytest_plugins = ["pytester"]
