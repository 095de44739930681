"""The report of `parallax eval` on a KPA folder as terminal tables (Rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

# Published: the best supervised systems of the KPA-2021 shared task on test (fine-tuned
# large models; Team Enigma, 5th place: 0.872 / 0.966, arXiv 2110.12370).
PUBLISHED = "supervised fine-tuned systems of KPA-2021 on test: about 0.87 / 0.97"


def kpa_view(report: dict[str, Any]) -> Group:
    splits = report["splits"]
    matching = Table(title=f"{report['dataset']}: key-point matching, KPA-2021 Track 1 "
                           "(mean average precision)", title_justify="left")
    for column in ("split", "arguments", "key points", "strict", "relaxed",
                   "cosine strict", "cosine relaxed"):
        matching.add_column(column, justify="right" if column != "split" else "left")
    for name, s in splits.items():
        matching.add_row(name, str(s["arguments"]), str(s["key_points"]),
                         f"{s['track1']['strict']:.3f}", f"{s['track1']['relaxed']:.3f}",
                         f"{s['cosine_baseline']['strict']:.3f}",
                         f"{s['cosine_baseline']['relaxed']:.3f}")
    calibration = Table(title="Calibration of the match probability over the labelled pairs: "
                              "reliability (10 bins) and expected calibration error",
                        title_justify="left")
    for column in ("split", "bin", "predicted", "observed", "pairs"):
        calibration.add_column(column, justify="left" if column in ("split", "bin")
                               else "right")
    for name, s in splits.items():
        c = s["calibration"]
        for row in c["reliability"]:
            calibration.add_row(name, f"{row['low']:.1f}–{row['high']:.1f}",
                                f"{row['predicted']:.3f}", f"{row['observed']:.3f}",
                                str(row["count"]))
        calibration.add_row(name, "ECE", f"{c['ece']:.3f}",
                            f"(uncalibrated {c['ece_uncalibrated']:.3f})", str(c["pairs"]),
                            end_section=True)
    discovery = Table(title="Key point discovery: the key points `compare` proposes from each "
                            "topic × stance's arguments, judged by the gold labels (issue 23 "
                            "asks precision ≥ 0.85, coverage ≥ 0.70, redundancy ≤ 0.15, "
                            "ARI ≥ 0.35)", title_justify="left")
    for column in ("split", "groups", "key points", "precision", "coverage", "redundancy",
                   "ARI"):
        discovery.add_column(column, justify="left" if column == "split" else "right")
    for name, s in splits.items():
        d = s["key_point_discovery"]
        discovery.add_row(name, str(d["groups"]), f"{d['key_points']} "
                          f"({d['key_points_per_group']:.1f} per group)",
                          f"{d['precision']:.3f}", f"{d['coverage']:.3f}",
                          f"{d['redundancy']:.3f}", f"{d['ari']:.3f}")
    notes = Text(f"Match score: {report['match_function']}; a text makes a claim from "
                 f"{report['threshold']:g}. Compare: {PUBLISHED}. See docs/compare.md.",
                 style="dim")
    return Group(matching, Text(""), calibration, Text(""), discovery, Text(""), notes)
