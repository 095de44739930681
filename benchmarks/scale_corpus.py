"""A large corpus that looks like real text, for store benchmarks at scale.

    .venv/bin/python benchmarks/scale_corpus.py OUT_DIR --passages 1000000 [--seed 0]

Documents are built from the sentences of ../shared/datasets/{scifact,arguana}/corpus.jsonl:
a title line, then 8 paragraphs of 3-6 sentences separated by blank lines, so a document is
8 passages and a passage has the windows and sentence units real prose has. Files go in
numbered subfolders of FILES_PER_FOLDER documents, each with a metadata.csv (header
`file,title,date,author,publisher`) giving dates from 1995 to 2025 and a few hundred authors
and publishers, so that source, date and author filters select real subsets.

Deterministic for a given (passages, seed): every folder draws from its own generator seeded
by (seed, folder number). Streaming: one folder is held in memory at a time. A stamp file is
written last; an OUT_DIR whose stamp matches the parameters is reused as it is.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
SOURCES = ("scifact", "arguana")
PARAGRAPHS = 8  # per document: one passage each
SENTENCES = (3, 6)  # per paragraph, inclusive
FILES_PER_FOLDER = 1000
AUTHORS = 400
PUBLISHERS = 120
STAMP = "scale-corpus.json"
VERSION = 1  # bump when the generator's output changes

_FIRST = ("Ada Alan Amira Ana Arjun Beatriz Bo Carlos Chen Chiara Daniel Dara Elena Emeka "
          "Fatima Femi Grace Hana Hugo Ines Ivan Jamal Jin Joanna Jonas Kai Kofi Lars Layla "
          "Lena Li Lucas Maya Mei Mihai Nadia Noor Olga Omar Paolo Priya Rafael Rosa Sami "
          "Sara Sofia Tariq Tomas Uma Wei Yara Yusuf Zofia").split()
_LAST = ("Abbott Adeyemi Alvarez Bauer Bianchi Chen Costa Dubois Eriksen Fischer Garcia Gupta "
         "Haddad Hoffmann Ito Jensen Kaur Kim Kowalski Larsen Lopez Martin Meyer Moreau Nakamura "
         "Nguyen Novak Okafor Olsen Park Patel Popescu Quinn Rossi Sato Schmidt Silva Singh "
         "Suzuki Tanaka Varga Wagner Wang Weber Yilmaz Zhang").split()
_OUTLETS = ("Review Journal Gazette Herald Times Monitor Observer Quarterly Bulletin Tribune "
            "Letters Digest Press Report Courier Record").split()
_PLACES = ("Atlantic Northern Pacific Central Western Eastern Coastal Metropolitan Continental "
           "Global Civic Open National Federal Union City Academic Policy Science "
           "Public").split()


def sentence_pool() -> list[str]:
    """Every sentence of the source corpora that reads as prose (20-400 characters, one line),
    in file order: the same list on every run."""
    sys.path.insert(0, str(ROOT))
    from corpus import split_sentences

    pool: list[str] = []
    for name in SOURCES:
        with (DATASETS / name / "corpus.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                text = " ".join(json.loads(line)["text"].split())
                for a, b in split_sentences(text):
                    sentence = text[a:b]
                    if 20 <= len(sentence) <= 400 and sentence[-1] in ".!?\"')":
                        pool.append(sentence)
    return pool


def people(seed: int) -> tuple[list[str], list[str]]:
    """A few hundred distinct authors and publishers, the same for a given seed."""
    rng = random.Random(f"people-{seed}")
    authors = sorted({f"{f} {m}. {s}" for f, m, s in
                      ((rng.choice(_FIRST), chr(65 + rng.randrange(26)), rng.choice(_LAST))
                       for _ in range(AUTHORS * 2))})
    rng.shuffle(authors)
    pairs = ((rng.choice(_PLACES), rng.choice(_OUTLETS)) for _ in range(PUBLISHERS * 3))
    publishers = sorted({f"The {p} {o}" for p, o in pairs})
    rng.shuffle(publishers)
    return authors[:AUTHORS], publishers[:PUBLISHERS]


def title_of(sentence: str) -> str:
    """A heading-like title line from the first words of a sentence: title case, no final
    stop, short, so that the corpus reads it as the document's heading, not a passage."""
    words = [w.strip(".,;:!?()\"'") for w in sentence.split()[:7]]
    return " ".join(w[:1].upper() + w[1:] for w in words if w)


def _zipf_index(rng: random.Random, n: int) -> int:
    """A skewed pick in range(n): a few prolific authors, a long tail."""
    return min(n - 1, int(n * rng.random() ** 2.2))


def paragraph(pool: list[str], rng: random.Random) -> str:
    """3-6 consecutive sentences of the pool from a random place: paragraphs that read on."""
    start = rng.randrange(len(pool))
    size = rng.randint(*SENTENCES)
    return " ".join(pool[(start + k) % len(pool)] for k in range(size))


def folder_documents(pool: list[str], authors: list[str], publishers: list[str],
                     seed: int, folder: int, count: int) -> Iterator[tuple[str, str, list[str]]]:
    """(file name, text, metadata row) of the `count` documents of one folder."""
    rng = random.Random(f"{seed}-{folder}")
    n = len(pool)
    for i in range(count):
        number = folder * FILES_PER_FOLDER + i
        paragraphs = [paragraph(pool, rng) for _ in range(PARAGRAPHS)]
        title = title_of(pool[rng.randrange(n)])
        text = title + "\n\n" + "\n\n".join(paragraphs) + "\n"
        year = 1995 + _zipf_index(rng, 31) if rng.random() < 0.3 else rng.randint(1995, 2025)
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if rng.random() < 0.1:  # some sources give only a month or a year
            date = date[:7] if rng.random() < 0.7 else date[:4]
        name = f"doc{number:07d}.txt"
        yield name, text, [name, title, date, authors[_zipf_index(rng, len(authors))],
                           publishers[_zipf_index(rng, len(publishers))]]


def documents_for(passages: int) -> int:
    return -(-passages // PARAGRAPHS)


def folder_name(folder: int) -> str:
    return f"part{folder:04d}"


def generate(out: Path, passages: int, seed: int = 0, log=print) -> dict:  # noqa: ANN001
    """Write the corpus under `out` unless a matching one is there; returns its stamp."""
    wanted = {"version": VERSION, "passages": passages, "seed": seed,
              "documents": documents_for(passages), "files_per_folder": FILES_PER_FOLDER}
    stamp_path = out / STAMP
    if stamp_path.exists():
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        if {k: stamp.get(k) for k in wanted} == wanted:
            log(f"reusing the corpus at {out} ({stamp['documents']} documents)")
            return stamp
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    pool = sentence_pool()
    authors, publishers = people(seed)
    documents, folders, written = wanted["documents"], 0, 0
    while written < documents:
        count = min(FILES_PER_FOLDER, documents - written)
        folder = out / folder_name(folders)
        folder.mkdir()
        rows = []
        for name, text, row in folder_documents(pool, authors, publishers, seed, folders, count):
            (folder / name).write_text(text, encoding="utf-8")
            rows.append(row)
        with (folder / "metadata.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["file", "title", "date", "author", "publisher"])
            writer.writerows(rows)
        written += count
        folders += 1
        if folders % 10 == 0:
            log(f"  {written}/{documents} documents, {time.perf_counter() - started:.0f} s")
    stamp = {**wanted, "folders": folders, "sentences": len(pool),
             "seconds": round(time.perf_counter() - started, 1)}
    stamp_path.write_text(json.dumps(stamp, indent=1), encoding="utf-8")
    log(f"generated {documents} documents in {folders} folders under {out} "
        f"in {stamp['seconds']} s")
    return stamp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.out.resolve(), args.passages, args.seed)


if __name__ == "__main__":
    main()
