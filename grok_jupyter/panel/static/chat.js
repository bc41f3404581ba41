// The ChatPanel's front end (an anywidget ES module; no build step).
//
// The kernel renders everything shown (Markdown, highlighted code, citations, tool lines)
// into HTML traits; this module places it, owns the prompt input, and talks to the kernel
// with custom messages. Send carries the text *and* the attached files in one message, so
// nothing typed is lost to a trait that has not synced yet.

const ACK_TIMEOUT_MS = 5000; // no answer from the kernel by then: say so, keep the draft
// Per panel (panel_id): the draft, picked files and focus, so a re-rendered view (a second
// display of the panel, an output re-rendered by the front end) loses nothing typed.
const MEMORY = new Map();
// Per panel: the live views shown and the style rule that hides the panel's static transcript.
const STATIC_HIDERS = new Map();
const DRAFTS = new Map(); // send id -> {text, files}: put back if the kernel refuses that send

function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) {
    if (child) node.append(child);
  }
  return node;
}

function button(name, label, text, extra = {}) {
  return h("button", {
    type: "button", class: `grok-btn grok-${name}`, "data-testid": `grok-${name}`,
    "aria-label": label, title: label, ...extra,
  }, [h("span", { class: `grok-ico grok-ico-${name}`, "aria-hidden": "true" }),
      h("span", { class: "grok-btn-text", text })]);
}

function labelled(name, label, control) {
  const id = `grok-${name}-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h("span", { class: `grok-field grok-field-${name}` },
    [h("label", { for: id, text: label }), control]);
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map(([label, v]) =>
    h("option", { value: v, text: label, selected: v === value })));
  select.value = value;
}

function kernelGone(model) {
  // JupyterLab's widget manager knows its kernel; elsewhere the ack timeout tells.
  try {
    const manager = model.widget_manager;
    if (!manager || !("kernel" in manager)) return false; // this front end does not say
    const kernel = manager.kernel;
    if (!kernel) return true; // JupyterLab's manager without a kernel: shut down
    if (kernel.isDisposed || kernel.status === "dead") return true;
    return Boolean(kernel.connectionStatus) && kernel.connectionStatus !== "connected";
  } catch (err) {
    return false;
  }
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (err) {
    const area = h("textarea", { class: "grok-offscreen", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand && document.execCommand("copy");
    area.remove();
    return Boolean(ok);
  }
}

// The kernel displays a static HTML transcript as an output of its own beside the view (a
// saved notebook reads as a chat where no live view renders: after a kernel restart and a
// reload, in nbviewer or GitHub). While a live view of this panel is on the page, that copy
// is hidden; a style rule (not a DOM change) also hides the copy each turn's update re-creates.
function hideStatic(panelId) {
  const entry = STATIC_HIDERS.get(panelId) || { views: 0, style: null };
  entry.views += 1;
  if (!entry.style) {
    const sel = `.grok-static[data-grok-panel="${panelId.replace(/[^\w-]/g, "")}"]`;
    entry.style = h("style", { "data-grok-hides": panelId });
    // Two rules: a browser without :has() drops only the second, which also hides the empty
    // output around it (JupyterLab, Notebook 7; only the output whose own content it is).
    entry.style.textContent = `${sel} { display: none !important; }\n` +
      `.jp-OutputArea-child:has(> .jp-OutputArea-output > ${sel}) { display: none !important; }`;
    document.head.append(entry.style);
  }
  STATIC_HIDERS.set(panelId, entry);
  return () => {
    entry.views -= 1;
    if (entry.views <= 0) {
      entry.style.remove();
      STATIC_HIDERS.delete(panelId);
    }
  };
}

// --- Insert below / Replace cell, through the grok-jupyter-bridge extension ------------------
// The extension answers a synchronous "grok-bridge" DOM event in the page, so these work while
// the kernel is busy. Without it (VS Code, Colab, a page without the extension) nobody
// answers, and only Copy is shown.
function bridgeCall(node, detail) {
  const d = { ...detail };
  node.dispatchEvent(new CustomEvent("grok-bridge", { bubbles: true, composed: true, detail: d }));
  return d;
}

function addCellActions(container) {
  if (!bridgeCall(document, { action: "ping" }).available) return;
  for (const block of container.querySelectorAll(".grok-code")) {
    if (block.querySelector(".grok-cell-actions")) continue;
    if (block.closest(".grok-step")) continue; // an agent's step is a cell already: Copy only
    const action = (name, text, title) => h("button", { type: "button", class: "grok-cell-action",
      "data-testid": `grok-${name}`, "data-action": name, title, "aria-label": title, text });
    block.append(h("div", { class: "grok-cell-actions" }, [
      action("insert-below", "Insert below", "Insert this code in a new cell below your cell"),
      action("replace-cell", "Replace cell", "Replace your cell's code with this (asks first; Undo puts it back)"),
      h("span", { class: "grok-cell-note", "data-testid": "grok-cell-note", "aria-live": "polite" }),
    ]));
  }
}

function onCellAction(event, askConfirm) {
  const btn = event.target.closest(".grok-cell-action");
  if (!btn) return;
  const bar = btn.closest(".grok-cell-actions");
  const say = (text) => { bar.querySelector(".grok-cell-note").textContent = text; };
  const pre = btn.closest(".grok-code").querySelector("pre");
  const source = pre ? pre.textContent.replace(/\n$/, "") : "";
  const kind = btn.dataset.action;
  if (kind === "insert-below") {
    const r = bridgeCall(btn, { action: "insert", source });
    say(r.error ? `Not inserted: ${r.error}` : `Inserted as cell ${r.result.index + 1}.`);
  } else if (kind === "replace-cell") {
    const target = bridgeCall(btn, { action: "target" });
    if (target.error) { say(`Not replaced: ${target.error}`); return; }
    const { index, id, source: old } = target.result;
    const first = old.split("\n")[0].slice(0, 60);
    askConfirm(`Replace cell ${index + 1}${first ? ` (${first})` : ""} with this code? Undo puts it back.`, () => {
      const r = bridgeCall(btn, { action: "replace", id, source });
      if (r.error) { say(`Not replaced: ${r.error}`); return; }
      say(`Cell ${index + 1} replaced.`);
      offerUndo(bar, id, r.result.previous, source);
    });
  } else if (kind === "undo-replace") {
    const { id, previous, expected } = btn.undo;
    const r = bridgeCall(btn, { action: "restore", id, previous, expected });
    btn.remove();
    say(r.error ? `Not undone: ${r.error}` : "Cell restored.");
  }
}

function offerUndo(bar, id, previous, expected) {
  bar.querySelector(".grok-cell-action[data-action=undo-replace]")?.remove();
  const undo = h("button", { type: "button", class: "grok-cell-action", "data-testid": "grok-undo-replace",
    "data-action": "undo-replace", title: "Put the cell's code back", text: "Undo" });
  undo.undo = { id, previous, expected };
  bar.insertBefore(undo, bar.querySelector(".grok-cell-note"));
}

// --- the Agent mode's questions: Run / Edit / Skip / Stop ------------------------------------
// The kernel asks ({type: "agent_ask", step, kind, code, cell, timeout}) once the step's cell is
// in the notebook, below the panel's. Run and Edit run that cell from the page through the
// extension ("grok-bridge" action "run"), with no kernel round trip first, then send its outputs
// back ({type: "agent_answer", ran: true, outputs}); the kernel runs it itself when the page
// can't. Skip and Stop take the proposal out again if it is untouched ("withdraw").
function agentApproval(model) {
  const title = h("div", { class: "grok-approval-title", "data-testid": "grok-approval-title" });
  const note = h("span", { class: "grok-approval-note", "data-testid": "grok-approval-note",
    "aria-live": "polite" });
  const editor = h("textarea", { class: "grok-approval-editor", "data-testid": "grok-approval-editor",
    rows: "5", "aria-label": "The step's code, to edit before it runs", hidden: true });
  const reason = h("input", { type: "text", class: "grok-approval-reason", hidden: true,
    "data-testid": "grok-approval-reason", "aria-label": "Why (optional; Grok is told)",
    placeholder: "why (optional; Grok is told)" });
  const runBtn = button("agent-run", "Run this step in a new cell below the panel's", "Run");
  const editBtn = button("agent-edit", "Change the code, then run it", "Edit");
  const runEditedBtn = button("agent-run-edited", "Run the edited code", "Run edited", { hidden: true });
  const skipBtn = button("agent-skip", "Skip this step (Grok is told, with your reason)", "Skip");
  const stopBtn = button("agent-stop", "Stop the agent; the steps done are kept", "Stop");
  const buttons = h("div", { class: "grok-row grok-approval-buttons" },
    [runBtn, editBtn, runEditedBtn, skipBtn, stopBtn, note]);
  const box = h("div", { class: "grok-approval", "data-testid": "grok-approval", role: "group",
    "aria-label": "The agent's step", hidden: true }, [title, editor, reason, buttons]);
  let asked = null;
  let answering = false;

  const answer = (body) => {
    model.send({ type: "agent_answer", step: asked.step, ...body });
    note.textContent = "Sent; Grok goes on.";
  };
  const lock = (text) => {
    answering = true;
    for (const b of [runBtn, editBtn, runEditedBtn, skipBtn, stopBtn]) b.disabled = true;
    note.textContent = text;
  };

  async function runInPage(btn, action, source) {
    lock(asked.kind === "insert" ? "Adding the cell…" : "Running in the notebook…");
    const started = performance.now();
    const d = bridgeCall(btn, { action: "run", id: asked.cell, timeout: asked.timeout,
      source: action === "edit" ? source : undefined, norun: asked.kind === "insert" });
    if (!d.available || d.error || !d.result) {
      answer({ action, code: source, ran: false });
      return;
    }
    try {
      const r = await d.result;
      answer({ action, code: source, ran: asked.kind !== "insert", status: r.status,
        outputs: r.outputs, timed_out: r.timed_out, seconds: (performance.now() - started) / 1000 });
    } catch (err) {
      answer({ action, code: source, ran: false });
    }
  }

  function refuse(btn, action) {
    lock(action === "stop" ? "Stopping…" : "Skipped.");
    const w = bridgeCall(btn, { action: "withdraw", id: asked.cell, expected: asked.code });
    answer({ action, reason: reason.value.trim(), withdrawn: Boolean(w.result && w.result.removed) });
  }

  function show(msg) {
    asked = msg;
    answering = false;
    const verb = msg.kind === "insert" ? "add this cell" : "run this code";
    title.textContent = `Step ${msg.step}: ${verb}? It is the new cell below the panel's cell.`;
    runBtn.querySelector(".grok-btn-text").textContent = msg.kind === "insert" ? "Insert" : "Run";
    editor.value = msg.code || "";
    editor.hidden = true;
    reason.value = "";
    reason.hidden = true;
    runEditedBtn.hidden = true;
    for (const b of [runBtn, editBtn, runEditedBtn, skipBtn, stopBtn]) b.disabled = false;
    note.textContent = "";
    box.hidden = false;
  }

  runBtn.addEventListener("click", () => { if (!answering) runInPage(runBtn, "run", asked.code); });
  editBtn.addEventListener("click", () => {
    editor.hidden = false;
    runEditedBtn.hidden = false;
    editor.focus();
  });
  runEditedBtn.addEventListener("click", () => {
    if (!answering) runInPage(runEditedBtn, "edit", editor.value);
  });
  skipBtn.addEventListener("click", () => {
    if (answering) return;
    if (reason.hidden) { // first click: ask why (optional); the second skips
      reason.hidden = false;
      skipBtn.querySelector(".grok-btn-text").textContent = "Skip step";
      reason.focus();
      return;
    }
    skipBtn.querySelector(".grok-btn-text").textContent = "Skip";
    refuse(skipBtn, "skip");
  });
  reason.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); e.stopPropagation(); skipBtn.click(); }
  });
  stopBtn.addEventListener("click", () => { if (!answering) refuse(stopBtn, "stop"); });
  return {
    box,
    fields: [editor, reason],
    ask: show,
    done: (msg) => { if (asked && asked.step === msg.step) { box.hidden = true; asked = null; } },
  };
}

// The answer in flight arrives as changes ({type: "live"}, panel/live.py): finished blocks are
// appended once, and the block being written is kept up to `keep` units and extended, so a
// long answer costs bytes in proportion to its length and moves on screen at every update.
function liveAnswerView(answer, reasoning, reasoningText) {
  const head = h("div", { class: "grok-live-head" });
  const body = h("div", { class: "grok-live-body" });
  const tail = h("div", { class: "grok-live-tail" });
  const turn = h("div", { class: "grok-turn grok-assistant" },
    [h("div", { class: "grok-role", text: "Grok" }), head, body, tail]);
  let tailHtml = "";
  let reasoningHtml = "";
  answer.replaceChildren();
  return (msg) => {
    if (msg.reset) {
      head.replaceChildren();
      body.replaceChildren();
      tailHtml = "";
      tail.replaceChildren();
      reasoningHtml = "";
    }
    if (msg.head !== undefined) head.innerHTML = msg.head;
    if (msg.append) body.insertAdjacentHTML("beforeend", msg.append);
    if (msg.tail !== undefined) {
      tailHtml = tailHtml.slice(0, msg.keep || 0) + msg.tail;
      tail.innerHTML = tailHtml;
    }
    if (msg.reasoning !== undefined) {
      reasoningHtml = reasoningHtml.slice(0, msg.reasoning_keep || 0) + msg.reasoning;
      reasoningText.innerHTML = reasoningHtml; // escaped by the kernel
    }
    reasoning.hidden = !reasoningHtml;
    const empty = !head.hasChildNodes() && !body.hasChildNodes() && !tailHtml;
    if (empty) answer.replaceChildren();
    else if (turn.parentNode !== answer) answer.replaceChildren(turn);
  };
}

// The static transcript beside the view is what GitHub, nbviewer and a restarted kernel show.
// The kernel updates it by display id, but JupyterLab and Notebook 7 route such an update only
// through the request that displayed it, which a page loaded later (a reload) does not know.
// So the view writes the kernel's transcript ({type: "static"}) into the notebook's model
// itself, in the output that carries this panel's id; a save keeps it.
function writeStatic(model, panelId, html) {
  let cells;
  try {
    const context = model.widget_manager && model.widget_manager.context;
    cells = context && context.model && context.model.cells;
  } catch (err) {
    return false; // a front end without a notebook model (VS Code, Colab): its own updates
  }
  if (!cells) return false;
  const mark = `data-grok-panel="${panelId}"`;
  for (let i = 0; i < cells.length; i++) {
    const outputs = cells.get(i).outputs;
    for (let j = 0; outputs && j < outputs.length; j++) {
      const data = outputs.get(j).data || {};
      const old = [].concat(data["text/html"] || []).join("");
      if (!old.includes(mark)) continue;
      if (old !== html) {
        outputs.set(j, { output_type: "display_data", data: { "text/html": html }, metadata: {} });
      }
      return true;
    }
  }
  return false;
}

// "@na" in the prompt offers the kernel's variables and files that start so (the kernel
// answers {type: "completions"}): a variable goes in as {name}, filled when sent as the
// magic fills it; a file is attached. Arrow keys move, Enter or Tab picks, Esc closes.
function atCompletion(model, input, list) {
  let items = [];
  let active = 0;
  let at = -1; // where the "@word" being completed starts
  const close = () => { items = []; at = -1; list.hidden = true; list.replaceChildren(); };
  const word = () => {
    const before = input.value.slice(0, input.selectionStart);
    const m = before.match(/(^|\s)@([\w.-]*)$/);
    return m ? { start: before.length - m[2].length - 1, prefix: m[2] } : null;
  };
  const pick = (item) => {
    const end = input.selectionStart;
    const insert = item.kind === "variable" ? item.value : "";
    input.setRangeText(insert, at, end, "end");
    if (item.kind === "file") model.send({ type: "attach_path", path: item.value });
    input.dispatchEvent(new Event("input", { bubbles: true }));
    close();
    input.focus();
  };
  const show = () => {
    list.replaceChildren(...items.map((item, i) => h("div", {
      role: "option", class: `grok-suggestion grok-suggestion-${item.kind}`,
      "data-testid": "grok-suggestion", "aria-selected": i === active ? "true" : "false",
      text: item.kind === "variable" ? `{${item.label}} variable` : `${item.label} file`,
      onmousedown: (e) => { e.preventDefault(); pick(item); },
    })));
    list.hidden = items.length === 0;
  };
  input.addEventListener("input", () => {
    const w = word();
    if (!w) { close(); return; }
    at = w.start;
    model.send({ type: "complete", prefix: w.prefix });
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("keydown", (event) => {
    if (list.hidden || items.length === 0) return;
    const keys = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in keys) {
      active = (active + keys[event.key] + items.length) % items.length;
      show();
    } else if (event.key === "Enter" || event.key === "Tab") {
      pick(items[active]);
    } else if (event.key === "Escape") {
      close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation(); // not Send, not the notebook, not Stop
  });
  return (msg) => {
    const w = word();
    if (!w || w.prefix !== msg.prefix) return; // typed on since: a newer answer comes
    items = msg.items || [];
    active = 0;
    show();
  };
}

function render({ model, el }) {
  let sendCounter = 0;
  let inFlight = null; // {id, text, files, timer}: a send the kernel has not acknowledged
  let localFiles = []; // File objects picked here; they travel with the next Send
  let confirmAction = null;
  let draftBack = false; // a refused prompt was put back in the input: Retry sends it from there

  // --- controls -------------------------------------------------------------------
  const modelSelect = h("select", { class: "grok-model", "data-testid": "grok-model",
    "aria-label": "Model" });
  const effortSelect = h("select", { class: "grok-effort", "data-testid": "grok-effort",
    "aria-label": "Reasoning effort" });
  const temperature = h("input", { type: "number", min: "0", max: "2", step: "0.1",
    class: "grok-temperature", "data-testid": "grok-temperature", "aria-label": "Temperature" });
  const chatSelect = h("select", { class: "grok-chats", "data-testid": "grok-chats",
    "aria-label": "Chat" });
  const newChatName = h("input", { type: "text", class: "grok-new-chat-name",
    "data-testid": "grok-new-chat-name", "aria-label": "New chat name",
    placeholder: "new chat name" });
  const newChat = button("new-chat", "Open a chat with this name", "Open");
  const exportBtn = button("export", "Export this chat to Markdown", "Export");
  const compactBtn = button("compact",
    "Compact this chat now: later turns send a short summary of it, not the whole history",
    "Compact");
  const effortField = labelled("effort", "Reasoning", effortSelect);

  const toggle = (name, label, text) => {
    const box = h("input", { type: "checkbox", class: `grok-toggle grok-${name}`,
      "data-testid": `grok-${name}`, "aria-label": label });
    return [box, h("label", { class: "grok-toggle-label", title: label }, [box, text])];
  };
  const [webBox, webLabel] = toggle("web", "Search the web", "Web");
  const [xBox, xLabel] = toggle("x", "Search X", "X");
  const [codeBox, codeLabel] = toggle("code", "Run code on xAI's side", "Code");
  const [agentBox, agentLabel] = toggle("agent",
    "Agent mode: Grok works in the notebook, asking before each step it runs", "Agent");
  const approval = agentApproval(model);
  const mcpField = h("input", { type: "url", class: "grok-mcp", "data-testid": "grok-mcp",
    "aria-label": "MCP server URL", placeholder: "MCP server URL (https://…)" });
  const system = h("textarea", { class: "grok-system", "data-testid": "grok-system",
    rows: "1", "aria-label": "System prompt", placeholder: "System prompt (optional)" });

  // --- transcript --------------------------------------------------------------------
  const history = h("div", { class: "grok-history", "data-testid": "grok-history" });
  const liveUser = h("div", { class: "grok-live-user", "data-testid": "grok-live-user" });
  const liveReasoningText = h("pre");
  const liveReasoning = h("details", { class: "grok-reasoning grok-live-reasoning",
    "data-testid": "grok-live-reasoning", hidden: true },
    [h("summary", { text: "Reasoning" }), liveReasoningText]);
  const liveAnswer = h("div", { class: "grok-live-answer", "data-testid": "grok-live-answer" });
  const transcript = h("div", { class: "grok-transcript", "data-testid": "grok-transcript",
    role: "log", "aria-label": "Conversation", tabindex: "0" },
    [history, liveUser, liveReasoning, liveAnswer, approval.box]);

  // --- errors, confirmations, attachments -------------------------------------------------
  const errorText = h("span", { class: "grok-error", "data-testid": "grok-error" });
  const editDraftBtn = button("edit-draft", "Edit the prompt that was put back in the input",
    "Edit", { hidden: true });
  const retryBtn = button("retry", "Retry the failed turn", "Retry");
  const dismissBtn = button("dismiss", "Dismiss the error", "Dismiss");
  const errorBox = h("div", { class: "grok-error-box", "data-testid": "grok-error-box",
    role: "alert", hidden: true }, [errorText, editDraftBtn, retryBtn, dismissBtn]);
  const confirmText = h("span", { class: "grok-confirm-text" });
  const confirmYes = button("confirm-yes", "Confirm", "Confirm");
  const confirmNo = button("confirm-no", "Cancel", "Cancel");
  const confirmBox = h("div", { class: "grok-confirm", "data-testid": "grok-confirm",
    role: "alertdialog", "aria-label": "Confirm", hidden: true },
    [confirmText, confirmYes, confirmNo]);
  const chips = h("div", { class: "grok-attachments", "data-testid": "grok-attachments",
    "aria-label": "Attachments" });

  // --- input row -----------------------------------------------------------------------------
  const input = h("textarea", { rows: "3", "aria-label": "Message to Grok",
    "data-testid": "grok-input", placeholder: "Ask Grok… (Enter sends, Shift+Enter: new line, Esc stops)" });
  const suggestions = h("div", { class: "grok-suggestions", "data-testid": "grok-suggestions",
    role: "listbox", "aria-label": "Variables and files", hidden: true });
  const inputWrap = h("div", { class: "grok-input" }, [input, suggestions]);
  const noticeText = h("span", { class: "grok-notice-text", "data-testid": "grok-notice" });
  const noticeBox = h("div", { class: "grok-notice", role: "status", hidden: true }, [noticeText,
    button("dismiss-notice", "Dismiss the note", "Dismiss",
      { onclick: () => { noticeBox.hidden = true; input.focus(); } })]);
  const sendBtn = button("send", "Send (Enter)", "Send");
  const stopBtn = button("stop", "Stop the answer (Esc)", "Stop", { disabled: true });
  const fileInput = h("input", { type: "file", multiple: true, class: "grok-file-input",
    "data-testid": "grok-file-input", "aria-label": "Attach files", tabindex: "-1",
    accept: "image/png,image/jpeg,.png,.jpg,.jpeg,.pdf,.txt,.md,.csv,.tsv,.json,.py,.html,.xml" });
  const attachBtn = button("attach", "Attach images (PNG, JPEG) or documents (PDF, text, CSV)",
    "Attach");
  const clearBtn = button("clear", "Clear the conversation (Undo brings it back)", "Clear");
  const undoBtn = button("undo", "Undo the last Clear, Delete or Edit", "Undo", { disabled: true });
  const fixBtn = button("fix", "Fix last error: send the last traceback and its cell", "Fix last error");
  const variableList = h("datalist", { id: `grok-vars-${Math.random().toString(36).slice(2, 9)}` });
  const variableInput = h("input", { type: "text", class: "grok-variable",
    "data-testid": "grok-variable", "aria-label": "Variable to add", placeholder: "variable",
    list: variableList.id });
  const addVarBtn = button("add-variable", "Add a kernel variable's description to the prompt",
    "Add variable");
  const status = h("div", { class: "grok-status", "data-testid": "grok-status",
    role: "status", "aria-live": "polite" });

  const root = h("div", { class: "grok-chat", "data-testid": "grok-panel" }, [
    h("div", { class: "grok-row grok-controls" }, [
      labelled("model", "Model", modelSelect), effortField,
      labelled("temperature", "Temperature", temperature),
      labelled("chats", "Chat", chatSelect), newChatName, newChat, exportBtn, compactBtn,
    ]),
    h("div", { class: "grok-row grok-tools", role: "group", "aria-label": "Server-side tools" },
      [webLabel, xLabel, codeLabel, agentLabel, mcpField]),
    system,
    transcript,
    errorBox,
    noticeBox,
    confirmBox,
    chips,
    h("div", { class: "grok-row grok-compose" }, [
      inputWrap,
      h("div", { class: "grok-buttons" }, [sendBtn, stopBtn, attachBtn, fileInput]),
    ]),
    h("div", { class: "grok-row grok-extras" },
      [clearBtn, undoBtn, fixBtn, variableInput, variableList, addVarBtn]),
    status,
  ]);
  el.append(root);
  const memoryKey = model.get("panel_id");
  const showStatic = hideStatic(memoryKey);
  const remembered = MEMORY.get(memoryKey);
  if (remembered) {
    input.value = remembered.draft;
    localFiles = remembered.files.slice();
  }
  const remember = () => MEMORY.set(memoryKey, { draft: input.value, files: localFiles.slice(),
    focused: document.activeElement === input });
  input.addEventListener("input", remember);

  // --- kernel -> view ----------------------------------------------------------------------
  const nearBottom = () =>
    transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
  const keepScrolled = (fn) => {
    const pinned = nearBottom();
    fn();
    if (pinned) transcript.scrollTop = transcript.scrollHeight;
  };

  const sync = {
    model_options: () => fillSelect(modelSelect, model.get("model_options"), model.get("model")),
    model: () => { modelSelect.value = model.get("model"); },
    effort_options: () => {
      const options = model.get("effort_options");
      effortField.hidden = options.length === 0;
      fillSelect(effortSelect, options, model.get("effort"));
    },
    effort: () => { effortSelect.value = model.get("effort"); },
    temperature: () => { temperature.value = String(model.get("temperature")); },
    system: () => { if (document.activeElement !== system) system.value = model.get("system"); },
    web_search: () => { webBox.checked = model.get("web_search"); },
    x_search: () => { xBox.checked = model.get("x_search"); },
    code_execution: () => { codeBox.checked = model.get("code_execution"); },
    agent: () => { agentBox.checked = model.get("agent"); },
    mcp_url: () => { if (document.activeElement !== mcpField) mcpField.value = model.get("mcp_url"); },
    history_html: () => keepScrolled(() => redrawHistory()),
    live_user_html: () => keepScrolled(() => { liveUser.innerHTML = model.get("live_user_html"); }),
    busy: () => {
      const busy = model.get("busy");
      sendBtn.disabled = busy;
      stopBtn.disabled = !busy;
      root.classList.toggle("grok-busy", busy);
      transcript.setAttribute("aria-busy", busy ? "true" : "false");
    },
    status: () => { status.textContent = model.get("status"); },
    error: () => {
      const text = model.get("error");
      errorText.textContent = text;
      errorBox.hidden = !text;
      if (!text) showDraftBack(false);
    },
    can_retry: () => { retryBtn.hidden = !model.get("can_retry"); },
    can_undo: () => { undoBtn.disabled = !model.get("can_undo"); },
    pending: renderChips,
    chats: () => {
      const current = model.get("conversation_name");
      fillSelect(chatSelect, model.get("chats").map((n) => [n, n]), current);
    },
    conversation_name: () => { chatSelect.value = model.get("conversation_name"); },
  };
  for (const [name, fn] of Object.entries(sync)) {
    model.on(`change:${name}`, fn);
    fn();
  }
  // After the sync above has drawn the history: Insert below / Replace cell on code blocks.
  model.on("change:history_html", () => addCellActions(history));
  addCellActions(history);
  const applyLive = liveAnswerView(liveAnswer, liveReasoning, liveReasoningText);
  model.send({ type: "live_sync" }); // an answer already streaming shows in this view too

  function showDraftBack(back) {
    draftBack = back;
    editDraftBtn.hidden = !back;
  }

  function editDraft() {
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  function retry() {
    if (draftBack && (input.value.trim() || localFiles.length)) send(); // as edited, if at all
    else model.send({ type: "retry" });
  }

  function showLocalError(text) {
    errorText.textContent = text;
    errorBox.hidden = false;
    retryBtn.hidden = true;
  }

  function renderChips() {
    const items = [];
    for (const chip of model.get("pending")) {
      const remove = button("remove", `Remove ${chip.name}`, "Remove", {
        onclick: () => model.send({ type: "unpend", id: chip.id }) });
      items.push(h("span", { class: `grok-chip grok-chip-${chip.kind}`, "data-testid": "grok-chip" }, [
        chip.thumb ? h("img", { class: "grok-thumb", src: chip.thumb, alt: chip.name }) : null,
        h("span", { class: "grok-chip-name", text: chip.kind === "variable" ? `{${chip.name}}` : chip.name }),
        remove]));
    }
    localFiles.forEach((file, index) => {
      const remove = button("remove", `Remove ${file.name}`, "Remove", {
        onclick: () => { localFiles.splice(index, 1); renderChips(); } });
      const thumb = file.type.startsWith("image/") ? h("img", { class: "grok-thumb",
        src: URL.createObjectURL(file), alt: file.name }) : null;
      items.push(h("span", { class: "grok-chip grok-chip-local", "data-testid": "grok-chip" },
        [thumb, h("span", { class: "grok-chip-name", text: file.name }), remove]));
    });
    chips.replaceChildren(...items);
    remember();
    const count = localFiles.length + model.get("pending").length;
    attachBtn.querySelector(".grok-btn-text").textContent = count ? `Attach (${count})` : "Attach";
  }

  let confirmOpener = null; // what had focus when the confirmation opened: it gets it back

  function askConfirm(text, action) {
    confirmText.textContent = text;
    confirmAction = action;
    confirmOpener = document.activeElement;
    confirmBox.hidden = false;
    confirmYes.focus();
  }

  function cancelConfirm() {
    confirmBox.hidden = true;
    confirmAction = null;
    const back = confirmOpener && root.contains(confirmOpener) ? confirmOpener : input;
    confirmOpener = null;
    back.focus();
  }
  confirmYes.addEventListener("click", () => {
    confirmBox.hidden = true;
    const action = confirmAction;
    confirmAction = null;
    if (action) action();
    input.focus();
  });
  confirmNo.addEventListener("click", cancelConfirm);

  // The transcript is drawn anew when a turn is deleted or added: a button that had focus is
  // gone, and focus would fall out of the panel (to the page). It goes to the transcript.
  function redrawHistory() {
    const focused = history.contains(document.activeElement);
    history.innerHTML = model.get("history_html");
    if (focused && !history.contains(document.activeElement)) transcript.focus({ preventScroll: true });
  }

  // --- view -> kernel ------------------------------------------------------------------------
  function pushControls() {
    // Fields that sync on "change" are pushed now, so the kernel reads them before the send.
    const temp = Math.min(2, Math.max(0, parseFloat(temperature.value)));
    if (!Number.isNaN(temp)) model.set("temperature", temp);
    model.set("system", system.value);
    model.set("mcp_url", mcpField.value.trim());
    model.save_changes();
  }

  async function send() {
    const text = input.value;
    if (!text.trim() && localFiles.length === 0 && model.get("pending").length === 0) return;
    if (model.get("busy") || inFlight) return;
    if (kernelGone(model)) {
      showLocalError("The kernel is not running: start it (Kernel ▸ Restart Kernel), run the " +
        "panel's cell again, then send. Your message is kept.");
      return;
    }
    const files = localFiles.slice();
    let buffers;
    try {
      buffers = await Promise.all(files.map((f) => f.arrayBuffer()));
    } catch (err) {
      showLocalError(`Could not read an attached file: ${err}`);
      return;
    }
    sendCounter += 1;
    const id = `${Date.now()}-${sendCounter}`;
    pushControls();
    DRAFTS.set(id, { text, files });
    while (DRAFTS.size > 20) DRAFTS.delete(DRAFTS.keys().next().value);
    inFlight = { id, text, files, timer: setTimeout(() => {
      if (inFlight && inFlight.id === id) {
        showLocalError("No answer from the kernel: it is not running, or it is busy with a " +
          "cell. Your message is kept; it is sent when the kernel answers.");
      }
    }, ACK_TIMEOUT_MS) };
    model.send({ type: "send", id, text,
      files: files.map((f) => ({ name: f.name, type: f.type, size: f.size })) }, {}, buffers);
  }

  function onAck(msg) {
    if (!inFlight || inFlight.id !== msg.id) return;
    clearTimeout(inFlight.timer);
    if (!errorBox.hidden && !model.get("error")) errorBox.hidden = true; // the "no answer" note
    // Keep anything typed after Send: only the sent text leaves the input.
    if (input.value === inFlight.text) input.value = "";
    else if (input.value.startsWith(inFlight.text)) input.value = input.value.slice(inFlight.text.length);
    const sentFiles = inFlight.files;
    localFiles = localFiles.filter((f) => !sentFiles.includes(f));
    inFlight = null;
    renderChips();
  }

  function onRefused(msg) {
    if (inFlight && inFlight.id === msg.id) {
      clearTimeout(inFlight.timer);
      inFlight = null;
    }
    const sent = DRAFTS.get(msg.id);
    DRAFTS.delete(msg.id);
    const text = msg.text ?? (sent ? sent.text : "");
    if (!input.value.includes(text)) input.value = input.value ? `${text}\n${input.value}` : text;
    if (sent) {
      for (const f of sent.files) if (!localFiles.includes(f)) localFiles.push(f);
    }
    renderChips();
    showDraftBack(true);
    input.focus();
  }

  function download(name, text) {
    const url = URL.createObjectURL(new Blob([text], { type: "text/markdown" }));
    const a = h("a", { href: url, download: name, class: "grok-offscreen" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  model.on("msg:custom", (msg) => {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "live") keepScrolled(() => applyLive(msg));
    else if (msg.type === "static") writeStatic(model, memoryKey, msg.html || "");
    else if (msg.type === "completions") complete(msg);
    else if (msg.type === "notice") {
      noticeText.textContent = msg.text || "";
      noticeBox.hidden = !msg.text;
    }
    else if (msg.type === "ack") onAck(msg);
    else if (msg.type === "agent_ask") keepScrolled(() => approval.ask(msg));
    else if (msg.type === "agent_done") approval.done(msg);
    else if (msg.type === "refused") onRefused(msg);
    else if (msg.type === "draft") { input.value = msg.text || ""; input.focus(); }
    else if (msg.type === "export") download(msg.filename || "chat.md", msg.markdown || "");
    else if (msg.type === "variables") {
      variableList.replaceChildren(...(msg.names || []).map((n) => h("option", { value: n })));
    }
  });

  // --- events ----------------------------------------------------------------------------------
  const complete = atCompletion(model, input, suggestions); // before Enter-sends: it may pick
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.stopPropagation(); // not the notebook's "run cell"
      send();
    }
  });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !confirmBox.hidden) {
      event.preventDefault();
      event.stopPropagation(); // closes the confirmation, not the cell's edit mode
      cancelConfirm();
    } else if (event.key === "Escape" && model.get("busy")) {
      event.preventDefault();
      event.stopPropagation(); // Esc stops the answer, it does not leave the cell
      model.send({ type: "stop" });
    }
  });

  // Typing and Enter (with any modifier: Shift+Enter would run the cell) belong to the panel;
  // Ctrl/Cmd shortcuts (save, undo...) and Esc still reach the notebook.
  for (const field of [input, system, mcpField, variableInput, newChatName, ...approval.fields]) {
    field.addEventListener("keydown", (event) => {
      if (event.key === "Escape") return;
      if (event.key === "Enter" || !(event.ctrlKey || event.metaKey)) event.stopPropagation();
    });
  }
  // Notebook 7's shortcuts listen on document in the capture phase (JupyterLab's bubble), so
  // the stop above comes too late there and Shift+Enter would run the cell. Lumino skips an
  // event whose default is prevented: prevent it at window capture and add the newline here.
  const shortcutFields = [input, system, mcpField, variableInput, newChatName, ...approval.fields];
  const guardEnter = (event) => {
    if (event.key !== "Enter" || event.isComposing || !shortcutFields.includes(event.target)) return;
    if (!(event.shiftKey || event.ctrlKey || event.metaKey || event.altKey)) return; // field's own
    event.preventDefault();
    const field = event.target;
    if (event.shiftKey && field.tagName === "TEXTAREA") {
      field.setRangeText("\n", field.selectionStart, field.selectionEnd, "end");
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
  };
  window.addEventListener("keydown", guardEnter, true);
  sendBtn.addEventListener("click", send);
  stopBtn.addEventListener("click", () => model.send({ type: "stop" }));
  retryBtn.addEventListener("click", retry);
  editDraftBtn.addEventListener("click", editDraft);
  dismissBtn.addEventListener("click", () => { errorBox.hidden = true; model.send({ type: "dismiss" }); });
  clearBtn.addEventListener("click", () => model.send({ type: "clear" }));
  undoBtn.addEventListener("click", () => model.send({ type: "undo" }));
  fixBtn.addEventListener("click", () => model.send({ type: "fix" }));
  exportBtn.addEventListener("click", () => model.send({ type: "export" }));
  compactBtn.addEventListener("click", () => model.send({ type: "compact" }));
  attachBtn.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    for (const f of fileInput.files) localFiles.push(f);
    fileInput.value = "";
    renderChips();
  });
  // Files pasted into the input or dropped on the panel are attached like picked ones.
  input.addEventListener("paste", (event) => {
    const files = Array.from((event.clipboardData && event.clipboardData.files) || []);
    if (files.length === 0) return;
    event.preventDefault();
    localFiles.push(...files);
    renderChips();
  });
  root.addEventListener("dragover", (event) => { event.preventDefault(); });
  root.addEventListener("drop", (event) => {
    const files = Array.from((event.dataTransfer && event.dataTransfer.files) || []);
    if (files.length === 0) return;
    event.preventDefault();
    event.stopPropagation(); // not JupyterLab's "open this file"
    localFiles.push(...files);
    renderChips();
  });
  variableInput.addEventListener("focus", () => model.send({ type: "variables" }));
  const addVariable = () => {
    const name = variableInput.value.trim();
    if (!name) return;
    model.send({ type: "add_variable", name });
    variableInput.value = "";
  };
  addVarBtn.addEventListener("click", addVariable);
  variableInput.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addVariable(); } });
  const openChat = (name) => { if (name) model.send({ type: "switch", name }); };
  chatSelect.addEventListener("change", () => openChat(chatSelect.value));
  newChat.addEventListener("click", () => { openChat(newChatName.value.trim()); newChatName.value = ""; });
  newChatName.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); openChat(newChatName.value.trim()); newChatName.value = ""; }
  });
  modelSelect.addEventListener("change", () => { model.set("model", modelSelect.value); model.save_changes(); });
  effortSelect.addEventListener("change", () => { model.set("effort", effortSelect.value); model.save_changes(); });
  temperature.addEventListener("change", pushControls);
  system.addEventListener("change", pushControls);
  mcpField.addEventListener("change", pushControls);
  for (const [box, trait] of [[webBox, "web_search"], [xBox, "x_search"], [codeBox, "code_execution"],
    [agentBox, "agent"]]) {
    box.addEventListener("change", () => { model.set(trait, box.checked); model.save_changes(); });
  }
  transcript.addEventListener("click", (event) => onCellAction(event, askConfirm));
  transcript.addEventListener("click", async (event) => {
    const copy = event.target.closest(".grok-copy");
    if (copy) {
      const pre = copy.parentElement.querySelector("pre");
      const ok = await copyText(pre ? pre.textContent : "");
      const label = copy.textContent;
      copy.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(() => { copy.textContent = label; }, 1500);
      return;
    }
    const action = event.target.closest(".grok-turn-action");
    if (!action) return;
    const turn = Number(action.dataset.turn);
    const kind = action.dataset.action;
    if (kind === "edit") {
      const later = history.querySelectorAll(".grok-user").length - turn - 1;
      const note = later > 0 ? ` The ${later} later turn${later > 1 ? "s" : ""} will be dropped (Undo brings them back).` : "";
      askConfirm(`Edit this prompt and send it again?${note}`, () => model.send({ type: "edit", turn }));
    } else if (kind === "delete") {
      model.send({ type: "delete", turn });
    } else if (kind === "regenerate") {
      model.send({ type: "regenerate" });
    }
  });

  if (remembered && remembered.focused) setTimeout(() => input.focus(), 0);
  // A new view (first display, a second display, a re-rendered output) shows the latest turn.
  requestAnimationFrame(() => { transcript.scrollTop = transcript.scrollHeight; });

  return () => {
    if (inFlight) clearTimeout(inFlight.timer);
    window.removeEventListener("keydown", guardEnter, true);
    showStatic();
    remember();
    root.remove();
  };
}

export default { render };
