#!/usr/bin/env python3
"""The course's website, tested as a person uses it (docs/site.md).

  site.py links OUT           build the site into OUT (no demo: the pictures under results/),
                              every link and image whole on GitHub's terms and in the built
                              site, search's index holds "false sharing"; and controls: a page
                              with a broken link, a missing image and a wrong anchor, and a
                              built page that loads a script from the network, must be caught
  site.py browser OUT SHOTS   `parlab site --serve --port 0` into OUT, as a teacher serves a
                              room, and headless Chromium (Debian's `chromium`, over its
                              DevTools pipe) reads it: the start page, an exercise
                              page and a pitfall page load with their title and their picture,
                              a screenshot of each (SHOTS/*.png) shows the picture's own colour,
                              and the search box finds "false sharing", with every request
                              off this machine sent to a dead proxy (offline) and none made;
                              controls: a picture or heading hidden, a picture broken and a
                              request off the site must fail the same checks
  site.py fresh               suite long: a fresh copy of the checkout, `./parlab site` in it
                              (build, quick demo, site) in under 2 minutes, demo pictures in it

Why Chromium over a pipe, not --screenshot and --dump-dom: those return before the search's web
worker has built its index, and cannot say whether an <img> decoded; the DevTools protocol
(JSON messages on file descriptors 3 and 4, no extra package) can ask the page itself.
Exit status 0 pass, 1 fail, 77 skipped (no mkdocs, no chromium).
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "harness"))

from pharness import site  # noqa: E402

FAILED = []


def fail(text):
    FAILED.append(text)
    print("FAIL  " + text)


def ok(text):
    print("ok    " + text)


def need(tool, package):
    if not shutil.which(tool):
        print("skipped: %s not found (Debian: apt-get install %s; ./parlab site installs it)"
              % (tool, package))
        sys.exit(77)


def build(out):
    need("mkdocs", "mkdocs mkdocs-material")
    t0 = time.monotonic()
    html_dir, problems = site.build(out=out, demo="no", check=True)
    took = time.monotonic() - t0
    for p in problems:
        fail(p)
    if not problems:
        ok("site built in %.1f s, every link and image whole: %s" % (took, html_dir))
    return html_dir


# ---- links ----

def links(out):
    html_dir = build(out)
    with open(os.path.join(html_dir, "search", "search_index.json"), encoding="utf-8") as fh:
        docs = json.load(fh)["docs"]
    hits = sorted({d["location"].split("#")[0] for d in docs
                   if "false sharing" in (d["title"] + " " + d["text"]).lower()})
    for page in ("pitfalls/false-sharing/index.html", "exercises/07-false-sharing/index.html"):
        (ok if page in hits else fail)("search index: %s holds \"false sharing\" (%d pages do)"
                                       % (page, len(hits)))
    # the pictures page lists the checkout's pictures, each loaded by an <img>
    with open(os.path.join(html_dir, "pictures.html"), encoding="utf-8") as fh:
        gallery = fh.read()
    imgs = gallery.count("<img ")
    (ok if imgs >= 1 else fail)("pictures page: %d pictures" % imgs)

    # The handout's site: built from the students' copy, so no answer in it.
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "handout")
        done = subprocess.run([sys.executable, os.path.join(REPO, "harness", "parlab_harness.py"),
                               "handout", copy, "--site"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
        built = [os.path.relpath(os.path.join(b, n), copy) for b, _, names in os.walk(
            os.path.join(copy, "build-site", "html")) for n in names]
        answers = [p for p in built if "/solution/" in p or "/wrong/" in p]
        (ok if done.returncode == 0 and built and not answers else fail)(
            "./parlab handout DIR --site: exit %d, %d files in its site, %d of them answers%s"
            % (done.returncode, len(built), len(answers),
               "" if done.returncode == 0 else ": " + done.stdout.decode(errors="replace")[-800:]))
    # the notebook students start from is a page too, with its file beside it to run
    nb_page = os.path.join(html_dir, "exercises", "00-from-python.html")
    text = open(nb_page, encoding="utf-8").read() if os.path.exists(nb_page) else ""
    (ok if "Pool.map" in text and 'href="00-from-python.ipynb"' in text and os.path.exists(
        os.path.join(html_dir, "exercises", "00-from-python.ipynb")) else fail)(
        "the notebook's page shows its cells and links its file: %s" % nb_page)
    # every exercise and pitfall folder is a page, with nothing listed by hand
    for kind in ("exercises", "pitfalls"):
        folders = sorted(d for d in os.listdir(os.path.join(REPO, kind))
                         if os.path.exists(os.path.join(REPO, kind, d, "README.md")))
        pages = sorted(d for d in folders
                       if os.path.exists(os.path.join(html_dir, kind, d, "index.html")))
        (ok if folders and pages == folders else fail)(
            "every folder of %s/ with a README is a page: %d of %d" % (kind, len(pages),
                                                                      len(folders)))

    # Controls: the checks must be able to fail.
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "docs"))
        with open(os.path.join(tmp, "README.md"), "w") as fh:
            fh.write("# Top\n\n## A part\n\n[fine](docs/a.md#the-b-part) [gone](docs/none.md) "
                     "[anchor](docs/a.md#nowhere) ![missing](results/none.png)\n"
                     "`[in code](docs/none2.md)`\n\n```\n[in a block](nowhere.md)\n```\n")
        with open(os.path.join(tmp, "docs", "a.md"), "w") as fh:
            fh.write("# A\n\n## The `b` part\n\n[back](../README.md#a-part)\n"
                     "[answer](../exercises/01-x/solution/student.c)\n")
        os.makedirs(os.path.join(tmp, "exercises", "01-x", "solution"))
        open(os.path.join(tmp, "exercises", "01-x", "solution", "student.c"), "w").close()
        found = site.check_sources(tmp, ["README.md", "docs/a.md"])
        want = ["README.md:5: docs/none.md", "README.md:5: docs/a.md#nowhere",
                "README.md:5: results/none.png", "docs/a.md:6: ../exercises/01-x/solution"]
        caught = [w for w in want if any(f.startswith(w) for f in found)]
        (ok if len(caught) == len(want) and len(found) == len(want) else fail)(
            "control: a broken link, a wrong anchor, a missing image and a link to an answer "
            "are caught, and nothing else: %s" % "; ".join(found))
        with open(os.path.join(tmp, "docs", "b.md"), "w") as fh:
            fh.write("# B\n\n- item\n  - nested by 2\n- item\n\n    ```\n    code\n    ```\n"
                     "1. item\n\n   second paragraph by 3\n\n    - nested by 4\n\n"
                     "Some text:\n- a list right after it\n\nThe count is\n2. not a list\n")
        found = site.check_lists(tmp, ["docs/b.md"])
        (ok if [f.split(":")[1] for f in found] == ["4", "12", "17"] else fail)(
            "control: a list nested by 2 spaces, a paragraph by 3, and a list right after a "
            "line of text, which the site renders otherwise than GitHub, are caught, and "
            "nothing else: %s" % "; ".join(found))
        page = os.path.join(tmp, "html", "p.html")
        os.makedirs(os.path.dirname(page))
        with open(page, "w") as fh:
            fh.write('<html><body id="x"><a href="#x">ok</a><a href="q.html">gone</a>'
                     '<img src="i.png"><script src="https://cdn.example/x.js"></script>'
                     '<a href="p.html#nope">anchor</a></body></html>')
        found, _ = site.check_site(os.path.join(tmp, "html"))
        (ok if len(found) == 4 else fail)(
            "control: a built page's missing page, missing image, wrong anchor and script from "
            "the network are caught: %s" % "; ".join(found))


# ---- the browser ----

class Browser:
    """Headless Chromium driven over --remote-debugging-pipe: requests on fd 3, answers and
    events on fd 4, one JSON message each, ended by a NUL byte."""

    def __init__(self, profile):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        to_child, self._w = os.pipe()
        self._r, from_child = os.pipe()

        def fds():
            # Copies first: either end may already be fd 3 or 4, and dup2 onto itself would
            # leave it close-on-exec (Python's pipes are), closed in Chromium.
            read_end, write_end = os.dup(to_child), os.dup(from_child)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
        # No network: every request but to this machine goes to a proxy that is not there
        # (port 9, discard), so a page that needs a CDN shows it; loopback bypasses proxies.
        args = [exe, "--headless", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
                "--no-first-run", "--remote-debugging-pipe", "--user-data-dir=" + profile,
                "--force-device-scale-factor=1", "--proxy-server=http://127.0.0.1:9",
                "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")   # Chromium refuses to run as root with its sandbox
        self.proc = subprocess.Popen(args, preexec_fn=fds, close_fds=False,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        self._buf, self._id, self.events, self.requests, self.worker_log = b"", 0, [], [], []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Network.enable", session=True)
        # a headless page has no window focus: without this a focus() fires no focus event,
        # and the search box, which starts on focus, may never start
        self.call("Emulation.setFocusEmulationEnabled", session=True, enabled=True)
        self.call("Target.setAutoAttach", session=True, autoAttach=True,
                  waitForDebuggerOnStart=False, flatten=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=1280, height=900,
                  deviceScaleFactor=1, mobile=False)

    def _read(self, deadline):
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its pipe (exit %s)" % self.proc.poll())
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        msg = json.loads(msg)
        method = msg.get("method")
        if method == "Network.requestWillBeSent":
            self.requests.append(msg["params"]["request"]["url"])
        elif method == "Target.attachedToTarget" \
                and "worker" in msg["params"]["targetInfo"]["type"]:   # the search's: its errors
            worker = msg["params"]["sessionId"]
            for n, call in enumerate(("Runtime.enable", "Runtime.runIfWaitingForDebugger")):
                os.write(self._w, json.dumps({"id": 10**6 + 2 * len(self.worker_log) + n,
                                              "method": call, "sessionId": worker}).encode()
                         + b"\0")
            self.worker_log.append("worker started")
        elif method in ("Runtime.exceptionThrown", "Runtime.consoleAPICalled") \
                and msg.get("sessionId") != getattr(self, "session", None):
            self.worker_log.append(json.dumps(msg["params"])[:300])
        return msg

    def call(self, method, session=False, timeout=30, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError("%s: %s" % (method, answer["error"]))
                return answer.get("result", {})
            self.events.append(answer)

    def open(self, url, timeout=30):
        self.events = []
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read(deadline))

    def js(self, expression, timeout=30):
        answer = self.call("Runtime.evaluate", session=True, timeout=timeout,
                           expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in answer:
            raise RuntimeError("page script failed: %s" % answer["exceptionDetails"])
        return answer["result"].get("value")

    def screenshot(self, path=None, clip=None, scale=1):
        """The viewport as PNG bytes (written to path if given), or only the box clip (x, y,
        w, h in CSS pixels, scaled): decoding a whole screenshot in Python takes seconds."""
        params = {"format": "png"}
        if clip:
            params["clip"] = {"x": clip["x"], "y": clip["y"], "width": clip["w"],
                              "height": clip["h"], "scale": scale}
        data = base64.b64decode(self.call("Page.captureScreenshot", session=True,
                                          **params)["data"])
        if path:
            with open(path, "wb") as fh:
                fh.write(data)
        return data

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def png_pixels(data):
    """(width, height, [(r, g, b)]) of an 8-bit, non-interlaced PNG (what Chromium and gnuplot
    write): enough to look at a screenshot without an imaging package."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, palette = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = [tuple(body[i:i + 3]) for i in range(0, len(body), 3)]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if depth != 8 or interlace or ctype not in (2, 3, 6):
        raise ValueError("PNG kind not read here (depth %d, colour type %d)" % (depth, ctype))
    bpp = {2: 3, 3: 1, 6: 4}[ctype]
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    pixels = []
    for line in rows:
        if ctype == 3:
            pixels += [palette[v] for v in line]
        else:
            pixels += [tuple(line[x:x + 3]) for x in range(0, stride, bpp)]
    return width, height, pixels


# What each page must show: its title (the tab's, and the page's heading drawn at the top of the
# first screenshot) and its picture, loaded, decoded and drawn (in the screenshot, the picture's
# box holds colour: the plot's lines, the diagram's counters; hidden, the same box is blank).
PAGES = [
    ("start page", "index.html", "parlab", "results/reference/plots/sum_n20000000_t8.png"),
    ("exercise page", "exercises/07-false-sharing/index.html", "07 · false sharing - parlab",
     "cache-lines.svg"),
    ("pitfall page", "pitfalls/false-sharing/index.html",
     "false-sharing: threads that share no data, and still share a cache line - parlab",
     "cache-lines.svg"),
]
MIN_COLOURED = 40    # saturated pixels in the picture's box (the sum plot, drawn 660 px wide: ~300)
MIN_INKED = 150      # drawn pixels in the heading's box ('parlab', the shortest: ~600)

# A box in the page's coordinates, as Page.captureScreenshot's clip takes it
RECT = "(r => ({x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height}))" \
    "(%s.getBoundingClientRect())"
HEADING = "(() => { window.scrollTo(0, 0); const h = document.querySelector('article h1'); " \
    "return h ? {text: h.textContent.replace('\u00b6', '').trim(), rect: " + RECT % "h" + "} " \
    ": null; })()"
IMAGE_STATE = """(() => {
  const imgs = [...document.querySelectorAll('article img')];
  const img = imgs.find(i => i.getAttribute('src').endsWith(%s));
  if (!img) return {found: false, count: imgs.length};
  img.scrollIntoView({block: 'center'});
  return {found: true, count: imgs.length, complete: img.complete, width: img.naturalWidth,
          rect: """ + RECT % "img" + """};
})()"""


def region(b, rect, path=None):
    """(coloured, inked, distinct) pixels of a screenshot of the box rect: saturated ones (the
    largest and smallest channel 60 apart), drawn ones (darker than light grey), and how many
    colours."""
    _, _, box = png_pixels(b.screenshot(path, clip=rect))
    coloured = sum(1 for p in box if max(p) - min(p) > 60)
    inked = sum(1 for p in box if max(p) < 200)
    return coloured, inked, len(set(box))


def blank(b):
    """Whether the viewport is (nearly) one colour: a screenshot at a fifth of its size."""
    view = b.js("({x: scrollX, y: scrollY, w: innerWidth, h: innerHeight})")
    _, _, pixels = png_pixels(b.screenshot(clip=view, scale=0.2))
    return len(set(pixels)) < 20


SEARCH = """new Promise(done => {
  // The search's web worker builds its index from search_index.json first ("Initializing
  // search": under a second here, more on a loaded machine).  The query is typed once it is
  // ready: typed before, it left the box at "Initializing search" in 8 of 26 runs beside other
  // tests (docs/site.md); typed after, in none of 11.
  const input = document.querySelector('input[data-md-component="search-query"]');
  const meta = () => ((document.querySelector('.md-search-result__meta') || {}).textContent
                      || '').trim();
  const type = () => {
    input.focus();
    input.value = %s;
    input.dispatchEvent(new KeyboardEvent('keyup', {key: 'g'}));
  };
  input.focus();
  const t0 = Date.now();
  let ready = false;
  (function poll() {
    const hits = [...document.querySelectorAll('.md-search-result__item a')]
      .map(a => a.getAttribute('href'));
    if (!ready && meta() && !/^Initializing/.test(meta())) { ready = true; type(); }
    else if (ready && !hits.length && (Date.now() - t0) %% 5000 < 200) type();   // lost keys
    if (hits.length || Date.now() - t0 > 20000)
      done({hits: hits, meta: meta(), seconds: (Date.now() - t0) / 1000});
    else setTimeout(poll, 200);
  })();
})"""


def serve(out):
    """`parlab site --serve --port 0` (no demo) as a subprocess: (process, base URL), once the
    site is built and its server listens."""
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "harness", "parlab_harness.py"),
                             "site", "--out", out, "--no-demo", "--serve", "--port", "0",
                             "--bind", "127.0.0.1"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        print(line.rstrip())
        if "serving" in line:
            url = line.split(" at ", 1)[1].split()[0]
            threading.Thread(target=proc.stdout.read, daemon=True).start()   # keep it drained
            return proc, url
    proc.wait()
    fail("parlab site --serve ended (exit %s) before serving: %s"
         % (proc.returncode, "".join(lines)[-1500:]))
    return None, None


def browser(out, shots):
    need("chromium", "chromium")
    need("mkdocs", "mkdocs mkdocs-material")
    os.makedirs(shots, exist_ok=True)
    server, base = serve(out)
    if not server:
        return
    ok("parlab site --serve: %s" % base)
    profile = tempfile.mkdtemp(prefix="parlab-chromium-")
    b = None
    try:
        t0 = time.monotonic()
        b = Browser(profile)
        for what, page, want_title, image in PAGES:
            b.open(base + page)
            got = b.js("document.title")
            (ok if got == want_title else fail)("%s: title %r (want %r)" % (what, got, want_title))
            heading = b.js(HEADING)
            name = page.replace("/", "_").replace(".html", "")
            b.screenshot(os.path.join(shots, name + "-top.png"))
            inked = region(b, heading["rect"])[1] if heading else 0
            (ok if heading and heading["text"] in got and inked >= MIN_INKED else fail)(
                "%s: the heading %r is drawn at the top of the screenshot (%d drawn pixels)"
                % (what, heading and heading["text"], inked))
            state = b.js(IMAGE_STATE % json.dumps(image))
            good = state.get("found") and state.get("complete") and state.get("width", 0) > 0
            (ok if good else fail)("%s: picture %s loaded and decoded (%s of %s pictures, "
                                   "%s px wide)" % (what, image, "one" if state.get("found")
                                                    else "none", state.get("count"),
                                                    state.get("width")))
            time.sleep(0.3)   # the scroll's repaint
            state = b.js(IMAGE_STATE % json.dumps(image))
            shot_file = os.path.join(shots, name + ".png")
            b.screenshot(shot_file)
            coloured, _, distinct = region(b, state["rect"]) if good else (0, 0, 0)
            empty = blank(b)
            (ok if not empty and coloured >= MIN_COLOURED and distinct > 20 else fail)(
                "%s: screenshot %s (%s) shows the picture: %d coloured pixels and %d colours "
                "in its %dx%d box" % (what, shot_file, "blank" if empty else "not blank",
                                      coloured, distinct, state.get("rect", {}).get("w", 0),
                                      state.get("rect", {}).get("h", 0)))
        # Controls, on the last page: the same checks on a hidden picture and a broken one.
        b.js("document.querySelectorAll('article img').forEach(i => i.style.visibility = "
             "'hidden')")
        coloured = region(b, state["rect"], os.path.join(shots, "control-hidden.png"))[0]
        (ok if coloured < MIN_COLOURED else fail)(
            "control: with the picture hidden its box has %d coloured pixels (must be under %d)"
            % (coloured, MIN_COLOURED))
        b.js("new Promise(done => { const i = document.querySelector('article img'); "
             "i.onerror = done; i.onload = done; i.src = 'missing.png'; })")
        state = b.js(IMAGE_STATE % json.dumps("missing.png"))
        (ok if state.get("found") and not state.get("width") else fail)(
            "control: a missing picture reads as not loaded (%s px wide)" % state.get("width"))
        b.js("document.querySelector('article h1').style.visibility = 'hidden'")
        inked = region(b, b.js(HEADING)["rect"])[1]
        (ok if inked < MIN_INKED else fail)(
            "control: with the heading hidden its box has %d drawn pixels (must be under %d)"
            % (inked, MIN_INKED))
        # Search: type into the search box of the start page, as a student does.
        # Should the box still stay at "Initializing search", a student reloads the page, and so
        # does the test: up to 3 loads, and it says how many it took.
        for loads in range(1, 4):
            b.open(base + "index.html")
            mark = len(b.requests)
            found = b.js(SEARCH % json.dumps("false sharing"), timeout=60)
            hits = found.get("hits") or []
            if hits:
                break
            print("      load %d: %s after %.0f s; the page's requests: %s; the worker said: %s"
                  % (loads, found.get("meta"), found.get("seconds", 0), b.requests[mark - 4:],
                     b.worker_log[-5:]))
        want = ("pitfalls/false-sharing/index.html", "exercises/07-false-sharing/index.html")
        (ok if all(any(w in h for h in hits) for w in want) else fail)(
            "search \"false sharing\" (answered in %.1f s, page load %d): %s; first hits %s"
            % (found.get("seconds", 0), loads, found.get("meta", ""), hits[:4]))
        b.screenshot(os.path.join(shots, "search.png"))
        away = [u for u in b.requests if not u.startswith((base, "data:", "about:"))]
        (ok if b.requests and not away else fail)(
            "offline: %d requests, all to the site (none elsewhere: %s)"
            % (len(b.requests), away[:3]))
        # control: a request off the site is seen, and gets nowhere
        got = b.js("fetch('http://example.com/parlab-control.js').then(() => 'loaded', "
                   "() => 'blocked')")
        seen = any("parlab-control.js" in u for u in b.requests)
        (ok if got == "blocked" and seen else fail)(
            "control: a request off the site is seen (%s) and gets nowhere (%s)" % (seen, got))
        print("browser: %.1f s for 3 pages, 2 controls and a search; screenshots in %s"
              % (time.monotonic() - t0, shots))
    finally:
        if b:
            b.close()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)


def fresh():
    """A fresh copy of the checkout (its files as a clone holds them, without build
    directories or results), then `./parlab site` in it as a teacher runs it."""
    need("mkdocs", "mkdocs mkdocs-material")
    from pharness import handout
    with tempfile.TemporaryDirectory(prefix="parlab-fresh-") as tmp:
        copy = os.path.join(tmp, "parlab")
        for path in handout.files(REPO):
            if path.startswith("results/plots/") or path.startswith("results/runs."):
                continue   # what a clone does not hold: the last demo's output
            os.makedirs(os.path.join(copy, os.path.dirname(path)), exist_ok=True)
            shutil.copy2(os.path.join(REPO, path), os.path.join(copy, path))
        t0 = time.monotonic()
        done = subprocess.run([os.path.join(copy, "parlab"), "site"], cwd=copy,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=dict(os.environ, PARLAB_NO_INSTALL="1"), check=False)
        took = time.monotonic() - t0
        text = done.stdout.decode(errors="replace")
        print(text[-3000:])
        (ok if done.returncode == 0 else fail)("./parlab site on a fresh copy: exit %d"
                                               % done.returncode)
        (ok if took < 120 else fail)("./parlab site on a fresh copy took %.0f s (budget 120 s: "
                                     "build, quick demo, site)" % took)
        gallery = os.path.join(copy, "build-site", "html", "pictures.html")
        text = open(gallery, encoding="utf-8").read() if os.path.exists(gallery) else ""
        for kind in ("heavy_", "sum_", "_field.png"):
            (ok if "site-demo/" in text and kind in text else fail)(
                "the quick demo's pictures are on the pictures page: %s" % kind)


def main(argv):
    if len(argv) >= 2 and argv[0] == "links":
        links(argv[1])
    elif len(argv) >= 3 and argv[0] == "browser":
        browser(argv[1], argv[2])
    elif argv[:1] == ["fresh"]:
        fresh()
    else:
        sys.stderr.write("usage: site.py links OUT | browser OUT SHOTS | fresh\n")
        return 2
    if FAILED:
        print("%d check(s) failed" % len(FAILED))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
