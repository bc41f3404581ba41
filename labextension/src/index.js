/*
 * grok-jupyter's notebook bridge (JupyterLab 4 and Notebook 7).
 *
 * The kernel opens a comm on the target "grok-jupyter-bridge" when grok_jupyter loads; this
 * extension answers "hello" so the kernel knows a bridge is there, then serves requests:
 *   insert  a code cell (source, outputs, execution count, an id the kernel chose) below a
 *           given cell id, by editing the notebook *model*: no command, no focus, no mode;
 *   run     a cell by id with the notebook's session (CodeCell.execute), answering its outputs;
 *   side    show a widget (the chat panel) in the right-hand area, rendered with the
 *           notebook's own rendermime so the widget is live.
 *   interrupt  the kernel, as the toolbar's stop button does.
 * The chat panel's Insert below / Replace cell buttons, and its agent's Run / Edit / Skip
 * buttons, reach it as a DOM event in the page ("grok-bridge"), not through the kernel: see
 * onPageRequest.
 * Every request gets one reply: {type: "reply", request, ok, ...} or {ok: false, error}.
 * Why not ipylab's commands: they act on the focused cell and the UI, which damaged a typing
 * user's work (docs/architecture.md).
 */
import { CodeCell } from '@jupyterlab/cells';
import { INotebookTracker } from '@jupyterlab/notebook';
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { Panel } from '@lumino/widgets';

const TARGET = 'grok-jupyter-bridge';
const PROTOCOL = 1;
const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';

function randomId() {
  return ([1e7] + -1e3 + -4e3 + -8e3 + -1e11).replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)
  );
}

class Bridge {
  constructor(app, tracker) {
    this.app = app;
    this.tracker = tracker;
    this.kernels = new WeakMap(); // kernel connection -> this page's id for it
    this.comms = new Map(); // comm id -> frontend id (a comm is served once)
    this.sides = new Map(); // side panel id -> widget
    this.sideOwners = new Map(); // side panel widget -> its notebook panel
    this.lastCell = new WeakMap(); // notebook panel -> id of the user's last active cell
  }

  /*
   * Requests from the page itself: the chat panel's "Insert below" and "Replace cell" send a
   * "grok-bridge" DOM event (synchronous, so they work while the kernel is busy); the
   * notebook is the one the panel's view is in (a side view: the notebook it came from).
   */
  onPageRequest(event) {
    const d = event.detail;
    if (!d || typeof d !== 'object') return;
    d.available = true;
    if (d.action === 'ping') return;
    try {
      if (d.action === 'run') d.result = this.runFromPage(d);
      else if (d.action === 'withdraw') d.result = this.withdraw(d);
      else d.result = this.pageAction(this.notebookOf(event.target), d);
    } catch (err) {
      d.error = String((err && err.message) || err);
    }
  }

  notebookOf(node) {
    for (const [box, panel] of this.sideOwners) if (box.node.contains(node)) return panel;
    const panel = this.tracker.find((p) => p.node.contains(node)) || this.tracker.currentWidget;
    if (!panel) throw new Error('no notebook is open');
    return panel;
  }

  /** The user's cell: the last active one that is not a chat panel's own cell (a click in an
   * inline panel makes its cell active; the user means the cell they were working on). */
  targetIndex(panel) {
    const notebook = panel.content;
    const id = this.lastCell.get(panel);
    const index = id ? notebook.model.sharedModel.cells.findIndex((c) => c.getId() === id) : -1;
    return index >= 0 ? index : notebook.activeCellIndex;
  }

  pageAction(panel, d) {
    const notebook = panel.content;
    const model = notebook.model;
    const shared = model.sharedModel;
    if (d.action === 'target') {
      const index = this.targetIndex(panel);
      const cell = shared.cells[index];
      return { index, id: cell.getId(), type: cell.cell_type, source: cell.getSource() };
    }
    if (d.action === 'insert') {
      // Below the user's cell; the focus, the active cell and the mode stay as they are.
      const index = this.targetIndex(panel);
      const id = randomId();
      shared.insertCell(index + 1, {
        cell_type: 'code', id, source: d.source || '', metadata: {}, outputs: [],
        execution_count: null
      });
      model.dirty = true;
      return { id, index: index + 1 };
    }
    if (d.action === 'replace') {
      const index = this.targetIndex(panel);
      const cell = shared.cells[index];
      if (!cell || cell.getId() !== d.id) throw new Error('the cell to replace has changed');
      const previous = cell.getSource();
      cell.setSource(d.source || '');
      model.dirty = true;
      return { id: cell.getId(), index, previous };
    }
    if (d.action === 'restore') {
      const cell = shared.cells.find((c) => c.getId() === d.id);
      if (!cell) throw new Error('that cell is no longer in the notebook');
      if (cell.getSource() !== d.expected) throw new Error('the cell was edited since; not undone');
      cell.setSource(d.previous);
      model.dirty = true;
      return { id: d.id };
    }
    throw new Error(`unknown action ${JSON.stringify(d.action)}`);
  }

  /** The notebook panel holding cell ``id`` (any open notebook), and the cell's index. */
  findCell(id) {
    for (const panel of this.tracker.filter(() => true)) {
      const model = panel.content.model;
      const index = model ? model.sharedModel.cells.findIndex((c) => c.getId() === id) : -1;
      if (index >= 0) return { panel, index };
    }
    throw new Error('that cell is no longer in the notebook');
  }

  /**
   * The panel agent's Run (and Edit): run the step's cell, already inserted below the
   * panel's cell, with the notebook's session at the click, with no kernel round trip first.
   * ``source`` (Edit) replaces the step's code before it runs; ``timeout`` seconds later the
   * kernel is interrupted, as the toolbar's stop button does. Answers a promise of
   * {status, execution_count, outputs, timed_out}.
   */
  runFromPage(d) {
    const { panel, index } = this.findCell(d.id);
    const cell = panel.content.widgets[index];
    if (!(cell instanceof CodeCell)) throw new Error('the step is not a code cell');
    if (typeof d.source === 'string' && d.source !== cell.model.sharedModel.getSource()) {
      cell.model.sharedModel.setSource(d.source);
      panel.content.model.dirty = true;
    }
    if (d.norun) return Promise.resolve({ id: d.id, status: 'kept', outputs: [] });
    let timedOut = false;
    const timer = d.timeout > 0 ? setTimeout(() => {
      timedOut = true;
      const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
      if (kernel) kernel.interrupt().catch(() => undefined);
    }, d.timeout * 1000) : null;
    return CodeCell.execute(cell, panel.sessionContext).then((msg) => {
      clearTimeout(timer);
      panel.content.model.dirty = true;
      return {
        id: d.id,
        status: (msg && msg.content && msg.content.status) || 'aborted',
        execution_count: cell.model.executionCount,
        outputs: cell.model.outputs.toJSON(),
        timed_out: timedOut
      };
    }, (err) => {
      clearTimeout(timer);
      throw err;
    });
  }

  /** A step the user skipped or stopped: its proposed cell goes, only if it is still as the
   * agent proposed it (same code, never run) and not the cell the user is in. */
  withdraw(d) {
    const { panel, index } = this.findCell(d.id);
    const cell = panel.content.model.sharedModel.cells[index];
    const untouched = cell.getSource() === d.expected && cell.execution_count === null
      && cell.getOutputs().length === 0;
    if (!untouched) return { removed: false, why: 'you changed or ran it' };
    if (panel.content.activeCell && panel.content.activeCell.model.id === d.id) {
      return { removed: false, why: 'you are in it' };
    }
    panel.content.model.sharedModel.deleteCell(index);
    panel.content.model.dirty = true;
    return { removed: true };
  }

  watch(panel) {
    const remember = (cell) => {
      if (cell && !cell.node.querySelector('.grok-chat')) this.lastCell.set(panel, cell.model.id);
    };
    panel.content.activeCellChanged.connect((_, cell) => remember(cell));
    remember(panel.content.activeCell);
    const session = panel.sessionContext;
    const attach = () => {
      const kernel = session.session && session.session.kernel;
      if (kernel) this.attach(kernel);
    };
    session.kernelChanged.connect(attach);
    session.ready.then(attach, () => undefined);
    attach();
  }

  attach(kernel) {
    if (this.kernels.has(kernel)) return;
    const frontend = randomId(); // this page, for this kernel
    this.kernels.set(kernel, frontend);
    // Every run request says a bridge is here, so the kernel knows it in the cell that
    // asks (the hello below is heard only once no cell runs: after a run-all, too late).
    const execute = kernel.requestExecute.bind(kernel);
    kernel.requestExecute = (content, disposeOnDone, metadata) =>
      execute(content, disposeOnDone, { ...(metadata || {}), grokBridge: frontend });
    kernel.registerCommTarget(TARGET, (comm) => this.adopt(kernel, comm));
    // A page (re)loaded after grok_jupyter opened its comm: take the open comm over.
    kernel
      .requestCommInfo({ target_name: TARGET })
      .then((reply) => {
        const comms = (reply.content && reply.content.comms) || {};
        for (const id of Object.keys(comms)) {
          if (!this.comms.has(id)) this.adopt(kernel, kernel.createComm(TARGET, id));
        }
      })
      .catch(() => undefined);
  }

  adopt(kernel, comm) {
    if (this.comms.has(comm.commId)) return;
    const frontend = this.kernels.get(kernel);
    this.comms.set(comm.commId, frontend);
    comm.onMsg = (msg) => {
      const data = (msg.content && msg.content.data) || {};
      if (data.to && data.to !== frontend) return; // meant for another page
      this.handle(kernel, comm, data);
    };
    comm.onClose = () => this.comms.delete(comm.commId);
    comm.send({
      type: 'hello',
      protocol: PROTOCOL,
      frontend,
      app: this.app.name,
      version: this.app.version
    });
    for (const panel of this.panels(kernel)) panel.node.dataset.grokBridge = frontend;
  }

  async handle(kernel, comm, data) {
    performance.mark(`grok-bridge:${data.type}:start`); // for the browser suite's timing
    const reply = (body) => {
      performance.mark(`grok-bridge:${data.type}:end`);
      comm.send({ type: 'reply', request: data.request, ...body });
    };
    try {
      if (data.type === 'insert') reply({ ok: true, ...this.insert(kernel, data) });
      else if (data.type === 'run') reply({ ok: true, ...(await this.run(kernel, data)) });
      else if (data.type === 'side') reply({ ok: true, ...this.side(kernel, data) });
      else if (data.type === 'interrupt') reply({ ok: true, ...(await kernel.interrupt()) });
      else throw new Error(`unknown request ${JSON.stringify(data.type)}`);
    } catch (err) {
      reply({ ok: false, error: String((err && err.message) || err) });
    }
  }

  /** The notebook panels on this kernel (one, unless two notebooks share a kernel). */
  panels(kernel) {
    return this.tracker.filter(
      (p) => p.sessionContext.session && p.sessionContext.session.kernel === kernel
    );
  }

  /** The panel and index of cell ``id`` among this kernel's notebooks. */
  locate(kernel, id) {
    for (const panel of this.panels(kernel)) {
      const model = panel.content.model;
      if (!model) continue;
      const cells = model.sharedModel.cells;
      const index = cells.findIndex((c) => c.getId() === id);
      if (index >= 0) return { panel, index };
    }
    throw new Error(`no cell with id ${id} in this kernel's notebook`);
  }

  insert(kernel, data) {
    const { panel, index } = this.locate(kernel, data.below);
    const model = panel.content.model;
    if (model.sharedModel.cells.some((c) => c.getId() === data.id)) {
      throw new Error(`a cell with id ${data.id} is already in the notebook`);
    }
    // The model, not the UI: the active cell, the focus and the mode stay as they are.
    model.sharedModel.insertCell(index + 1, {
      cell_type: 'code',
      id: data.id,
      source: data.source || '',
      metadata: {},
      outputs: data.outputs || [],
      execution_count: data.execution_count === undefined ? null : data.execution_count
    });
    model.dirty = true; // saved with the notebook
    return { id: data.id, index: index + 1 };
  }

  async run(kernel, data) {
    const { panel, index } = this.locate(kernel, data.id);
    const cell = panel.content.widgets[index];
    if (!(cell instanceof CodeCell)) throw new Error(`cell ${data.id} is not a code cell`);
    const msg = await CodeCell.execute(cell, panel.sessionContext);
    panel.content.model.dirty = true;
    return {
      id: data.id,
      status: (msg && msg.content && msg.content.status) || 'ok',
      execution_count: cell.model.executionCount,
      outputs: cell.model.outputs.toJSON()
    };
  }

  side(kernel, data) {
    const panel = this.panels(kernel)[0];
    if (!panel) throw new Error("this kernel's notebook is not open");
    const id = `grok-side-${data.key}`;
    const old = this.sides.get(id);
    if (old && !old.isDisposed) old.dispose();
    const model = new OutputAreaModel({ trusted: true });
    const area = new OutputArea({ model, rendermime: panel.content.rendermime });
    const box = new Panel();
    box.id = id;
    box.addClass('grok-side');
    // Scrolls on its own, on the theme's background (inline: no style loader in the build).
    Object.assign(box.node.style, {
      overflow: 'auto',
      boxSizing: 'border-box',
      padding: '4px',
      background: 'var(--jp-layout-color1)'
    });
    // JupyterLab sizes its sidebar to this (Notebook 7's side panel has a fixed width).
    if (this.app.name === 'JupyterLab') box.node.style.minWidth = '340px';
    box.title.label = data.title || 'Grok';
    box.title.caption = data.title || 'Grok';
    box.title.closable = true;
    box.addWidget(area);
    model.add({
      output_type: 'display_data',
      data: {
        [WIDGET_MIME]: { model_id: data.model_id, version_major: 2, version_minor: 1 },
        'text/plain': data.title || 'Grok'
      },
      metadata: {}
    });
    this.sides.set(id, box);
    this.sideOwners.set(box, panel);
    box.disposed.connect(() => {
      if (this.sides.get(id) === box) this.sides.delete(id);
      this.sideOwners.delete(box);
      model.dispose();
    });
    panel.disposed.connect(() => box.dispose()); // the widgets die with the notebook
    this.app.shell.add(box, 'right', { rank: 900 });
    this.app.shell.activateById(id); // Lab: the tab; Notebook 7: expands its side panel
    return { id };
  }
}

const plugin = {
  id: 'grok-jupyter-bridge:plugin',
  description: "Lets grok_jupyter's kernel insert and run cells by id and open the side chat.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app, tracker) => {
    const bridge = new Bridge(app, tracker);
    document.addEventListener('grok-bridge', (event) => bridge.onPageRequest(event));
    tracker.widgetAdded.connect((_, panel) => bridge.watch(panel));
    tracker.forEach((panel) => bridge.watch(panel));
  }
};

export default plugin;
