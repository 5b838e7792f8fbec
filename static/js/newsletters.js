/* newsletters.js: the In the Loop block editor (autosave through the API),
 * preview modes, checks, and live send progress (stream issue:<id>). */
(function () {
  "use strict";

  var FIELDS = {
    heading: [["text", "Heading"]],
    text: [["markdown", "Text (Markdown)", "textarea"]],
    story: [["title", "Title"], ["summary", "Summary", "textarea"], ["image_url", "Image URL"],
      ["image_alt", "Image alt text"], ["url", "Read more link"]],
    thread: [["title", "Thread title"], ["url", "Thread link"], ["excerpt", "Excerpt", "textarea"],
      ["comment_count", "Comment count", "number"]],
    question: [["question", "Question", "textarea"], ["answer", "Official answer", "textarea"],
      ["answered_by", "Answered by"], ["url", "Link"]],
    announcement: [["title", "Title"], ["body", "Text", "textarea"], ["url", "Link"]],
    event: [["title", "Title"], ["starts_at", "Starts", "datetime-local"],
      ["ends_at", "Ends", "datetime-local"], ["place", "Place"], ["details", "Details", "textarea"]],
    links: [["title", "Title"], ["items", "Links, one per line: label | URL", "links"]],
    divider: []
  };
  var LABELS = {
    heading: "Heading", text: "Text", story: "Story", thread: "Let's Talk thread",
    question: "Answered question", announcement: "Announcement", event: "Event",
    links: "Links list", divider: "Divider"
  };
  var SAVE_DELAY = 800;

  var root = document.querySelector("[data-issue-editor]");
  if (!root) return;
  var editable = root.dataset.editable === "1";
  var api = root.dataset.api;
  var list = root.querySelector("[data-block-list]");
  var status = root.querySelector("[data-save-status]");
  var errorBox = root.querySelector("[data-save-errors]");
  var blocks = JSON.parse(document.getElementById("issue-blocks").textContent);
  var timer = null;
  var counter = 0;
  var dragged = null;

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function newId() {
    return Math.random().toString(16).slice(2, 10);
  }

  function toLocal(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d)) return "";
    var pad = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
      "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function fieldInput(block, spec) {
    var name = spec[0], kind = spec[2] || "text";
    var id = "b" + (counter++) + "-" + name;
    var wrap = document.createElement("div");
    wrap.className = "field";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = spec[1];
    var input = document.createElement(kind === "textarea" || kind === "links" ? "textarea" : "input");
    input.id = id;
    if (input.tagName === "INPUT") input.type = kind;
    if (kind === "links") {
      input.value = (block.items || []).map(function (i) { return i.label + " | " + i.url; }).join("\n");
    } else if (kind === "datetime-local") {
      input.value = toLocal(block[name]);
    } else {
      input.value = block[name] === undefined || block[name] === null ? "" : block[name];
    }
    input.disabled = !editable;
    input.addEventListener("input", function () {
      if (kind === "links") {
        block.items = input.value.split("\n").filter(function (l) { return l.trim(); }).map(function (l) {
          var parts = l.split("|");
          return { label: parts[0].trim(), url: (parts.slice(1).join("|") || "").trim() };
        });
      } else if (kind === "datetime-local") {
        block[name] = input.value ? new Date(input.value).toISOString() : null;
      } else if (kind === "number") {
        block[name] = parseInt(input.value, 10) || 0;
      } else {
        block[name] = input.value;
      }
      scheduleSave();
    });
    wrap.appendChild(label);
    wrap.appendChild(input);
    return wrap;
  }

  function button(text, label, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", action);
    return b;
  }

  function move(index, delta) {
    var to = index + delta;
    if (to < 0 || to >= blocks.length) return;
    var item = blocks.splice(index, 1)[0];
    blocks.splice(to, 0, item);
    render(to);
    announce(LABELS[item.kind] + " moved to position " + (to + 1) + " of " + blocks.length + ".");
    scheduleSave();
  }

  function announce(text) {
    status.textContent = text;
  }

  function renderBlock(block, index) {
    var li = document.createElement("li");
    li.className = "loop-block-editor";
    li.dataset.index = index;
    var title = LABELS[block.kind] + " (block " + (index + 1) + ")";
    var fieldset = document.createElement("fieldset");
    var legend = document.createElement("legend");
    legend.textContent = title;
    fieldset.appendChild(legend);
    (FIELDS[block.kind] || []).forEach(function (spec) { fieldset.appendChild(fieldInput(block, spec)); });
    li.appendChild(fieldset);
    if (editable) {
      var handle = document.createElement("span");
      handle.className = "loop-drag";
      handle.textContent = "⠿ drag";
      handle.setAttribute("aria-hidden", "true");
      li.insertBefore(handle, fieldset);
      li.draggable = true;
      var tools = document.createElement("div");
      tools.className = "loop-block-tools";
      tools.appendChild(button("Move up", "Move up: " + title, function () { move(index, -1); }));
      tools.appendChild(button("Move down", "Move down: " + title, function () { move(index, 1); }));
      tools.appendChild(button("Duplicate", "Duplicate: " + title, function () {
        var copy = JSON.parse(JSON.stringify(block));
        copy.id = newId();
        blocks.splice(index + 1, 0, copy);
        render(index + 1);
        announce(LABELS[block.kind] + " duplicated.");
        scheduleSave();
      }));
      tools.appendChild(button("Remove", "Remove: " + title, function () {
        blocks.splice(index, 1);
        render(Math.min(index, blocks.length - 1));
        announce(LABELS[block.kind] + " removed.");
        scheduleSave();
      }));
      li.appendChild(tools);
      li.addEventListener("keydown", function (e) {
        if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
          e.preventDefault();
          move(index, e.key === "ArrowUp" ? -1 : 1);
        }
      });
      li.addEventListener("dragstart", function (e) {
        dragged = index;
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setData("text/plain", String(index));
      });
      li.addEventListener("dragover", function (e) { e.preventDefault(); });
      li.addEventListener("drop", function (e) {
        e.preventDefault();
        if (dragged === null || dragged === index) return;
        move(dragged, index - dragged);
        dragged = null;
      });
    }
    return li;
  }

  function render(focusIndex) {
    list.textContent = "";
    blocks.forEach(function (block, i) { list.appendChild(renderBlock(block, i)); });
    if (focusIndex !== undefined && focusIndex >= 0 && list.children[focusIndex]) {
      var target = list.children[focusIndex].querySelector("input, textarea, button");
      if (target) target.focus();
    }
  }

  function payload() {
    var body = { blocks: blocks };
    root.querySelectorAll("[data-field]").forEach(function (input) {
      body[input.dataset.field] = input.type === "checkbox" ? input.checked : input.value;
    });
    return body;
  }

  function showErrors(body) {
    errorBox.textContent = "";
    var fields = (body && body.error && body.error.fields) || {};
    Object.keys(fields).forEach(function (key) {
      var p = document.createElement("p");
      p.textContent = key + ": " + fields[key].join(" ");
      errorBox.appendChild(p);
    });
    if (!Object.keys(fields).length && body && body.error) {
      var p = document.createElement("p");
      p.textContent = body.error.message;
      errorBox.appendChild(p);
    }
  }

  function save() {
    announce("Saving…");
    fetch(api, {
      method: "PATCH",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(payload())
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        if (result.body.blocks.length === blocks.length) {
          blocks.forEach(function (b, i) { b.id = result.body.blocks[i].id; });
        }
        errorBox.textContent = "";
        announce("All changes saved.");
        refreshPreview();
      } else {
        announce("Not saved: fix the problems below.");
        showErrors(result.body);
      }
    }).catch(function () { announce("Not saved: the connection failed. Retrying on your next change."); });
  }

  function scheduleSave() {
    if (!editable) return;
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY);
  }

  var frame = document.querySelector("[data-preview]");
  function refreshPreview() {
    if (frame) frame.src = frame.src;
  }
  document.querySelectorAll("[data-preview-mode]").forEach(function (b) {
    b.addEventListener("click", function () {
      var mode = b.dataset.previewMode;
      document.querySelectorAll("[data-preview-mode]").forEach(function (o) {
        o.setAttribute("aria-pressed", o === b ? "true" : "false");
      });
      frame.className = "loop-preview " + mode;
      frame.src = frame.dataset.base + "?as=" + (mode === "web" ? "web" : "email");
    });
  });

  var checks = document.querySelector("[data-run-checks]");
  if (checks) {
    checks.addEventListener("click", function () {
      fetch(api + "preview/", { credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (body) {
          var box = document.querySelector("[data-preflight]");
          box.textContent = "";
          var pf = body.preflight;
          pf.errors.forEach(function (t) { var p = document.createElement("p"); p.className = "error"; p.textContent = t; box.appendChild(p); });
          pf.warnings.forEach(function (t) { var p = document.createElement("p"); p.className = "notice"; p.textContent = t; box.appendChild(p); });
          var total = document.createElement("p");
          total.textContent = (pf.ok && !pf.warnings.length ? "All checks pass. " : "") +
            pf.recipients.total + " recipients.";
          box.appendChild(total);
        });
    });
  }

  root.querySelectorAll("[data-field]").forEach(function (input) {
    input.addEventListener(input.type === "checkbox" ? "change" : "input", scheduleSave);
  });
  var add = root.querySelector("[data-add-block]");
  if (add) {
    add.addEventListener("click", function () {
      var kind = root.querySelector("[data-new-kind]").value;
      var block = { id: newId(), kind: kind };
      if (kind === "links") block.items = [];
      blocks.push(block);
      render(blocks.length - 1);
      announce(LABELS[kind] + " added as block " + blocks.length + ".");
      scheduleSave();
    });
  }

  var bar = document.querySelector("[data-progress]");
  var barText = document.querySelector("[data-progress-text]");
  document.addEventListener("live:snapshot", function (e) {
    if (!bar || e.detail.type !== "issue.progress") return;
    var d = e.detail.data;
    bar.value = d.percent;
    barText.textContent = d.sent + " of " + d.total + " sent, " + d.failed + " failed, " +
      d.pending + " to go (" + d.status + ").";
    var label = document.querySelector("[data-issue-status]");
    if (label) label.textContent = d.status;
  });

  render();
})();
