"""Command line: `python -m core build|verify|info`."""

from __future__ import annotations

import argparse
import json
import sys

from tqdm import tqdm

from core.errors import CoreError


def _build(args) -> int:
    from core import zoo, zoo_build

    bars = {}

    def progress(name, event):
        bar = bars.get(name)
        if bar is None:
            bar = bars[name] = tqdm(total=event["epochs"], desc=f"{name:<20}", unit="epoch", leave=True)
        bar.update(1)
        bar.set_postfix(val_loss=f"{event['val_loss']:.4f}")

    manifest = zoo_build.build(args.out, quick=args.quick, device=args.device, only=args.only, progress=progress)
    for bar in bars.values():
        bar.close()
    for e in manifest["models"]:
        m = ", ".join(f"{k} {v:.4f}" for k, v in e["metrics"].items())
        print(f"{e['name']:<26} {e['bytes']:>9,} B  parity {e['parity_max_abs_err']:.1e}  {m}")
    print(f"Wrote {len(manifest['models'])} models and {zoo.manifest_path(args.out)}")
    return 0


def _verify(args) -> int:
    from core import zoo

    checks = zoo.verify(args.out, device=args.device)
    for c in checks:
        print(f"{'ok  ' if c.ok else 'FAIL'} {c.name:<26} {c.provider:<22} {c.message}")
    failed = [c for c in checks if not c.ok]
    print(
        f"{len(checks) - len(failed)} of {len(checks)} entries verified"
        + (f"; failed: {[c.name for c in failed]}" if failed else "")
    )
    return 1 if failed else 0


def _info(args) -> int:
    from core.runtime import info

    print(json.dumps(info(), indent=1))
    return 0


def main(argv=None) -> int:
    from core.zoo import EXPORTED

    p = argparse.ArgumentParser(prog="python -m core", description="Build, verify and inspect the model zoo.")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="train and export every zoo model (fp32 + int8) and write the manifest")
    b.add_argument("--quick", action="store_true", help="few epochs: a small, fast build")
    b.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    b.add_argument("--only", nargs="+", metavar="NAME", help="rebuild only these zoo models")
    b.add_argument("--out", default=str(EXPORTED), help="output folder (default: exported/)")
    v = sub.add_parser("verify", help="re-check every manifest entry; exit 1 on any failure")
    v.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    v.add_argument("--out", default=str(EXPORTED))
    sub.add_parser("info", help="devices, providers and versions")
    args = p.parse_args(argv)
    try:
        return {"build": _build, "verify": _verify, "info": _info}[args.command](args)
    except CoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
