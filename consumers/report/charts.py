"""The report's charts, rendered to PNG with matplotlib (Agg, no display needed).

Chinese labels need a CJK font: the first installed of :data:`CJK_FONTS` is used (Debian
``fonts-noto-cjk`` provides Noto Sans CJK). Without one, Chinese charts fall back to
English labels rather than print empty boxes, and the report says so in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta, timezone
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen first
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from consumers.report.queries import Figures  # noqa: E402
from consumers.report.text import category_label, district_label, phrase  # noqa: E402

log = logging.getLogger("citywatch.report.charts")

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
)
LEVEL_COLOURS = {1: "#b71c1c", 2: "#ef6c00", 3: "#fbc02d", 4: "#1e88e5"}
CST = timezone(timedelta(hours=8))


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed CJK-capable font, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def chart_language(lang: str) -> str:
    """``lang``, or ``en`` when Chinese was asked for and no CJK font is installed."""
    if lang == "zh" and cjk_font() is None:
        log.warning("no CJK font installed (Debian: fonts-noto-cjk); charts use English labels")
        return "en"
    return lang


def _save(path: Path, draw: Callable[[plt.Axes], None], lang: str) -> Path:
    family = [cjk_font(), "DejaVu Sans"] if cjk_font() else ["DejaVu Sans"]
    with plt.rc_context(
        {"font.sans-serif": family, "font.family": "sans-serif", "axes.unicode_minus": False}
    ):
        fig, ax = plt.subplots(figsize=(9, 4.2), dpi=110)
        draw(ax)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
        plt.close(fig)
    return path


def hourly_chart(path: Path, now: Figures, before: Figures, lang: str) -> Path:
    """Incidents per hour in this period, with the previous period's hours beside them."""
    lang = chart_language(lang)

    def draw(ax: plt.Axes) -> None:
        hours = [t.astimezone(CST) for t, _ in now.by_hour]
        ax.plot(hours, [n for _, n in now.by_hour], marker="o", label=phrase("this_period", lang))
        if len(before.by_hour) == len(now.by_hour):
            ax.plot(
                hours,
                [n for _, n in before.by_hour],
                linestyle="--",
                color="grey",
                label=phrase("previous", lang),
            )
        ax.set_title(phrase("chart_hourly", lang))
        ax.set_ylabel(phrase("count", lang))
        ax.legend()
        fig = ax.get_figure()
        fig.autofmt_xdate()

    return _save(path, draw, lang)


def district_chart(path: Path, now: Figures, lang: str) -> Path:
    """Incidents per district, stacked by level."""
    lang = chart_language(lang)
    rows = sorted(now.by_district.items(), key=lambda kv: -kv[1]["count"])

    def draw(ax: plt.Axes) -> None:
        names = [district_label(code, d["name"], lang) for code, d in rows]
        bottom = [0] * len(rows)
        for level in (1, 2, 3, 4):
            values = [d["levels"].get(level, 0) for _, d in rows]
            ax.bar(
                names,
                values,
                bottom=bottom,
                color=LEVEL_COLOURS[level],
                label={1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}[level],
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(phrase("chart_districts", lang))
        ax.set_ylabel(phrase("count", lang))
        ax.legend(title=phrase("level", lang))
        ax.tick_params(axis="x", labelrotation=45)

    return _save(path, draw, lang)


def category_chart(path: Path, now: Figures, before: Figures, lang: str) -> Path:
    """Incidents per category, this period beside the previous one."""
    lang = chart_language(lang)
    keys = sorted(set(now.by_category) | set(before.by_category))

    def draw(ax: plt.Axes) -> None:
        xs = range(len(keys))
        ax.bar(
            [x - 0.2 for x in xs],
            [now.by_category.get(k, 0) for k in keys],
            width=0.4,
            label=phrase("this_period", lang),
        )
        ax.bar(
            [x + 0.2 for x in xs],
            [before.by_category.get(k, 0) for k in keys],
            width=0.4,
            color="grey",
            label=phrase("previous", lang),
        )
        ax.set_xticks(list(xs), [category_label(k, lang) for k in keys])
        ax.set_title(phrase("chart_categories", lang))
        ax.set_ylabel(phrase("count", lang))
        ax.legend()

    return _save(path, draw, lang)
