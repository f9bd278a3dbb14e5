"""Screenshot a running web page with headless Chromium after a real-time wait (used for docs/app.png).

    asdf app --port 7861 --example ../shared/data/asvspoof2019-la-samples/LA_T_1272637.flac &
    python docs/screenshot.py http://127.0.0.1:7861/ docs/app.png --wait 20

`chromium --screenshot` shoots at the load event, before the demo's scoring request has answered, so
this drives Chromium over its DevTools pipe (file descriptors 3 and 4, NUL-separated JSON: no
WebSocket library needed), waits in real time, then captures the page and reduces it to a palette PNG.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import subprocess
import time

from PIL import Image


class DevToolsPipe:
    """Chromium started with --remote-debugging-pipe, and a blocking request/response over the pipe."""

    def __init__(self, width: int, height: int) -> None:
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def wire_pipes() -> None:  # in the child only: Chromium reads commands on fd 3 and answers on fd 4
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-pipe", f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire_pipes, stderr=subprocess.DEVNULL)  # kept open after wire_pipes
        self.next_id, self.pending = 0, b""

    def call(self, method: str, session: str | None = None, **params) -> dict:
        """Send one command and return its result, skipping events."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params, **({"sessionId": session} if session else {})}
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.pending:
                self.pending += os.read(self.from_browser, 1 << 20)
            raw, self.pending = self.pending.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def close(self) -> None:
        self.process.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--wait", type=float, default=20.0, help="seconds to let the page work before the shot")
    parser.add_argument("--size", default="1100x1350")
    parser.add_argument("--colours", type=int, default=96, help="palette size of the saved PNG")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    browser = DevToolsPipe(width, height)
    try:
        target = browser.call("Target.createTarget", url=args.url)["targetId"]
        session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        time.sleep(args.wait)
        shot = browser.call("Page.captureScreenshot", session, format="png")["data"]
    finally:
        browser.close()
    image = Image.open(io.BytesIO(base64.b64decode(shot))).convert("RGB")
    image.quantize(args.colours, method=Image.Quantize.MEDIANCUT).save(args.out, optimize=True)


if __name__ == "__main__":
    main()
