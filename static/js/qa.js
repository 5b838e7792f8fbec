/* Ask Leadership: votes without a page reload, the live question list, the
   pinned "now answering" question, and the anonymous asker's links kept on
   this device only. Live data arrives from live.js as document events:
   live:event {stream, id, type, data} and live:snapshot {stream, type, data}. */
(function () {
  "use strict";

  // A question passes its neighbour at once only when it leads by GAP votes;
  // a smaller lead must hold for PERSIST snapshots or SETTLE_MS.
  var GAP = 2;
  var PERSIST = 2;
  var SETTLE_MS = 1500;

  function outranks(votes, b, a) {
    return votes[b] > votes[a] || (votes[b] === votes[a] && b < a);
  }

  /* Pure: the calm display order. `current` is the order on screen (ids),
     `ranked` the snapshot ([{id, votes}], best first), `memory` what the last
     call returned, `fresh` whether this is a new snapshot (false for the
     settle timer). Returns {order, memory, waiting}. */
  function calmOrder(current, ranked, memory, now, fresh) {
    var votes = {};
    ranked.forEach(function (row) { votes[row.id] = row.votes; });
    var order = current.filter(function (id) { return id in votes; });
    ranked.forEach(function (row) { if (order.indexOf(row.id) < 0) { order.push(row.id); } });
    var next = {};
    var seen = {};
    var moved = true;
    var rounds = 0;
    while (moved && rounds++ <= order.length) {
      moved = false;
      for (var i = 0; i + 1 < order.length; i++) {
        var a = order[i];
        var b = order[i + 1];
        if (!outranks(votes, b, a)) { continue; }
        var key = b + ">" + a;
        var before = next[key] || memory[key] || { count: 0, since: now };
        var entry = {
          count: before.count + (fresh && !seen[key] && !next[key] ? 1 : 0),
          since: before.since
        };
        seen[key] = true;
        if (votes[b] - votes[a] >= GAP || entry.count >= PERSIST || now - entry.since >= SETTLE_MS) {
          order[i] = b;
          order[i + 1] = a;
          moved = true;
        } else {
          next[key] = entry;
        }
      }
    }
    return { order: order, memory: next, waiting: Object.keys(next).length > 0 };
  }

  window.QACalm = { calmOrder: calmOrder, GAP: GAP, PERSIST: PERSIST, SETTLE_MS: SETTLE_MS };

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function questionId(form) {
    var match = form.getAttribute("action").match(/questions\/(\d+)\//);
    return match ? match[1] : null;
  }

  function setCount(root, votes) {
    root.querySelectorAll("[data-votes-count]").forEach(function (el) { el.textContent = votes; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-qa-vote]");
    if (!form) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    var voted = button.getAttribute("aria-pressed") === "true";
    fetch("/api/v1/questions/" + questionId(form) + "/vote/", {
      method: voted ? "DELETE" : "POST",
      headers: { "X-CSRFToken": cookie("csrftoken"), "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error("vote failed"); }
      return response.json();
    }).then(function (body) {
      button.setAttribute("aria-pressed", body.you_voted ? "true" : "false");
      setCount(form, body.votes);
      var item = form.closest(".qa-item");
      if (item) { item.dataset.votes = body.votes; }
    }).catch(function () { form.submit(); });
  });

  var list = document.querySelector("[data-qa-list]");
  var streams = (document.body.dataset.streams || "").split(/\s+/);
  var listStream = streams.filter(function (s) { return /^qa:/.test(s); })[0];
  var memory = {};
  var lastRanking = null;
  var settleTimer = null;

  function newItem(question) {
    var li = document.createElement("li");
    li.className = "qa-item";
    li.dataset.questionId = question.id;
    li.dataset.votes = question.votes || 0;
    if (document.body.hasAttribute("data-qa-present") || document.body.hasAttribute("data-qa-host")) {
      var count = document.createElement("span");
      count.className = "qa-count";
      count.setAttribute("data-votes-count", "");
      count.textContent = question.votes || 0;
      var text = document.createElement(document.body.hasAttribute("data-qa-host") ? "a" : "span");
      text.setAttribute("data-qa-title", "");
      text.textContent = question.title;
      if (text.tagName === "A") { text.href = "/ask/questions/" + question.id + "/"; }
      li.append(count, " ", text);
      return li;
    }
    var votes = document.createElement("div");
    votes.className = "qa-votes";
    var form = document.createElement("form");
    form.method = "post";
    form.className = "inline";
    form.action = "/ask/questions/" + question.id + "/vote/";
    form.setAttribute("data-qa-vote", "");
    var csrf = document.createElement("input");
    csrf.type = "hidden";
    csrf.name = "csrfmiddlewaretoken";
    csrf.value = cookie("csrftoken");
    var button = document.createElement("button");
    button.type = "submit";
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-label", "Vote for: " + question.title);
    var number = document.createElement("span");
    number.setAttribute("data-votes-count", "");
    number.id = "qa-votes-" + question.id;
    number.textContent = question.votes || 0;
    button.setAttribute("aria-describedby", number.id);
    var arrow = document.createElement("span");
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = "▲";
    button.append(arrow, " ", number);
    form.append(csrf, button);
    votes.append(form);
    var main = document.createElement("div");
    main.className = "qa-main";
    var link = document.createElement("a");
    link.className = "qa-title";
    link.href = "/ask/questions/" + question.id + "/";
    link.setAttribute("data-qa-title", "");
    link.textContent = question.title;
    var meta = document.createElement("p");
    meta.className = "muted qa-meta";
    meta.textContent = question.anonymous ? "Anonymous" : (question.author ? question.author.name : "");
    main.append(link, meta);
    li.append(votes, main);
    return li;
  }

  function itemOf(id) {
    return list ? list.querySelector('.qa-item[data-question-id="' + id + '"]') : null;
  }

  function addQuestion(question) {
    if (!list || itemOf(question.id)) { return; }
    var empty = list.querySelector("[data-qa-empty]");
    if (empty) { empty.remove(); }
    list.append(newItem(question));
  }

  function applyRanking(fresh) {
    if (!list || !lastRanking) { return; }
    var rows = lastRanking.questions;
    var ranked = document.body.hasAttribute("data-qa-session");
    rows.forEach(function (row) {
      if (ranked && !itemOf(row.id)) { addQuestion(row); }
      var item = itemOf(row.id);
      if (!item) { return; }
      item.dataset.votes = row.votes;
      setCount(item, row.votes);
    });
    // Only a town hall's list is ranked by votes; the board may be sorted otherwise.
    if (!ranked) { return; }
    var current = Array.prototype.map.call(list.querySelectorAll(".qa-item"), function (li) {
      return Number(li.dataset.questionId);
    });
    var result = calmOrder(current, rows, memory, Date.now(), fresh);
    memory = result.memory;
    var limit = Number(list.dataset.qaLimit || 0);
    result.order.forEach(function (id, index) {
      var item = itemOf(id);
      item.hidden = limit > 0 && index >= limit;
      list.append(item);
    });
    clearTimeout(settleTimer);
    if (result.waiting) {
      settleTimer = setTimeout(function () { applyRanking(false); }, SETTLE_MS);
    }
  }

  function showNow(question) {
    document.querySelectorAll("[data-qa-now-title]").forEach(function (el) {
      el.textContent = question ? question.title : "Nothing yet.";
    });
    if (!list) { return; }
    list.querySelectorAll(".qa-item").forEach(function (li) {
      var current = question && Number(li.dataset.questionId) === question.id;
      li.classList.toggle("is-now", Boolean(current));
      if (current) { li.setAttribute("aria-current", "true"); } else { li.removeAttribute("aria-current"); }
    });
  }

  var STATES = { draft: "Draft", open: "Open for questions", live: "Live", closed: "Closed" };

  function announce(text) {
    var region = document.querySelector("[data-qa-announce]");
    if (region) { region.textContent = text; }
  }

  function onListEvent(type, data) {
    if (type === "question.created") {
      addQuestion(data);
      announce("New question: " + data.title);
    } else if (type === "question.removed") {
      var gone = itemOf(data.id);
      if (gone) { gone.remove(); }
    } else if (type === "question.updated" || type === "answer.created") {
      var item = itemOf(data.id);
      if (item) {
        item.querySelectorAll("[data-qa-title]").forEach(function (el) { el.textContent = data.title; });
        item.classList.toggle("answered", Boolean(data.answered));
      }
    } else if (type === "session.now_answering" || type === "session.state") {
      showNow(data.now_answering);
      document.querySelectorAll("[data-qa-state]").forEach(function (el) {
        el.textContent = STATES[data.state] || data.state;
      });
    }
  }

  function onQueueEvent(type, data) {
    var queue = document.querySelector("[data-qa-queue]");
    if (!queue) { return; }
    var existing = queue.querySelector('[data-question-id="' + data.id + '"]');
    if (type === "question.pending" && !existing) {
      var empty = queue.querySelector("[data-qa-empty]");
      if (empty) { empty.remove(); }
      var li = document.createElement("li");
      li.dataset.questionId = data.id;
      var link = document.createElement("a");
      link.href = "/ask/questions/" + data.id + "/";
      link.textContent = data.title + " (open to moderate)";
      li.append(link);
      queue.append(li);
    } else if (existing && type !== "question.pending" && type !== "question.updated") {
      existing.remove();
    }
  }

  function onQuestionEvent(type) {
    if (document.querySelector("[data-qa-changed]")) { return; }
    var words = {
      "answer.created": "An official answer was posted.",
      "answer.updated": "The official answer was edited.",
      "comment.created": "There is a new follow-up.",
      "question.updated": "This question was edited.",
      "question.merged": "This question was merged into another."
    };
    if (!words[type]) { return; }
    var note = document.createElement("p");
    note.className = "notice";
    note.setAttribute("data-qa-changed", "");
    note.setAttribute("role", "status");
    var link = document.createElement("a");
    link.href = location.pathname;
    link.textContent = "Show it";
    note.append(words[type] + " ", link);
    var main = document.getElementById("main");
    main.insertBefore(note, main.firstChild);
  }

  document.addEventListener("live:event", function (event) {
    var detail = event.detail || {};
    var stream = detail.stream || "";
    if (stream === listStream) {
      onListEvent(detail.type, detail.data || {});
    } else if (/^qa_host:/.test(stream)) {
      onQueueEvent(detail.type, detail.data || {});
    } else if (/^question:/.test(stream)) {
      onQuestionEvent(detail.type);
    }
  });

  document.addEventListener("live:snapshot", function (event) {
    var detail = event.detail || {};
    if (detail.stream !== listStream) { return; }
    if (detail.type === "presence") {
      var viewers = (detail.data || {}).viewers;
      document.querySelectorAll("[data-qa-viewers]").forEach(function (el) {
        el.textContent = typeof viewers === "number" ? "· " + viewers + " watching" : "";
      });
      return;
    }
    if (detail.type !== "ranking") { return; }
    lastRanking = detail.data;
    applyRanking(true);
    if (detail.data.now_answering !== undefined && detail.data.now_answering !== null) {
      var pinned = detail.data.questions.filter(function (q) {
        return q.id === detail.data.now_answering;
      })[0];
      if (pinned) { showNow(pinned); }
    }
  });

  // The anonymous asker's private links live in this browser only.
  var STORE = "qa-my-links";
  function myLinks() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  var fresh = document.querySelector("[data-qa-capability]");
  if (fresh) {
    fresh.addEventListener("focus", function () { fresh.select(); });
    var links = myLinks().filter(function (l) { return l.url !== fresh.value; });
    links.unshift({ url: fresh.value, title: fresh.dataset.qaTitle });
    try { localStorage.setItem(STORE, JSON.stringify(links.slice(0, 20))); } catch (e) { /* private mode */ }
  }
  var box = document.querySelector("[data-qa-my-links]");
  if (box) {
    var saved = myLinks();
    var ul = box.querySelector("[data-qa-my-links-list]");
    saved.forEach(function (entry) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = entry.url;
      a.textContent = entry.title || entry.url;
      li.append(a);
      ul.append(li);
    });
    box.hidden = saved.length === 0;
  }
})();
