"""What new users met in the panel (issue 23 items 7, 10–14), in a real JupyterLab
(Chromium + Playwright), each done as the user did it."""

from __future__ import annotations

import itertools

import pytest

from tests.wire import image_urls, last_body, turn_requests, user_content, user_text

from ._jupyter import (
    FOCUS_IN_PANEL,
    chat_notebook,
    contrast,
    open_notebook,
    placeholder_contrast,
    run_all,
    screenshot,
    set_theme,
    turns_after_a_reload_reach_the_saved_transcript,
    type_and_enter,
    wait_idle_panel,
    write_notebook,
)

pytestmark = pytest.mark.browser

# Records when the live answer's text changed, and its length then (a MutationObserver).
WATCH_LIVE = """() => {
  const live = document.querySelector('.grok-chat .grok-live-answer');
  window.__grokSeen = [];
  let last = 0;
  new MutationObserver(() => {
    const n = live.textContent.length;
    if (n > last) window.__grokSeen.push([performance.now(), n, live.textContent]);
    last = n;
  }).observe(live, { childList: true, subtree: true, characterData: true });
}"""


def test_a_long_answer_moves_on_screen_at_least_every_second(emu, lab, tab):
    page = tab
    open_notebook(page, lab, chat_notebook(lab, "lab-flow"))
    panel = run_all(page)
    page.evaluate(WATCH_LIVE)
    emu.set_speed({"ttft_s": 0.2, "tokens_per_s": 100})
    type_and_enter(page, panel, "reply with 800 words")
    wait_idle_panel(page, 1)
    seen = page.evaluate("() => window.__grokSeen.map(([t, n]) => [t, n])")
    last_text = page.evaluate("() => window.__grokSeen.at(-1)[2]")
    gaps = [(b[0] - a[0]) / 1000 for a, b in itertools.pairwise(seen)]
    assert len(seen) > 50, "the answer grew on screen in many steps"
    assert max(gaps) <= 1.0, f"the answer stood still on screen for {max(gaps):.1f} s"
    # What the page put together from the changes is the whole answer, as committed.
    answer = panel.locator(".grok-history .grok-assistant").last.inner_text()
    assert " ".join(last_text.split()[-20:]) in " ".join(answer.split())
    assert len(answer.split()) >= 800


def test_a_prompt_the_server_refuses_stays_in_the_input_with_its_image(emu, lab, tab, tmp_path):
    page = tab
    open_notebook(page, lab, chat_notebook(lab, "lab-refused"))
    panel = run_all(page)
    picture = tmp_path / "cat.png"
    from tests.panel.panel_helpers import png_bytes

    picture.write_bytes(png_bytes())
    # A text-only model; the client does not know it refuses images, the server says 400.
    panel.locator("[data-testid=grok-model]").select_option("grok-build-0.1")
    panel.locator("[data-testid=grok-file-input]").set_input_files(str(picture))
    type_and_enter(page, panel, "What is in this picture?")
    error = panel.locator("[data-testid=grok-error]")
    page.wait_for_function("(n) => n.textContent.includes('400')", arg=error.element_handle())
    box = panel.locator("[data-testid=grok-input]")
    assert box.input_value() == "What is in this picture?"
    assert panel.locator("[data-testid=grok-chip]").inner_text().strip().startswith("cat.png")
    assert panel.locator("[data-testid=grok-history] .grok-user").count() == 0
    edit = panel.locator("[data-testid=grok-edit-draft]")
    retry = panel.locator("[data-testid=grok-retry]")
    assert edit.is_visible() and retry.is_visible()

    edit.click()  # Edit: the cursor is in the prompt, at its end
    assert page.evaluate("() => document.activeElement.dataset.testid") == "grok-input"
    panel.locator("[data-testid=grok-model]").select_option("grok-4.3")
    retry.click()  # sends the prompt and its picture again, to the model picked now
    wait_idle_panel(page, 1)
    body = last_body(emu)
    assert body["model"] == "grok-4.3"
    assert image_urls(user_content(body))[0].startswith("data:image/png;base64,")
    assert panel.locator("[data-testid=grok-chip]").count() == 0


def test_turns_after_a_reload_reach_the_saved_transcript(emu, lab, tab):
    turns_after_a_reload_reach_the_saved_transcript(tab, lab, "lab-reload")


def test_slash_commands_braces_and_at_completion(emu, lab, tab):
    page = tab
    (lab.work / "sales.csv").write_text("region,total\nnorth,120\n")
    name = write_notebook(
        lab, "lab-habits.ipynb", "%load_ext grok_jupyter", "sales = [120, 340, 560]",
        "%grok chat lab-habits",
    )  # fmt: skip
    open_notebook(page, lab, name)
    panel = run_all(page)
    box = panel.locator("[data-testid=grok-input]")

    type_and_enter(page, panel, "/help")  # answered here, not a paid prompt
    notice = panel.locator("[data-testid=grok-notice]")
    notice.wait_for()
    assert "/clear" in notice.inner_text() and "/export" in notice.inner_text()
    type_and_enter(page, panel, "/sumarize")
    error = panel.locator("[data-testid=grok-error]")
    error.wait_for()
    assert "Unknown command /sumarize" in error.inner_text()
    assert box.input_value() == "/sumarize"  # kept, to be corrected
    assert turn_requests(emu) == []

    box.fill("")
    box.click()
    page.keyboard.type("Total of @sal", delay=0)
    suggestions = panel.locator("[data-testid=grok-suggestion]")
    suggestions.first.wait_for()
    assert suggestions.all_inner_texts() == ["{sales} variable", "sales.csv file"]
    page.keyboard.press("Enter")  # picks the first: the variable, as {sales}
    assert box.input_value() == "Total of {sales}"
    page.keyboard.type(" please, and @sales.c", delay=0)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=grok-suggestion]')]"
        ".map((n) => n.textContent).join() === 'sales.csv file'"
    )
    page.keyboard.press("Tab")  # the file is attached, not typed
    panel.locator("[data-testid=grok-chip]").wait_for()
    assert box.input_value() == "Total of {sales} please, and "
    page.keyboard.press("Enter")
    wait_idle_panel(page, 1)
    assert user_text(last_body(emu)).startswith("Total of [120, 340, 560] please, and")
    (request,) = turn_requests(emu)
    parts = user_content(request.body)
    assert [p["type"] for p in parts] == ["input_text", "input_file"]  # the file went with it


def test_edit_confirmation_closes_on_esc_focus_stays_and_dark_theme_reads(emu, lab, tab):
    page = tab
    open_notebook(page, lab, chat_notebook(lab, "lab-keyboard"))
    panel = run_all(page)
    for n, text in enumerate(["First question", "Second question"], 1):
        type_and_enter(page, panel, text)
        wait_idle_panel(page, n)
    confirm = panel.locator("[data-testid=grok-confirm]")

    panel.locator("[data-testid=grok-turn-edit]").first.click()
    confirm.wait_for()
    page.keyboard.press("Escape")  # closes the confirmation; nothing is dropped
    confirm.wait_for(state="hidden")
    assert page.evaluate(FOCUS_IN_PANEL), "focus left the panel after Esc"
    assert panel.locator(".grok-history .grok-user").count() == 2

    panel.locator("[data-testid=grok-turn-edit]").first.click()
    confirm.wait_for()
    panel.locator("[data-testid=grok-confirm-no]").click()  # Cancel
    confirm.wait_for(state="hidden")
    assert page.evaluate(FOCUS_IN_PANEL), "focus left the panel after Cancel"

    panel.locator("[data-testid=grok-turn-delete]").first.focus()
    page.keyboard.press("Enter")  # Delete, from the keyboard
    page.wait_for_function(
        "() => document.querySelectorAll('.grok-chat .grok-history .grok-user').length === 1"
    )
    assert page.evaluate(FOCUS_IN_PANEL), "focus left the panel after Delete"

    set_theme(page, "JupyterLab Dark")
    panel.scroll_into_view_if_needed()
    screenshot(page, "lab-dark-send")
    send_label = panel.locator("[data-testid=grok-send] .grok-btn-text")
    box = panel.locator("[data-testid=grok-input]")
    box.fill("")
    ratios = {"Send label": contrast(send_label), "placeholder": placeholder_contrast(box)}
    set_theme(page, "JupyterLab Light")
    ratios |= {
        "Send label (light)": contrast(send_label),
        "placeholder (light)": placeholder_contrast(box),
    }
    low = {k: round(v, 2) for k, v in ratios.items() if v < 4.5}
    assert not low, f"text contrast under 4.5:1: {low}"


SEED_TABLE = """from grok_jupyter.client._types import Message
from grok_jupyter.notebook.conversation import get_conversation
get_conversation("lab-narrow").append(
    Message.user("Sales by region, and the code?"),
    Message.assistant(
        "| region | Q1 sales | Q2 sales | Q3 sales | Q4 sales | total |\\n"
        "|---|---|---|---|---|---|\\n| north-east | 12040 | 13550 | 11020 | 15990 | 52600 |\\n"
        "\\n```python\\ntotal = sales['north'] + sales['south']\\n```"
    ),
)"""

# Table cells with a word or number split across lines, and code text under the Copy button.
NARROW_PROBLEMS = """(panel) => {
  const out = [];
  const lines = (node) => { const r = document.createRange(); r.selectNodeContents(node);
    return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size; };
  for (const cell of panel.querySelectorAll('.grok-history td, .grok-history th')) {
    const words = cell.textContent.trim().split(/[\\s-]+/).length; // a line per word at most
    if (lines(cell) > words) out.push(`"${cell.textContent}" split over ${lines(cell)} lines`);
  }
  for (const block of panel.querySelectorAll('.grok-history .grok-code')) {
    const b = block.querySelector('.grok-copy').getBoundingClientRect();
    const r = document.createRange(); r.selectNodeContents(block.querySelector('code'));
    for (const t of r.getClientRects())
      if (t.left < b.right && t.right > b.left && t.top < b.bottom && t.bottom > b.top) {
        out.push('Copy covers the code'); break; }
  }
  return out;
}"""


def test_at_244_px_table_numbers_stay_whole_and_copy_leaves_the_code_readable(emu, lab, tab):
    page = tab
    name = write_notebook(
        lab, "lab-narrow.ipynb", "%load_ext grok_jupyter", SEED_TABLE, "%grok chat lab-narrow"
    )
    open_notebook(page, lab, name)
    panel = run_all(page)
    panel.locator(".grok-history td").first.wait_for()
    panel.evaluate("(n) => { n.style.width = '244px'; }")
    page.wait_for_timeout(300)  # the layout settles
    assert round(panel.evaluate("(n) => n.getBoundingClientRect().width")) == 244
    screenshot(page, "lab-244px")
    assert panel.evaluate(NARROW_PROBLEMS) == []


def test_undo_works_after_the_edited_prompt_is_sent(emu, lab, tab):
    page = tab
    open_notebook(page, lab, chat_notebook(lab, "lab-undo"))
    panel = run_all(page)
    for n, text in enumerate(["First: remember 41.", "Second: remember 42."], 1):
        type_and_enter(page, panel, text)
        wait_idle_panel(page, n)
    panel.locator("[data-testid=grok-turn-edit]").last.click()
    panel.locator("[data-testid=grok-confirm-yes]").click()
    box = panel.locator("[data-testid=grok-input]")
    page.wait_for_function("(n) => n.value === 'Second: remember 42.'", arg=box.element_handle())
    box.fill("Second, edited: remember 99.")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.grok-chat .grok-history').textContent.includes('99')"
    )
    wait_idle_panel(page, 2)
    undo = panel.locator("[data-testid=grok-undo]")
    assert undo.is_enabled(), "Undo went away once the edited prompt was sent"
    undo.click()
    page.wait_for_function(
        "() => document.querySelector('.grok-chat .grok-history').textContent.includes('42')"
    )
    history = panel.locator("[data-testid=grok-history]").inner_text()
    assert "Second: remember 42." in history and "remember 99" not in history
