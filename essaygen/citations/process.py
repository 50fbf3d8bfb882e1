"""One long-lived `pandoc lua worker.lua` process: a batch of requests per JSON line
out, their results in one JSON line back."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import IO

WORKER = Path(__file__).with_name("worker.lua")
# pandoc answers errors as data; this only guards against pandoc itself hanging.
TIMEOUT_BASE, TIMEOUT_PER_REQUEST = 60.0, 1.0
# pandoc's memory grows by ~9 MB per 1,000 essays it formats, whatever the line size
# and even with Lua's garbage collected after each line (measured; the cause is inside
# pandoc). A fresh process after this many requests keeps it near its start, for
# ~0.1 s a restart (at 5,000 essays: ~130 MB at most a process, ~140 MB after 1,000).
REQUESTS_PER_PROCESS_LIFE = 500
# pandoc's own binaries ask GHC for a 64 MB allocation area (-H64m): 170 MB resident
# from the first citation. 16 MB formats as fast at ~120 MB. A GHCRTS of the user's
# own wins; a pandoc built without RTS options ignores it (with a warning on stderr).
GHC_OPTIONS = "-H16m"


class PandocProcess:
    def __init__(self, pandoc: Path) -> None:
        self.pandoc = pandoc
        self.started = 0
        self.served = 0  # requests answered by the current process
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None

    def ask(self, payloads: list[dict]) -> list:
        if self.served >= REQUESTS_PER_PROCESS_LIFE:
            self.close()
        process = self._running()
        assert process.stdin is not None and process.stdout is not None
        line = json.dumps({"requests": payloads}, ensure_ascii=False)
        timeout = TIMEOUT_BASE + TIMEOUT_PER_REQUEST * len(payloads)
        watchdog = threading.Timer(timeout, process.kill)  # a hung pandoc ends readline()
        watchdog.start()
        try:
            process.stdin.write(line + "\n")
            process.stdin.flush()
            answer = process.stdout.readline()
        except (BrokenPipeError, OSError):
            answer = ""
        finally:
            watchdog.cancel()
        if not answer:
            message = self._close_with_stderr()
            raise RuntimeError(f"pandoc's citation worker stopped (after at most {timeout:.0f} s): {message}")
        reply = json.loads(answer)
        if "error" in reply:
            raise RuntimeError(f"pandoc's citation worker failed: {reply['error']}")
        results = reply.get("results")
        if not isinstance(results, list) or len(results) != len(payloads):
            raise RuntimeError("pandoc's citation worker replied with the wrong number of results")
        self.served += len(payloads)
        return results

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _running(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            # stderr to a file: pandoc's warnings must never fill a pipe and block it.
            if self._stderr is not None:
                self._stderr.close()
            self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
            self.served = 0
            self._process = subprocess.Popen(
                [str(self.pandoc), "lua", str(WORKER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                encoding="utf-8",
                bufsize=1,
                env={"GHCRTS": GHC_OPTIONS, **os.environ},
            )
            self.started += 1
        return self._process

    def _close_with_stderr(self) -> str:
        err = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            err = self._stderr.read().strip()[-2000:]
        self.close()
        return err or "no message"


__all__ = ["PandocProcess", "WORKER"]
