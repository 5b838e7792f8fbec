"""Summarise a py-spy raw profile (`python -m bench --profile` writes them):
the functions with the most samples, inclusive and on top of the stack.

    python -m bench.flame var/bench/swarm-product-uvicorn-1000.raw [--top 40]"""

import argparse
from collections import Counter
from pathlib import Path


def frame_name(frame: str) -> str:
    """`func (path/file.py:12)` -> `func path/file.py`."""
    func, _, where = frame.partition(" (")
    return f"{func} {where.split(':')[0].rstrip(')')}".strip()


def summarise(path: Path) -> tuple[int, Counter, Counter]:
    total, inclusive, on_top = 0, Counter(), Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [frame_name(frame) for frame in stack.split(";")]
        for name in set(frames):
            inclusive[name] += samples
        on_top[frames[-1]] += samples
    return total, inclusive, on_top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    total, inclusive, on_top = summarise(args.path)
    print(f"{total} samples")
    for title, counts in (("inclusive", inclusive), ("on top", on_top)):
        print(f"--- {title}")
        for name, samples in counts.most_common(args.top):
            print(f"{samples:7d} {samples / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
