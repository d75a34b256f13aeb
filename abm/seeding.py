"""Named, per-replicate random streams (DESIGN.md section 6).

Replicate ``r`` of a job with seed ``s`` owns ``SeedSequence(s, spawn_key=(r,))``. Each subsystem
draws from its own stream, keyed by a stable hash of its name, so adding draws to one subsystem
never shifts another's. Streams used inside the step loop are *repositioned* at every step with
``PCG64.advance``: the draws made at step ``t`` do not depend on how many draws earlier steps
made, which keeps common random numbers aligned between mitigation arms.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

#: Draws reserved per step for a step-positioned stream (PCG64 draws 64-bit words). No step
#: needs anywhere near this many; the stride only has to exceed the largest per-step use.
STEP_STRIDE = 1 << 40


def stable_hash(name: str) -> int:
    """A 32-bit hash of ``name`` that is the same in every process (unlike ``hash()``)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def replicate_sequence(seed: int, replicate: int) -> np.random.SeedSequence:
    """The root seed sequence of replicate ``replicate`` of a job seeded with ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(replicate,))


class Streams:
    """The named random streams of one replicate.

    ``generator(name)`` gives a fresh generator for one-off draws (building the world, for
    example). ``at_step(name, step)`` gives the stream ``name`` positioned at the start of step
    ``step``'s block of draws.
    """

    def __init__(self, root: np.random.SeedSequence) -> None:
        self.root = root
        #: Per step-positioned stream: the state at its start, and the one generator that is
        #: re-positioned at every step (building a bit generator costs more than the draws).
        self._step_starts: dict[str, Any] = {}
        self._step_generators: dict[str, np.random.Generator] = {}
        self._names: dict[int, str] = {}

    def sequence(self, name: str) -> np.random.SeedSequence:
        """The seed sequence of stream ``name``: a child of the root keyed by the name's hash.

        Raises:
            ValueError: if two stream names hash to the same key, which would make them draw
                the same numbers.
        """
        key = stable_hash(name)
        if self._names.setdefault(key, name) != name:
            raise ValueError(f"streams {name!r} and {self._names[key]!r} share a seed key")
        return np.random.SeedSequence(self.root.entropy, spawn_key=(*self.root.spawn_key, key))

    def generator(self, name: str) -> np.random.Generator:
        """A new generator for stream ``name``, at its start."""
        return np.random.Generator(np.random.PCG64(self.sequence(name)))

    def at_step(self, name: str, step: int) -> np.random.Generator:
        """Stream ``name`` positioned at step ``step``, independent of earlier steps' draws.

        The same generator object comes back for every step of one stream, re-positioned: use
        it before asking for the stream at another step.
        """
        gen = self._step_generators.get(name)
        if gen is None:
            start = np.random.PCG64(self.sequence(name))
            self._step_starts[name] = start.state
            gen = self._step_generators[name] = np.random.Generator(start)
        bitgen = gen.bit_generator
        assert isinstance(bitgen, np.random.PCG64)
        bitgen.state = self._step_starts[name]
        bitgen.advance(step * STEP_STRIDE)
        return gen
