"""advice.html as a person reads it (issue 16), in headless Chromium: the answer first (before →
after, then the changes ranked by what they save), the findings ranked by impact, charts with
axes and legends, before and after side by side; at laptop (1400 px) and phone (400 px) width;
loaded with the network disabled; printed to PDF with the summary on page 1. The terminal output
starts with the same summary and ranked list.

Screenshots go to target/advice-*.png; `python tests/python/advice_screenshots.py` writes the
README's, from the 30-day run, to docs/images/.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile

import pytest

from conftest import ROOT
from test_page import chromium

# Chromium with the network switched off: every host name fails to resolve and every
# connection goes to a proxy that is not there.
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]


def advise(out_dir, days="1"):
    binary = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))
    examples = ROOT / "examples" / "orders"
    done = subprocess.run(
        [binary, "advise", "--design", str(examples / "before.tf"), "--workload", str(examples / "workload.toml"),
         "--days", days, "--out", out_dir, "--quiet"],
        capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return done.stdout


def screenshot(html, width, height, out, anchor=None):
    """A `width` x `height` screenshot of `html`, from its top or from the element with id
    `anchor`: headless Chromium cannot scroll from the command line, so a frame page (this
    tool's, not the report's) holds the report and moves it up to the element."""
    frame = os.path.join(os.path.dirname(html), f"frame-{width}-{anchor}.html")
    with open(frame, "w") as f:
        f.write('<html><body style="margin:0;overflow:hidden">'
                f'<iframe id="f" src="file://{html}" style="position:absolute;left:0;top:0;width:{width}px;'
                'height:20000px;border:0"></iframe><script>'
                'const f = document.getElementById("f");'
                f'f.onload = () => {{ const e = f.contentDocument.getElementById({json.dumps(anchor or "")});'
                'if (e) f.style.top = -(e.getBoundingClientRect().top - 8) + "px"; };'
                '</script></body></html>')
    done = chromium("--hide-scrollbars", "--allow-file-access-from-files", "--virtual-time-budget=3000",
                    f"--window-size={width},{height}", f"--screenshot={out}", "file://" + frame)
    assert os.path.exists(out), done.stderr[-2000:]
    with open(out, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def report():
    with tempfile.TemporaryDirectory() as out_dir:
        stdout = advise(out_dir)
        html = os.path.join(out_dir, "advice.html")
        yield stdout, html, open(html).read()


def test_the_page_leads_with_the_answer_then_the_ranked_findings_then_the_charts(report):
    _, html, _ = report
    dom = chromium("--dump-dom", "file://" + html).stdout
    # The summary is the first section, then the findings, then the charts.
    sections = re.findall(r'<section id="([\w-]+)"', dom)
    assert sections[:3] == ["summary", "findings", "charts"], sections
    summary = dom[dom.index('<section id="summary"'):dom.index('<section id="findings"')]
    for row in ("throttled requests over 1 day", "failed after retries over 1 day", "cost per month"):
        assert row in summary, row
    # The changes, ranked by dollars saved, each linking to its findings and to after.tf.
    steps = re.findall(r'<li class="change-step"><b>([^<]*)</b>: <span class="saves">([^<]*)</span>', summary)
    assert len(steps) >= 2, steps
    saved = [float(re.search(r"(-?)\$([\d,]+\.\d\d)", s).group(2).replace(",", "")) *
             (-1 if s.startswith("costs") else 1) for _, s in steps]
    assert saved == sorted(saved, reverse=True), steps
    assert 'href="#finding-1"' in summary and 'href="#after-tf"' in summary
    assert '<section id="after-tf">' in dom and "aws_dynamodb_table" in dom
    # The findings: the hot key first, by its throttled requests; numbers with separators.
    findings = re.findall(r'<li id="finding-(\d+)" class="finding"><b>([^<]*)</b> <span class="kind">([\w-]+)</span> '
                          r'<span class="impact">([^<]*)</span>', dom)
    assert findings[0][2] == "hot-key" and "USER#premium" in findings[0][1], findings[:3]
    throttled = [int(f[3].split(" throttled")[0].replace(",", "")) for f in findings if f[2] == "hot-key"]
    assert throttled == sorted(throttled, reverse=True)
    assert any(re.search(r"\d,\d{3},\d{3}", f[1]) for f in findings), "counts have thousands separators"
    # One finding holds the per-resource utilization as a table, not one finding per resource.
    assert [f[2] for f in findings].count("over-provisioned") == 1
    assert 'class="finding-table"' in dom and "paid for unused" in dom


def test_the_charts_have_axes_legends_and_before_and_after_side_by_side(report):
    _, html, _ = report
    dom = chromium("--dump-dom", "file://" + html).stdout
    charts = dom[dom.index('<section id="charts"'):]
    # Throttled and failed per hour: two panels, one y scale, a time axis and a legend.
    hourly = re.findall(r'<svg class="chart hourly".*?</svg>', charts, re.S)
    assert len(hourly) == 2
    for svg in hourly:
        assert "requests per hour" in svg and "d1 00:00" in svg
    ticks = [re.findall(r'text-anchor="end" fill="#4a5568">([^<]+)</text>', svg) for svg in hourly]
    assert ticks[0] == ticks[1] and len(ticks[0]) >= 2, ticks
    assert "throttled requests per hour" in charts and "failed after retries, per hour" in charts
    assert charts.count('<div class="pair">') >= 3
    # Capacity and cost on their own axes, with their units.
    assert charts.count('class="chart capacity"') == 2 and "capacity units per second" in charts
    assert 'class="chart cost"' in charts and "US dollars over the run" in charts
    assert "provisioned write" in charts and "storage" in charts
    # Heat maps: a legend in % of the cap, partitions named by their hottest key, exact values.
    assert "share of the partition's cap" in charts and "100%" in charts
    heat = re.findall(r'<svg class="chart heat".*?</svg>', charts, re.S)
    assert len(heat) >= 3
    assert any(re.search(r">p\d+ USER#premium<", svg) for svg in heat)
    assert re.search(r"<title>p\d+, day 1 \d\d:00 to day 1 \d\d:59 UTC: \d+% of the partition's cap</title>", charts)


def test_the_page_is_self_contained_and_loads_with_the_network_disabled(report):
    _, html, text = report
    assert "<script" not in text and "<link" not in text and "@import" not in text
    external = [u for u in re.findall(r"https?://[^\"' )]+", text) if u != "http://www.w3.org/2000/svg"]
    assert external == [], external[:5]
    dom = chromium(*OFFLINE, "--dump-dom", "file://" + html).stdout
    assert '<section id="summary"' in dom and dom.count('class="chart hourly"') == 2


def test_the_page_reads_at_laptop_and_phone_width(report):
    _, html, _ = report
    for width, height in ((1400, 1600), (400, 1600)):
        w, h = screenshot(html, width, height, str(ROOT / "target" / f"advice-{width}.png"))
        assert (w, h) == (width, height)
        assert os.path.getsize(ROOT / "target" / f"advice-{width}.png") > 20_000
    # At phone width the before/after panels stack; on a laptop they sit side by side.
    css = open(html).read()
    assert "@media screen and (max-width: 760px)" in css and ".pair { grid-template-columns: 1fr; }" in css


def test_printing_to_pdf_puts_the_summary_on_page_one(report):
    _, html, _ = report
    with tempfile.TemporaryDirectory() as d:
        pdf = os.path.join(d, "advice.pdf")
        done = chromium(*OFFLINE, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", "file://" + html)
        assert os.path.exists(pdf), done.stderr[-2000:]
        data = open(pdf, "rb").read()
        assert data.startswith(b"%PDF") and len(data) > 20_000
        assert shutil.which("pdftotext"), "scripts/test installs poppler-utils"
        page1 = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", pdf, "-"],
                               capture_output=True, text=True, check=True).stdout
        assert "The answer: before and after" in page1
        assert "throttled requests over 1 day" in page1 and "Recommended changes" in page1
        assert "Findings, by impact" not in page1, "the summary has page 1 to itself"
        everything = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
        assert "Findings, by impact" in everything and "requests per hour" in everything


def test_the_terminal_starts_with_the_same_summary_and_ranked_list(report):
    stdout, _, text = report
    lines = stdout.splitlines()
    heads = [i for i, l in enumerate(lines) if l in (
        "THE ANSWER: BEFORE AND AFTER (same workload, 1 day)", "RECOMMENDED CHANGES, BY WHAT THEY SAVE",
        "FINDINGS, BY IMPACT")]
    assert len(heads) == 3 and heads == sorted(heads) and heads[0] <= 3, heads
    # The same ranked changes and findings, in the same order, as the page.
    page_steps = re.findall(r'<li class="change-step"><b>([^<]*)</b>', text)
    term_steps = [re.sub(r"^\d+\. ", "", l).split(": saves")[0].split(": costs")[0]
                  for l in lines[heads[1] + 1:heads[2]] if re.match(r"^\d+\. ", l)]
    assert term_steps == [s.replace("&quot;", '"') for s in page_steps]
    page_findings = re.findall(r'<li id="finding-\d+" class="finding"><b>([^<]*)</b>', text)
    term_findings = [re.sub(r"^\d+\. \[[\w-]+\] ", "", l).rsplit(" (", 1)[0]
                     for l in lines[heads[2] + 1:] if re.match(r"^\d+\. \[", l)]
    assert term_findings == [f.replace("&quot;", '"') for f in page_findings]
    assert re.search(r"\d,\d{3},\d{3}", stdout)
