#!/usr/bin/env python3
"""The bridge notebook (exercises/00-from-python.ipynb), run headless as Jupyter runs it: every
cell in order, in a Python kernel, in the notebook's folder, at the quick sizes
(PARLAB_NOTEBOOK_QUICK=1), against the programs of PARLAB_BUILD.  It must run without an error,
and show what it promises: the seed's three experiments, parlab's programs, the table with every
row and the plot.  Control: a cell that raises, in the same kernel, must be reported as failed.

Why nbclient and not `jupyter nbconvert --execute`: the same engine (nbconvert runs nbclient), one
Python process less, and the outputs can be read here without a file in between.
Exit status 0 pass, 1 fail, 77 skipped (no nbclient or ipykernel: Debian python3-nbclient,
python3-ipykernel).
"""
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOK = os.path.join(os.path.dirname(HERE), "exercises", "00-from-python.ipynb")


def main():
    try:
        import nbclient
        import nbformat
        from nbclient.exceptions import CellExecutionError
        import ipykernel  # noqa: F401
    except ImportError as exc:
        print("skipped: %s (Debian: apt-get install python3-nbclient python3-ipykernel)" % exc)
        return 77
    if not os.environ.get("PARLAB_BUILD"):
        print("usage: PARLAB_BUILD=BUILD_DIR notebook.py")
        return 2
    os.environ["PARLAB_NOTEBOOK_QUICK"] = "1"
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"   # the kernel's debugger's start-up note
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    left = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("outputs")]
    problems = ["cell %d is stored with its outputs: commit the notebook clean" % i
                for i in left]
    # The kernel talks over Unix sockets, not TCP ports: the client picks free ports and the
    # kernel binds them later, and on a machine running other tests another process can take
    # one in between (ipykernel's heartbeat: "Address already in use").
    from jupyter_client.manager import KernelManager
    ipc = tempfile.mkdtemp(prefix="parlab-kernel-")
    manager = KernelManager(kernel_name="python3", transport="ipc",
                            ip=os.path.join(ipc, "kernel"))
    client = nbclient.NotebookClient(nb, km=manager, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": os.path.dirname(NOTEBOOK)}})
    t0 = time.monotonic()
    with client.setup_kernel():
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        except CellExecutionError as exc:
            problems.append("the notebook failed at cell %d: %s" % (index, str(exc)[-1500:]))
        took = time.monotonic() - t0
        control = nbformat.v4.new_code_cell("raise ValueError('a broken cell')")
        try:
            client.execute_cell(control, len(nb.cells))
            problems.append("control: a cell that raises was not reported")
        except CellExecutionError:
            print("ok    control: a cell that raises is reported as failed")
    text, data = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text.append(out["text"])
            data.append(out.get("data", {}))
    text = "".join(text)
    table = "".join(d.get("text/markdown", "") for d in data)
    svg = "".join(d.get("image/svg+xml", "") for d in data)
    for what, ok in [
            ("the seed's cells ran: Sequential Time and Multiprocessing Time printed",
             "Sequential Time:" in text and "Multiprocessing Time:" in text),
            ("parlab's programs ran, their answers verified",
             text.count("verified;") >= 2 and "heavy_serial" in text),
            ("the table has the Python and the C rows",
             all(r in table for r in ("Python: a Process per number", "Python: sequential",
                                      "Python: Pool.map", "C: heavy_serial", "C: heavy_openmp"))),
            ("the plot is drawn, one bar per row",
             svg.count("<rect") == table.count("\n| ") and svg.count("<rect") >= 5)]:
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            problems.append(what)
    shutil.rmtree(ipc, ignore_errors=True)
    print("the notebook ran in %.1f s (kernel start included)" % took)
    for p in problems:
        print("FAIL  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
