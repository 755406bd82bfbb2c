/* fcnn playground: the page. It only draws: every number comes from fcnn on the server.
 *
 * Flow: read the settings from the URL fragment, fetch the schema (registries, options,
 * limits), create a session, then listen to its event stream: a "setup" message when the
 * data or the network changes, a "frame" after each update. Each frame drawn is
 * acknowledged, which lets the server train the next update (so training never runs
 * ahead of what is shown). Controls are built from the schema's option descriptions. */
"use strict";
(function () {
  const I18N = window.FCNN_I18N || {en: {}, zh: {}};
  const query = new URLSearchParams(location.search);
  const TOKEN = query.get("token") || "";
  const SCALE = [[245, 147, 34], [232, 234, 235], [8, 119, 189]];   // -1, 0, +1 (TF's colours)
  const CLASS_COLORS = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189], [214, 39, 40]];
  const DISPLAY_KEYS = ["lang", "discretize", "show_test", "hide", "tab"];
  const TOP_KEYS = ["loss", "optimizer", "lr", "activation"];
  const SKIP_KEYS = new Set(["hidden", "features", "shape", "points", "granularity_view"]);

  const app = {
    schema: null, session: null, source: null, version: -1, given: {}, resolved: {},
    layout: null, frame: null, queue: [], drawing: false, history: [],
    points: {train: new Float32Array(0), test: new Float32Array(0)}, featureMaps: null,
    display: {lang: "en", discretize: false, show_test: false, hide: [], tab: "explain"},
    mode: "explain", drawClass: 0, selection: null, neuron: {layer: 1, neuron: 0},
    backprop: {view: "neuron", granularity: "fine", step: 0, doc: null},
    explainDoc: null, lastExplain: 0, explaining: false, savedActivations: null,
    geometry: {nodes: [], links: []}, previews: null,
  };
  const stats = {first_frame_ms: null, frames: 0, draw_ms: [], first_setup_ms: null,
                 frame_ids: [], cpu_ms: []};
  window.fcnnApp = app;
  window.fcnnStats = stats;

  // ---------------------------------------------------------------- small helpers
  const $ = (selector) => document.querySelector(selector);
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children || []) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  function t(key) {
    const table = I18N[app.display.lang] || I18N.en;
    if (table[key] !== undefined) return table[key];
    if (I18N.en[key] !== undefined) return I18N.en[key];
    return key.replace(/_/g, " ");
  }
  function fmt(value, digits) {            // fcnn.viz.graph.format_number, in JavaScript
    if (value === null || value === undefined) return "-";
    digits = digits === undefined ? 4 : digits;
    const v = Number(value);
    if (!isFinite(v)) return String(v);
    if (v === 0 || (Math.abs(v) >= Math.pow(10, -digits) && Math.abs(v) < 1e5)) return v.toFixed(digits);
    const [mantissa, exponent] = v.toExponential(digits).split("e");
    const e = Number(exponent);
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  function setText(selector, text) {       // a write that changes nothing costs a layout
    const node = $(selector);
    if (node.textContent !== text) node.textContent = text;
  }
  function b64bytes(text) {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }
  function b64floats(text) { return new Float32Array(b64bytes(text).buffer); }
  function mix(a, b, s) { return [a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s, a[2] + (b[2] - a[2]) * s]; }
  const LUT = (function () {                 // 0..255 -> TF's orange-grey-blue scale
    const lut = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i++) {
      const v = i / 127.5 - 1;
      const c = v < 0 ? mix(SCALE[1], SCALE[0], -v) : mix(SCALE[1], SCALE[2], v);
      lut.set(c, 3 * i);
    }
    return lut;
  })();
  function rgb(c, alpha) { return alpha === undefined ? `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})` : `rgba(${c[0] | 0},${c[1] | 0},${c[2] | 0},${alpha})`; }

  class ApiError extends Error { constructor(message, status) { super(message); this.status = status; } }
  async function api(path, body, method) {
    const options = {method: method || (body === undefined ? "GET" : "POST"), headers: {"X-Fcnn-Token": TOKEN}};
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    const response = await fetch("/api/" + path, options);
    let data = null;
    try { data = await response.json(); } catch (error) { data = {error: response.statusText}; }
    if (!response.ok) throw new ApiError(data.error || response.statusText, response.status);
    return data;
  }
  function banner(message, kind) {
    const node = $("#banner");
    if (!message) { node.hidden = true; return; }
    node.hidden = false;
    node.className = "banner " + (kind || "error");
    node.textContent = message;
  }
  function sessionPath(action) { return `sessions/${app.session}/${action}`; }
  function downloadUrl(name) { return `/api/sessions/${app.session}/download/${name}?token=${encodeURIComponent(TOKEN)}`; }

  // ---------------------------------------------------------------- settings and the URL
  function optionDesc(key) {
    if (!app.schema) return null;
    if (app.schema.train[key]) return app.schema.train[key];
    for (const list of [app.schema.data, app.schema.play]) {
      for (const desc of list) if (desc.name === key) return desc;
    }
    return null;
  }
  function parseScalar(desc, raw) {
    if (desc.type === "bool") return raw === "true" ? true : raw === "false" ? false : raw;
    if (desc.type === "int" || desc.type === "float") {
      const n = Number(raw);
      return raw !== "" && isFinite(n) ? n : raw;
    }
    return raw;
  }
  function parseValue(key, raw) {
    if (key === "points") {
      return raw === "" ? [] : raw.split(";").map((row) => row.split(",").map(Number));
    }
    const desc = optionDesc(key);
    if (!desc) return raw;                           // the server names an unknown key
    if (desc.nullable && (raw === "" || raw === "null")) return null;
    if (desc.is_list) return raw === "" ? [] : raw.split(",").map((x) => parseScalar(desc, x));
    if (desc.list_ok && raw.includes(",")) return raw.split(",").map((x) => parseScalar(desc, x));
    return parseScalar(desc, raw);
  }
  function readFragment() {
    const given = {}, display = {};
    for (const part of location.hash.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const at = part.indexOf("=");
      const key = decodeURIComponent(at < 0 ? part : part.slice(0, at));
      const raw = at < 0 ? "" : decodeURIComponent(part.slice(at + 1));
      if (DISPLAY_KEYS.includes(key)) display[key] = raw;
      else given[key] = raw;
    }
    return {given, display};
  }
  function valueText(value) {
    if (typeof value === "boolean") return value ? "true" : "false";
    if (Array.isArray(value)) {
      if (value.length && Array.isArray(value[0])) return value.map((row) => row.join(",")).join(";");
      return value.join(",");
    }
    return value === null ? "" : String(value);
  }
  function writeFragment() {
    const parts = [];
    for (const [key, value] of Object.entries(app.given)) {
      if (value === null || value === undefined) continue;
      parts.push(`${key}=${encodeURIComponent(valueText(value)).replace(/%2C/g, ",").replace(/%3B/g, ";")}`);
    }
    const d = app.display;
    if (d.lang !== "en") parts.push(`lang=${d.lang}`);
    if (d.discretize) parts.push("discretize=true");
    if (d.show_test) parts.push("show_test=true");
    if (d.hide.length) parts.push(`hide=${d.hide.join(",")}`);
    history.replaceState(null, "", location.pathname + location.search + "#" + parts.join("&"));
  }
  function applyDisplay(display) {
    if (display.lang === "zh" || display.lang === "en") app.display.lang = display.lang;
    else if (query.get("lang") === "zh") app.display.lang = "zh";
    app.display.discretize = display.discretize === "true";
    app.display.show_test = display.show_test === "true";
    app.display.hide = display.hide ? display.hide.split(",").filter(Boolean) : [];
    $("#discretize").checked = app.display.discretize;
    $("#show-test").checked = app.display.show_test;
    $("#lang").value = app.display.lang;
  }
  function applyHidden() {
    const hide = new Set(app.display.hide);
    for (const node of document.querySelectorAll("[data-key]")) {
      node.classList.toggle("teacher-hidden", hide.has(node.getAttribute("data-key")));
    }
  }

  // ---------------------------------------------------------------- changing settings
  function registry(kind) { return app.schema.registries[kind]; }
  function entry(kind, name) { return registry(kind).find((e) => e.name === name); }
  function chosen(kind) {
    const value = app.resolved[kind];
    return Array.isArray(value) ? [...new Set(value)] : [value];
  }
  function entryOptionNames(kind, names) {
    const found = new Set();
    for (const name of names) {
      const e = entry(kind, name);
      if (e) for (const o of e.options) found.add(o.name);
    }
    return found;
  }
  async function configure(given) {
    try {
      await api(sessionPath("configure"), {setup: given});
      banner(null);
    } catch (error) {
      banner(error.message);
      renderControls();                       // back to the values in effect
    }
  }
  function change(key, value) {
    const given = Object.assign({}, app.given);
    for (const kind of ["optimizer", "loss", "schedule", "activation"]) {
      if (key !== kind) continue;             // a new entry: the old entry's options go
      const before = entryOptionNames(kind, chosen(kind));
      const names = Array.isArray(value) ? value : [value];
      const after = entryOptionNames(kind, names);
      for (const name of before) if (!after.has(name) || kind === "optimizer") delete given[name];
    }
    if (value === null || value === undefined) delete given[key];
    else given[key] = value;
    if (key === "shape" && value !== "custom") delete given.points;
    configure(given);
  }

  // ---------------------------------------------------------------- controls from the schema
  function has(key) { return key in (I18N[app.display.lang] || {}) || key in I18N.en; }
  function label(key) { return has("key_" + key) ? t("key_" + key) : key.replace(/_/g, " "); }
  function nameOf(name) { return has("name_" + name) ? t("name_" + name) : name; }
  function helpText(desc) { return I18N[app.display.lang]["help_" + desc.name] || desc.help || ""; }
  function control(desc, key) {
    key = key || desc.name;
    const value = app.resolved[key];
    let input;
    if (desc.type === "bool") {
      input = el("input", {type: "checkbox", onchange: () => change(key, input.checked)});
      input.checked = Boolean(value);
    } else if (desc.choices) {
      input = el("select", {onchange: () => change(key, input.value)});
      for (const name of desc.choices) input.append(el("option", {value: name, text: nameOf(name)}));
      input.value = Array.isArray(value) ? value[0] : value;
    } else if (desc.is_list || desc.list_ok) {
      input = el("input", {type: "text", size: 10, value: valueText(value), onchange: () => change(key, parseValue(key, input.value.replace(/\s+/g, "")))});
    } else {
      const attrs = {type: "number", step: desc.type === "int" ? 1 : "any", value: value === null || value === undefined ? "" : value};
      if (desc.low !== null) attrs.min = desc.low;
      if (desc.high !== null) attrs.max = desc.high;
      input = el("input", attrs);
      input.addEventListener("change", () => {
        const text = input.value.trim();
        change(key, text === "" && desc.nullable ? null : parseScalar(desc, text));
      });
    }
    input.id = "opt-" + key;
    input.setAttribute("aria-label", key);
    const range = [desc.low, desc.high].some((v) => v !== null) ? ` (${desc.low !== null ? (desc.low_open ? ">" : "≥") + desc.low : ""}${desc.low !== null && desc.high !== null ? ", " : ""}${desc.high !== null ? (desc.high_open ? "<" : "≤") + desc.high : ""})` : "";
    return el("label", {class: "option", "data-key": key, title: helpText(desc) + range}, [el("span", {text: label(key)}), input]);
  }
  function slider(desc, key, step) {
    const value = app.resolved[key];
    const shown = el("b", {text: String(value)});
    const input = el("input", {type: "range", min: desc.low, max: desc.high, step: step, value: value,
                               oninput: () => { shown.textContent = input.value; },
                               onchange: () => change(key, parseScalar(desc, input.value))});
    input.id = "opt-" + key;
    return el("label", {class: "option slider", "data-key": key, title: helpText(desc)}, [el("span", {text: label(key)}), input, shown]);
  }
  function renderControls() {
    if (!app.schema || !app.layout) return;
    const top = $("#top-options"), train = $("#train-options"), data = $("#data-options");
    top.replaceChildren(); train.replaceChildren(); data.replaceChildren();
    const schema = app.schema.train;
    for (const key of TOP_KEYS) {
      if (key === "lr") { top.append(control(schema.lr)); continue; }
      if (key === "activation") {
        const desc = Object.assign({}, schema.activation, {choices: registry("activation").map((e) => e.name)});
        const node = control(desc);
        if (Array.isArray(app.resolved.activation) && new Set(app.resolved.activation).size > 1) {
          node.querySelector("select").prepend(el("option", {value: "", text: t("per_layer")}));
          node.querySelector("select").value = "";
        }
        top.append(node);
        continue;
      }
      top.append(control(schema[key]));
    }
    // the options of the chosen activation(s), loss, optimizer and schedule: from the registries
    const entryKeys = [];
    for (const kind of ["activation", "loss", "optimizer", "schedule"]) {
      for (const name of chosen(kind)) {
        const e = entry(kind, name);
        if (!e) continue;
        for (const o of e.options) if (o.name !== "lr" && !entryKeys.includes(o.name)) entryKeys.push(o.name);
      }
    }
    const groups = [
      ["group_optimizer", entryKeys.filter((k) => entryOptionNames("optimizer", chosen("optimizer")).has(k))],
      ["group_loss", entryKeys.filter((k) => entryOptionNames("loss", chosen("loss")).has(k) || entryOptionNames("activation", chosen("activation")).has(k))],
      ["group_regularisation", ["dropout", "batchnorm", "l1"]],
      ["group_run", ["batch_size", "seed", "init", "granularity", "clip_norm", "schedule", ...entryKeys.filter((k) => entryOptionNames("schedule", chosen("schedule")).has(k)), "warmup_steps"]],
      ["group_stop", ["stop_epoch", "target_loss", "epochs_per_update"]],
    ];
    for (const [title, keys] of groups) {
      if (!keys.length) continue;
      const box = el("div", {class: "group"}, [el("h4", {text: t(title)})]);
      for (const key of keys) {
        const desc = optionDesc(key);
        if (desc && !SKIP_KEYS.has(key)) box.append(control(desc));
      }
      train.append(box);
    }
    for (const desc of app.schema.data) {
      if (SKIP_KEYS.has(desc.name)) continue;
      if (app.resolved.shape === "custom" && ["n_samples", "noise"].includes(desc.name)) continue;
      if (["noise", "test_fraction"].includes(desc.name)) data.append(slider(desc, desc.name, desc.name === "noise" ? 0.05 : 0.1));
      else data.append(control(desc));
    }
    data.append(control(app.schema.play.find((d) => d.name === "data_seed")));
    renderShapes();
    renderClassPicker();
    $("#collapse").textContent = app.savedActivations ? t("restore") : t("collapse");
    applyHidden();
  }
  function renderShapes() {
    const box = $("#shapes");
    box.replaceChildren();
    for (const shape of [...app.schema.shapes, "custom"]) {
      const canvas = el("canvas", {width: 48, height: 48});
      const button = el("button", {class: "shape" + (app.resolved.shape === shape ? " active" : ""), title: t("shape_" + shape), "data-shape": shape,
                                   onclick: () => shape === "custom" ? null : change("shape", shape)}, [canvas, el("span", {text: t("shape_" + shape)})]);
      if (shape === "custom" && app.resolved.shape !== "custom") button.disabled = true;
      box.append(button);
      drawPreview(canvas, shape);
    }
  }
  function drawPreview(canvas, shape) {
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#f7f7f7";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const rows = shape === "custom" ? customPreview() : (app.previews || {})[shape] || [];
    for (const [x, y, c] of rows) {
      ctx.fillStyle = rgb(CLASS_COLORS[c % 5]);
      ctx.fillRect((x + 6) / 12 * canvas.width - 1, (6 - y) / 12 * canvas.height - 1, 2.5, 2.5);
    }
  }
  function customPreview() {
    const rows = [];
    for (const part of [app.points.train, app.points.test]) for (let i = 0; i + 2 < part.length; i += 3) rows.push([part[i], part[i + 1], part[i + 2]]);
    return rows.slice(0, 300);
  }
  async function loadPreviews() {
    try {
      app.previews = await api(`previews?classes=${app.resolved.classes || 2}&noise=${app.resolved.noise || 0}`);
      renderShapes();
    } catch (error) { /* the buttons work without pictures */ }
  }
  function renderClassPicker() {
    const box = $("#class-picker");
    box.replaceChildren();
    const classes = app.layout.classes;
    if (app.drawClass >= classes) app.drawClass = 0;
    for (let c = 0; c < classes; c++) {
      const button = el("button", {class: "swatch" + (c === app.drawClass ? " active" : ""), title: `${t("class")} ${c}`, onclick: () => { app.drawClass = c; renderClassPicker(); }}, [String(c)]);
      button.style.background = rgb(CLASS_COLORS[c]);
      box.append(button);
    }
  }

  // ---------------------------------------------------------------- the network drawing
  function buildNetwork() {
    const layout = app.layout;
    const box = $("#network"), nodesBox = $("#nodes"), canvas = $("#links");
    const width = box.clientWidth, height = box.clientHeight;
    canvas.width = width; canvas.height = height;
    nodesBox.replaceChildren();
    const selected = layout.features.map((f) => f.name);
    const allFeatures = app.schema.features;
    const columns = [allFeatures.length, ...layout.drawn, layout.classes];
    const n = columns.length;
    const headTop = 56, bottom = 18;
    const usable = height - headTop - bottom;
    const colX = (i) => 46 + i * (width - 60 - 44) / (n - 1);
    const nodes = [];
    columns.forEach((count, column) => {
      const size = Math.max(8, Math.min(42, Math.floor(usable / count) - 4));
      const gap = Math.min(12, Math.max(2, (usable - count * size) / Math.max(count, 1)));
      const total = count * size + (count - 1) * gap;
      const top = headTop + Math.max(0, (usable - total) / 2);
      const list = [];
      for (let i = 0; i < count; i++) {
        const node = {column, index: i, x: colX(column), y: top + i * (size + gap), size};
        if (column === 0) {
          node.feature = allFeatures[i].name;
          node.input = selected.indexOf(node.feature);
        }
        list.push(node);
      }
      nodes.push(list);
    });
    app.geometry.nodes = nodes;
    // each node: a box on the page for the mouse; its heat map is drawn on the network canvas
    nodes.forEach((list, column) => {
      for (const node of list) {
        const div = el("div", {class: "node" + (column === 0 && node.input < 0 ? " off" : ""), "data-column": column, "data-index": node.index});
        div.style.left = node.x + "px"; div.style.top = node.y + "px";
        div.style.width = div.style.height = node.size + "px";
        node.div = div;
        if (column === 0) {
          div.append(el("span", {class: "feature-label", text: allFeatures[node.index].title}));
          div.title = t("toggle_feature");
          div.addEventListener("click", () => toggleFeature(node.feature));
        } else {
          const bias = el("div", {class: "bias", title: t("bias")});
          bias.addEventListener("click", (event) => { event.stopPropagation(); openEditor(event, column, node.index, null); });
          div.append(bias);
          node.bias = bias;
          div.addEventListener("click", () => selectNeuron(column, node.index));
        }
        div.addEventListener("mouseenter", () => showHover(node));
        div.addEventListener("mouseleave", () => { $("#hover-map").hidden = true; });
        nodesBox.append(div);
      }
    });
    // a head over each hidden layer: + / - neurons, the count, the layer's activation
    layout.hidden.forEach((width, i) => {
      const x = colX(i + 1);
      const select = el("select", {class: "layer-activation", "data-key": "activation", title: t("layer_activation"),
                                   onchange: () => setLayerActivation(i, select.value)});
      for (const e of registry("activation")) select.append(el("option", {value: e.name, text: e.name}));
      select.value = layout.activations[i];
      const head = el("div", {class: "layer-head", "data-key": "hidden"}, [
        el("button", {class: "small", text: "+", title: t("add_neuron"), onclick: () => setWidth(i, width + 1)}),
        el("button", {class: "small", text: "−", title: t("remove_neuron"), onclick: () => setWidth(i, width - 1)}),
        el("div", {class: "count", text: `${width} ${t(width === 1 ? "neuron_one" : "neurons")}`}),
        select,
      ]);
      head.style.left = (x - 14) + "px";
      nodesBox.append(head);
      if (width > layout.drawn[i]) {
        const more = el("div", {class: "more", text: `+${width - layout.drawn[i]} ${t("collapsed")}`});
        const last = nodes[i + 1][nodes[i + 1].length - 1];
        more.style.left = (x - 6) + "px"; more.style.top = (last.y + last.size + 2) + "px";
        nodesBox.append(more);
      }
    });
    const out = el("div", {class: "layer-head output-head", text: t("output_layer")});
    out.style.left = (colX(n - 1) - 14) + "px";
    nodesBox.append(out);
    const feat = el("div", {class: "layer-head", text: t("features")});
    feat.style.left = "6px";
    nodesBox.append(feat);
    $("#layer-count").textContent = `${layout.hidden.length} ${t(layout.hidden.length === 1 ? "hidden_layer" : "hidden_layers")}`;
    $("#parameter-count").textContent = `${layout.parameters.toLocaleString()} ${t("parameters")}`;
    drawFeatureMaps();
    markSelectedNeuron();
    applyHidden();
  }
  function toggleFeature(name) {
    const current = new Set(app.layout.features.map((f) => f.name));
    if (current.has(name)) current.delete(name); else current.add(name);
    change("features", app.schema.features.map((f) => f.name).filter((f) => current.has(f)));
  }
  function setWidth(layer, width) {
    const hidden = app.layout.hidden.slice();
    if (width < 1) return;
    hidden[layer] = width;
    change("hidden", hidden);
  }
  function setLayers(count) {
    const hidden = app.layout.hidden.slice(0, Math.max(0, count));
    while (hidden.length < count) hidden.push(hidden.length ? hidden[hidden.length - 1] : 4);
    const given = Object.assign({}, app.given, {hidden});
    if (Array.isArray(app.given.activation)) {
      const list = app.given.activation.slice(0, count);
      while (list.length < count) list.push(list.length ? list[list.length - 1] : "relu");
      given.activation = list.length ? list : "relu";
    }
    configure(given);
  }
  function setLayerActivation(layer, name) {
    const list = app.layout.activations.slice();
    list[layer] = name;
    change("activation", list.every((a) => a === list[0]) ? list[0] : list);
  }
  function markSelectedNeuron() {
    for (const list of app.geometry.nodes) for (const node of list) {
      if (node.div) node.div.classList.toggle("selected", node.column === app.neuron.layer && node.index === app.neuron.neuron && app.display.tab === "backprop");
    }
  }
  function selectNeuron(column, index) {
    app.neuron = {layer: column, neuron: index};
    markSelectedNeuron();
    if (app.display.tab !== "backprop") showTab("backprop");
    else requestBackprop();
  }
  // every node's heat map is a tile of one "atlas" image: one putImageData per frame, and the
  // network canvas draws each tile, scaled, where the node sits
  const ATLAS_COLUMNS = 32;
  function classLut(color) {
    const lut = new Uint8ClampedArray(256 * 3);
    for (let v = 0; v < 256; v++) lut.set(mix([255, 255, 255], color, v / 255), 3 * v);
    return lut;
  }
  const CLASS_LUTS = CLASS_COLORS.map(classLut);
  function buildAtlas() {
    const grid = app.layout.grid;
    let count = 0;
    for (const list of app.geometry.nodes) for (const node of list) node.tile = count++;
    const canvas = document.createElement("canvas");
    canvas.width = ATLAS_COLUMNS * grid;
    canvas.height = Math.ceil(count / ATLAS_COLUMNS) * grid;
    const image = canvas.getContext("2d").createImageData(canvas.width, canvas.height);
    app.atlas = {canvas, image, grid};
  }
  function tileOrigin(node) {
    const grid = app.atlas.grid;
    return [(node.tile % ATLAS_COLUMNS) * grid, Math.floor(node.tile / ATLAS_COLUMNS) * grid];
  }
  function paintTile(node, bytes, offset, lut) {
    const {image, grid} = app.atlas;
    const [ox, oy] = tileOrigin(node);
    const px = image.data, width = image.width;
    for (let y = 0; y < grid; y++) {
      let i = 4 * ((oy + y) * width + ox), k = offset + y * grid;
      for (let x = 0; x < grid; x++, i += 4, k++) {
        const v = 3 * (bytes === null ? 128 : bytes[k]);
        px[i] = lut[v]; px[i + 1] = lut[v + 1]; px[i + 2] = lut[v + 2]; px[i + 3] = 255;
      }
    }
  }
  function drawFeatureMaps() {
    buildAtlas();
    const cells = app.layout.grid * app.layout.grid;
    for (const node of app.geometry.nodes[0]) {
      paintTile(node, node.input < 0 ? null : app.featureMaps, node.input * cells, LUT);
    }
    app.atlas.canvas.getContext("2d").putImageData(app.atlas.image, 0, 0);
  }
  function drawNeurons(frame) {
    const layout = app.layout, cells = layout.grid * layout.grid;
    const maps = b64bytes(frame.maps);
    let offset = 0;
    layout.drawn.forEach((count, i) => {
      for (let j = 0; j < count; j++) {
        paintTile(app.geometry.nodes[i + 1][j], maps, offset, LUT);
        offset += cells;
      }
    });
    const outputs = app.geometry.nodes[app.geometry.nodes.length - 1];
    outputs.forEach((node, c) => {
      paintTile(node, maps, offset, CLASS_LUTS[c]);
      offset += cells;
    });
    app.atlas.canvas.getContext("2d").putImageData(app.atlas.image, 0, 0);
  }
  function drawTile(ctx, node, x, y, size) {
    const [sx, sy] = tileOrigin(node);
    const grid = app.atlas.grid;
    ctx.drawImage(app.atlas.canvas, sx, sy, grid, grid, x, y, size, size);
  }
  function unpackParams(frame) {
    const params = b64floats(frame.params);
    const layout = app.layout;
    const widthsIn = [layout.features.length, ...layout.drawn];
    const widthsOut = [...layout.drawn, layout.classes];
    const layers = [];
    let at = 0;
    for (let l = 0; l < widthsOut.length; l++) {
      const W = params.subarray(at, at + widthsOut[l] * widthsIn[l]); at += widthsOut[l] * widthsIn[l];
      const b = params.subarray(at, at + widthsOut[l]); at += widthsOut[l];
      layers.push({W, b, rows: widthsOut[l], cols: widthsIn[l]});
    }
    return layers;
  }
  function drawNetwork(frame) {
    const canvas = $("#links"), ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const layers = unpackParams(frame);
    app.params = layers;
    const nodes = app.geometry.nodes;
    const links = [];
    const buckets = new Map();
    let largest = 1e-6;
    for (const layer of layers) for (const w of layer.W) largest = Math.max(largest, Math.abs(w));
    const dense = layers.some((layer) => layer.rows * layer.cols > 256);
    layers.forEach((layer, l) => {
      const sources = l === 0 ? nodes[0].filter((n) => n.input >= 0).sort((a, b) => a.input - b.input) : nodes[l];
      const targets = nodes[l + 1];
      for (let r = 0; r < layer.rows; r++) {
        for (let c = 0; c < layer.cols; c++) {
          const w = layer.W[r * layer.cols + c];
          const a = sources[c], b = targets[r];
          const x0 = a.x + a.size, y0 = a.y + a.size / 2, x1 = b.x, y1 = b.y + b.size / 2;
          links.push({layer: l + 1, row: r, column: c, x0, y0, x1, y1, w});
          const width = Math.min(8, 0.4 + (dense ? 2.5 : 6) * Math.abs(w) / Math.max(largest, 1));
          const key = (w >= 0 ? "+" : "-") + Math.round(width * 2) / 2;
          if (!buckets.has(key)) buckets.set(key, []);
          buckets.get(key).push(x0, y0, x1, y1);
        }
      }
    });
    for (const [key, coords] of buckets) {
      ctx.strokeStyle = rgb(key[0] === "+" ? SCALE[2] : SCALE[0], dense ? 0.45 : 0.7);
      ctx.lineWidth = Number(key.slice(1));
      ctx.beginPath();
      for (let i = 0; i < coords.length; i += 4) {
        const x0 = coords[i], y0 = coords[i + 1], x1 = coords[i + 2], y1 = coords[i + 3];
        const mid = (x0 + x1) / 2;
        ctx.moveTo(x0, y0);
        if (dense) ctx.lineTo(x1, y1);            // thousands of links: straight is cheaper
        else ctx.bezierCurveTo(mid, y0, mid, y1, x1, y1);
      }
      ctx.stroke();
    }
    app.geometry.links = links;
    app.geometry.dense = dense;
    // the nodes over the links: heat maps, and each neuron's bias as a small square
    ctx.imageSmoothingEnabled = true;
    for (const list of nodes) for (const node of list) {
      ctx.globalAlpha = node.column === 0 && node.input < 0 ? 0.35 : 1;
      drawTile(ctx, node, node.x, node.y, node.size);
    }
    ctx.globalAlpha = 1;
    layers.forEach((layer, l) => {
      nodes[l + 1].forEach((node, r) => {
        if (r >= layer.rows) return;
        ctx.fillStyle = rgb(layer.b[r] >= 0 ? SCALE[2] : SCALE[0]);
        ctx.fillRect(node.x - 6, node.y + node.size - 6, 6, 6);
      });
    });
  }
  function nearestLink(x, y) {
    // each link is drawn as a cubic curve; compare with 12 points along it
    let best = null, bestDistance = 5;
    for (const link of app.geometry.links) {
      if (x < Math.min(link.x0, link.x1) - 5 || x > Math.max(link.x0, link.x1) + 5) continue;
      const mid = (link.x0 + link.x1) / 2;
      for (let k = 0; k <= 12; k++) {
        const s = k / 12, u = 1 - s;
        const px = app.geometry.dense ? link.x0 + s * (link.x1 - link.x0)
          : u * u * u * link.x0 + 3 * u * u * s * mid + 3 * u * s * s * mid + s * s * s * link.x1;
        const py = app.geometry.dense ? link.y0 + s * (link.y1 - link.y0)
          : u * u * u * link.y0 + 3 * u * u * s * link.y0 + 3 * u * s * s * link.y1 + s * s * s * link.y1;
        const d = Math.hypot(x - px, y - py);
        if (d < bestDistance) { bestDistance = d; best = link; }
      }
    }
    return best;
  }
  function showHover(node) {
    const box = $("#hover-map"), canvas = box.querySelector("canvas"), caption = box.querySelector("div");
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawTile(ctx, node, 0, 0, canvas.width);
    if (node.column === 0) caption.textContent = app.schema.features[node.index].title;
    else if (node.column === app.geometry.nodes.length - 1) caption.textContent = `${t("output_layer")}: p(${t("class")} ${node.index})`;
    else {
      const layer = app.params ? app.params[node.column - 1] : null;
      const bias = layer ? ` b = ${fmt(layer.b[node.index], 3)}` : "";
      caption.textContent = `${t("layer")} ${node.column}, ${t("neuron")} ${node.index} (${app.layout.activations[node.column - 1]})${bias}`;
    }
    const rect = node.div.getBoundingClientRect();
    box.style.left = (rect.right + window.scrollX + 8) + "px";
    box.style.top = (rect.top + window.scrollY - 20) + "px";
    box.hidden = false;
  }
  function openEditor(event, layer, row, column) {
    if (!app.params) return;
    const params = app.params[layer - 1];
    const value = column === null ? params.b[row] : params.W[row * params.cols + column];
    const box = $("#editor");
    box.dataset.layer = layer; box.dataset.row = row; box.dataset.column = column === null ? "" : column;
    $("#editor-title").textContent = column === null ? `${t("bias")} b${layer}[${row}]` : `${t("weight")} W${layer}[${row}, ${column}]`;
    $("#editor-value").value = Number(value).toPrecision(4);
    box.style.left = (event.pageX + 6) + "px"; box.style.top = (event.pageY + 6) + "px";
    box.hidden = false;
    $("#editor-value").focus();
  }
  async function submitEditor() {
    const box = $("#editor");
    const column = box.dataset.column === "" ? null : Number(box.dataset.column);
    box.hidden = true;
    try {
      await api(sessionPath("edit"), {layer: Number(box.dataset.layer), row: Number(box.dataset.row), column, value: Number($("#editor-value").value)});
    } catch (error) { banner(error.message); }
  }

  // ---------------------------------------------------------------- the output column
  function toPlane(px, py, size) {
    const d = app.layout.domain;
    return [-d + (px / size) * 2 * d, d - (py / size) * 2 * d];
  }
  function drawOutput(frame) {
    const canvas = $("#output-map"), ctx = canvas.getContext("2d");
    const layout = app.layout, grid = layout.out_grid, classes = layout.classes;
    const probs = b64bytes(frame.output);
    const off = app.offscreen || (app.offscreen = document.createElement("canvas"));
    off.width = off.height = grid;
    const octx = off.getContext("2d");
    const image = octx.createImageData(grid, grid);
    const px = image.data;
    const floor = 1 / classes;
    for (let i = 0; i < grid * grid; i++) {
      let best = 0, bestP = -1;
      for (let c = 0; c < classes; c++) { const p = probs[i * classes + c]; if (p > bestP) { bestP = p; best = c; } }
      let s = (bestP / 255 - floor) / (1 - floor);
      s = app.display.discretize ? 0.5 : 0.6 * Math.max(0, s);   // light, so points stand out
      const color = mix([255, 255, 255], CLASS_COLORS[best], s);
      px[4 * i] = color[0]; px[4 * i + 1] = color[1]; px[4 * i + 2] = color[2]; px[4 * i + 3] = 255;
    }
    octx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = !app.display.discretize;
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
    drawPoints(ctx, canvas.width);
  }
  function drawPoints(ctx, size) {
    const d = app.layout.domain;
    const sets = [[app.points.train, "#ffffff"]];
    if (app.display.show_test) sets.push([app.points.test, "#000000"]);
    for (const [rows, stroke] of sets) {
      for (let c = 0; c < app.layout.classes; c++) {
        ctx.beginPath();
        for (let i = 0; i + 2 < rows.length; i += 3) {
          if (rows[i + 2] !== c) continue;
          const x = (rows[i] + d) / (2 * d) * size, y = (d - rows[i + 1]) / (2 * d) * size;
          ctx.moveTo(x + 3.2, y);
          ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
        }
        ctx.fillStyle = rgb(CLASS_COLORS[c]);
        ctx.fill();
        ctx.strokeStyle = stroke;
        ctx.lineWidth = 1;
        ctx.stroke();
      }
    }
    if (app.selection) {
      const [x1, x2] = app.selection.point;
      ctx.beginPath();
      ctx.arc((x1 + d) / (2 * d) * size, (d - x2) / (2 * d) * size, 7, 0, 2 * Math.PI);
      ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.stroke();
    }
  }
  function drawChart() {
    const canvas = $("#chart"), ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const rows = app.history;
    if (!rows.length) return;
    let top = 0;
    for (const r of rows) { if (isFinite(r[1])) top = Math.max(top, r[1]); if (r[2] !== null && isFinite(r[2])) top = Math.max(top, r[2]); }
    top = top || 1;
    const stride = Math.max(1, Math.floor(rows.length / 600));
    for (const [column, color] of [[1, "#777"], [2, "#000"]]) {
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < rows.length; i += stride) {
        const v = rows[i][column];
        if (v === null || !isFinite(v)) continue;
        const x = rows.length === 1 ? canvas.width / 2 : i / (rows.length - 1) * (canvas.width - 2) + 1;
        const y = canvas.height - 2 - v / top * (canvas.height - 6);
        if (!started) { ctx.moveTo(x, y); started = true; } else ctx.lineTo(x, y);
      }
      ctx.strokeStyle = color; ctx.lineWidth = 1.4; ctx.stroke();
    }
  }
  function drawConfusion(frame) {
    const key = JSON.stringify([frame.confusion, frame.confusion_split, app.display.lang]);
    if (key === app.confusionKey) return;      // rebuilding the table costs a layout
    app.confusionKey = key;
    const matrix = frame.confusion, box = $("#confusion");
    const total = matrix.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0) || 1;
    const head = el("tr", {}, [el("th", {text: t("true_vs_predicted")}), ...matrix.map((_, j) => el("th", {text: String(j)}))]);
    const rows = matrix.map((row, i) => {
      const rowTotal = row.reduce((a, b) => a + b, 0) || 1;
      return el("tr", {}, [el("th", {text: String(i)}), ...row.map((v, j) => {
        const cell = el("td", {text: String(v)});
        const s = v / rowTotal;
        cell.style.background = rgb(mix([255, 255, 255], i === j ? [44, 160, 44] : [214, 39, 40], 0.7 * s));
        return cell;
      })]);
    });
    box.replaceChildren(el("div", {class: "caption", text: `${t("confusion_matrix")} (${t(frame.confusion_split === "test" ? "test_set" : "training_set")}, ${total})`}),
                        el("table", {}, [head, ...rows]));
  }
  function drawCollapse(frame) {
    const box = $("#collapsed");
    if (!frame.collapse) { box.hidden = true; app.collapseKey = null; return; }
    const key = JSON.stringify([frame.collapse, app.display.lang]);
    if (key === app.collapseKey) return;
    app.collapseKey = key;
    box.hidden = false;
    const names = app.layout.features.map((f) => f.title);
    const rows = frame.collapse.W.map((row, c) => el("tr", {}, [el("th", {text: `s${c} =`}),
      ...row.map((w, k) => el("td", {text: `${fmt(w, 3)}·${names[k]}`})), el("td", {text: `+ ${fmt(frame.collapse.b[c], 3)}`})]));
    box.replaceChildren(el("div", {class: "caption", text: t("collapsed_caption")}), el("table", {}, rows));
  }
  function drawStatus(frame) {
    const parts = [];
    if (frame.stopped) parts.push(t("stopped_" + frame.stopped).replace("{epoch}", frame.epoch));
    if (frame.edited) parts.push(t("edited_note"));
    for (const note of app.notes || []) parts.push(t("note_" + note));
    const text = parts.join(" ");
    if ($("#status").textContent !== text) $("#status").textContent = text;
  }

  // ---------------------------------------------------------------- messages from the server
  function applySetup(message) {
    if (message.version < app.version) return;
    app.version = message.version;
    app.given = message.given;
    app.resolved = message.resolved;
    app.layout = message.layout;
    app.notes = message.notes;
    app.history = message.history;
    app.featureMaps = b64bytes(message.feature_maps);
    app.points = {train: b64floats(message.points.train), test: b64floats(message.points.test)};
    if (app.neuron.layer > app.layout.hidden.length + 1) app.neuron = {layer: 1, neuron: 0};
    app.selection = null;
    app.backprop.doc = null;
    if (stats.first_setup_ms === null) stats.first_setup_ms = performance.now();
    writeFragment();
    renderControls();
    buildNetwork();
    loadPreviews();
    $("#download-csv").href = downloadUrl("data.csv");
    renderPanel();
  }
  function onFrame(message) {
    if (message.version !== app.version) return;
    if (message.history_start > app.history.length) {
      api(sessionPath("history"), {}).then((d) => { app.history = d.history; });
    } else {
      app.history.length = message.history_start;
      for (const row of message.history) app.history.push(row);
    }
    // frames are drawn in order, one per animation frame: the server trains the next update
    // while this one is drawn; a backlog (after a burst of clicks) keeps only the newest two
    app.queue.push(message);
    if (app.queue.length > 3) app.queue.splice(0, app.queue.length - 3);
    if (!app.drawing) { app.drawing = true; requestAnimationFrame(drawPending); }
  }
  function drawPending() {
    const frame = app.queue.shift();
    if (app.queue.length) requestAnimationFrame(drawPending); else app.drawing = false;
    if (!frame || frame.version !== app.version) return;
    const started = performance.now();
    app.frame = frame;
    setText("#epoch", String(frame.epoch).padStart(6, "0").replace(/(\d{3})(\d{3})$/, "$1,$2"));
    setText("#play", frame.playing ? "❚❚" : "▶");
    $("#play").classList.toggle("playing", frame.playing);
    setText("#train-loss", frame.train ? fmt(frame.train.loss, 3) : "-");
    setText("#train-accuracy", frame.train ? (100 * frame.train.accuracy).toFixed(1) + "%" : "-");
    setText("#test-loss", frame.test ? fmt(frame.test.loss, 3) : "-");
    setText("#test-accuracy", frame.test ? (100 * frame.test.accuracy).toFixed(1) + "%" : "-");
    drawNeurons(frame);
    drawNetwork(frame);
    drawOutput(frame);
    drawChart();
    drawConfusion(frame);
    drawCollapse(frame);
    drawStatus(frame);
    const now = performance.now();
    if (stats.first_frame_ms === null) stats.first_frame_ms = now;
    stats.frames += 1;
    stats.draw_ms.push(now - started);
    stats.frame_ids.push(frame.id);
    stats.cpu_ms.push(frame.cpu_ms);
    if (stats.draw_ms.length > 2000) { stats.draw_ms.splice(0, 1000); stats.frame_ids.splice(0, 1000); stats.cpu_ms.splice(0, 1000); }
    api(sessionPath("ack"), {frame: frame.id}).catch(() => {});
    refreshPanelOnFrame(frame);
  }
  function connect(sessionId) {
    if (app.source) app.source.close();
    app.session = sessionId;
    app.version = -1;
    app.queue = [];                            // frames of the session before are not drawn
    const source = new EventSource(`/api/sessions/${sessionId}/events?token=${encodeURIComponent(TOKEN)}`);
    source.addEventListener("setup", (event) => { if (source === app.source) applySetup(JSON.parse(event.data)); });
    source.addEventListener("frame", (event) => { if (source === app.source) onFrame(JSON.parse(event.data)); });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) banner(t("connection_lost"));
    };
    app.source = source;
  }

  // ---------------------------------------------------------------- panels
  function showTab(name) {
    app.display.tab = name;
    for (const button of document.querySelectorAll(".tabs button")) button.classList.toggle("active", button.dataset.tab === name);
    for (const tab of ["explain", "backprop", "export", "limits"]) $("#panel-" + tab).hidden = tab !== name;
    markSelectedNeuron();
    renderPanel();
  }
  function renderPanel() {
    if (!app.layout) return;
    const tab = app.display.tab;
    if (tab === "explain") renderExplain();
    else if (tab === "backprop") { if (!app.backprop.doc) requestBackprop(); else renderBackprop(); }
    else if (tab === "export") renderExport();
    else renderLimits();
  }
  function refreshPanelOnFrame(frame) {
    if (app.display.tab !== "explain" || !app.selection || app.explaining) return;
    if (performance.now() - app.lastExplain < 400) return;
    requestExplain();
  }
  function defaultSelection() {
    const rows = app.points.train;
    if (rows.length >= 3) return {point: [rows[0], rows[1]], label: rows[2]};
    return {point: [0, 0], label: null};
  }
  async function requestExplain() {
    if (!app.selection) return;
    app.explaining = true;
    app.lastExplain = performance.now();
    try {
      app.explainDoc = await api(sessionPath("explain"), {point: app.selection.point, label: app.selection.label});
      if (app.selection.label === null) app.selection.label = app.explainDoc.label;
      renderExplain();
    } catch (error) { banner(error.message); }
    app.explaining = false;
  }
  function labelSelect(onPick) {
    const select = el("select", {id: "label-select", onchange: () => onPick(Number(select.value))});
    for (let c = 0; c < app.layout.classes; c++) select.append(el("option", {value: c, text: `${t("class")} ${c}`}));
    select.value = app.selection ? app.selection.label : 0;
    return select;
  }
  function renderExplain() {
    const box = $("#panel-explain");
    const doc = app.explainDoc;
    if (!app.selection || !doc) {
      box.replaceChildren(el("p", {class: "hint", text: t("explain_hint")}));
      return;
    }
    const pick = (label) => { app.selection.label = label; requestExplain(); };
    const head = el("div", {class: "panel-head"}, [
      el("span", {text: `${t("point")} x = (${fmt(doc.point[0], 2)}, ${fmt(doc.point[1], 2)}), ${t("true_class")}: `}), labelSelect(pick),
      el("span", {class: "muted", text: ` ${t("predicted")}: ${doc.predicted}`}),
    ]);
    const inputs = el("table", {class: "numbers"}, [el("tr", {}, [el("th", {text: t("inputs")}), ...doc.inputs.map((i) => el("td", {text: `${i.title} = ${fmt(i.value, 4)}`}))])]);
    const layers = doc.layers.slice(0, -1).map((layer, l) => {
      const header = el("tr", {}, [el("th", {text: `${t("layer")} ${l + 1} (${layer.activation})`}), el("th", {text: "Σ w·a"}), el("th", {text: "+ b"}), el("th", {text: "= z"}),
        ...(layer.bn ? [el("th", {text: "BN(z)"})] : []), el("th", {text: `a = ${layer.activation}(…)`})]);
      const rows = layer.z.map((z, j) => el("tr", {}, [el("td", {text: `${t("neuron")} ${j}`}), el("td", {text: fmt(layer.sum[j])}), el("td", {text: fmt(layer.bias[j])}),
        el("td", {text: fmt(z)}), ...(layer.bn ? [el("td", {text: fmt(layer.bn[j])})] : []), el("td", {text: fmt(layer.a[j])})]));
      return el("table", {class: "numbers"}, [header, ...rows]);
    });
    const last = doc.layers[doc.layers.length - 1];
    const starfish = el("table", {class: "numbers starfish"}, [
      el("tr", {}, [el("th", {text: t("class")}), el("th", {text: "Σ w·a"}), el("th", {text: t("output_bias") + " b"}), el("th", {text: t("score") + " s"}),
        el("th", {text: "e^s"}), el("th", {text: "q = softmax(s)"}), el("th", {text: "p"}), el("th", {text: "max(0, s_j − s_y + 1)"})]),
      ...doc.scores.map((s, c) => el("tr", {class: c === doc.label ? "truth" : ""}, [el("td", {text: `${c}${c === doc.predicted ? " ◀" : ""}`}), el("td", {text: fmt(last.sum[c])}),
        el("td", {text: fmt(last.bias[c])}), el("td", {text: fmt(s)}), el("td", {text: fmt(doc.exp[c])}), el("td", {text: fmt(doc.softmax[c])}),
        el("td", {text: c === doc.label ? "1" : "0"}), el("td", {text: c === doc.label ? "-" : fmt(doc.hinge[c])})])),
    ]);
    const L = doc.losses;
    const losses = el("table", {class: "numbers losses"}, [
      el("tr", {}, [el("th", {text: t("loss_ce")}), el("td", {text: `−ln q_y = ${fmt(L.cross_entropy)}`}), el("td", {text: `(−log₁₀ q_y = ${fmt(L.cross_entropy_log10)}, ${t("lecture_log10")})`})]),
      el("tr", {}, [el("th", {text: t("loss_hinge")}), el("td", {text: `Σ max(0, s_j − s_y + 1) = ${fmt(L.hinge)}`}), el("td", {})]),
      el("tr", {}, [el("th", {text: t("loss_squared")}), el("td", {text: `½ Σ (s_j − p_j)² = ${fmt(L.squared_error)}`}), el("td", {})]),
      el("tr", {class: "truth"}, [el("th", {text: t("trained_on")}), el("td", {text: `${doc.loss} = ${fmt(doc.trained_loss)}`}), el("td", {})]),
    ]);
    box.replaceChildren(head, inputs, ...layers, el("h4", {text: t("starfish_title")}), starfish, losses);
  }
  async function requestBackprop() {
    if (!app.layout) return;
    if (!app.selection) app.selection = defaultSelection();
    const layerCount = app.layout.hidden.length + 1;
    if (app.neuron.layer > layerCount || app.neuron.layer < 1) app.neuron = {layer: 1, neuron: 0};
    const body = {point: app.selection.point, label: app.selection.label, view: app.backprop.view,
                  granularity: app.backprop.granularity, layer: app.neuron.layer, neuron: app.neuron.neuron};
    try {
      app.backprop.doc = await api(sessionPath("backprop"), body);
      app.selection.label = app.backprop.doc.label;
      app.backprop.step = 0;
      renderBackprop();
    } catch (error) { banner(error.message); }
  }
  function arrayText(v, digits) {
    if (!v) return "-";
    if (v.values.length === 1) return fmt(v.values[0], digits);
    const shown = v.values.slice(0, 4).map((x) => fmt(x, 2)).join(", ");
    return `[${shown}${v.values.length > 4 || v.shape.reduce((a, b) => a * b, 1) > v.values.length ? ", …" : ""}] (${v.shape.join("×")})`;
  }
  function shortText(v) {          // a node's label: a number, or two values and the shape
    if (!v) return "";
    if (v.values.length === 1) return fmt(v.values[0], 2);
    return `[${v.values.slice(0, 2).map((x) => fmt(x, 2)).join(", ")}, …] ${v.shape.join("×")}`;
  }
  function renderBackprop() {
    const box = $("#panel-backprop"), doc = app.backprop.doc;
    const controls = el("div", {class: "panel-head"}, [
      el("label", {}, [t("view") + " ", (() => {
        const s = el("select", {id: "bp-view", onchange: () => { app.backprop.view = s.value; requestBackprop(); }},
                     [el("option", {value: "neuron", text: t("view_neuron")}), el("option", {value: "network", text: t("view_network")})]);
        s.value = app.backprop.view; return s; })()]),
      el("label", {}, [" " + t("granularity") + " ", (() => {
        const s = el("select", {id: "bp-granularity", onchange: () => { app.backprop.granularity = s.value; requestBackprop(); }},
                     [el("option", {value: "fine", text: "fine"}), el("option", {value: "coarse", text: "coarse"})]);
        s.value = app.backprop.granularity; return s; })()]),
      el("span", {text: " " + t("true_class") + " "}), labelSelect((label) => { app.selection.label = label; requestBackprop(); }),
      el("button", {id: "bp-back", text: "◀", title: t("step_back"), onclick: () => { app.backprop.step = Math.max(0, app.backprop.step - 1); renderBackprop(); }}),
      el("button", {id: "bp-step", text: t("step_one") + " ▶", onclick: () => { app.backprop.step = Math.min(doc ? doc.steps.length : 0, app.backprop.step + 1); renderBackprop(); }}),
      el("button", {id: "bp-all", text: t("step_all"), onclick: () => { app.backprop.step = doc ? doc.steps.length : 0; renderBackprop(); }}),
      el("button", {id: "bp-refresh", text: t("refresh"), onclick: requestBackprop}),
    ]);
    if (!doc) { box.replaceChildren(controls, el("p", {class: "hint", text: t("backprop_hint")})); return; }
    const what = doc.view === "neuron"
      ? `${t(doc.layer === app.layout.hidden.length + 1 ? "output_neuron" : "neuron")} ${doc.neuron} ${t("of_layer")} ${doc.layer}: ${doc.expression}`
      : `${t("whole_network")}: L = ${doc.loss !== undefined ? fmt(doc.loss) : ""}`;
    const steps = doc.steps;
    const done = app.backprop.step;
    const current = done > 0 ? steps[done - 1] : null;
    const revealed = new Set([doc.nodes.length - 1]);
    for (let i = 0; i < done; i++) revealed.add(steps[i].input);
    const explanation = current
      ? `${t("step")} ${done}/${steps.length}: ${doc.nodes[current.node].name} → ${doc.nodes[current.input].name}: ${t("downstream")} = ${t("local")} × ${t("upstream")} = ${arrayText(current.local)} × ${arrayText(current.upstream)} = ${arrayText(current.downstream)}`
      : `${t("step")} 0/${steps.length}: ${t("backprop_start")}`;
    const table = el("table", {class: "numbers steps", id: "bp-steps"}, [
      el("tr", {}, [el("th", {text: "#"}), el("th", {text: t("node")}), el("th", {text: t("gradient_to")}), el("th", {text: t("local")}), el("th", {text: t("upstream")}), el("th", {text: t("downstream") + " = " + t("local") + " × " + t("upstream")})]),
      ...steps.map((s, i) => el("tr", {class: i < done ? (i === done - 1 ? "current" : "done") : "todo"}, [
        el("td", {text: String(i + 1)}), el("td", {text: doc.nodes[s.node].name}), el("td", {text: doc.nodes[s.input].name}),
        el("td", {text: arrayText(s.local)}), el("td", {text: arrayText(s.upstream)}), el("td", {text: i < done ? arrayText(s.downstream) : "?"})])),
    ]);
    const parts = [controls, el("div", {class: "what", text: what}), graphSvg(doc, revealed, current), el("div", {class: "explanation", id: "bp-explanation", text: explanation}), table];
    if (doc.view === "neuron") {
      parts.push(el("div", {class: "command"}, [el("span", {text: t("same_in_cli") + " "}), el("code", {id: "bp-command", text: doc.command})]));
      const chain = el("table", {class: "numbers", id: "bp-chain"}, [
        el("tr", {}, [el("th", {text: ""}), el("th", {text: `∂a/∂· (fcnn graph)`}), el("th", {text: `× ∂L/∂a = ${fmt(doc.upstream)}`}), el("th", {text: "= ∂L/∂·"}), el("th", {text: t("network_gradient")})]),
        ...doc.chain.map((c) => el("tr", {}, [el("th", {text: c.name}), el("td", {text: fmt(c.local)}), el("td", {text: ""}), el("td", {text: fmt(c.product)}), el("td", {text: fmt(c.network)})])),
      ]);
      parts.push(el("h4", {text: t("chain_title")}), chain);
    }
    box.replaceChildren(...parts);
  }
  function graphSvg(doc, revealed, current) {
    const NS = "http://www.w3.org/2000/svg";
    const make = (tag, attrs, text) => { const n = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text !== undefined) n.textContent = text; return n; };
    const xs = doc.nodes.map((n) => n.position[0]), ys = doc.nodes.map((n) => n.position[1]);
    const minY = Math.min(...ys), maxY = Math.max(...ys), maxX = Math.max(...xs);
    const wide = doc.nodes.some((n) => n.value && n.value.values.length > 1);
    const X = wide ? 168 : 118, Y = wide ? 70 : 62, W = 96, H = 26;
    const px = (n) => 60 + n.position[0] * X, py = (n) => 34 + (maxY - n.position[1]) * Y;
    const svg = make("svg", {width: 120 + maxX * X, height: 70 + (maxY - minY) * Y, class: "graph", id: "bp-graph"});
    const defs = make("defs", {});
    const marker = make("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse"});
    marker.append(make("path", {d: "M 0 0 L 10 5 L 0 10 z", fill: "#555"}));
    defs.append(marker); svg.append(defs);
    for (const node of doc.nodes) for (const i of node.inputs) {
      const a = doc.nodes[i];
      const active = current && current.node === node.index && current.input === i;
      svg.append(make("line", {x1: px(a) + W / 2, y1: py(a), x2: px(node) - W / 2, y2: py(node), stroke: active ? "#d62728" : "#888", "stroke-width": active ? 3 : 1.2, "marker-end": "url(#arrow)"}));
    }
    for (const node of doc.nodes) {
      const fill = {input: "#eeeeee", constant: "#fff4cc", op: "#dbe9f6"}[node.kind];
      const active = current && (current.node === node.index || current.input === node.index);
      const g = make("g", {class: "gnode", "data-index": node.index});
      g.append(make("rect", {x: px(node) - W / 2, y: py(node) - H / 2, width: W, height: H, rx: 7, fill, stroke: active ? "#d62728" : "#333", "stroke-width": active ? 2.5 : 1}));
      g.append(make("text", {x: px(node), y: py(node) + 4, "text-anchor": "middle", "font-size": node.text.length > 12 ? 9 : 12}, node.text.length > 16 ? node.text.slice(0, 15) + "…" : node.text));
      g.append(make("text", {x: px(node), y: py(node) - H / 2 - 3, "text-anchor": "middle", class: "forward"}, shortText(node.value)));
      if (revealed.has(node.index) && node.grad) g.append(make("text", {x: px(node), y: py(node) + H / 2 + 11, "text-anchor": "middle", class: "backward"}, shortText(node.grad)));
      svg.append(g);
    }
    return el("div", {class: "graph-box"}, [svg]);
  }
  async function renderExport() {
    const box = $("#panel-export");
    const toml = el("pre", {id: "toml-preview", text: "…"});
    const runResult = el("span", {id: "run-result", class: "muted"});
    const runs = el("select", {id: "run-select"});
    const buttons = el("div", {class: "row"}, [
      el("a", {class: "button", id: "download-toml", href: downloadUrl("setup.toml"), text: t("download_toml")}),
      el("a", {class: "button", id: "download-onnx", href: downloadUrl("model.onnx"), text: t("download_onnx")}),
      el("a", {class: "button", href: downloadUrl("data.csv"), text: t("download_csv")}),
      el("button", {id: "write-run", text: t("write_run"), onclick: async () => {
        try { const r = await api(sessionPath("export"), {kind: "run"}); runResult.textContent = `${t("wrote")} ${r.folder} (${t("epoch")} ${r.epoch})`; }
        catch (error) { runResult.textContent = error.message; }
      }}), runResult,
    ]);
    const open = el("div", {class: "row"}, [el("span", {text: t("open_run") + " "}), runs,
      el("button", {id: "open-run", text: t("open"), onclick: async () => {
        if (!runs.value) return;
        try {
          const r = await api("sessions", {run: runs.value});
          const old = app.session;
          connect(r.id);
          // close the session before once its last acknowledgements have arrived
          setTimeout(() => api(`sessions/${old}`, undefined, "DELETE").catch(() => {}), 1000);
        }
        catch (error) { banner(error.message); }
      }})]);
    box.replaceChildren(el("p", {class: "hint", text: t("export_hint")}), buttons, toml, el("h4", {text: t("open_title")}), open);
    try {
      const response = await fetch(downloadUrl("setup.toml"));
      toml.textContent = await response.text();
    } catch (error) { toml.textContent = error.message; }
    try {
      const list = await api("runs");
      runs.replaceChildren(...list.runs.map((r) => el("option", {value: r.name, text: `${r.name} (${r.dataset}, ${JSON.stringify(r.hidden)})`})));
      if (!list.runs.length) runs.append(el("option", {value: "", text: `${t("no_runs")} ${list.folder}`}));
    } catch (error) { /* listed when the server can read the folder */ }
  }
  function renderLimits() {
    const limits = app.schema.limits;
    const rows = Object.entries(limits).map(([key, value]) => el("tr", {}, [el("th", {text: t("limit_" + key)}), el("td", {text: Number(value).toLocaleString()})]));
    $("#panel-limits").replaceChildren(el("p", {class: "hint", text: t("limits_hint")}), el("table", {class: "numbers", id: "limits-table"}, rows),
                                       el("p", {class: "muted", text: `fcnn ${app.schema.version}`}));
  }

  // ---------------------------------------------------------------- events
  function translate() {
    document.documentElement.lang = app.display.lang === "zh" ? "zh-CN" : "en";
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.getAttribute("data-i18n"));
    for (const node of document.querySelectorAll("[data-i18n-title]")) node.title = t(node.getAttribute("data-i18n-title"));
  }
  function bindEvents() {
    $("#play").addEventListener("click", () => api(sessionPath(app.frame && app.frame.playing ? "pause" : "play"), {}).catch((e) => banner(e.message)));
    $("#step").addEventListener("click", () => api(sessionPath("step"), {epochs: 1}).catch((e) => banner(e.message)));
    $("#reset").addEventListener("click", () => api(sessionPath("reset"), {}).catch((e) => banner(e.message)));
    $("#regenerate").addEventListener("click", () => change("data_seed", (app.resolved.data_seed || 0) + 1));
    $("#add-layer").addEventListener("click", () => setLayers(app.layout.hidden.length + 1));
    $("#remove-layer").addEventListener("click", () => setLayers(app.layout.hidden.length - 1));
    $("#collapse").addEventListener("click", () => {
      const given = Object.assign({}, app.given);
      if (app.savedActivations) {
        Object.assign(given, app.savedActivations);
        app.savedActivations = null;
      } else {
        app.savedActivations = {activation: app.resolved.activation};
        if (app.given.negative_slope !== undefined) app.savedActivations.negative_slope = app.given.negative_slope;
        delete given.negative_slope;
        given.activation = "identity";
      }
      configure(given);
    });
    $("#copy-link").addEventListener("click", async () => {
      const link = location.origin + location.pathname + location.hash;   // without the token
      try { await navigator.clipboard.writeText(link); banner(t("link_copied"), "info"); } catch (e) { banner(link, "info"); }
    });
    $("#lang").addEventListener("change", () => { app.display.lang = $("#lang").value; translate(); renderControls(); buildNetworkIfReady(); renderPanel(); writeFragment(); });
    $("#discretize").addEventListener("change", () => { app.display.discretize = $("#discretize").checked; writeFragment(); if (app.frame) drawOutput(app.frame); });
    $("#show-test").addEventListener("change", () => { app.display.show_test = $("#show-test").checked; writeFragment(); if (app.frame) drawOutput(app.frame); });
    for (const radio of document.querySelectorAll("input[name=mode]")) radio.addEventListener("change", () => { app.mode = radio.value; });
    for (const button of document.querySelectorAll(".tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab));
    $("#clear-points").addEventListener("click", () => api(sessionPath("points"), {clear: true}).catch((e) => banner(e.message)));
    $("#csv-file").addEventListener("change", async () => {
      const file = $("#csv-file").files[0];
      if (!file) return;
      try {
        const response = await fetch("/api/csv", {method: "POST", headers: {"X-Fcnn-Token": TOKEN, "Content-Type": "text/csv"}, body: await file.text()});
        const data = await response.json();
        if (!response.ok) throw new Error(data.error);
        const given = Object.assign({}, app.given, {shape: "custom", points: data.points, classes: Math.max(data.classes, app.resolved.classes || 2)});
        delete given.n_samples; delete given.noise;
        configure(given);
      } catch (error) { banner(error.message); }
      $("#csv-file").value = "";
    });
    $("#output-map").addEventListener("click", (event) => {
      const canvas = $("#output-map"), rect = canvas.getBoundingClientRect();
      const px = (event.clientX - rect.left) * canvas.width / rect.width, py = (event.clientY - rect.top) * canvas.height / rect.height;
      const [x1, x2] = toPlane(px, py, canvas.width);
      if (app.mode === "add") {
        api(sessionPath("points"), {add: [[Math.round(x1 * 1000) / 1000, Math.round(x2 * 1000) / 1000, app.drawClass]]}).catch((e) => banner(e.message));
      } else if (app.mode === "erase") {
        api(sessionPath("points"), {erase: [x1, x2, 0.4]}).catch((e) => banner(e.message));
      } else {
        app.selection = nearestPoint(x1, x2) || {point: [x1, x2], label: null};
        if (app.display.tab === "backprop") requestBackprop();
        else { if (app.display.tab !== "explain") showTab("explain"); requestExplain(); }
        if (app.frame) drawOutput(app.frame);
      }
    });
    $("#links").addEventListener("click", (event) => {
      const rect = $("#links").getBoundingClientRect();
      const link = nearestLink(event.clientX - rect.left, event.clientY - rect.top);
      if (link) openEditor(event, link.layer, link.row, link.column);
    });
    $("#links").addEventListener("mousemove", (event) => {
      const rect = $("#links").getBoundingClientRect();
      const link = nearestLink(event.clientX - rect.left, event.clientY - rect.top);
      const tip = $("#tooltip");
      if (!link) { tip.hidden = true; $("#links").style.cursor = "default"; return; }
      $("#links").style.cursor = "pointer";
      tip.textContent = `W${link.layer}[${link.row}, ${link.column}] = ${fmt(link.w, 4)}`;
      tip.style.left = (event.pageX + 10) + "px"; tip.style.top = (event.pageY + 10) + "px";
      tip.hidden = false;
    });
    $("#editor-ok").addEventListener("click", submitEditor);
    $("#editor-value").addEventListener("keydown", (event) => { if (event.key === "Enter") submitEditor(); if (event.key === "Escape") $("#editor").hidden = true; });
    let resizeTimer = null;
    window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(buildNetworkIfReady, 150); });
    window.addEventListener("beforeunload", () => { if (app.source) app.source.close(); });
    window.addEventListener("hashchange", () => {        // a link edited by hand
      const {given, display} = readFragment();
      applyDisplay(display);
      translate();
      const typed = {};
      for (const [key, raw] of Object.entries(given)) typed[key] = parseValue(key, raw);
      configure(typed);
    });
  }
  function buildNetworkIfReady() { if (app.layout) { buildNetwork(); if (app.frame) { drawNeurons(app.frame); drawNetwork(app.frame); } } }
  function nearestPoint(x1, x2) {
    let best = null, bestDistance = 0.25;
    for (const rows of [app.points.train, app.points.test]) for (let i = 0; i + 2 < rows.length; i += 3) {
      const d = Math.hypot(rows[i] - x1, rows[i + 1] - x2);
      if (d < bestDistance) { bestDistance = d; best = {point: [rows[i], rows[i + 1]], label: rows[i + 2]}; }
    }
    return best;
  }

  // ---------------------------------------------------------------- start
  async function start() {
    const {given, display} = readFragment();
    applyDisplay(display);
    translate();
    bindEvents();
    if (!TOKEN) { banner(t("no_token")); return; }
    try {
      app.schema = await api("schema");
    } catch (error) { banner(error.message); return; }
    const typed = {};
    for (const [key, raw] of Object.entries(given)) typed[key] = parseValue(key, raw);
    let sessionId = query.get("session");
    if (!sessionId) {
      try {
        sessionId = (await api("sessions", {setup: typed})).id;
      } catch (error) {
        banner(`${t("bad_link")} ${error.message}`);
        try { sessionId = (await api("sessions", {setup: {}})).id; } catch (again) { banner(again.message); return; }
      }
    }
    connect(sessionId);
    if (display.tab) showTab(display.tab);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
