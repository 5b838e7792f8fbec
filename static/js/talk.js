// Let's Talk: live updates on thread and topic pages, and opening a thread
// at the first unread comment. Events arrive as `live:event` on document
// (dispatched by live.js) with detail {stream, id, type, data}.
(function () {
  "use strict";

  var body = document.body;
  var threadId = body.getAttribute("data-thread");

  function byId(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function openAtFirstUnread() {
    var first = document.querySelector("[data-first-unread]");
    if (first && !window.location.hash) {
      first.setAttribute("tabindex", "-1");
      first.scrollIntoView({ block: "start" });
      first.focus({ preventScroll: true });
    }
  }

  function onLastPage() {
    return !document.querySelector(".discussion .pager a[rel=next]");
  }

  function setCount(delta) {
    var counter = document.querySelector("[data-comment-count]");
    if (!counter) return;
    var n = parseInt(counter.textContent.replace(/\D/g, ""), 10) || 0;
    counter.textContent = "(" + Math.max(0, n + delta) + ")";
  }

  function commentNode(data) {
    var article = el("article", "comment is-new");
    article.id = "comment-" + data.id;
    article.setAttribute("data-comment", data.id);
    var header = el("header", "comment-meta");
    var who = el("strong", "", data.author ? data.author.name : "Former colleague");
    var link = el("a", "muted permalink", "just now");
    link.href = data.url;
    header.appendChild(who);
    header.appendChild(document.createTextNode(" "));
    header.appendChild(link);
    article.appendChild(header);
    var markup = el("div", "markup");
    // body_html is the server's sanitised rendering (intranet.markup).
    markup.innerHTML = data.body_html;
    article.appendChild(markup);
    return article;
  }

  function addComment(data) {
    if (byId("comment-" + data.id) || !onLastPage()) return;
    var item = el("li");
    item.appendChild(commentNode(data));
    var list;
    if (data.parent) {
      list = document.querySelector("[data-replies='" + data.parent + "']");
      if (!list) {
        var parent = byId("comment-" + data.parent);
        if (!parent) return;
        list = el("ol", "replies");
        list.setAttribute("data-replies", data.parent);
        parent.parentNode.appendChild(list);
      }
    } else {
      list = document.querySelector("[data-comment-list]");
      var empty = list && list.querySelector("[data-empty]");
      if (empty) empty.remove();
    }
    if (list) {
      list.appendChild(item);
      setCount(1);
    }
  }

  function replaceBody(data) {
    var node = byId("comment-" + data.id);
    if (!node) return;
    var markup = node.querySelector(".markup");
    if (markup) markup.innerHTML = data.body_html;
    var meta = node.querySelector(".comment-meta");
    if (meta && !meta.querySelector(".edited")) meta.appendChild(el("span", "edited", " edited"));
  }

  function removeComment(data, hidden) {
    var node = byId("comment-" + data.id);
    if (!node) return;
    var note = el("p", "removed");
    note.appendChild(el("em", "", hidden ? "Comment hidden by a moderator." : "Comment removed."));
    while (node.firstChild) node.removeChild(node.firstChild);
    node.appendChild(note);
    setCount(-1);
  }

  function setReactionCounts(scope, counts) {
    if (!scope) return;
    var buttons = scope.querySelectorAll(":scope > .reactions [data-reaction]");
    Array.prototype.forEach.call(buttons, function (button) {
      var count = button.querySelector("[data-count]");
      if (count) count.textContent = counts[button.getAttribute("data-reaction")] || 0;
    });
  }

  // The coalesced `counts` snapshot: reactions of the thread and its comments, votes.
  function applyCounts(data) {
    setReactionCounts(document.querySelector(".thread"), data.reaction_counts || {});
    var shown = document.querySelectorAll("[data-comment]");
    Array.prototype.forEach.call(shown, function (node) {
      setReactionCounts(node, (data.comments || {})[node.getAttribute("data-comment")] || {});
    });
    var votes = document.querySelector("[data-vote-count]");
    if (votes && typeof data.vote_count === "number") votes.textContent = data.vote_count;
  }

  function onThreadEvent(type, data) {
    if (type === "comment.created" || type === "comment.restored") addComment(data);
    else if (type === "comment.edited") replaceBody(data);
    else if (type === "comment.removed") removeComment(data, false);
    else if (type === "comment.hidden") removeComment(data, true);
    else if (type === "idea.status_changed") {
      var status = document.querySelector("[data-idea-status]");
      if (status) status.textContent = data.status.replace(/_/g, " ");
    } else if (type === "thread.hidden") {
      var article = document.querySelector(".thread");
      if (article && !article.querySelector("[data-hidden-notice]")) {
        var notice = el("p", "notice", "A moderator has hidden this post.");
        notice.setAttribute("data-hidden-notice", "");
        notice.setAttribute("role", "status");
        article.insertBefore(notice, article.firstChild);
      }
    } else if (type === "thread.edited") {
      var bodyNode = document.querySelector(".thread-body");
      if (bodyNode) bodyNode.innerHTML = data.body_html;
    }
  }

  function onTopicEvent(type, data) {
    var list = document.querySelector("[data-live-list]");
    if (!list || type !== "thread.created" || list.querySelector("[data-thread='" + data.id + "']")) return;
    var item = el("li", "thread-row is-new");
    item.setAttribute("data-thread", data.id);
    var title = el("h3", "thread-title");
    var link = el("a", "", data.title);
    link.href = data.url;
    title.appendChild(link);
    item.appendChild(title);
    item.appendChild(el("p", "muted", (data.actor ? data.actor.name + " · " : "") + "just now"));
    list.insertBefore(item, list.firstChild);
  }

  document.addEventListener("live:event", function (event) {
    var detail = event.detail || {};
    if (!detail.data) return;
    if (threadId && detail.stream === "thread:" + threadId) onThreadEvent(detail.type, detail.data);
    else if (detail.stream && detail.stream.indexOf("topic:") === 0) onTopicEvent(detail.type, detail.data);
  });

  // Reactions without a page reload: the same form, sent to the API. Any
  // failure falls back to submitting the plain form.
  function showReactions(form, data) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-reaction]"), function (button) {
      var kind = button.getAttribute("data-reaction");
      button.setAttribute("aria-pressed", data.mine.indexOf(kind) >= 0 ? "true" : "false");
      var count = button.querySelector("[data-count]");
      if (count) count.textContent = data.counts[kind] || 0;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!form.matches("form.reactions[data-api]") || form.dataset.plain || !button) return;
    event.preventDefault();
    var kind = button.getAttribute("data-reaction");
    var on = button.getAttribute("aria-pressed") === "true";
    var url = form.getAttribute("data-api") + (on ? "?kind=" + encodeURIComponent(kind) : "");
    fetch(url, {
      method: on ? "DELETE" : "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value,
      },
      body: on ? null : JSON.stringify({ kind: kind }),
    })
      .then(function (response) {
        if (!response.ok) throw new Error("reaction refused: " + response.status);
        return response.json();
      })
      .then(function (data) {
        showReactions(form, data);
      })
      .catch(function () {
        form.dataset.plain = "1";
        form.requestSubmit(button);
      });
  });

  document.addEventListener("live:snapshot", function (event) {
    var detail = event.detail || {};
    if (threadId && detail.stream === "thread:" + threadId && detail.type === "counts") {
      applyCounts(detail.data || {});
    }
  });

  openAtFirstUnread();
})();
