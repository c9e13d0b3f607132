"""The one palette of every chart and drawing: a colour means the same thing on every page."""

TRAIN = "#1f77b4"  # training split, first class, neutral marks
ACCENT = "#E4572E"  # validation split, the highlighted item, the active stage
CLASS_COLORS = [TRAIN, ACCENT, "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e"]
SPLITS = {"train": TRAIN, "validation": ACCENT}
OPTIMIZER_COLORS = {
    "sgd": TRAIN,
    "momentum": "#2ca02c",
    "nesterov": "#9467bd",
    "adagrad": "#8c564b",
    "rmsprop": "#e377c2",
    "adam": ACCENT,
    "adamw": "#17becf",
}
MUTED = "#9aa3b2"  # inactive edges and marks
LIGHT = ("#dbe9f6", "#f3f5f9", "#fde3d9")  # fills: inputs, hidden units, the loss node
WEIGHT_SCHEME = "orangered"  # sequential: attention and other weights in [0, 1]
SIGNED_SCHEME = "redblue"  # diverging: values around 0
SURFACE_SCHEME = "viridis"  # loss and accuracy maps
COUNT_SCHEME = "blues"  # counts (confusion matrices)
