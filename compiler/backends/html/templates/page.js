// The page: parameters and device in, every kernel's costs and roofline time out.
"use strict";
(() => {
  const D = JSON.parse(document.getElementById("kc-data").textContent);
  const $ = (id) => document.getElementById(id);
  const make = (tag, attributes = {}, text = null) => {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    if (text !== null) element.textContent = text;
    return element;
  };
  const SVG = "http://www.w3.org/2000/svg";
  const svg = (tag, attributes = {}) => {
    const element = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    return element;
  };
  const CATEGORIES = ["matmul", "vector", "none"];

  // ---------------------------------------------------------------- numbers as people read them (compiler/eval/units.py)

  const digits = (x, whole = false) => {
    const m = Math.abs(x);
    if (whole && Number.isInteger(x)) return x.toFixed(0);
    return m >= 100 ? x.toFixed(0) : m >= 10 ? x.toFixed(1) : x.toFixed(2);
  };
  const si = (value, unit) => {
    const x = R.float(value);
    if (x === 0) return `0 ${unit}`;
    for (const [power, prefix] of [[18, "E"], [15, "P"], [12, "T"], [9, "G"], [6, "M"], [3, "k"]])
      if (Math.abs(x) >= 10 ** power * 0.9995) return `${digits(x / 10 ** power)} ${prefix}${unit}`;
    return `${digits(x, true)} ${unit}`;
  };
  const binary = (value) => {
    const x = R.float(value);
    if (x === 0) return "0 B";
    for (const [power, prefix] of [[50, "PiB"], [40, "TiB"], [30, "GiB"], [20, "MiB"], [10, "KiB"]])
      if (Math.abs(x) >= (2 ** power * 999.5) / 1024) return `${digits(x / 2 ** power)} ${prefix}`;
    return Number.isInteger(x) ? `${x.toFixed(0)} B` : `${x.toPrecision(3)} B`;
  };
  const duration = (x) => {
    if (x === 0) return "0 s";
    for (const [scale, unit] of [[1, "s"], [1e-3, "ms"], [1e-6, "µs"], [1e-9, "ns"]])
      if (Math.abs(x) >= scale * 0.9995) return `${digits(x / scale)} ${unit}`;
    return `${digits(x / 1e-12)} ps`;
  };
  const ratio = (x) => (x === null || x === Infinity ? "∞" : x >= 1000 ? Math.round(x).toLocaleString("en-US") : digits(x, true));
  const percent = (part, whole) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : "-");
  const rate = (value, unit) => {
    for (const [power, prefix] of [[12, "T"], [9, "G"], [6, "M"], [3, "k"]])
      if (value >= 10 ** power) return `${Number((value / 10 ** power).toPrecision(5))} ${prefix}${unit}`;
    return `${Number(value.toPrecision(5))} ${unit}`;
  };
  const boundShare = (bound, time) => {
    if (!time) return "";
    const share = bound / time;
    return share >= 0.995 ? "compute" : share <= 0.005 ? "memory" : `${(100 * share).toFixed(0)}% compute`;
  };

  // ---------------------------------------------------------------- parameters

  const params = D.parameters;
  const inputs = [];
  const form = $("kc-parameters");
  params.forEach((parameter, index) => {
    const row = make("div", { class: "kc-param" });
    const id = `kc-p-${index}`;
    const label = make("label", { for: id }, parameter.name);
    const input = make("input", { id, type: "text", inputmode: "decimal", autocomplete: "off", spellcheck: "false", "data-kc": "parameter", "data-name": parameter.name });
    if (parameter.default !== null) input.placeholder = `default: ${parameter.default}`;
    const about = make("div", { class: "kc-about", id: `${id}-about` });
    if (parameter.description) about.append(make("span", {}, parameter.description));
    if (parameter.default !== null) about.append(make("span", { class: "kc-default" }, ` default: ${parameter.default}`));
    input.setAttribute("aria-describedby", about.id);
    row.append(label, input, about);
    form.append(row);
    inputs.push(input);
  });

  const configSelect = $("kc-config");
  if (D.configs.length) {
    configSelect.append(make("option", { value: "" }, "choose a config…"));
    D.configs.forEach((config, index) => configSelect.append(make("option", { value: String(index) }, config.name)));
    configSelect.addEventListener("change", () => {
      const config = D.configs[Number(configSelect.value)];
      if (!config) return;
      const byName = new Map(Object.entries(config.values));
      params.forEach((parameter, index) => { if (byName.has(parameter.name)) inputs[index].value = byName.get(parameter.name); });
      changed();
    });
  } else {
    $("kc-config-row").hidden = true;
  }

  // ---------------------------------------------------------------- devices

  const devices = new Map(D.devices.map((device) => [device.id, device]));
  for (const device of D.devices) device.capacityExact = device.capacity === null ? null : R.parse(device.capacity);
  const deviceSelect = $("kc-device");
  for (const device of D.devices) deviceSelect.append(make("option", { value: device.id }, `${device.name} (${device.id})`));
  const precisionSelect = $("kc-precision");
  const computeInput = $("kc-compute");
  const memoryInput = $("kc-memory");
  const fractionInput = D.memory ? $("kc-fraction") : null;
  function fillPrecisions(keep) {
    const device = devices.get(deviceSelect.value);
    precisionSelect.replaceChildren(make("option", { value: "auto" }, "auto (from a_bytes, w_bytes)"));
    for (const name of Object.keys(device.matmul)) precisionSelect.append(make("option", { value: name }, name));
    precisionSelect.value = [...precisionSelect.options].some((o) => o.value === keep) ? keep : "auto";
  }

  function choosePrecision(device, values) {
    // compiler/eval/hardware.py choose_precision
    if (precisionSelect.value !== "auto") return precisionSelect.value;
    const slot = (name) => params.findIndex((p) => p.name === name);
    const a = slot("a_bytes") >= 0 ? values[slot("a_bytes")] : 2n;
    const w = slot("w_bytes") >= 0 ? values[slot("w_bytes")] : a;
    const width = R.max(a, w);
    const entry = D.byWidth.find(([[n, d]]) => R.eq(R.q(BigInt(n), BigInt(d)), width));
    if (!entry) throw new R.KcError(`no precision is ${R.text(width)} bytes wide (the wider of a_bytes and w_bytes): choose one`);
    const found = entry[1].find((name) => name in device.matmul);
    if (!found) throw new R.KcError(`${device.id} has no matmul peak for ${R.text(width)}-byte operands (${entry[1].join(" or ")}): choose a precision`);
    return found;
  }

  // ---------------------------------------------------------------- the fragment: #name=value&kc.device=...

  function readFragment() {
    const found = new Map();
    for (const part of location.hash.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const at = part.indexOf("=");
      if (at < 0) continue;
      try { found.set(decodeURIComponent(part.slice(0, at)), decodeURIComponent(part.slice(at + 1))); } catch (error) { /* a malformed escape is skipped */ }
    }
    return found;
  }
  function apply(found) {
    const start = new Map(Object.entries(D.start));
    params.forEach((parameter, index) => {
      inputs[index].value = found.has(parameter.name) ? found.get(parameter.name) : start.has(parameter.name) ? start.get(parameter.name) : "";
    });
    const device = found.get("kc.device") || D.settings.device;
    deviceSelect.value = devices.has(device) ? device : D.settings.device;
    fillPrecisions(found.get("kc.precision") || D.settings.precision);
    computeInput.value = found.get("kc.compute") || String(D.settings.compute);
    memoryInput.value = found.get("kc.memory") || String(D.settings.memory);
    if (fractionInput) fractionInput.value = found.get("kc.fraction") || String(D.settings.fraction);
  }
  let written = null;
  function writeFragment() {
    const parts = [];
    params.forEach((parameter, index) => {
      if (inputs[index].value.trim() !== "") parts.push(`${encodeURIComponent(parameter.name)}=${encodeURIComponent(inputs[index].value.trim())}`);
    });
    parts.push(`kc.device=${encodeURIComponent(deviceSelect.value)}`, `kc.precision=${encodeURIComponent(precisionSelect.value)}`);
    parts.push(`kc.compute=${encodeURIComponent(computeInput.value.trim())}`, `kc.memory=${encodeURIComponent(memoryInput.value.trim())}`);
    if (fractionInput) parts.push(`kc.fraction=${encodeURIComponent(fractionInput.value.trim())}`);
    written = `#${parts.join("&")}`;
    if (location.hash !== written) {
      try { history.replaceState(null, "", written); } catch (error) { location.hash = written; }
    }
  }
  window.addEventListener("hashchange", () => { if (location.hash !== written) { apply(readFragment()); recompute(); } });

  // ---------------------------------------------------------------- the tree as rows

  const body = $("kc-rows");
  // Hovering a number shows its exact value: the title of a cell is set when the pointer reaches it.
  body.addEventListener("mouseover", (event) => {
    const cell = event.target instanceof Element ? event.target.closest("td[data-value]") : null;
    if (cell) cell.title = cell.getAttribute("data-value");
  });
  const rows = [];
  const leaves = [];
  function formulaButton(indices, labels, analysis, name) {
    const button = make("button", { type: "button", class: "kc-f", "aria-expanded": "false", "aria-label": `formulas of ${name}`, title: "show the formulas" }, "ƒ");
    return { button, indices, labels, analysis };
  }
  function expand(index, depth, parent, repeats) {
    const node = D.nodes[index];
    const leaf = node.f !== undefined;
    const tr = make("tr", { class: leaf ? "kc-leaf" : "kc-composite", "data-depth": String(depth) });
    if (leaf) tr.setAttribute("data-kc", "kernel");
    const row = { node, leaf, tr, depth, parent, repeats, children: [], open: depth < 2, cells: {}, numbers: null, painted: true };
    const name = make("td", { class: "kc-name" });
    name.style.setProperty("--depth", String(depth));
    if (!leaf) {
      const toggle = make("button", { type: "button", class: "kc-toggle", "aria-expanded": String(row.open), "aria-label": `${row.open ? "collapse" : "expand"} ${node.op}` }, row.open ? "▾" : "▸");
      toggle.addEventListener("click", () => { row.open = !row.open; syncOpen(row); });
      row.toggle = toggle;
      name.append(toggle);
    } else {
      name.append(make("span", { class: "kc-bullet", "aria-hidden": "true" }, "·"));
    }
    const from = node.op.lastIndexOf(" (from ");
    if (from > 0 && node.op.endsWith(")")) {
      name.append(make("span", { class: "kc-op" }, node.op.slice(0, from)), make("span", { class: "kc-from" }, node.op.slice(from)));
    } else {
      name.append(make("span", { class: "kc-op" }, node.op));
    }
    if (node.repeat !== undefined) {
      row.repeatSpan = make("span", { class: "kc-repeat", "data-kc": "repeat" });
      name.append(row.repeatSpan);
    }
    tr.append(name);
    const tag = make("td", { class: "kc-tag" }, leaf ? node.compute || "" : "");
    if (leaf && node.compute) tag.title = node.compute;
    tr.append(tag);
    for (const key of ["flops", "read", "write", "intensity", "time", "bound", "share"]) {
      const cell = make("td", { class: `kc-num kc-${key}`, "data-field": key });
      row.cells[key] = cell;
      tr.append(cell);
    }
    const indices = leaf ? node.f : node.repeat !== undefined ? [node.repeat] : [];
    const labels = leaf ? ["FLOPs", "bytes read", "bytes written"] : ["repeat"];
    const cell = make("td", { class: "kc-more" });
    if (indices.length || node.analysis) {
      const f = formulaButton(indices, labels, node.analysis, node.op);
      f.button.addEventListener("click", () => toggleFormulas(row, f));
      cell.append(f.button);
    }
    tr.append(cell);
    body.append(tr);
    rows.push(row);
    if (parent) parent.children.push(row);
    if (leaf) { row.leafIndex = leaves.length; leaves.push(row); return row; }
    const inner = node.repeat !== undefined ? [...repeats, node.repeat] : repeats;
    row.first = leaves.length;
    for (const child of node.children) expand(child, depth + 1, row, inner);
    row.last = leaves.length;
    return row;
  }
  function formulaList(indices, labels, analysis) {
    const box = make("div", { class: "kc-formulas" });
    if (analysis) box.append(make("p", { class: "kc-analysis" }, analysis));
    indices.forEach((index, i) => {
      const line = make("div", { class: "kc-formula" });
      line.append(make("span", { class: "kc-formula-label" }, `${labels[i]} =`));
      const math = make("span", { class: "kc-math" });
      math.append(document.getElementById(`kc-m-${index}`).content.cloneNode(true));
      line.append(math);
      box.append(line);
    });
    return box;
  }
  function toggleFormulas(row, f) {
    if (row.details) {
      row.details.remove();
      row.details = null;
      f.button.setAttribute("aria-expanded", "false");
      return;
    }
    const tr = make("tr", { class: "kc-details" });
    const td = make("td", { colspan: "10" });
    td.append(formulaList(f.indices, f.labels, f.analysis));
    tr.append(td);
    row.tr.after(tr);
    tr.hidden = row.tr.hidden;
    row.details = tr;
    f.button.setAttribute("aria-expanded", "true");
  }
  function visible(row) { for (let p = row.parent; p; p = p.parent) if (!p.open) return false; return true; }
  function syncOpen() {
    for (const row of rows) {
      const shown = visible(row);
      row.tr.hidden = !shown;
      if (shown && !row.painted) paintRow(row);
      if (row.details) row.details.hidden = !shown;
      if (row.toggle) {
        row.toggle.textContent = row.open ? "▾" : "▸";
        row.toggle.setAttribute("aria-expanded", String(row.open));
        row.toggle.setAttribute("aria-label", `${row.open ? "collapse" : "expand"} ${row.node.op}`);
      }
    }
  }
  if (D.roots) for (const root of D.roots) expand(root, 0, null, []);
  else $("kc-table").hidden = true;
  $("kc-expand").addEventListener("click", () => { rows.forEach((r) => { r.open = true; }); syncOpen(); });
  $("kc-collapse").addEventListener("click", () => { rows.forEach((r) => { r.open = false; }); syncOpen(); });
  syncOpen();
  const totalsButton = $("kc-totals-formulas");
  totalsButton.addEventListener("click", () => {
    const box = $("kc-totals-box");
    const open = totalsButton.getAttribute("aria-expanded") === "true";
    box.replaceChildren();
    if (!open) {
      const labels = ["FLOPs", "bytes read", "bytes written", ...(D.memory ? ["weights", "cache", "activations"] : [])];
      box.append(formulaList([...D.totals, ...(D.memory || [])], labels, null));
    }
    totalsButton.setAttribute("aria-expanded", String(!open));
    totalsButton.textContent = open ? "Show the formulas of the totals" : "Hide the formulas of the totals";
  });

  // ---------------------------------------------------------------- computing

  function values() {
    // every parameter's value in order, defaults computed from earlier ones; problems by parameter
    const v = [], problems = [];
    params.forEach((parameter, index) => {
      const text = inputs[index].value.trim();
      inputs[index].removeAttribute("aria-invalid");
      if (text === "") {
        if (parameter.formula === null) { problems.push(`${parameter.name} needs a value`); v.push(undefined); return; }
        try { v.push(KC_EXACT[parameter.formula](v)); } catch (error) { problems.push(`the default of ${parameter.name}: ${error.message}`); v.push(undefined); }
        return;
      }
      const value = R.parse(text);
      if (value === null || R.lt(value, 0n) || R.gt(value, 10n ** 18n)) {
        problems.push(`${parameter.name}: expected a number from 0 to 1e18 (12, 1.5, 1e3, 3/4), got ${JSON.stringify(text)}`);
        inputs[index].setAttribute("aria-invalid", "true");
        v.push(undefined);
        return;
      }
      v.push(value);
    });
    if (v.some((x) => x === undefined) && !problems.length) problems.push("a default needs a parameter without a value");
    return { v, problems };
  }
  function peaksOf(v) {
    const device = devices.get(deviceSelect.value);
    const compute = Number(computeInput.value), memory = Number(memoryInput.value);
    for (const [name, value] of [["compute", compute], ["memory", memory]])
      if (!(value > 0 && value <= 1)) throw new R.KcError(`the ${name} efficiency must be greater than 0 and at most 1`);
    const precision = choosePrecision(device, v);
    const matmul = device.matmul[precision];
    const vector = device.vector !== null ? device.vector : matmul;
    let fraction = 1, capacity = null;
    if (fractionInput) {
      // compiler/eval/memory.py capacity_of: int(Fraction(capacity) * Fraction(str(fraction)))
      fraction = Number(fractionInput.value.trim() || NaN);
      if (!(fraction > 0 && fraction <= 1)) throw new R.KcError("the memory fraction must be greater than 0 and at most 1");
      if (device.capacityExact !== null) capacity = R.floor(R.mul(device.capacityExact, R.parse(String(fraction))));
    }
    return { device, precision, matmul: matmul * compute, vector: vector * compute, bandwidth: device.bandwidth * memory, published: device.vector !== null, fraction, capacity };
  }
  function compute(v, peaks) {
    // the costs of every kernel (compiler/eval/cost.py kernel_cost) and the totals
    const integral = v.every(R.big);
    const cache = new Array(KC_EXACT.length);
    const f = (i) => (cache[i] !== undefined ? cache[i] : (cache[i] = integral && KC_INTEGRAL[i] !== null ? KC_INTEGRAL[i](v) : KC_EXACT[i](v)));
    const totals = D.totals.map(f);
    const kernels = leaves.map((row) => {
      let scale = 1n;
      for (const r of row.repeats) scale = R.mul(scale, f(r));
      const [flops, read, write] = row.node.f.map((i) => R.mul(f(i), scale));
      const matmulFlops = row.node.compute === "matmul" ? flops : 0n;
      const vectorFlops = row.node.compute === "matmul" ? 0n : flops;
      const computeTime = R.float(matmulFlops) / peaks.matmul + R.float(vectorFlops) / peaks.vector;
      const memoryTime = R.float(R.add(read, write)) / peaks.bandwidth;
      const time = computeTime >= memoryTime ? computeTime : memoryTime;
      const bound = computeTime >= memoryTime && computeTime > 0 ? time : 0.0 * time;
      return { flops, read, write, computeTime, memoryTime, time, bound };
    });
    let time = 0, bound = 0;
    const byCategory = { matmul: 0, vector: 0, none: 0 };
    kernels.forEach((k, i) => {
      time += k.time; bound += k.bound;
      const tag = leaves[i].node.compute;
      byCategory[CATEGORIES.includes(tag) ? tag : "vector"] += k.time;
    });
    const repeats = rows.filter((row) => row.node.repeat !== undefined).map((row) => f(row.node.repeat));
    let memory = null;
    if (D.memory) {
      // compiler/eval/memory.py Memory: the footprint's closed forms, exact, against the usable capacity
      const [weights, cache, activations] = D.memory.map(f);
      const total = R.add(R.add(weights, cache), activations);
      memory = { weights, cache, activations, total, capacity: peaks.capacity, fits: peaks.capacity === null ? null : R.le(total, peaks.capacity) };
    }
    return { totals, kernels, time, bound, byCategory, repeats, memory };
  }
  // FLOPs per byte, rounded once as Python divides (None where no byte moves)
  const intensity = (flops, moved) => (R.t(moved) ? R.float(R.div(flops, moved)) : null);
  function setNumber(cell, value, text, exact) {
    cell.textContent = text;
    if (exact === undefined) { cell.removeAttribute("data-value"); cell.removeAttribute("title"); return; }
    cell.setAttribute("data-value", exact);
    cell.title = exact;
  }

  let result = null;
  function show(r, peaks) {
    const [flops, read, write] = r.totals;
    setNumber($("kc-total-flops"), flops, si(flops, "FLOP"), R.text(flops));
    setNumber($("kc-total-read"), read, binary(read), R.text(read));
    setNumber($("kc-total-write"), write, binary(write), R.text(write));
    setNumber($("kc-total-intensity"), null, ratio(intensity(flops, R.add(read, write))), undefined);
    setNumber($("kc-total-time"), r.time, D.roots ? duration(r.time) : "—", D.roots ? String(r.time) : undefined);
    $("kc-total-bound").textContent = D.roots ? boundShare(r.bound, r.time) || "—" : "—";
    const parts = CATEGORIES.map((c) => `${c === "none" ? "data movement" : c} ${percent(r.byCategory[c], r.time)}`);
    $("kc-total-split").textContent = r.time ? `${percent(r.bound, r.time)} of the time in compute-bound kernels; by kind: ${parts.join(", ")}` : "";
    let repeat = 0;
    for (const row of rows) {
      const repeatValue = row.node.repeat !== undefined ? r.repeats[repeat++] : undefined;
      let flopsSum, readSum, writeSum, time, bound;
      if (row.leaf) {
        const k = r.kernels[row.leafIndex];
        [flopsSum, readSum, writeSum, time, bound] = [k.flops, k.read, k.write, k.time, k.bound];
      } else {
        flopsSum = 0n; readSum = 0n; writeSum = 0n; time = 0.0; bound = 0.0;
        for (let i = row.first; i < row.last; i++) {
          const k = r.kernels[i];
          flopsSum = R.add(flopsSum, k.flops); readSum = R.add(readSum, k.read); writeSum = R.add(writeSum, k.write);
          time += k.time; bound += k.bound;
        }
      }
      // Every row's exact values are written at once (the hooks for scripts); the text of a hidden row when it is shown.
      const c = row.cells;
      c.flops.setAttribute("data-value", R.text(flopsSum));
      c.read.setAttribute("data-value", R.text(readSum));
      c.write.setAttribute("data-value", R.text(writeSum));
      c.time.setAttribute("data-value", String(time));
      row.numbers = { repeatValue, flopsSum, readSum, writeSum, time, bound, total: r.time };
      if (row.tr.hidden) row.painted = false;
      else paintRow(row);
    }
    const device = peaks.device;
    $("kc-peaks").textContent = `${peaks.precision} matmul ${rate(peaks.matmul, "FLOP/s")}, vector ${rate(peaks.vector, "FLOP/s")}${peaks.published ? "" : " (no published vector rate: the matmul peak)"}, memory ${rate(peaks.bandwidth, "B/s")}${device.capacityExact !== null ? `, ${rate(R.float(device.capacityExact), "B")}` : ""}`;
    if (r.memory) showMemory(r.memory, peaks);
    chart(r, peaks);
  }
  function showMemory(m, peaks) {
    // the memory line of kc eval (compiler/eval/memory.py Memory.lines), as cards and a bar
    for (const key of ["weights", "cache", "activations", "total"]) setNumber($(`kc-memory-${key}`), m[key], binary(m[key]), R.text(m[key]));
    const fits = $("kc-memory-fits"), note = $("kc-memory-note"), device = peaks.device;
    const parts = `weights ${binary(m.weights)} + cache ${binary(m.cache)} + activations ${binary(m.activations)} = ${binary(m.total)}`;
    const scale = R.float(m.capacity === null || R.gt(m.total, m.capacity) ? m.total : m.capacity);
    const width = (x) => (scale > 0 ? `${((100 * R.float(x)) / scale).toFixed(3)}%` : "0%");
    for (const key of ["weights", "cache", "activations"]) $(`kc-bar-${key}`).style.width = width(m[key]);
    $("kc-bar-capacity").hidden = m.capacity === null;
    if (m.capacity === null) {
      setNumber($("kc-memory-capacity"), null, "—", undefined);
      setNumber(fits, null, "—", undefined);
      fits.className = "";
      note.textContent = `${parts}; ${device.id} gives no memory capacity`;
      return;
    }
    $("kc-bar-capacity").style.left = width(m.capacity);
    setNumber($("kc-memory-capacity"), m.capacity, binary(m.capacity), R.text(m.capacity));
    const headroom = R.sub(m.capacity, m.total);
    fits.textContent = m.fits ? "yes" : "no";
    fits.setAttribute("data-value", String(m.fits));
    fits.title = m.fits ? `${R.text(headroom)} bytes to spare` : `${R.text(R.neg(headroom))} bytes too many`;
    fits.className = m.fits ? "kc-fits" : "kc-overflows";
    const share = peaks.fraction === 1 ? "" : ` (${peaks.fraction} of the device's ${binary(device.capacityExact)})`;
    const verdict = m.fits ? `fits, ${binary(headroom)} to spare` : `does not fit: ${binary(R.neg(headroom))} too much`;
    note.textContent = `${parts} of ${binary(m.capacity)} on ${device.id}${share}: ${verdict}`;
  }
  function paintRow(row) {
    const { repeatValue, flopsSum, readSum, writeSum, time, bound, total } = row.numbers;
    const c = row.cells;
    if (repeatValue !== undefined) row.repeatSpan.textContent = ` × ${R.text(repeatValue)}`;
    c.flops.textContent = si(flopsSum, "FLOP");
    c.read.textContent = binary(readSum);
    c.write.textContent = binary(writeSum);
    c.intensity.textContent = ratio(intensity(flopsSum, R.add(readSum, writeSum)));
    c.time.textContent = duration(time);
    const kind = row.leaf ? (!time ? "none" : 2 * bound >= time ? "compute" : "memory") : boundShare(bound, time);
    c.bound.textContent = kind;
    c.bound.className = `kc-num kc-bound kc-is-${kind.split(" ").pop() || "none"}`;
    c.share.textContent = percent(time, total);
    row.tr.classList.toggle("kc-empty", !R.t(flopsSum) && !R.t(readSum) && !R.t(writeSum));
    row.painted = true;
  }
  function clear(message) {
    for (const id of ["kc-total-flops", "kc-total-read", "kc-total-write", "kc-total-intensity", "kc-total-time"]) setNumber($(id), null, "—", undefined);
    if (D.memory) {
      for (const key of ["weights", "cache", "activations", "total", "capacity", "fits"]) setNumber($(`kc-memory-${key}`), null, "—", undefined);
      $("kc-memory-fits").className = "";
      $("kc-memory-note").textContent = "";
      for (const key of ["weights", "cache", "activations"]) $(`kc-bar-${key}`).style.width = "0%";
      $("kc-bar-capacity").hidden = true;
    }
    $("kc-total-bound").textContent = "—";
    $("kc-total-split").textContent = "";
    for (const row of rows) {
      for (const cell of Object.values(row.cells)) { cell.textContent = ""; cell.removeAttribute("data-value"); cell.removeAttribute("title"); }
      row.numbers = null;
      row.painted = true;
    }
    $("kc-chart").replaceChildren();
    $("kc-status").textContent = message;
    $("kc-status").hidden = false;
  }
  function recompute() {
    const started = performance.now();
    const { v, problems } = values();
    if (problems.length) { clear(problems.join("; ")); return; }
    let peaks;
    try {
      peaks = peaksOf(v);
      result = compute(v, peaks);
    } catch (error) {
      if (!(error instanceof R.KcError) && !(error instanceof RangeError)) throw error;
      clear(`the formulas cannot be evaluated at these values: ${error.message}`);
      return;
    }
    show(result, peaks);
    $("kc-status").hidden = true;
    const elapsed = performance.now() - started;
    document.body.setAttribute("data-recompute-ms", elapsed.toFixed(3));
  }
  // The numbers follow every keystroke; the address follows once typing pauses (browsers throttle history updates).
  let pending = null;
  function changed() {
    recompute();
    clearTimeout(pending);
    pending = setTimeout(writeFragment, 150);
  }

  // ---------------------------------------------------------------- the roofline chart

  let chartWidth = 0;  // measured on load and resize: reading it while recomputing would force a layout
  function chart(r, peaks) {
    const box = $("kc-chart");
    const W = Math.max(320, Math.min(720, chartWidth || 640)), H = Math.round(W * 0.6), left = 56, right = 12, top = 16, bottom = 44;
    const points = r.kernels.map((k, i) => ({ k, row: leaves[i], x: intensity(k.flops, R.add(k.read, k.write)), y: k.time ? R.float(k.flops) / k.time : 0 }))
      .filter((p) => p.x !== null && p.x > 0 && p.y > 0);
    const roof = Math.max(peaks.matmul, peaks.vector);
    let x0 = 1e-2, x1 = 1e4;
    for (const p of points) { x0 = Math.min(x0, p.x / 2); x1 = Math.max(x1, p.x * 2); }
    let y1 = roof * 3, y0 = Math.min(roof / 1e5, ...points.map((p) => p.y / 2));
    const lx0 = Math.floor(Math.log10(x0)), lx1 = Math.ceil(Math.log10(x1)), ly0 = Math.floor(Math.log10(y0)), ly1 = Math.ceil(Math.log10(y1));
    const X = (x) => left + ((Math.log10(x) - lx0) / (lx1 - lx0)) * (W - left - right);
    const Y = (y) => H - bottom - ((Math.log10(y) - ly0) / (ly1 - ly0)) * (H - top - bottom);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "kc-chart-title", class: "kc-svg" });
    const title = svg("title", { id: "kc-chart-title" });
    title.textContent = `Roofline of ${D.short} on ${peaks.device.name}: attained FLOP/s against FLOPs per byte, one point per kernel`;
    root.append(title);
    for (let e = lx0; e <= lx1; e++) {
      root.append(svg("line", { x1: X(10 ** e), x2: X(10 ** e), y1: top, y2: H - bottom, class: "kc-grid" }));
      const label = svg("text", { x: X(10 ** e), y: H - bottom + 16, "text-anchor": "middle", class: "kc-axis" });
      label.textContent = e >= 0 && e <= 3 ? String(10 ** e) : `1e${e}`;
      root.append(label);
    }
    for (let e = ly0; e <= ly1; e += Math.max(1, Math.ceil((ly1 - ly0) / 8))) {
      root.append(svg("line", { x1: left, x2: W - right, y1: Y(10 ** e), y2: Y(10 ** e), class: "kc-grid" }));
      const label = svg("text", { x: left - 6, y: Y(10 ** e) + 4, "text-anchor": "end", class: "kc-axis" });
      label.textContent = si(10 ** e, "").trim();
      root.append(label);
    }
    const xl = svg("text", { x: (left + W - right) / 2, y: H - 8, "text-anchor": "middle", class: "kc-axis-title" });
    xl.textContent = "arithmetic intensity (FLOP/B)";
    const yl = svg("text", { x: 14, y: (top + H - bottom) / 2, "text-anchor": "middle", class: "kc-axis-title", transform: `rotate(-90 14 ${(top + H - bottom) / 2})` });
    yl.textContent = "FLOP/s";
    root.append(xl, yl);
    const clip = (y) => Math.min(Math.max(y, 10 ** ly0), 10 ** ly1);
    for (const [peak, name] of [[peaks.matmul, "matmul"], [peaks.vector, "vector"]]) {
      const knee = peak / peaks.bandwidth;
      const from = Math.max(10 ** lx0, clip(peaks.bandwidth * 10 ** lx0) / peaks.bandwidth);
      root.append(svg("polyline", { points: `${X(from)},${Y(clip(peaks.bandwidth * from))} ${X(knee)},${Y(peak)} ${X(10 ** lx1)},${Y(peak)}`, class: `kc-roof kc-roof-${name}` }));
      const label = svg("text", { x: W - right - 4, y: Y(peak) - 5, "text-anchor": "end", class: "kc-roof-label" });
      label.textContent = `${name} ${rate(peak, "FLOP/s")}`;
      root.append(label);
    }
    for (const p of points) {
      const share = r.time ? p.k.time / r.time : 0;
      const dot = svg("circle", { cx: X(p.x), cy: Y(clip(p.y)), r: 3 + 12 * Math.sqrt(share), class: `kc-dot kc-dot-${p.row.node.compute || "untagged"}` });
      const tip = svg("title");
      tip.textContent = `${p.row.node.op}: ${ratio(p.x)} FLOP/B, ${si(p.y, "FLOP/s")}, ${duration(p.k.time)}`;
      dot.append(tip);
      root.append(dot);
    }
    box.replaceChildren(root);
  }

  // ---------------------------------------------------------------- wiring

  for (const input of inputs) input.addEventListener("input", changed);
  deviceSelect.addEventListener("change", () => { fillPrecisions(precisionSelect.value); changed(); });
  for (const element of [precisionSelect, computeInput, memoryInput, ...(fractionInput ? [fractionInput] : [])]) element.addEventListener(element.tagName === "SELECT" ? "change" : "input", changed);
  let width = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth !== width && result) { width = window.innerWidth; chartWidth = $("kc-chart").clientWidth; recompute(); }
  });
  apply(readFragment());
  chartWidth = $("kc-chart").clientWidth;
  recompute();
  document.body.setAttribute("data-kc-ready", "true");
  window.kc = { recompute, values: () => values().v.map((x) => (x === undefined ? null : R.text(x))) };
})();
