"""Ranking metrics, computed by ir-measures (trec_eval underneath), the implementation the
published BEIR and MTEB figures come from, so that our numbers compare with theirs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Our names for them, as they appear in `eval --json`.
BEIR_METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")


def retrieval_metrics(qrels: Mapping[str, Mapping[str, int]],
                      run: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """nDCG@10, Recall@10, Recall@100 and MRR@10 averaged over every judged query (a query
    with no results counts 0). `run` gives each query's document ids, best first."""
    import ir_measures
    from ir_measures import RR, R, nDCG

    measures = {"ndcg@10": nDCG @ 10, "recall@10": R @ 10, "recall@100": R @ 100,
                "mrr@10": RR @ 10}
    # trec_eval orders by score and breaks ties by document id: scores that fall with the
    # rank keep our order exactly.
    scored = {q: {doc: float(len(docs) - i) for i, doc in enumerate(docs)}
              for q, docs in run.items() if docs}
    judged = {q: {d: int(r) for d, r in rels.items()} for q, rels in qrels.items()}
    values = ir_measures.calc_aggregate(list(measures.values()), judged, scored)
    return {name: float(values[measure]) for name, measure in measures.items()}
