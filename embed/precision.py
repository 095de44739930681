"""Which embedding path runs: the CPU's support read at run time, the user's choice, and a
short description of the path that actually ran (shown by `parallax index` and benchmarks).

Paths (measured by benchmarks/bench_embed.py; cosine to fp32 on the same units):
- "fp32": sentence-transformers in float32 through torch, the reference.
- "bf16": the same model under torch's bf16 autocast (matrix products in bf16, LayerNorm and
  softmax in f32). Fast only where the CPU computes bf16 natively (AMX or AVX512-BF16);
  elsewhere it is emulated and slower than fp32, so "auto" never picks it there.
- "openvino": the model's BERT run by OpenVINO (embed.openvino_bert), in bf16 where the CPU
  has native bf16, else in f32. It loads in a fraction of a second (no torch import) and is
  the fastest path measured; it needs the optional openvino package and a model that
  embed.numpy_bert supports (the bundled one does).
- "openvino-fp32": the same in f32 on any CPU (vectors equal to fp32 to rounding).
"auto" takes "openvino" when it can, else "bf16" where bf16 is native, else "fp32".
Rejected after measurement (see the benchmark's notes): casting the torch model to bf16
(cosine to fp32 below 0.999 on some units), torch dynamic int8 quantisation (cosine 0.84),
and static int8 of the OpenVINO graph calibrated with NNCF post-training quantisation
(128 SciFact abstracts not among the 256 measured, transformer model type, mixed preset):
cosine to fp32 mean 0.9595 (min 0.930) with SmoothQuant (alpha 0.5), mean 0.9939 (min
0.9907) without, against the 0.999 required, on an AVX2-only EPYC where it also ran at
about f32's speed (no VNNI). Its speed where int8 is native (VNNI, AMX-INT8) was not
measured; its cosine does not depend on the CPU, so it stays rejected there too.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import Kind, ParallaxError

CHOICES = ("auto", "fp32", "bf16", "openvino", "openvino-fp32")


class UnknownPrecision(ParallaxError):
    """--precision names no path."""

    kind = Kind.usage


class PrecisionNotAvailable(ParallaxError):
    """A forced path cannot run here (openvino not installed, or the model not supported)."""

    kind = Kind.unavailable


def check_choice(precision: str | None) -> str:
    """The precision normalised ("auto" for None); UnknownPrecision for anything else."""
    value = (precision or "auto").strip().lower()
    aliases = {"float32": "fp32", "f32": "fp32", "bfloat16": "bf16", "ov": "openvino",
               "openvino-f32": "openvino-fp32"}
    value = aliases.get(value, value)
    if value not in CHOICES:
        raise UnknownPrecision(f"unknown precision {precision!r}",
                               "Choose one of: " + ", ".join(CHOICES) + ".")
    return value


@dataclass(frozen=True)
class CpuSupport:
    """What this CPU offers the embedding paths, read at run time."""

    amx_bf16: bool = False
    avx512_bf16: bool = False
    isa: str = "unknown"  # widest vector instructions: "AVX512", "AVX2", "NEON", ...

    @property
    def native_bf16(self) -> bool:
        return self.amx_bf16 or self.avx512_bf16

    def describe(self) -> str:
        """Short: "AMX", "AVX512-BF16", or the widest vector instructions when no bf16."""
        if self.amx_bf16:
            return "AMX"
        if self.avx512_bf16:
            return "AVX512-BF16"
        return self.isa


def cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags of the first processor in /proc/cpuinfo's text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def support_from_flags(flags: set[str]) -> CpuSupport:
    if "avx512f" in flags:
        isa = "AVX512"
    elif "avx2" in flags:
        isa = "AVX2"
    elif "asimd" in flags:
        isa = "NEON"
    else:
        isa = "no AVX2"
    return CpuSupport(amx_bf16="amx_bf16" in flags, avx512_bf16="avx512_bf16" in flags, isa=isa)


_DETECTED: CpuSupport | None = None


def detect_cpu() -> CpuSupport:
    """This CPU's bf16 support: /proc/cpuinfo's flags where there is one (Linux), else what
    torch reports (its capability and oneDNN's bf16 support). Cheap after the first call."""
    global _DETECTED
    if _DETECTED is None:
        _DETECTED = _detect()
    return _DETECTED


def _detect() -> CpuSupport:
    try:
        flags = cpu_flags(Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        flags = set()
    if flags:
        return support_from_flags(flags)
    try:  # macOS, Windows: ask torch (an import of seconds, paid only here)
        import torch

        capability = str(torch.backends.cpu.get_cpu_capability())
        native = platform.machine().lower() in ("x86_64", "amd64") and bool(
            torch.ops.mkldnn._is_mkldnn_bf16_supported())
        return CpuSupport(avx512_bf16=native, isa=capability)
    except Exception:
        return CpuSupport(isa=platform.machine() or "unknown")


@dataclass(frozen=True)
class Plan:
    """The path to run: `engine` "torch" or "openvino", in bf16 or not, and why."""

    engine: str
    bf16: bool
    description: str


def plan(precision: str, cpu: CpuSupport, openvino: bool, model_supported: bool) -> Plan:
    """The path for a (checked) precision on this CPU. `openvino`: the package imports;
    `model_supported`: embed.openvino_bert can run the model."""
    where = cpu.describe()
    no_bf16 = f"this CPU has no native bf16: {where}"
    if precision in ("openvino", "openvino-fp32"):
        if not openvino:
            raise PrecisionNotAvailable(
                f"precision {precision!r} needs the openvino package, which is not installed",
                "Install it (pip install openvino) or choose --precision auto.")
        if not model_supported:
            raise PrecisionNotAvailable(
                f"precision {precision!r} runs only BERT models with mean pooling "
                "(as the bundled all-MiniLM-L6-v2)", "Choose --precision auto, fp32 or bf16.")
        if precision == "openvino-fp32":
            return Plan("openvino", False, "openvino f32 (as asked)")
        if cpu.native_bf16:
            return Plan("openvino", True, f"openvino bf16 ({where})")
        return Plan("openvino", False, f"openvino f32 ({no_bf16})")
    if precision == "fp32":
        return Plan("torch", False, "fp32 (as asked)")
    if precision == "bf16":
        if cpu.native_bf16:
            return Plan("torch", True, f"bf16 autocast ({where})")
        return Plan("torch", True, f"bf16 autocast, emulated and slow ({no_bf16})")
    # auto
    if openvino and model_supported:
        if cpu.native_bf16:
            return Plan("openvino", True, f"openvino bf16 ({where})")
        return Plan("openvino", False, f"openvino f32 ({no_bf16})")
    why = ("openvino not installed" if not openvino
           else "openvino cannot run this model")
    if cpu.native_bf16:
        return Plan("torch", True, f"bf16 autocast ({where}; {why})")
    return Plan("torch", False, f"fp32 ({no_bf16}; {why})")
