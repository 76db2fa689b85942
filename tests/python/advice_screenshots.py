"""Writes the README's screenshots of advice.html (docs/images/advice-*.png) from the 30-day
orders run: the summary and the charts at laptop width, the summary at phone width.

    DYNOLAB_BIN=target/debug/dynolab .venv/bin/python tests/python/advice_screenshots.py
"""

import os
import tempfile

from conftest import ROOT
from test_advice_page import advise, screenshot


def main():
    images = ROOT / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as out_dir:
        advise(out_dir, days="30")
        html = os.path.join(out_dir, "advice.html")
        for name, width, height, anchor in (("advice-summary-1400.png", 1400, 1250, None),
                                            ("advice-findings-1400.png", 1400, 1300, "findings"),
                                            ("advice-charts-1400.png", 1400, 1500, "charts"),
                                            ("advice-heat-1400.png", 1400, 1000, "chart-heat"),
                                            ("advice-summary-400.png", 400, 1400, None)):
            screenshot(html, width, height, str(images / name), anchor)
            print("wrote", images / name)


if __name__ == "__main__":
    main()
