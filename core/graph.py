"""A Graphviz DOT drawing of an ONNX model's operators, read from the ONNX graph itself (as Netron does)."""

from __future__ import annotations

import onnx


def _quote(s: str) -> str:
    return '"' + s.replace('"', r"\"") + '"'


def onnx_dot(path, max_nodes: int = 120) -> str:
    """Operators as boxes, graph inputs and outputs as ovals, edges labelled with tensor names
    where they are graph inputs/outputs. Weights (initializers) are folded into their operator."""
    g = onnx.load(path).graph
    weights = {i.name for i in g.initializer}
    lines = ["digraph onnx {", "rankdir=TB;", 'node [fontname="Helvetica", fontsize=10];']
    producer = {}
    for v in g.input:
        if v.name not in weights:
            lines.append(
                f'{_quote("in:" + v.name)} [label={_quote(v.name)}, shape=oval, style=filled, fillcolor="#dbe9f6"];'
            )
            producer[v.name] = "in:" + v.name
    nodes = list(g.node)[:max_nodes]
    for i, n in enumerate(nodes):
        nid = f"n{i}"
        w = [x for x in n.input if x in weights]
        label = n.op_type + (f"\\n({len(w)} weight tensor{'s' if len(w) > 1 else ''})" if w else "")
        lines.append(f'{nid} [label={_quote(label)}, shape=box, style="rounded,filled", fillcolor="#fde3d9"];')
        for x in n.input:
            if x in producer:
                lines.append(f"{_quote(producer[x])} -> {nid};")
        for x in n.output:
            producer[x] = nid
    for v in g.output:
        lines.append(
            f'{_quote("out:" + v.name)} [label={_quote(v.name)}, shape=oval, style=filled, fillcolor="#d9f2d9"];'
        )
        if v.name in producer:
            lines.append(f"{_quote(producer[v.name])} -> {_quote('out:' + v.name)};")
    if len(g.node) > max_nodes:
        lines.append(f'more [label="... {len(g.node) - max_nodes} more operators", shape=plaintext];')
    lines.append("}")
    return "\n".join(lines)


def operator_counts(path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in onnx.load(path).graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
