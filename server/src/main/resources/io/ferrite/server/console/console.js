// The Ferrite console: one page, routed by the URL's hash, drawn from the broker's /api/ JSON. Every value from
// the broker goes into the page as text (never as HTML), so record keys and values cannot inject markup.
"use strict";

const page = document.getElementById("page");
let refresh = null; // the current page's periodic redraw, stopped when another page is shown
const charts = [];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.substring(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

async function api(path) {
  const r = await fetch("/api/" + path);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.status);
  return body;
}

// A change: JSON with the header the broker asks of the console's own page.
async function post(path, body) {
  const r = await fetch("/api/" + path, {method: "POST",
    headers: {"Content-Type": "application/json", "X-Ferrite-Console": "1"}, body: JSON.stringify(body)});
  const answer = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(answer.error || ("HTTP " + r.status));
  return answer;
}

// "key=value" lines into an object; blank lines are skipped.
function keyValues(text) {
  const out = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error("not key=value: " + line.trim());
    out[line.substring(0, eq).trim()] = line.substring(eq + 1).trim();
  }
  return out;
}

function bytes(n) {
  if (n === null || n === undefined || n < 0) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? Math.round(n) : n.toFixed(1)) + " " + units[i];
}

function num(n) {
  return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US", {maximumFractionDigits: 1});
}

function duration(ms) {
  const s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
      m = Math.floor(s % 3600 / 60);
  return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + (s % 60) + "s";
}

function time(ms) {
  return ms < 0 ? "–" : new Date(ms).toISOString().replace("T", " ").replace("Z", " UTC");
}

function card(label, value, id) {
  return el("div", {class: "card", id: id}, el("div", {class: "label"}, label), el("div", {class: "value"}, value));
}

function table(id, headers, rows) {
  return el("table", {id: id},
      el("thead", {}, el("tr", {}, headers.map(h => el("th", {class: h.num ? "num" : ""}, h.label || h)))),
      el("tbody", {}, rows));
}

function td(value, cls) {
  return el("td", {class: cls || ""}, value);
}

function show(name, ...content) {
  for (const c of charts.splice(0)) c.destroy();
  page.replaceChildren(...content);
  page.dataset.page = name;
  for (const a of document.querySelectorAll("header nav a")) {
    a.classList.toggle("active", a.id === "nav-" + name.split("-")[0]);
  }
}

function failed(e) {
  show("error", el("p", {class: "error", id: "error"}, "The broker did not answer: " + e.message));
}

// A live chart: series is a list of {label, stroke}; data is [times (s), values...].
// Fewer points than a few minutes' worth are drawn over the last five minutes, each point marked.
function chart(target, series, data, yLabel) {
  const width = Math.max(320, target.clientWidth - 16);
  const times = data[0];
  const sparse = times.length < 30;
  const last = times.length ? times[times.length - 1] : Date.now() / 1000;
  const u = new uPlot({
    width: width, height: 220,
    scales: {x: {time: true, range: (u, min, max) => sparse ? [last - 300, last + 10] : [min, max]},
      y: {range: (u, min, max) => [0, Math.max(1, max * 1.1)]}},
    axes: [{}, {label: yLabel, size: 70}],
    series: [{}].concat(series.map(s => ({label: s.label, stroke: s.stroke, width: 2,
      points: {show: sparse, size: 6}}))),
  }, data, target);
  charts.push(u);
  return u;
}

async function health() {
  try {
    const r = await fetch("/health");
    const h = document.getElementById("health");
    h.textContent = r.ok ? "ready" : "not ready";
    h.className = "health " + (r.ok ? "ok" : "bad");
  } catch (e) { /* the next route change tries again */ }
}

// Overview: identity, counts, and the last hour's throughput.
async function overview() {
  const [o, t] = await Promise.all([api("overview"), api("throughput")]);
  const chartBox = el("div", {class: "chart", id: "throughput-chart", "data-points": t.points.length});
  show("overview",
      el("h1", {}, "Cluster overview"),
      el("div", {class: "cards"},
          card("Version", o.version, "card-version"),
          card("Cluster id", o.clusterId, "card-cluster"),
          card("Node", o.nodeId + (o.rack ? " (rack " + o.rack + ")" : "")),
          card("Uptime", duration(o.uptimeMs), "card-uptime"),
          card("Topics", num(o.topics), "card-topics"),
          card("Partitions", num(o.partitions), "card-partitions"),
          card("Groups", num(o.groups), "card-groups"),
          card("Flush mode", o.flushMode),
          card("Messages in / s", num(o.now ? o.now.messagesIn : o.totals.messagesInRate), "card-rate"),
          card("Bytes in / s", bytes(o.now ? o.now.bytesIn : o.totals.bytesInRate)),
          card("Bytes out / s", bytes(o.now ? o.now.bytesOut : o.totals.bytesOutRate)),
          card("Messages in (since start)", num(o.totals.messagesIn), "card-messages")),
      el("h2", {}, "Listeners"),
      table("listeners-table", ["Name", "Protocol", "Host", "Port"],
          o.listeners.map(l => el("tr", {}, td(l.name), td(l.protocol), td(l.host || "(all)"), td(l.port)))),
      el("h2", {}, "Throughput, last hour (a point every " + t.intervalMs / 1000 + " s)"),
      chartBox);
  const data = [t.points.map(p => p.time / 1000), t.points.map(p => p.messagesIn),
    t.points.map(p => p.bytesIn / 1048576), t.points.map(p => p.bytesOut / 1048576)];
  if (t.points.length === 0) {
    chartBox.appendChild(el("p", {class: "muted"}, "The first point comes " + t.intervalMs / 1000
        + " s after the start."));
  }
  chart(chartBox, [{label: "messages in / s", stroke: "#b4541c"}, {label: "MiB in / s", stroke: "#2a6fb0"},
    {label: "MiB out / s", stroke: "#1e7a3c"}], data, "per second");
}

function createForm() {
  const name = el("input", {id: "create-name", placeholder: "topic name", required: ""});
  const partitions = el("input", {id: "create-partitions", type: "number", min: "1", value: "1"});
  const configs = el("textarea", {id: "create-configs", rows: "2", cols: "36",
    placeholder: "retention.ms=86400000 (one key=value a line)"});
  const message = el("p", {id: "create-message", class: "muted"});
  return el("div", {},
      el("h2", {}, "Create a topic"),
      el("form", {class: "browse", id: "create-form", onsubmit: async (e) => {
        e.preventDefault();
        try {
          const made = await post("topics", {name: name.value.trim(), partitions: Number(partitions.value),
            configs: keyValues(configs.value)});
          location.hash = "#/topics/" + encodeURIComponent(made.created);
        } catch (err) {
          message.className = "error";
          message.textContent = "Not created: " + err.message;
        }
      }},
          el("label", {}, "Name", name), el("label", {}, "Partitions", partitions),
          el("label", {}, "Configs", configs), el("button", {type: "submit", id: "create-go"}, "Create")),
      message);
}

// Whether this broker lets the console change topics (it does not while an authorizer runs): asked once.
let writablePromise = null;
function writable() {
  writablePromise = writablePromise || api("overview").then(o => o.writable, () => false);
  return writablePromise;
}

async function topics() {
  const [list, canWrite] = await Promise.all([api("topics"), writable()]);
  show("topics",
      el("h1", {}, "Topics"),
      list.length === 0 ? el("p", {class: "muted"}, "No topics yet.") :
          table("topics-table", ["Topic", {label: "Partitions", num: true}, {label: "Offsets held", num: true},
            {label: "Size", num: true}, {label: "Configs set", num: true}],
          list.map(t => el("tr", {},
              el("td", {}, el("a", {href: "#/topics/" + encodeURIComponent(t.name)}, t.name)),
              td(num(t.partitions), "num"), td(num(t.offsets), "num"), td(bytes(t.sizeBytes), "num"),
              td(num(t.configs), "num")))),
      canWrite ? createForm() : null);
}

function configForm(name) {
  const key = el("input", {id: "config-key", placeholder: "retention.ms"});
  const value = el("input", {id: "config-value", placeholder: "value"});
  const message = el("p", {id: "config-message", class: "muted"});
  const send = async (body) => {
    try {
      await post("topics/" + encodeURIComponent(name) + "/configs", body);
      route();
    } catch (err) {
      message.className = "error";
      message.textContent = "Not changed: " + err.message;
    }
  };
  return el("div", {},
      el("h2", {}, "Change a config"),
      el("form", {class: "browse", id: "config-form", onsubmit: (e) => {
        e.preventDefault();
        send({set: {[key.value.trim()]: value.value.trim()}});
      }},
          el("label", {}, "Config", key), el("label", {}, "Value", value),
          el("button", {type: "submit", id: "config-set"}, "Set"),
          el("button", {type: "button", class: "secondary", id: "config-delete",
            onclick: () => send({delete: [key.value.trim()]})}, "Delete (back to the default)")),
      message);
}

async function topic(name) {
  const [t, canWrite] = await Promise.all([api("topics/" + encodeURIComponent(name)), writable()]);
  const configs = Object.entries(t.configs);
  show("topic",
      el("h1", {}, "Topic " + t.name),
      el("p", {class: "muted"}, "id " + t.id),
      el("h2", {}, "Partitions"),
      table("partitions-table", ["Partition", {label: "Log start", num: true}, {label: "Log end", num: true},
        {label: "Last stable", num: true}, {label: "Size", num: true}, ""],
      t.partitions.map(p => el("tr", {},
          td(p.partition), td(num(p.logStartOffset), "num"), td(num(p.logEndOffset), "num"),
          td(num(p.lastStableOffset), "num"), td(bytes(p.sizeBytes), "num"),
          el("td", {}, el("a", {href: "#/topics/" + encodeURIComponent(t.name) + "/records?partition=" + p.partition,
            class: "browse-link"}, "browse records"))))),
      el("h2", {}, "Configs set on the topic"),
      configs.length === 0 ? el("p", {class: "muted", id: "configs-none"}, "None: the broker's defaults apply.") :
          table("configs-table", ["Key", "Value"], configs.map(([k, v]) => el("tr", {}, td(k), td(v)))),
      canWrite ? configForm(t.name) : null);
}

function bytesCell(b, showHex) {
  if (b === null) return el("td", {class: "bytes muted"}, "null");
  const shown = b.text !== null && !showHex ? b.text : b.hex;
  return el("td", {class: "bytes" + (b.text === null || showHex ? " hex" : "")},
      shown + (b.truncated ? " … (" + bytes(b.size) + ")" : ""));
}

async function records(name, params) {
  const t = await api("topics/" + encodeURIComponent(name));
  const query = new URLSearchParams({partition: params.get("partition") || "0", limit: params.get("limit") || "20"});
  if (params.get("timestamp")) query.set("timestamp", params.get("timestamp"));
  else if (params.get("offset")) query.set("offset", params.get("offset"));
  const page = await api("topics/" + encodeURIComponent(name) + "/records?" + query);
  const showHex = params.get("hex") === "1";
  const go = (extra) => {
    const p = new URLSearchParams({partition: String(page.partition)});
    for (const [k, v] of Object.entries(extra)) if (v !== "" && v !== null) p.set(k, v);
    if (showHex && !("hex" in extra)) p.set("hex", "1");
    location.hash = "#/topics/" + encodeURIComponent(name) + "/records?" + p;
  };
  const partition = el("select", {id: "browse-partition"},
      t.partitions.map(p => el("option", {value: p.partition, selected: p.partition === page.partition ? "" : null},
          String(p.partition))));
  const offset = el("input", {id: "browse-offset", type: "number", min: "0", placeholder: String(page.from)});
  const at = el("input", {id: "browse-time", type: "datetime-local", step: "1"});
  show("records",
      el("h1", {}, "Records of " + name + ", partition " + page.partition),
      el("p", {class: "muted"}, "Offsets " + page.logStartOffset + " to " + page.logEndOffset + "; showing from "
          + page.from),
      el("form", {class: "browse", id: "browse-form", onsubmit: (e) => {
        e.preventDefault();
        const ts = at.value ? String(Date.parse(at.value + "Z")) : "";
        go({partition: partition.value, offset: ts ? "" : offset.value, timestamp: ts});
      }},
          el("label", {}, "Partition", partition),
          el("label", {}, "From offset", offset),
          el("label", {}, "Or from time (UTC)", at),
          el("button", {type: "submit", id: "browse-go"}, "Show"),
          el("button", {type: "button", class: "secondary", id: "browse-hex",
            onclick: () => go({offset: String(page.from), hex: showHex ? "" : "1"})}, showHex ? "Show text" : "Show hex")),
      page.records.length === 0 ? el("p", {class: "muted", id: "records-none"}, "No records from there.") :
          table("records-table", [{label: "Offset", num: true}, "Timestamp", "Key", "Value", "Headers"],
          page.records.map(r => el("tr", {},
              td(num(r.offset), "num"), td(time(r.timestamp) + (r.timestampType === "LogAppendTime" ? " (append)" : "")),
              bytesCell(r.key, showHex), bytesCell(r.value, showHex),
              el("td", {class: "bytes"}, r.headers.map(h => el("div", {},
                  h.key + " = " + (h.value === null ? "null" : (h.value.text !== null && !showHex ? h.value.text
                      : h.value.hex)))))))),
      page.next < page.logEndOffset
          ? el("p", {}, el("button", {id: "browse-next", onclick: () => go({offset: String(page.next)})},
              "Next records from " + page.next))
          : el("p", {class: "muted"}, "End of the partition."));
}

async function groups() {
  const list = await api("groups");
  show("groups",
      el("h1", {}, "Groups"),
      list.length === 0 ? el("p", {class: "muted"}, "No groups yet.") :
          table("groups-table", ["Group", "Type", "State"], list.map(g => el("tr", {},
              el("td", {}, el("a", {href: "#/groups/" + encodeURIComponent(g.groupId)}, g.groupId)),
              td(g.type), td(g.state)))));
}

async function group(id) {
  const g = await api("groups/" + encodeURIComponent(id));
  const total = g.offsets.reduce((s, o) => s + Math.max(0, o.lag), 0);
  const chartBox = el("div", {class: "chart", id: "lag-chart"});
  show("group",
      el("h1", {}, "Group " + g.groupId),
      el("div", {class: "cards"},
          card("Type", g.type, "card-type"), card("State", g.state, "card-state"),
          card("Members", num(g.members.length), "card-members"),
          card(g.type === "share" ? "Records not yet delivered" : "Total lag", num(total), "card-lag")),
      el("h2", {}, "Members"),
      g.members.length === 0 ? el("p", {class: "muted"}, "No members.") :
          table("members-table", ["Member", "Client", "Host", "Assigned partitions"], g.members.map(m => el("tr", {},
              td(m.memberId), td(m.clientId), td(m.host),
              td(m.assignment.map(a => a.topic + "-" + a.partition).join(", "))))),
      el("h2", {}, g.type === "share" ? "Share-partition start offsets" : "Committed offsets"),
      g.offsets.length === 0 ? el("p", {class: "muted"}, "No committed offsets.") :
          table("offsets-table", ["Topic", "Partition", {label: "Committed", num: true}, {label: "Log end", num: true},
            {label: "Lag", num: true}], g.offsets.map(o => el("tr", {},
              td(o.topic), td(o.partition), td(num(o.committed), "num"), td(num(o.logEndOffset), "num"),
              td(num(o.lag), "num")))),
      el("h2", {}, "Lag while this page is open"),
      chartBox);
  // The lag is sampled by the page itself, every refresh, for as long as it stays open.
  const key = "lag:" + id;
  const samples = (window[key] = window[key] || []);
  samples.push([Date.now() / 1000, total]);
  while (samples.length > 720) samples.shift();
  chart(chartBox, [{label: "total lag", stroke: "#b4541c"}],
      [samples.map(s => s[0]), samples.map(s => s[1])], "records");
}

async function store() {
  const s = await api("store");
  const v = s.view;
  const pos = (label, value, id) => el("tr", {id: id}, td(label), td(num(value), "num"),
      td(bytes(v.writePosition - value), "num"));
  show("store",
      el("h1", {}, "Store"),
      el("div", {class: "cards"},
          card("Flush mode", v.flushMode, "card-flush"),
          card("CommitLog files", num(v.files.length), "card-files"),
          card("Retained", bytes(v.files.length ? v.writePosition - v.files[0].fromPosition : 0), "card-retained"),
          card("ConsumeQueues", num(v.partitions), "card-queues"),
          card("Write buffers free", v.poolBuffers === 0 ? "no pool" : v.poolAvailable + " of " + v.poolBuffers,
              "card-pool"),
          card("Head file in page cache", s.headFileResidency < 0 ? "unknown"
              : (s.headFileResidency * 100).toFixed(1) + " %", "card-residency")),
      el("h2", {}, "CommitLog positions"),
      table("positions-table", ["Position", {label: "Bytes from the start", num: true},
        {label: "Behind the write position", num: true}], [
        pos("written", v.writePosition, "pos-write"), pos("committed to the file", v.committedPosition, "pos-commit"),
        pos("flushed (fsync)", v.flushedPosition, "pos-flush"),
        pos("checkpointed (recovery starts here)", v.checkpointedPosition, "pos-checkpoint")]),
      el("h2", {}, "CommitLog files"),
      table("files-table", ["File", {label: "Written", num: true}, {label: "Committed", num: true},
        {label: "Flushed", num: true}, "Fill", "Pooled buffer"], v.files.map(f => el("tr", {},
          td(f.name), td(bytes(f.wrote), "num"), td(bytes(f.committed), "num"), td(bytes(f.flushed), "num"),
          el("td", {}, el("div", {class: "bar"}, el("span", {style: "width:" + (100 * f.wrote / v.fileSize).toFixed(1)
              + "%"}))), td(f.pooled ? "yes" : "no")))),
      el("h2", {}, "Retention"),
      table("retention-table", ["", ""], [
        el("tr", {}, td("Last pass"), td(time(v.retention.lastPassMillis))),
        el("tr", {}, td("CommitLog files deleted since start"), td(num(v.retention.filesDeleted))),
        el("tr", {}, td("Oldest position still read"), td(num(v.retention.neededFrom))),
        el("tr", {}, td("Check interval"), td(num(s.retentionCheckIntervalMs) + " ms"))]),
      el("h2", {}, "Service threads"),
      table("services-table", ["Thread", "State"], v.services.map(t => el("tr", {},
          td(t.name), el("td", {class: t.running ? "" : "error"}, t.running ? "running" : "stopped")))),
      el("h2", {}, "Settings"),
      table("settings-table", ["", ""], [
        el("tr", {}, td("Data directory"), td(s.dataDir)),
        el("tr", {}, td("File size"), td(bytes(v.fileSize))),
        el("tr", {}, td("Flush interval"), td(s.flushIntervalMs + " ms")),
        el("tr", {}, td("Group commit gather"), td(s.groupCommitGatherMicros + " µs")),
        el("tr", {}, td("Warm new files / mlock"), td((s.warmFiles ? "yes" : "no") + " / " + (s.mlock ? "yes" : "no"))),
        el("tr", {}, td("Max disk used"), td((s.maxDiskUsedRatio * 100).toFixed(0) + " %"))]));
}

function route() {
  if (refresh) clearInterval(refresh);
  refresh = null;
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, queryString] = hash.split("?");
  const params = new URLSearchParams(queryString || "");
  const parts = path.split("/").filter(p => p).map(decodeURIComponent);
  let draw;
  if (parts.length === 0) draw = overview;
  else if (parts[0] === "topics" && parts.length === 1) draw = topics;
  else if (parts[0] === "topics" && parts.length === 2) draw = () => topic(parts[1]);
  else if (parts[0] === "topics" && parts[2] === "records") draw = () => records(parts[1], params);
  else if (parts[0] === "groups" && parts.length === 1) draw = groups;
  else if (parts[0] === "groups") draw = () => group(parts[1]);
  else if (parts[0] === "store") draw = store;
  else draw = async () => show("error", el("p", {class: "error"}, "No such page."));
  const run = () => draw().catch(failed);
  run();
  health();
  // Live pages redraw; the topic pages (which hold forms) and the record browser stay still.
  if (parts[0] !== "topics") refresh = setInterval(() => { run(); health(); }, 5000);
}

window.addEventListener("hashchange", route);
route();
