"""Helpers of the notebook bridge's browser tests (JupyterLab and Notebook 7).

They read the notebook *model* in the page (cell ids, types, sources, outputs), and run a
cell the way a user does (click into it, then Shift+Enter), so the tests see what a user
sees: where the inserted cells land, which cell holds the focus, and in which mode.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ._jupyter import KERNEL_IDLE, Server

# The notebook widget at ``path`` (the current one when path is empty).
WIDGET = """(path) => { const app = window.jupyterapp;
  return (path && [...app.shell.widgets('main')].find((w) => w.context && w.context.path === path))
    || app.shell.currentWidget; }"""

CELLS = f"""(path) => {{ const w = ({WIDGET})(path);
  return w.content.model.sharedModel.cells.map((c) => ({{
    id: c.getId(), type: c.cell_type, source: c.getSource(),
    outputs: c.cell_type === 'code' ? c.getOutputs() : [],
    count: c.cell_type === 'code' ? c.execution_count : null }})); }}"""

# Where the user is: the active cell, the notebook's mode, and the cell the focus is in.
WHERE = f"""(path) => {{ const w = ({WIDGET})(path); const nb = w.content;
  const focused = document.activeElement && document.activeElement.closest('.jp-Cell');
  const cell = nb.widgets.find((c) => c.node === focused);
  return {{ active: nb.activeCell.model.id, mode: nb.mode,
    focused: cell ? cell.model.id : null }}; }}"""


def cells(page, path: str = "") -> list[dict]:
    return page.evaluate(CELLS, path)


def where(page, path: str = "") -> dict:
    return page.evaluate(WHERE, path)


def cell_ids(page, path: str = "") -> list[str]:
    return [c["id"] for c in cells(page, path)]


def wait_cell_count(page, count: int, path: str = "") -> None:
    page.wait_for_function(
        f"([p, n]) => ({WIDGET})(p).content.model.sharedModel.cells.length === n",
        arg=[path, count],
    )


def wait_outputs(page, cell_id: str, text: str, path: str = "") -> None:
    """Wait until cell ``cell_id``'s outputs hold ``text``."""
    page.wait_for_function(
        f"""([p, id, t]) => {{ const c = ({WIDGET})(p).content.model.sharedModel.cells
          .find((x) => x.getId() === id);
          return Boolean(c) && JSON.stringify(c.getOutputs()).includes(t); }}""",
        arg=[path, cell_id, text],
    )


def cell_node(page, cell_id: str):
    """The locator of the cell ``cell_id`` in the current notebook, on screen."""
    index = cell_ids(page).index(cell_id)
    widget = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    return page.locator(f'[id="{widget}"] .jp-Notebook .jp-Cell').nth(index)


def activate(page, path: str) -> None:
    """Bring the notebook ``path`` to the front (JupyterLab: its tab)."""
    page.evaluate(f"(p) => window.jupyterapp.shell.activateById(({WIDGET})(p).id)", path)
    page.wait_for_function(
        "(p) => window.jupyterapp.shell.currentWidget.context.path === p", arg=path
    )


def wait_not_running(page) -> None:
    page.wait_for_function("() => !document.querySelector('.jp-Notebook .jp-mod-running')")


def click_into(page, cell_id: str) -> None:
    """Click into a cell's editor (edit mode), as a user does before typing."""
    cell_node(page, cell_id).locator(".jp-InputArea-editor").click()


def shift_enter(page, cell_id: str) -> None:
    """Click into the cell and press Shift+Enter: it runs, and the focus moves on."""
    click_into(page, cell_id)
    page.keyboard.press("Shift+Enter")


def printed_ids(page, cell_id: str) -> list[str]:
    """The cell ids a cell printed (``inserted <id> <id>``)."""
    return printed_ids_in(page, "", cell_id)


def printed_ids_in(page, path: str, cell_id: str) -> list[str]:
    outputs = next(c for c in cells(page, path) if c["id"] == cell_id)["outputs"]
    text = "".join(str(o.get("text", "")) for o in outputs)
    return re.findall(r"[0-9a-f]{32}", text)


def saved_cells(server: Server, name: str) -> list[dict]:
    return json.loads(Path(server.work / name).read_text())["cells"]


def save(page) -> None:
    """File ▸ Save, waiting until the notebook is clean again."""
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(f"() => !({WIDGET})('').context.model.dirty")


# The agent cell of the tests: inserts two cells with outputs below itself after the user's
# Shift+Enter has moved the focus on (the cell blocks meanwhile, as the magic's agent does).
AGENT_INSERTS = """import time
from grok_jupyter.bridge import current_cell_id, open_bridge
bridge, here = open_bridge(), current_cell_id()
time.sleep(1.0)  # the focus has moved on by now
first = bridge.insert_cell(
    below=here, source="total = 6 * 7\\nprint(total)", execution_count=3,
    outputs=[{"output_type": "stream", "name": "stdout", "text": "42\\n"}])
second = bridge.insert_cell(
    below=first, source="'second'", execution_count=4,
    outputs=[{"output_type": "execute_result", "execution_count": 4, "metadata": {},
              "data": {"text/plain": "'second cell'"}}])
print("inserted", first, second)"""

# Run after a reload: the kernel's bridge was opened for the page before it.
AFTER_RELOAD = """from grok_jupyter.bridge import current_cell_id, open_bridge
print("inserted", open_bridge().insert_cell(below=current_cell_id(), source="after = 3"))"""


def assert_loaded_in_declared_range(page, server: Server) -> None:
    """The installed JupyterLab / Notebook is in the range the extension declares, and the
    page activated the extension's plugin."""
    from importlib.metadata import version

    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    built = Path(__file__).parents[2] / "grok_jupyter" / "labextension" / "package.json"
    supports = json.loads(built.read_text())["grokJupyter"]["supports"]
    dist = "jupyterlab" if server.app == "lab" else "notebook"
    assert Version(version(dist)) in SpecifierSet(supports[dist]), (dist, version(dist))
    assert page.evaluate("() => window.jupyterapp.isPluginActivated('grok-jupyter-bridge:plugin')")


# A worker thread (as the panel's agent) inserts and runs five cells, one after the other,
# below this cell, while the user types elsewhere.
AGENT_RUNS = """import threading, time
from grok_jupyter.bridge import current_cell_id, open_bridge
bridge, here = open_bridge(), current_cell_id()
ran = []
def work():
    below = here
    time.sleep(0.8)  # the user's click has put their cell in edit mode (see the docstring)
    for i in range(5):
        below = bridge.insert_cell(below=below, source=f"print({i} * 111)")
        bridge.confirm(below, 20)
        ran.append(bridge.run_cell(below, 30))
        time.sleep(0.2)
threading.Thread(target=work, daemon=True).start()"""

# Keys that are command-mode shortcuts (r: raw, m: markdown, y: code, a/b: insert, d: delete,
# x: cut, z: undo): any of them leaking out of the editor would change the notebook.
TYPED = "ready = 'my raw markdown yarn; abc, xyz, dd zz mm rr yy' + 'aabb'  # typed by hand"


# --- the scenarios both front ends run ----------------------------------------------------


def insert_below_after_shift_enter(page, server: Server, name: str) -> None:
    """The agent's cell inserts two cells with their outputs while the user's Shift+Enter has
    moved on: they land right below the agent's cell, the user's place is untouched, and a
    save keeps them across a reload."""
    from ._jupyter import open_notebook, write_notebook

    write_notebook(server, name, "%load_ext grok_jupyter", AGENT_INSERTS, AFTER_RELOAD)
    open_notebook(page, server, name)
    assert_loaded_in_declared_range(page, server)
    shift_enter(page, "c0")
    wait_not_running(page)
    shift_enter(page, "c1")  # runs the agent's cell; the focus moves on to c2
    page.wait_for_timeout(300)
    before = where(page)
    assert before["active"] == "c2"
    wait_cell_count(page, 5)
    wait_outputs(page, "c1", "inserted")
    first, second = printed_ids(page, "c1")
    assert cell_ids(page) == ["c0", "c1", first, second, "c2"]
    assert where(page) == before  # active cell, mode and focus: as the user left them
    inserted = cells(page)[2:4]
    assert [c["source"] for c in inserted] == ["total = 6 * 7\nprint(total)", "'second'"]
    assert [c["count"] for c in inserted] == [3, 4]
    shown = page.locator(".jp-Notebook .jp-Cell")
    assert "42" in shown.nth(2).locator(".jp-OutputArea").inner_text()
    assert "'second cell'" in shown.nth(3).locator(".jp-OutputArea").inner_text()
    assert "[3]" in shown.nth(2).locator(".jp-InputPrompt").inner_text()

    save(page)
    on_disk = saved_cells(server, name)
    assert [c["id"] for c in on_disk] == ["c0", "c1", first, second, "c2"]
    assert on_disk[2]["outputs"][0]["text"] in ("42\n", ["42\n"])
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    wait_cell_count(page, 5)
    assert cell_ids(page) == ["c0", "c1", first, second, "c2"]
    # The reloaded page takes over the kernel's open bridge: an insert still lands.
    page.wait_for_function(KERNEL_IDLE)
    click_into(page, "c2")
    page.keyboard.press("Control+Enter")  # run in place (Shift+Enter would add a cell below)
    wait_cell_count(page, 6)
    wait_outputs(page, "c2", "inserted")
    (third,) = printed_ids(page, "c2")
    assert cell_ids(page)[4:] == ["c2", third]


def typing_while_cells_are_inserted_and_run(page, server: Server, name: str) -> None:
    """A worker thread inserts and runs five cells between the agent's cell and the cell the
    user types in: every keystroke stays in the user's cell, and no cell changes type.

    The inserts start 0.8 s after the user's click. A click that lands at the very moment
    of an insert is still a race in Notebook 7 (2 of 5 runs without the wait: the next
    keys went into the inserted cell), left open on issue 24."""
    from ._jupyter import open_notebook, write_notebook

    write_notebook(server, name, "%load_ext grok_jupyter", AGENT_RUNS, "")
    open_notebook(page, server, name)
    shift_enter(page, "c0")
    wait_not_running(page)
    shift_enter(page, "c1")
    click_into(page, "c2")
    page.keyboard.type(TYPED, delay=30)  # about 2.5 s: the inserts and runs land meanwhile
    wait_cell_count(page, 8)
    ids = cell_ids(page)
    for i, cell_id in enumerate(ids[2:7]):
        wait_outputs(page, cell_id, str(i * 111))
    page.wait_for_timeout(300)
    final = cells(page)
    assert [c["id"] for c in final][:2] == ["c0", "c1"] and final[-1]["id"] == "c2"
    assert final[-1]["source"] == TYPED  # every keystroke, in order, in the user's cell
    assert [c["type"] for c in final] == ["code"] * 8  # no cell became Raw or Markdown
    assert [c["source"] for c in final[2:7]] == [f"print({i} * 111)" for i in range(5)]
    assert where(page) == {"active": "c2", "mode": "edit", "focused": "c2"}


def side_panel_works(page, server: Server, emu, name: str, shot: str) -> None:
    """``%grok chat NAME --side`` (after a Run All, the way a notebook is usually reopened)
    shows the live chat in the side area, not in the cell, and a prompt typed there is
    answered there."""
    from ._jupyter import (
        OVERFLOW_JS,
        TEST_API_KEY,
        command,
        open_notebook,
        screenshot,
        send_fast_typed,
        write_notebook,
    )

    chat = name.rsplit(".", 1)[0]
    write_notebook(server, name, "%load_ext grok_jupyter", f"%grok chat {chat} --side")
    open_notebook(page, server, name)
    command(page, "notebook:run-all-cells")
    side = page.locator(".grok-side .grok-chat")
    side.locator("[data-testid=grok-input]").wait_for()
    assert side.is_visible()
    note = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea")
    page.wait_for_function(
        "(n) => n.textContent.includes('is open in the side panel')", arg=note.element_handle()
    )
    assert page.locator(".jp-Notebook .grok-chat").count() == 0  # not inline too
    send_fast_typed(page, side, emu, "Hello from the side panel", 1)
    side.locator(".grok-history").get_by_text("Hello from the side panel").first.wait_for()
    assert len(side.locator(".grok-history").inner_text()) > len("Hello from the side panel")
    screenshot(page, shot)
    assert side.evaluate(OVERFLOW_JS) == []  # every control fits the side area's width
    assert TEST_API_KEY not in page.content()


CODE_PROMPT = "Write a Python function that squares a number"


def code_block_actions(page, server: Server, emu, name: str, *, side: bool) -> None:
    """A code block in the chat gets Insert below and Replace cell (after a confirmation,
    with Undo): they act on the user's cell, not on the panel's own cell, and leave the
    active cell where it was."""
    from ._jupyter import (
        command,
        open_notebook,
        send_fast_typed,
        write_notebook,
    )

    chat = name.rsplit(".", 1)[0]
    opener = f"%grok chat {chat}" + (" --side" if side else "")
    write_notebook(server, name, "%load_ext grok_jupyter", "value = 1", opener)
    open_notebook(page, server, name)
    command(page, "notebook:run-all-cells")
    panel = page.locator(".grok-side .grok-chat" if side else ".jp-Notebook .grok-chat")
    panel.locator("[data-testid=grok-input]").wait_for()
    wait_not_running(page)
    click_into(page, "c1")  # the user's cell
    page.keyboard.press("Escape")
    send_fast_typed(page, panel, emu, CODE_PROMPT, 1)  # a click in the panel: its cell is active
    block = panel.locator(".grok-history .grok-code").last
    code = block.locator("pre").inner_text().rstrip("\n")
    assert code.startswith("def ")
    assert block.locator("[data-testid=grok-copy]").is_visible()
    active = where(page)["active"]

    block.locator("[data-testid=grok-insert-below]").click()
    wait_cell_count(page, 4)
    final = cells(page)
    assert [c["id"] for c in final][:2] == ["c0", "c1"] and final[3]["id"] == "c2"
    assert final[2]["source"] == code and final[2]["type"] == "code"
    assert where(page)["active"] == active  # the active cell did not move
    assert "Inserted as cell 3" in block.locator("[data-testid=grok-cell-note]").inner_text()

    block.locator("[data-testid=grok-replace-cell]").click()
    confirm = panel.locator("[data-testid=grok-confirm]")
    confirm.wait_for()
    assert "Replace cell 2 (value = 1)" in confirm.inner_text()
    assert next(c for c in cells(page) if c["id"] == "c1")["source"] == "value = 1"  # not yet
    panel.locator("[data-testid=grok-confirm-yes]").click()
    page.wait_for_function(
        f"(code) => ({WIDGET})('').content.model.sharedModel.cells[1].getSource() === code",
        arg=code,
    )
    block.locator("[data-testid=grok-undo-replace]").click()
    page.wait_for_function(
        f"() => ({WIDGET})('').content.model.sharedModel.cells[1].getSource() === 'value = 1'"
    )
    assert "Cell restored" in block.locator("[data-testid=grok-cell-note]").inner_text()
    assert [c["type"] for c in cells(page)] == ["code"] * 4


def fix_last_error_inserts_its_cell(page, server: Server, emu, name: str) -> None:
    """Fix last error answers with the corrected cell; Insert below puts it right below the
    cell that failed."""
    from ._jupyter import command, open_notebook, write_notebook

    chat = name.rsplit(".", 1)[0]
    write_notebook(
        server, name, "%load_ext grok_jupyter", f"%grok chat {chat} --side", "total = 1 / 0"
    )
    open_notebook(page, server, name)
    command(page, "notebook:run-all-cells")
    panel = page.locator(".grok-side .grok-chat")
    panel.locator("[data-testid=grok-input]").wait_for()
    wait_outputs(page, "c2", "ZeroDivisionError")
    click_into(page, "c2")  # the user looks at the failed cell
    page.keyboard.press("Escape")
    panel.locator("[data-testid=grok-fix]").click()
    block = panel.locator(".grok-history .grok-code").last
    block.locator("[data-testid=grok-insert-below]").wait_for()
    code = block.locator("pre").inner_text().rstrip("\n")
    block.locator("[data-testid=grok-insert-below]").click()
    wait_cell_count(page, 4)
    final = cells(page)
    assert [c["id"] for c in final][:3] == ["c0", "c1", "c2"]
    assert final[3]["source"] == code and code.strip()
    assert final[2]["source"] == "total = 1 / 0"  # the failed cell is left as it was
