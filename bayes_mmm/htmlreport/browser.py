"""Headless Chromium over the DevTools protocol's pipe (``--remote-debugging-pipe``): open a
page, collect its console errors, evaluate JavaScript, take screenshots.

No browser is downloaded and no package is needed beyond the standard library: the system's
``chromium`` reads protocol messages (JSON, each ending in a NUL byte) on file descriptor 3
and writes its answers on descriptor 4. Used to check reports in a real browser (tests,
benchmarks/report_speed.py).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

BINARIES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    """Chromium failed to start, answered with an error, or did not answer in time."""


def find_chromium() -> str | None:
    """Path of a Chromium (or Chrome) binary on PATH, or ``None``."""
    env = os.environ.get("BAYES_MMM_CHROMIUM")
    if env and Path(env).is_file():
        return env
    return next((p for p in map(shutil.which, BINARIES) if p), None)


class Browser:
    """One headless Chromium with one page; use as a context manager.

    ``errors`` collects console errors, uncaught exceptions and failed loads of the page.
    """

    def __init__(self, binary: str | None = None, width: int = 1366, height: int = 900):
        self.binary = binary or find_chromium()
        if self.binary is None:
            raise BrowserError(f"no Chromium binary found (looked for {', '.join(BINARIES)})")
        self.size = (width, height)
        self.errors: list[str] = []
        self._events: list[dict] = []
        self._next_id = 0
        self._buffer = b""

    # ---- process and pipe ------------------------------------------------------------------
    def __enter__(self) -> Browser:
        self._profile = tempfile.mkdtemp(prefix="bayes_mmm_chromium_")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds():  # in the child: its descriptors 3 and 4 are the protocol pipe
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)  # b > a: the lowest free numbers
            os.dup2(a, 3)  # a no-op when a is 3 already: hence set_inheritable below
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        args = [self.binary, *FLAGS, f"--user-data-dir={self._profile}"]
        args += [f"--window-size={self.size[0]},{self.size[1]}", "about:blank"]
        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds,
            close_fds=False,  # keep 3 and 4 (inheritable); the pipes' own ends close on exec
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
                "sessionId"
            ]
            for domain in ("Page", "Runtime", "Log"):
                self.send(f"{domain}.enable")
            self.send(
                "Emulation.setDeviceMetricsOverride",
                width=self.size[0],
                height=self.size[1],
                deviceScaleFactor=1,
                mobile=False,
            )
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self._profile, ignore_errors=True)

    def _read_message(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium closed the pipe (exit code {self._proc.poll()})")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def _write(self, msg: dict) -> None:
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._to_chrome, data) :]

    def _record(self, event: dict) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(f"uncaught exception: {text}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
        self._events.append(event)

    def call(self, method: str, timeout: float = 30.0, _session: bool = False, **params) -> dict:
        """Send a protocol command and return its result (browser-level unless ``_session``)."""
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params}
        if _session:
            msg["sessionId"] = self._session
        self._write(msg)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._record(reply)

    def send(self, method: str, timeout: float = 30.0, **params) -> dict:
        """A command to the page (the attached session)."""
        return self.call(method, timeout, _session=True, **params)

    # ---- page ------------------------------------------------------------------------------
    def open(self, url: str | Path, timeout: float = 60.0) -> None:
        """Navigate to ``url`` (a path is turned into a file URL) and wait for its load event."""
        url = str(url)
        if "://" not in url:
            url = Path(url).resolve().as_uri()
        self._events.clear()
        result = self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            self._record(self._read_message(deadline))

    def evaluate(self, expression: str, timeout: float = 30.0):
        """The value of a JavaScript expression on the page (promises awaited)."""
        result = self.send(
            "Runtime.evaluate",
            timeout,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluating {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: str | Path, selector: str | None = None) -> Path:
        """PNG of the first screen, or of the element matching ``selector`` (whole element)."""
        params: dict = {"format": "png"}
        if selector is not None:
            rect = self.evaluate(
                f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                ".getBoundingClientRect(); return [r.left + window.scrollX, "
                "r.top + window.scrollY, r.width, r.height]; })()"
            )
            x, y, w, h = rect
            params.update(clip={"x": x, "y": y, "width": w, "height": h, "scale": 1})
            params.update(captureBeyondViewport=True)
        data = self.send("Page.captureScreenshot", **params)["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def pdf(self, path: str | Path) -> Path:
        """The page printed to PDF (A4, the page's print stylesheet, backgrounds kept)."""
        data = self.send(
            "Page.printToPDF",
            120.0,
            printBackground=True,
            preferCSSPageSize=True,
        )["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path
