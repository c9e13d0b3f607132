"""Energy of a piece of work: measured where a counter can be read, else a labelled estimate.

Readings come from Zeus's windowed monitor (Chung et al. 2023, ml.energy/zeus): NVML's
cumulative energy counter on NVIDIA GPUs (Volta and later) and Intel/AMD RAPL on CPUs. Where
neither can be read, energy is an *estimate*: elapsed time x a stated power figure, and every
reading says which source it came from. Counters move only every 20 to 100 ms, so short work is
repeated until the window spans at least ``min_seconds`` and the repeat count is kept.

Prediction follows Kaplan et al. 2020: training FLOPs ~ 6 x parameters x samples seen.
"""

from __future__ import annotations

import logging
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.errors import ConfigError

ESTIMATE = "estimate"
WATTS_PER_CORE = 10.0  # stated figure: a server CPU's TDP per core (e.g. 200 W over 20 cores)
CPU_FLOPS_PER_CORE = 20e9  # stated fp32 FLOP/s per core that the prediction assumes (AVX2 FMA, well below peak)
MIN_SECONDS = 0.5  # a measured window spans at least this (5 to 25 counter updates)


@dataclass(frozen=True)
class Reading:
    joules: float  # energy of ONE repetition of the work
    seconds: float  # wall time of one repetition
    repeats: int  # how many times the work ran inside the window
    source: str  # "NVML (Zeus)", "RAPL (Zeus)" or "estimate"
    why: str  # how the figure was obtained, for the learner and the CSV
    watts_assumed: float | None = None  # the stated power of an estimate; None when measured

    @property
    def is_estimate(self) -> bool:
        return self.source == ESTIMATE

    @property
    def label(self) -> str:
        return "estimate (time x stated power)" if self.is_estimate else f"measured ({self.source})"


def cores() -> int:
    import torch

    return max(1, torch.get_num_threads())


def estimate_watts(n_cores: int | None = None) -> float:
    """The stated power of the estimate path: WATTS_PER_CORE x busy cores."""
    return WATTS_PER_CORE * (n_cores or cores())


class Meter:
    """One Zeus monitor, opened once; ``measure`` and ``trace`` read through it."""

    def __init__(self, device: str = "auto"):
        self.gpu, self.cpu, self.reason = [], [], ""
        try:
            logging.getLogger("zeus").setLevel(logging.ERROR)
            import torch
            from zeus.monitor import ZeusMonitor

            gpus = [torch.cuda.current_device()] if device != "cpu" and torch.cuda.is_available() else []
            self.monitor = ZeusMonitor(gpu_indices=gpus, approx_instant_energy=False)
            self.gpu, self.cpu = list(self.monitor.gpu_indices), list(self.monitor.cpu_indices)
        except Exception as e:  # noqa: BLE001 -- Zeus raises untyped errors when no counter can be opened
            self.monitor, self.reason = None, f"Zeus could not start ({type(e).__name__}: {str(e)[:120]})."
        if self.monitor is not None and not (self.gpu or self.cpu):
            self.reason = (
                "No NVIDIA GPU with NVML, and no readable RAPL counter (/sys/class/powercap is "
                + ("absent" if not os.path.exists("/sys/class/powercap") else "not readable")
                + ")."
            )
        self.source = "NVML (Zeus)" if self.gpu else "RAPL (Zeus)" if self.cpu else ESTIMATE

    def _joules(self, m) -> float:
        total = sum(m.gpu_energy.values()) if self.gpu else 0.0
        if not self.gpu and m.cpu_energy:
            total += sum(m.cpu_energy.values()) + sum((m.dram_energy or {}).values())
        return float(total)

    def window(self, work: Callable[[], object], name: str = "work") -> tuple[float, float]:
        """(joules, seconds) of one call of ``work``: measured, or time x stated power."""
        if self.source == ESTIMATE:
            t = time.perf_counter()
            work()
            s = time.perf_counter() - t
            return s * estimate_watts(), s
        self.monitor.begin_window(name, sync_execution=True)
        work()
        m = self.monitor.end_window(name, sync_execution=True)
        return self._joules(m), float(m.time)

    def measure(
        self, work: Callable[[], object], min_seconds: float = MIN_SECONDS, max_repeats: int = 100_000
    ) -> Reading:
        """Energy of one call of ``work``: the work runs back to back until the window spans
        ``min_seconds`` (counters update every 20-100 ms), and the total is divided by the repeats."""
        t = time.perf_counter()
        work()  # warm-up; also times one call to choose the repeats
        one = max(time.perf_counter() - t, 1e-7)
        repeats = int(min(max_repeats, max(1, -(-min_seconds // one))))

        def loop():
            for _ in range(repeats):
                work()

        joules, seconds = self.window(loop)
        return Reading(
            joules / repeats,
            seconds / repeats,
            repeats,
            self.source,
            self.explain(repeats, seconds),
            estimate_watts() if self.source == ESTIMATE else None,
        )

    def explain(self, repeats: int, seconds: float) -> str:
        what = f"{repeats} repetition(s) in a {seconds:.2f} s window"
        if self.source == ESTIMATE:
            return (
                f"Estimate: {self.reason} Energy = time x {estimate_watts():g} W ({WATTS_PER_CORE:g} W per core x "
                f"{cores()} cores, a stated figure, not a reading); {what}."
            )
        return f"Measured by Zeus from {self.source.split()[0]}; {what}."


@dataclass
class Trace:
    """Power over time of a training run: one point per epoch."""

    seconds: list = field(default_factory=list)  # time since start at the end of each epoch
    watts: list = field(default_factory=list)  # average power over that epoch
    joules: float = 0.0
    total_seconds: float = 0.0


def traced(meter: Meter, run: Callable[[Callable], object]) -> tuple[object, Trace]:
    """Run ``run(on_epoch)`` and record the energy of each epoch (on_epoch closes one window per epoch)."""
    trace, state = Trace(), {"i": 0, "t": time.perf_counter(), "start": time.perf_counter()}
    if meter.source != ESTIMATE:
        meter.monitor.begin_window("epoch0", sync_execution=False)

    def on_epoch(_event=None):
        now = time.perf_counter()
        if meter.source == ESTIMATE:
            j, s = (now - state["t"]) * estimate_watts(), now - state["t"]
        else:
            m = meter.monitor.end_window(f"epoch{state['i']}", sync_execution=True)
            j, s = meter._joules(m), float(m.time)
            meter.monitor.begin_window(f"epoch{state['i'] + 1}", sync_execution=False)
        state["i"] += 1
        state["t"] = now
        trace.joules += j
        trace.seconds.append(now - state["start"])
        trace.watts.append(j / max(s, 1e-9))

    try:
        result = run(on_epoch)
    finally:
        if meter.source != ESTIMATE:
            meter.monitor.end_window(f"epoch{state['i']}", sync_execution=False)
    trace.total_seconds = time.perf_counter() - state["start"]
    return result, trace


@dataclass(frozen=True)
class Prediction:
    flops: float  # 6 x parameters x samples seen
    seconds: float  # flops / stated FLOP rate
    joules: float  # seconds x stated power
    flop_rate: float  # the stated FLOP/s it assumed
    watts: float  # the stated power it assumed


def predict(parameters: int, samples_seen: int, flop_rate: float, watts: float) -> Prediction:
    """Kaplan et al. 2020: FLOPs ~ 6 N D; time = FLOPs / rate; energy = time x power."""
    for name, v, hi in (
        ("Parameters", parameters, 1e13),
        ("Samples seen", samples_seen, 1e13),
        ("FLOP rate", flop_rate, 1e18),
        ("Power (W)", watts, 1e5),
    ):
        if not (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= hi):
            raise ConfigError(f"{name} must be a number above 0 and at most {hi:g}, got {v!r}.")
    flops = 6.0 * parameters * samples_seen
    return Prediction(flops, flops / flop_rate, flops / flop_rate * watts, float(flop_rate), float(watts))


def conditions() -> dict:
    """The conditions every measurement is saved with."""
    import onnxruntime
    import torch
    import zeus

    return {
        "device": torch.cuda.get_device_name(0)
        if torch.cuda.is_available()
        else f"CPU ({platform.processor() or platform.machine()})",
        "threads": cores(),
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "zeus": zeus.__version__,
    }
