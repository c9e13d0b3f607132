"""The attention charts: titles, encoded fields, one data row per cell, and the one palette."""

import numpy as np

from ui.charts import attention as charts
from ui.charts.palette import ACCENT, SIGNED_SCHEME, WEIGHT_SCHEME


def _maps(L=2, H=3, T=4):
    a = np.random.default_rng(0).random((L, H, T, T))
    return a / a.sum(-1, keepdims=True)


def _rows(spec, data=None):
    return next(iter((data or spec["datasets"]).values()))


def test_labels_are_unique_when_tokens_repeat():
    assert charts.labels([1, 1, 2]) == ["0: 1", "1: 1", "2: 2"]


def test_heatmap():
    att = _maps()[0, 0]
    toks = charts.labels("abcd")
    spec = charts.heatmap(att, toks, "Layer 1, head 1", size=200).to_dict()
    assert spec["title"]["text"] == "Layer 1, head 1" and spec["mark"]["type"] == "rect"
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["y"]["field"], enc["color"]["field"]) == ("key", "query", "weight")
    assert enc["color"]["scale"] == {"scheme": WEIGHT_SCHEME, "domain": [0, 1]} and enc["x"]["sort"] == toks
    rows = _rows(spec)
    assert len(rows) == 16 and spec["width"] == spec["height"] == 200
    assert spec["autosize"] == "pad"  # labels and legend around the 200 px map, not squeezed into it
    cell = next(r for r in rows if r["query"] == "2: c" and r["key"] == "0: a")
    assert cell["weight"] == att[2, 0]  # row = query, column = key


def test_grid_has_every_layer_and_head():
    att = _maps()
    spec = charts.grid(att, charts.labels("abcd"), cell=50).to_dict()
    assert spec["facet"]["row"]["field"] == "layer" and spec["facet"]["column"]["field"] == "head"
    enc = spec["spec"]["encoding"]
    assert enc["color"]["field"] == "weight" and enc["color"]["scale"]["scheme"] == WEIGHT_SCHEME
    rows = _rows(spec)
    assert len(rows) == 2 * 3 * 4 * 4
    r = next(r for r in rows if (r["layer"], r["head"], r["query"], r["key"]) == (2, 3, "1: b", "3: d"))
    assert r["weight"] == att[1, 2, 1, 3]


def test_head_view_draws_a_line_per_visible_weight():
    att = np.zeros((3, 3))
    att[0, 2], att[1, 1], att[2, 0] = 1.0, 0.6, 0.01  # the last is under HEAD_VIEW_MIN: not drawn
    spec = charts.head_view(att, charts.labels("xyz"), "Head view").to_dict()
    assert spec["title"]["text"] == "Head view"
    lines, left, _ = spec["layer"]
    assert lines["mark"]["color"] == ACCENT
    assert lines["encoding"]["strokeWidth"]["field"] == "weight" and lines["encoding"]["detail"]["field"] == "pair"
    rows = _rows(spec, {lines["data"]["name"]: spec["datasets"][lines["data"]["name"]]})
    assert len(rows) == 4 and {r["pair"] for r in rows} == {"0-2", "1-1"}  # two ends per line
    assert len(spec["datasets"][left["data"]["name"]]) == 3 and left["encoding"]["text"]["field"] == "token"


def test_positional_encoding_chart():
    pe = np.linspace(-1, 1, 8 * 6).reshape(8, 6)
    spec = charts.positional_encoding(pe).to_dict()
    assert spec["title"]["text"].startswith("Sinusoidal positional encoding")
    assert spec["height"] == 8 * 22 and spec["autosize"]["type"] == "fit-x"  # stretched across, rows not squeezed
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["y"]["field"], enc["color"]["field"]) == ("dimension", "position", "value")
    assert enc["color"]["scale"] == {"scheme": SIGNED_SCHEME, "domain": [-1, 1]}
    rows = _rows(spec)
    assert len(rows) == 48 and next(r for r in rows if r["position"] == 7 and r["dimension"] == 5)["value"] == 1.0


def test_heatmap_keeps_every_label_where_they_fit_and_drops_overlaps_where_not():
    att = np.full((16, 16), 1 / 16)
    spec = charts.heatmap(att, charts.labels(range(16)), "Layer 1, head 1", size=384).to_dict()  # 24 px a cell
    assert (
        spec["encoding"]["x"]["axis"]["labelOverlap"] is False
        and spec["encoding"]["y"]["axis"]["labelOverlap"] is False
    )
    long = np.full((64, 64), 1 / 64)
    spec = charts.heatmap(long, charts.labels(range(64)), "Layer 1, head 1", size=320).to_dict()  # 5 px a cell
    assert spec["encoding"]["x"]["axis"]["labelOverlap"] is True


def test_chart_words_follow_the_language():
    from ui import i18n

    att = _maps()
    i18n.use("zh")
    try:
        spec = charts.heatmap(att[0, 0], charts.labels("abcd"), "第 1 层，第 1 个头").to_dict()
        grid = charts.grid(att, charts.labels("abcd")).to_dict()
        pe = charts.positional_encoding(np.zeros((8, 4))).to_dict()
    finally:
        i18n.use("en")
    enc = spec["encoding"]
    assert (enc["x"]["title"], enc["y"]["title"], enc["color"]["title"]) == ("键词元（被关注的）", "查询词元", "注意力")
    assert [t["title"] for t in enc["tooltip"]] == ["查询", "键", "权重"] and enc["tooltip"][2]["format"] == ".3f"
    assert grid["facet"]["row"]["title"] == "层" and grid["facet"]["column"]["title"] == "头"
    assert pe["title"]["text"] == "正弦位置编码 PE[位置, 维度]" and pe["encoding"]["x"]["title"] == "嵌入维度"
    # and back in English
    assert charts.heatmap(att[0, 0], charts.labels("abcd"), "t").to_dict()["encoding"]["y"]["title"] == "query token"
