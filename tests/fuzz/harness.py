"""A bounded-time mutation fuzzer for geoplan's readers (used by tests/test_trust_fuzz.py).

:func:`fuzz_reader` takes any reader callable ``reader(path)`` -- the GML plan
reader today, the SOSI reader once it exists -- and seed files, mutates them
(bit flips, truncation, deletions, duplicated spans, hostile tokens spliced in,
seeds crossed) for a fixed time, writes each distinct input to a file and calls
the reader. The contract is that of the loader: a reader either returns or
raises :class:`geoplan.errors.GeoplanError` (a Norwegian message); any other
exception is a failure, and so is a refusal whose message ``accept`` rejects
(the SOSI reader must name the line); the input is kept under ``crash_dir`` as a
regression case (``tests/data/hostile/fuzz/`` is re-run by the corpus test).

When ``atheris`` is installed, :func:`atheris_main` runs the same contract
under its coverage-guided engine (``python -m tests.fuzz.harness gml SECONDS``);
it is not part of the test run (in a first trial it did not stop at its time
limit), the mutation loop is.
"""

from __future__ import annotations

import hashlib
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

#: tokens a hostile or broken file tends to hold
TOKENS = [b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", b"&e;", b"inf", b"nan",
          b"1e308", b"-1e308", b"NaN", b"\x00", b"\xff\xfe", b"<", b">", b"</", b"\"", b"'",
          b"<gml:posList>", b"</gml:posList>", b"<gml:pos>", b"srsName=\"EPSG:4326\"",
          b"srsName=\"urn:ogc:def:crs:EPSG::99999\"", b"9" * 40, b" ", b"\n", b"]]>", b"<![CDATA["]


@dataclass
class FuzzStats:
    """What a run tried: distinct inputs, failures (non-GeoplanError exceptions) and their inputs."""

    tried: int = 0
    failures: int = 0
    accepted: int = 0
    refused: int = 0
    crashes: list[tuple[str, str]] = field(default_factory=list)   # (file, exception)


def mutate(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    """One to four random mutations of ``data``."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        n = len(b)
        if op == 0 and n:                                   # flip bits
            i = rng.randrange(n)
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and n:                                 # truncate
            del b[rng.randrange(n):]
        elif op == 2 and n:                                 # delete a span
            i = rng.randrange(n)
            del b[i:i + rng.randint(1, 64)]
        elif op == 3 and n:                                 # duplicate a span
            i = rng.randrange(n)
            b[i:i] = b[i:i + rng.randint(1, 256)]
        elif op == 4:                                       # splice a token
            i = rng.randrange(n + 1)
            b[i:i] = rng.choice(TOKENS)
        elif op == 5 and others:                            # cross with another seed
            o = rng.choice(others)
            i, j = rng.randrange(n + 1), rng.randrange(len(o) + 1)
            b = b[:i] + bytearray(o[j:])
        elif n:                                             # replace a digit run
            i = rng.randrange(n)
            if chr(b[i]).isdigit():
                b[i:i + 1] = rng.choice([b"inf", b"1e300", b"-0", b"99999999999"])
    return bytes(b)


def fuzz_reader(reader: Callable[[Path], Any], seeds: Iterable[bytes], *, seconds: float,
                suffix: str, crash_dir: Path | None = None, rng_seed: int = 13,
                max_inputs: int | None = None,
                accept: Callable[[str], bool] | None = None) -> FuzzStats:
    """Run ``reader`` on mutated ``seeds`` for ``seconds``; return the :class:`FuzzStats`.

    ``accept(message)``: whether a refusal's Norwegian message is good enough (None: any).
    """
    from geoplan.errors import GeoplanError

    rng = random.Random(rng_seed)
    pool = [bytes(s) for s in seeds]
    seen: set[str] = set()
    stats = FuzzStats()
    end = time.monotonic() + seconds
    with tempfile.TemporaryDirectory(prefix="geoplan-fuzz-") as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        while time.monotonic() < end and (max_inputs is None or stats.tried < max_inputs):
            data = mutate(rng.choice(pool), rng, pool)
            h = hashlib.sha1(data).hexdigest()
            if h in seen:
                continue
            seen.add(h)
            stats.tried += 1
            path.write_bytes(data)
            try:
                reader(path)
                stats.accepted += 1
                if len(pool) < 200 and rng.random() < 0.05:
                    pool.append(data)                       # survivors become seeds
            except GeoplanError as e:
                if accept is None or accept(e.message):
                    stats.refused += 1
                else:
                    _keep(stats, crash_dir, data, h, suffix, f"message not accepted: {e.message}")
            except Exception as e:  # noqa: BLE001 - this is what the fuzzer looks for
                _keep(stats, crash_dir, data, h, suffix, f"{type(e).__name__}: {e}")
    return stats


def _keep(stats: FuzzStats, crash_dir: Path | None, data: bytes, h: str, suffix: str, why: str) -> None:
    """Count a failure and keep its input as a regression case."""
    stats.failures += 1
    name = f"crash-{h[:12]}{suffix}"
    if crash_dir is not None:
        crash_dir.mkdir(parents=True, exist_ok=True)
        (crash_dir / name).write_bytes(data)
    stats.crashes.append((name, why[:300]))


def gml_reader(path: Path) -> Any:
    """The GML plan reader as the command line uses it: load + validate."""
    from geoplan.io import load

    return load(path)


def sosi_reader(path: Path) -> Any:
    """The SOSI text reader itself (``geoplan.io.sosi.read_sosi``): the parser and geometry."""
    from geoplan.io.sosi import read_sosi

    return read_sosi(path)


def sosi_message_names_the_line(message: str) -> bool:
    """A SOSI refusal names the line, unless it is about the whole file (empty)."""
    return "linje" in message or message.endswith("er tom. Eksporter SOSI-filen på nytt.")


READERS: dict[str, tuple[Callable[[Path], Any], str]] = {"gml": (gml_reader, ".gml"),
                                                         "sosi": (sosi_reader, ".sos")}


def atheris_main(name: str, seconds: int) -> None:  # pragma: no cover - run as a subprocess
    """Coverage-guided fuzzing of READERS[name] with atheris for ``seconds``."""
    import atheris

    with atheris.instrument_imports():
        import geoplan.io.readers  # noqa: F401
        from geoplan.errors import GeoplanError
    reader, suffix = READERS[name]
    tmp = Path(tempfile.mkdtemp(prefix="geoplan-atheris-")) / f"fuzz{suffix}"
    crash_dir = Path(__file__).resolve().parent.parent / "data" / "hostile" / "fuzz"
    count = [0]

    def one(data: bytes) -> None:
        count[0] += 1
        tmp.write_bytes(data)
        try:
            reader(tmp)
        except GeoplanError:
            pass
        except Exception:
            crash_dir.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha1(data).hexdigest()[:12]
            (crash_dir / f"crash-{h}{suffix}").write_bytes(data)
            traceback.print_exc()
            print(f"FUZZ-FAILURE crash-{h}{suffix}", flush=True)

    import atexit
    atexit.register(lambda: print(f"FUZZ-INPUTS {count[0]}", flush=True))
    data = Path(__file__).resolve().parent.parent / "data"
    seeds = [data / "kpa_sosi.gml"] if name == "gml" else sorted(
        p for p in (data / "real").iterdir() if p.suffix.lower() == ".sos")
    corpus = Path(tempfile.mkdtemp(prefix="geoplan-atheris-corpus-"))
    for i, seed in enumerate(seeds):
        (corpus / f"seed{i}{suffix}").write_bytes(seed.read_bytes())
    atheris.Setup([sys.argv[0], f"-max_total_time={seconds}", "-rss_limit_mb=3000",
                   "-max_len=200000", str(corpus)], one)
    atheris.Fuzz()


if __name__ == "__main__":  # pragma: no cover
    atheris_main(sys.argv[1], int(sys.argv[2]))
