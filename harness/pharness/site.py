"""./parlab site: the course as a static website, built from the Markdown already in the
repository, so that an instructor can put it in front of a class (docs/site.md says why MkDocs).

Why a generated layout and not a docs/ folder of its own: the pages live where they are read on
GitHub (README.md, exercises/NN-name/README.md, pitfalls/NAME/README.md, docs/*.md).  MkDocs
wants one folder of pages, so this module builds one in the build directory, of symlinks to the
repository's own files: every tracked Markdown page except an exercise's answers, the files
those pages link to, and the pictures.  Nothing is copied, so nothing can drift.  The nav is
generated from the files that exist: a new exercise folder or pitfall joins the site by being
there.  The only page written here is the gallery of pictures, which lists image files
(`./parlab demo`'s plots, the heat field, whatever else the tools wrote under results/).

After the build, two checks run, and either fails the command: every link and image of every
page resolves in the repository as GitHub reads it (relative to the page, anchors included), and
every link, image, script and stylesheet of every built HTML file resolves in the site, with
nothing loaded from the network (search and fonts work offline).
"""
import html.parser
import http.server
import os
import re
import shutil
import subprocess
import sys
import urllib.parse

from . import handout

REPO = handout.REPO
IMAGES = (".png", ".gif", ".svg", ".jpg", ".jpeg", ".webp")
GALLERY = "pictures.md"
DEMO_PLOTS = os.path.join("results", "plots")   # where ./parlab demo draws (bench's default)
SINGLE = ("The lesson", "Course plan", "Pictures")  # nav sections of one page each


class SiteError(Exception):
    pass


# ---- the pages, their titles and the nav ----

def pages(root=REPO):
    """Every Markdown page of the checkout, but no exercise's solution/ or wrong/ folder."""
    return [p for p in handout.files(root) if p.endswith(".md") and not handout.is_answer(p)]


def _strip_code(text):
    """The text with fenced code blocks and inline code spans blanked (same line count), so
    that neither a `[x](y)` in an example nor a `# comment` in a shell block counts."""
    out, fence = [], None
    for line in text.split("\n"):
        m = re.match(r"^\s*(```+|~~~+)", line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            out.append("")
            continue
        if m:
            fence = m.group(1)
            out.append("")
            continue
        out.append(re.sub(r"(`+)(.+?)\1", lambda c: "`" * len(c.group(0)), line))
    return "\n".join(out)


def headings(text):
    """[(level, text)] of the page's ATX headings, outside code blocks."""
    found = []
    fence = None
    for line in text.split("\n"):
        m = re.match(r"^\s*(```+|~~~+)", line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        h = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if h:
            found.append((len(h.group(1)), h.group(2)))
    return found


def plain(text):
    """A heading's words as a reader sees them: links reduced to their text, no code ticks or
    emphasis marks (GitHub and the site both make a heading's anchor from these)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.replace("`", "")
    text = re.sub(r"(\*\*|__|\*)(.+?)\1", r"\2", text)
    return re.sub(r"<[^>]+>", "", text).strip()


def slugs(text):
    """The anchors GitHub gives the page's headings: lower case, anything but letters, digits,
    spaces, '-' and '_' dropped, spaces made '-', repeats numbered -1, -2.  The site makes the
    same ones (mkdocs.yml: pymdownx.slugs.slugify, case lower)."""
    seen, out = {}, set()
    for _, words in headings(text):
        slug = re.sub(r"[^\w\- ]", "", plain(words).lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else "%s-%d" % (slug, n))
    return out


def title(root, page):
    with open(os.path.join(root, page), encoding="utf-8") as fh:
        found = [words for level, words in headings(fh.read()) if level == 1]
    return plain(found[0]) if found else page


def notebook_page(root, notebook):
    """A notebook as a page of the site, its cells as they are committed (no outputs: the times
    would be another machine's), with a link to the file to run.  None without nbconvert."""
    try:
        from nbconvert import MarkdownExporter
    except ImportError:
        return None
    body, _ = MarkdownExporter().from_filename(os.path.join(root, notebook))
    lines = body.lstrip().split("\n")
    head = 1 if lines and lines[0].startswith("# ") else 0
    note = ("*This page shows the cells of [`%s`](%s); open the file in Jupyter to run them "
            "(`jupyter notebook %s`).*" % (notebook, os.path.basename(notebook), notebook))
    return "\n".join(lines[:head] + ["", note, ""] + lines[head:]) + "\n"


def nav(root, all_pages):
    """[(section, [(title, page)])]: the lesson, the course plan, the exercises, the pitfalls,
    the docs, the pictures, then every other page.  Sections follow the folders, so a new
    exercise or pitfall needs no line here."""
    def pick(test):
        chosen = sorted(p for p in all_pages if test(p) and p not in taken)
        taken.update(chosen)
        return [(title(root, p), p) for p in chosen]
    taken = set()
    sections = [
        ("The lesson", pick(lambda p: p == "README.md")),
        ("Course plan", pick(lambda p: p == "exercises/README.md")),
        ("Exercises", pick(lambda p: re.match(r"^exercises/[^/]+/README\.md$", p)
                           or re.match(r"^exercises/[^/]+\.md$", p))),
        ("Pitfalls", pick(lambda p: re.match(r"^pitfalls/[^/]+/README\.md$", p))),
        ("Docs", pick(lambda p: re.match(r"^docs/[^/]+\.md$", p))),
        ("Pictures", [("Pictures", GALLERY)]),
        ("More", pick(lambda p: True)),
    ]
    return [(name, items) for name, items in sections if items]


# ---- links ----

LINK = re.compile(r"(!?)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
HTML_REF = re.compile(r"<(?:img|a|source)\b[^>]*?\b(?:src|href)\s*=\s*[\"']([^\"']+)[\"']", re.I)
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)


def is_external(url):
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url)) or url.startswith("//")


def links(text):
    """[(line number, target, is_image)] of a Markdown page: inline links and images, HTML
    img/a tags and reference definitions, outside code."""
    found = []
    for number, line in enumerate(_strip_code(text).split("\n"), 1):
        for m in LINK.finditer(line):
            found.append((number, m.group(2), m.group(1) == "!"))
        for m in HTML_REF.finditer(line):
            found.append((number, m.group(1), line[m.start():m.start() + 4].lower() == "<img"))
        for m in REF_DEF.finditer(line):
            found.append((number, m.group(1), False))
    return found


def check_sources(root, all_pages, known=None):
    """Every relative link and image of every page, read as GitHub reads it: the file exists in
    the checkout (tracked, or new and not ignored: what a clone or a handout holds), is not an
    answer the handout leaves out, and an anchor names a heading of the target page.
    Returns the problems, one line each."""
    known = set(handout.files(root)) if known is None else known
    folders = {os.path.dirname(p) for p in known}
    for f in list(folders):
        while f:
            f = os.path.dirname(f)
            folders.add(f)
    problems, anchors = [], {}

    def anchors_of(page):
        if page not in anchors:
            with open(os.path.join(root, page), encoding="utf-8") as fh:
                anchors[page] = slugs(fh.read())
        return anchors[page]

    for page in all_pages:
        with open(os.path.join(root, page), encoding="utf-8") as fh:
            text = fh.read()
        for number, target, image in links(text):
            if is_external(target):
                continue
            where = "%s:%d: %s" % (page, number, target)
            path, _, anchor = urllib.parse.unquote(target).partition("#")
            resolved = page if not path else os.path.normpath(
                os.path.join(os.path.dirname(page), path))
            if resolved.startswith("..") or os.path.isabs(path):
                problems.append("%s: leaves the repository" % where)
            elif resolved not in known and resolved.rstrip("/") not in folders:
                problems.append("%s: no such %s in the checkout" % (where, "image" if image
                                                                    else "file"))
            elif handout.is_answer(resolved):
                problems.append("%s: an exercise's answer, which the handout leaves out" % where)
            elif image and not resolved.lower().endswith(IMAGES):
                problems.append("%s: not an image" % where)
            elif anchor and resolved.endswith(".md") and anchor not in anchors_of(resolved):
                problems.append("%s: no heading #%s in %s" % (where, anchor, resolved))
    return problems


ITEM = re.compile(r"^( *)([-*+]|\d+[.)])( +)\S")


def check_lists(root, all_pages):
    """Lines that GitHub nests in a list item and the site would not: GitHub (CommonMark) nests
    a list, a fenced code block or a second paragraph under an item when it is indented to the
    item's text (2 or 3 spaces); Python-Markdown, which MkDocs uses, wants 4 more than the
    item's marker, and otherwise renders the nested list flat, the code block as text, and the
    paragraph outside the list.  Indenting by 4 reads the same on both.  And GitHub lets a list
    start on the line after a paragraph's last, where Python-Markdown wants a blank line (a
    line of text that happens to begin "1. " starts a list on GitHub).
    Returns the problems, one line each."""
    problems = []
    for page in all_pages:
        with open(os.path.join(root, page), encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        items, fence = [], None     # the indents of the list items open above this line
        for number, line in enumerate(lines, 1):
            stripped = line.lstrip(" ")
            indent = len(line) - len(stripped)
            m = re.match(r"(```+|~~~+)", stripped)
            if fence:
                if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                    fence = None
                continue
            if not stripped:
                continue
            item = ITEM.match(line)
            # an unindented line that is not a list item ends the list
            if indent == 0 and not item:
                items = []
            parents = [i for i in items if i < indent]
            after_blank = number > 1 and not lines[number - 2].strip()
            if parents and indent - parents[-1] < 4 and (item or m or after_blank):
                what, how = (("a list item", "flat") if item else ("a code block", "as text")
                             if m else ("a paragraph after a blank line", "outside the list"))
                problems.append("%s:%d: %s indented %d spaces under a list item: the site "
                                "needs 4 (renders it %s)" % (page, number, what,
                                                             indent - parents[-1], how))
            previous = lines[number - 2] if number > 1 else ""
            # (an ordered list interrupts a paragraph on GitHub only when it starts at 1)
            if item and indent == 0 and not items and previous.strip() \
                    and not previous.startswith((" ", "#", "|", "<", ">")) \
                    and item.group(2)[:-1] in ("-", "*", "+", "", "1"):
                problems.append("%s:%d: a list right after a line of text, without a blank "
                                "line: GitHub starts the list, the site does not (it joins the "
                                "paragraph)" % (page, number))
            if m:
                fence = m.group(1)
            if item:
                items = [i for i in items if i < indent] + [indent]
    return problems


class _Refs(html.parser.HTMLParser):
    """The ids of a built page, and what it refers to: (tag, url)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.refs = set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if a.get(key) and tag in ("a", "img", "script", "link", "source", "iframe"):
                self.refs.append((tag, a[key], a.get("rel", "")))


def check_site(html_dir):
    """Every built page: each relative link, image, script and stylesheet names a file of the
    site (and an anchor an id of the target page); nothing but plain links points off the site,
    so the site works without a network.  Returns (problems, pages checked)."""
    parsed, problems = {}, []

    def parse(path):
        if path not in parsed:
            p = _Refs()
            with open(path, encoding="utf-8") as fh:
                p.feed(fh.read())
            parsed[path] = p
        return parsed[path]

    built = []
    for base, _, names in os.walk(html_dir):
        built += [os.path.join(base, n) for n in names if n.endswith(".html")]
    for path in sorted(built):
        rel = os.path.relpath(path, html_dir)
        if rel == "404.html":   # refers to the site's root by absolute paths, for any URL
            continue
        for tag, url, rel_attr in parse(path).refs:
            where = "%s: <%s> %s" % (rel, tag, url)
            if is_external(url):
                if tag != "a" and not (tag == "link" and "canonical" in rel_attr):
                    problems.append("%s: loads from the network (the site must work offline)"
                                    % where)
                continue
            parts = urllib.parse.urlsplit(url)
            if not parts.path:
                target = path
            else:
                target = os.path.normpath(os.path.join(os.path.dirname(path),
                                                       urllib.parse.unquote(parts.path)))
                if os.path.isdir(target):
                    target = os.path.join(target, "index.html")
            if not os.path.realpath(target).startswith(os.path.realpath(html_dir)) \
                    and not os.path.abspath(target).startswith(os.path.abspath(html_dir)):
                problems.append("%s: outside the site" % where)
            elif not os.path.exists(target):
                problems.append("%s: missing from the site" % where)
            elif parts.fragment and target.endswith(".html") \
                    and urllib.parse.unquote(parts.fragment) not in parse(target).ids:
                problems.append("%s: no id #%s in %s" % (where, parts.fragment,
                                                        os.path.relpath(target, html_dir)))
    return problems, len(built)


# ---- pictures ----

def pictures(root, extra_dirs=()):
    """{folder: [image]} of every picture under results/ (the demo's plots, the heat field,
    perf's and pingpong's figures, the reference set's, whatever a tool writes there) and in
    extra_dirs, as paths relative to root; an SVG only where no PNG of the same name exists."""
    found = {}
    tops = [os.path.join(root, "results")] + [os.path.join(root, d) for d in extra_dirs]
    for top in tops:
        for base, dirs, names in os.walk(top):
            dirs.sort()
            stems = {os.path.splitext(n)[0] for n in names if n.lower().endswith(".png")}
            imgs = sorted(n for n in names if n.lower().endswith(IMAGES) and not (
                n.lower().endswith(".svg") and os.path.splitext(n)[0] in stems))
            if imgs:
                found[os.path.relpath(base, root)] = [
                    os.path.relpath(os.path.join(base, n), root) for n in imgs]
    return found


def gallery_text(found, demo_note):
    lines = ["# Pictures", "",
             "Every picture parlab's tools have drawn in this checkout, as files: the scaling "
             "plots of `./parlab demo` and `./parlab bench` (speedup, efficiency and time "
             "against workers), the heat field, the figures of `./parlab perf` and "
             "`./parlab pingpong`, and the reference set in `results/reference/`. `./parlab "
             "site` lists them when it builds the site; a new run adds its pictures at the "
             "next build.", "", demo_note, ""]
    if not found:
        lines.append("No pictures yet: run `./parlab demo`, then `./parlab site` again.")
    for folder in sorted(found, key=lambda f: (not f.startswith(DEMO_PLOTS)
                                               and "site-demo" not in f, f)):
        lines += ["## %s" % ("The quick demo's pictures (`./parlab site`, tiny preset)"
                             if folder == "site-demo" else "`%s/`" % folder), ""]
        for image in found[folder]:
            name = os.path.basename(image)
            lines += ["### %s" % name, "", "![%s](%s)" % (name, image), ""]
    return "\n".join(lines) + "\n"


# ---- the build ----

def _yaml(value):
    # JSON strings are YAML strings
    import json
    return json.dumps(value)


def config_text(sections):
    lines = [
        "# Generated by ./parlab site (harness/pharness/site.py): do not edit, edit that.",
        "site_name: parlab",
        "site_description: parallel programming in C, from the Python notebook to MPI",
        "docs_dir: src",
        "site_dir: html",
        # foo.html rather than foo/index.html: the site also reads from a disk without a server
        "use_directory_urls: false",
        "theme:",
        "  name: material",
        "  font: false",          # no Google Fonts: the site works offline
        "  features: [navigation.sections, navigation.top, search.highlight, search.share]",
        "plugins:",
        "  - search",
        "markdown_extensions:",
        "  - tables",
        "  - toc:",
        "      permalink: true",
        "      slugify: !!python/object/apply:pymdownx.slugs.slugify {kwds: {case: lower}}",
        "  - pymdownx.superfences",
        "nav:",
    ]
    for name, items in sections:
        if name in SINGLE:   # one page: an entry of its own, named as the section
            lines.append("  - %s: %s" % (_yaml(name), _yaml(items[0][1])))
            continue
        lines.append("  - %s:" % _yaml(name))
        for item_title, page in items:
            lines.append("    - %s: %s" % (_yaml(item_title), _yaml(page)))
    return "\n".join(lines) + "\n"


def _link(src, root, rel):
    target = os.path.join(src, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.lexists(target):
        return
    os.symlink(os.path.join(root, rel), target)


def mkdocs_command():
    exe = shutil.which("mkdocs")
    if exe:
        return [exe]
    try:
        import mkdocs  # noqa: F401
        return [sys.executable, "-m", "mkdocs"]
    except ImportError:
        raise SiteError("mkdocs not found (Debian: apt-get install mkdocs mkdocs-material; "
                        "./parlab site installs them)")


def quick_demo(root, out, build, stdout):
    """The tiny preset of the benchmark into OUT/site-demo: its scaling plots and the heat
    field, in seconds, without touching results/."""
    demo = os.path.join(out, "site-demo")
    shutil.rmtree(demo, ignore_errors=True)
    os.makedirs(demo)
    stdout.write("site: no demo pictures in %s yet: running the tiny benchmark for them "
                 "(./parlab demo draws the full ones)\n" % DEMO_PLOTS)
    stdout.flush()
    done = subprocess.run([sys.executable, os.path.join(root, "harness", "parlab_harness.py"),
                           "bench", "--preset", "tiny", "--build", build, "--quiet",
                           "--results", os.path.join(demo, "runs.jsonl"),
                           "--plots", os.path.join(demo, "plots")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise SiteError("the quick demo failed (exit %d; --no-demo builds the site without "
                        "it):\n%s" % (done.returncode,
                                      done.stdout.decode(errors="replace")[-2000:]))
    return os.path.join(demo, "plots")


def build(root=REPO, out=None, demo="auto", build=None, stdout=sys.stdout, check=True):
    """Lay out OUT/src, write OUT/mkdocs.yml, build OUT/html, check both sides' links.
    demo: "auto" runs the tiny benchmark when results/plots has no picture, "no" never.
    Returns (html dir, problems)."""
    root = os.path.abspath(root)
    out = os.path.abspath(out or os.path.join(root, "build-site"))
    if out == root or not out.startswith(root + os.sep) and os.path.commonpath([out, root]) == out:
        raise SiteError("--out: %s would hold the repository; give a build directory" % out)
    known = set(handout.files(root))
    all_pages = pages(root)
    if "README.md" not in all_pages:
        raise SiteError("%s has no README.md: not a parlab checkout" % root)
    src = os.path.join(out, "src")
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)

    has_demo = os.path.isdir(os.path.join(root, DEMO_PLOTS)) and any(
        n.endswith(".png") for n in os.listdir(os.path.join(root, DEMO_PLOTS)))
    if has_demo:
        note = "The demo's pictures are those of the last `./parlab demo` in `%s/`." % DEMO_PLOTS
    elif demo == "auto":
        plots = quick_demo(root, out, build or os.path.join(root, "build"), stdout)
        os.symlink(plots, os.path.join(src, "site-demo"))
        note = ("`results/plots/` had no pictures, so `./parlab site` ran the benchmark's tiny "
                "preset for these (in seconds: small sizes, noisy times); `./parlab demo` "
                "draws the full ones into `results/plots/`.")
    else:
        note = ("No demo pictures: `results/plots/` is empty and the site was built without "
                "running a demo. `./parlab demo` draws them.")
    found = pictures(root)
    if not has_demo and demo == "auto":
        found["site-demo"] = sorted(
            os.path.join("site-demo", n) for n in os.listdir(os.path.join(src, "site-demo"))
            if n.lower().endswith(IMAGES) and not (n.endswith(".svg") and os.path.exists(
                os.path.join(src, "site-demo", n[:-4] + ".png"))))

    # the pages, and every file they link to (a source file, a picture): symlinks
    for page in all_pages:
        _link(src, root, page)
        with open(os.path.join(root, page), encoding="utf-8") as fh:
            for _, target, _ in links(fh.read()):
                path = urllib.parse.unquote(target).partition("#")[0]
                if not path or is_external(target):
                    continue
                rel = os.path.normpath(os.path.join(os.path.dirname(page), path))
                if rel in known and not rel.endswith(".md") and not handout.is_answer(rel):
                    _link(src, root, rel)
    for folder, images in found.items():
        for image in images:
            if not image.startswith("site-demo"):
                _link(src, root, image)
    with open(os.path.join(src, GALLERY), "w", encoding="utf-8") as fh:
        fh.write(gallery_text(found, note))
    # each notebook (exercises/00-from-python.ipynb) as a page beside its file
    generated = []
    for notebook in sorted(p for p in known if p.endswith(".ipynb") and not handout.is_answer(p)):
        text = notebook_page(root, notebook)
        page = notebook[:-len(".ipynb")] + ".md"
        if text is None or page in known:
            continue
        _link(src, root, notebook)
        with open(os.path.join(src, page), "w", encoding="utf-8") as fh:
            fh.write(text)
        generated.append(page)
    with open(os.path.join(out, "mkdocs.yml"), "w", encoding="utf-8") as fh:
        fh.write(config_text(nav(src, all_pages + generated)))   # src: every page, made ones too

    html_dir = os.path.join(out, "html")
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    done = subprocess.run(mkdocs_command() + ["build", "--strict", "--clean", "-q", "-f",
                                              os.path.join(out, "mkdocs.yml")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, check=False)
    log = "\n".join(line for line in done.stdout.decode(errors="replace").splitlines()
                    if "DeprecationWarning" not in line and line.strip())
    if done.returncode != 0:
        raise SiteError("mkdocs build failed (exit %d):\n%s" % (done.returncode, log))
    problems = []
    if check:
        problems = ["page: " + p for p in check_sources(root, all_pages, known)
                    + check_lists(root, all_pages)]
        site_problems, count = check_site(html_dir)
        problems += ["site: " + p for p in site_problems]
    npics = sum(len(v) for v in found.values())
    stdout.write("site: %s (%d pages, %d pictures)%s\n"
                 % (os.path.join(html_dir, "index.html"), len(all_pages) + len(generated) + 1,
                    npics,
                    "" if problems else "; every link and image resolves, on GitHub and on "
                    "the site"))
    return html_dir, problems


def serve(html_dir, bind, port, stdout=sys.stdout):
    """The built site over HTTP (search needs it: a browser does not let a page read
    search_index.json from file://)."""
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=html_dir, **k)  # noqa: E731
    with http.server.ThreadingHTTPServer((bind, port), handler) as server:
        host, real_port = server.server_address[:2]
        stdout.write("site: serving %s at http://%s:%d/ (Ctrl-C stops)\n"
                     % (html_dir, "localhost" if host in ("127.0.0.1", "::1") else host,
                        real_port))
        stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0
