"""`python -m bench [scenario ...] [options]`: run the benchmarks (all by
default) and rewrite bench/RESULTS.md and bench/results/<scenario>.json.

    python -m bench                      # everything, default sizes (~20 min on 2 cores)
    python -m bench fanout --n 1000      # one scenario, one size
    python -m bench pages --full         # the issue's full data sizes"""

import argparse
import shutil
import signal
import sys
import time
from pathlib import Path

from bench import data
from bench.common import BENCH, Config, raise_open_files

BIN = str(Path(sys.executable).parent)

SCENARIOS = ["fanout", "votes", "reconnect", "pages", "newsletter"]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("scenarios", nargs="*", choices=[[], *SCENARIOS], default=[])
    parser.add_argument("--n", type=int, action="append", help="clients/recipients (repeatable)")
    parser.add_argument("--servers", default="uvicorn,daphne", help="ASGI servers, comma-separated")
    parser.add_argument(
        "--targets", default="bare,product,textbook", help="fanout: which targets, comma-separated"
    )
    parser.add_argument("--full", action="store_true", help="the issue's full data sizes")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks it all runs")
    parser.add_argument("--fresh", action="store_true", help="recreate the bench database")
    parser.add_argument(
        "--profile", action="store_true", help="record the server with py-spy (var/bench/*.raw)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not write results files")
    return parser.parse_args(argv)


def install_requirements() -> None:
    """The benchmark's own tools (bench/requirements.txt), with pip, when missing."""
    import subprocess

    if shutil.which("py-spy", path=BIN):
        return
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "-r", str(BENCH / "requirements.txt")],
        check=True,
    )


def main(argv: list[str]) -> int:
    args = parse(argv)
    # A SIGTERM (a timeout, Ctrl-C's cousin) unwinds normally: servers and swarms stop.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    install_requirements()
    scenarios = args.scenarios or SCENARIOS
    cfg = Config(
        full=args.full,
        smoke=args.smoke,
        write_results=not args.no_write,
        profile=args.profile,
        targets=[t for t in args.targets.split(",") if t],
    )
    limit = raise_open_files()
    print(f"open files limit: {limit}", flush=True)
    data.create_database(cfg, fresh=args.fresh or not args.scenarios)
    data.setup_django(cfg)
    servers = [s for s in args.servers.split(",") if s]
    started = time.monotonic()
    for name in scenarios:
        t0 = time.monotonic()
        print(f"=== {name}", flush=True)
        module = __import__(f"bench.{name}", fromlist=["run"])
        module.run(cfg, sizes=args.n, servers=servers)
        print(f"=== {name} took {time.monotonic() - t0:.0f} s", flush=True)
    print(f"all done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
