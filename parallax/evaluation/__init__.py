"""Measuring quality: BEIR datasets indexed through the normal pipeline and scored with
trec_eval's measures (beir, retrieval, metrics), our own question files (retrieval), and
key-point matching on the KPA-2021 layout of ArgKP (kpa, kpa_eval, kpa_metrics, render_kpa)
with the calibration of its match probabilities (calibration: ECE, reliability table)."""
