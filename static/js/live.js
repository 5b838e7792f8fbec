/* live.js: the one WebSocket client of the intranet (protocol: docs/websocket.md).
 *
 * A page lists its streams in <body data-streams="thread:42 qa:3">; "me" is
 * always subscribed. Everything arrives as DOM CustomEvents on `document`:
 *   live:event    detail {stream, id, type, data}   (each id once per stream)
 *   live:snapshot detail {stream, type, data}
 *   live:resync   detail {stream}                    (refetch: the gap is too old)
 * The last id per stream is kept in sessionStorage and sent as `since` on
 * reconnect, with the `pending` ranges of the frames (ids below it that had
 * not committed yet), so nothing is lost across drops. window.Live.subscribe(stream)
 * and window.Live.unsubscribe(stream) serve pages that change streams. */
(function () {
  "use strict";

  var STORE = "live:last:";
  var PENDING = "live:pending:";
  var PENDING_MAX = 64;
  var SEEN_MAX = 500;
  var PING_EVERY = 25000;
  var BACKOFF_MIN = 1000;
  var BACKOFF_MAX = 30000;
  var STOP_CODES = { 4401: "Signed out", 4403: "Signed out" };

  var socket = null;
  var backoff = BACKOFF_MIN;
  var retryTimer = null;
  var pingTimer = null;
  var stopped = false;
  var wanted = new Set(["me"]);
  var seen = new Map();

  function readLast(stream) {
    try {
      var value = window.sessionStorage.getItem(STORE + stream);
      return value === null ? null : parseInt(value, 10);
    } catch (e) {
      return null;
    }
  }

  function writeLast(stream, id) {
    try {
      window.sessionStorage.setItem(STORE + stream, String(id));
    } catch (e) {
      /* storage full or disabled: resuming falls back to a fresh subscribe */
    }
  }

  function readPending(stream) {
    try {
      var value = JSON.parse(window.sessionStorage.getItem(PENDING + stream) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function writePending(stream, ranges) {
    try {
      if (ranges.length) window.sessionStorage.setItem(PENDING + stream, JSON.stringify(ranges));
      else window.sessionStorage.removeItem(PENDING + stream);
    } catch (e) {
      /* storage full or disabled */
    }
  }

  // Ranges are [first, last] pairs in id order.
  function cut(ranges, id) {
    var out = [];
    ranges.forEach(function (r) {
      if (id < r[0] || id > r[1]) {
        out.push(r);
        return;
      }
      if (r[0] < id) out.push([r[0], id - 1]);
      if (id < r[1]) out.push([id + 1, r[1]]);
    });
    return out;
  }

  function merged(ranges) {
    var out = [];
    ranges
      .filter(function (r) { return Array.isArray(r) && r.length === 2; })
      .sort(function (a, b) { return a[0] - b[0]; })
      .forEach(function (r) {
        var last = out[out.length - 1];
        if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
        else out.push([r[0], r[1]]);
      });
    return out;
  }

  // Ids a frame lists as pending stay pending until they arrive (a rolled-back
  // write's id never does: the oldest ranges make way past PENDING_MAX).
  function updatePending(stream, listed) {
    var ranges = merged(readPending(stream).concat(Array.isArray(listed) ? listed : []));
    var ids = seen.get(stream);
    if (ids) ids.forEach(function (got) { ranges = cut(ranges, got); });
    writePending(stream, ranges.slice(-PENDING_MAX));
  }

  function remember(stream, id) {
    var ids = seen.get(stream);
    if (!ids) {
      ids = new Set();
      seen.set(stream, ids);
    }
    if (ids.has(id)) return false;
    ids.add(id);
    if (ids.size > SEEN_MAX) ids.delete(ids.values().next().value);
    var last = readLast(stream);
    if (last === null || id > last) writeLast(stream, id);
    return true;
  }

  function dispatch(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function showState(state, text) {
    var el = document.querySelector("[data-live-status]");
    if (!el) return;
    el.setAttribute("data-state", state);
    el.textContent = text;
  }

  function setUnread(count) {
    var badge = document.querySelector("[data-unread-count]");
    if (!badge || typeof count !== "number") return;
    badge.textContent = count > 0 ? String(count) : "";
  }

  function send(body) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(body));
  }

  function subscribeOnSocket(stream) {
    var body = { op: "subscribe", stream: stream };
    var last = readLast(stream);
    if (last !== null && !isNaN(last)) {
      body.since = last;
      var pending = readPending(stream).filter(function (r) { return r[1] <= last; });
      if (pending.length) body.pending = pending;
    }
    send(body);
  }

  function onMessage(message) {
    var m;
    try {
      m = JSON.parse(message.data);
    } catch (e) {
      return;
    }
    if (m.op === "event") {
      if (!remember(m.stream, m.id)) return;
      updatePending(m.stream, m.pending);
      if (m.stream === "me" && m.data && typeof m.data.unread === "number") setUnread(m.data.unread);
      dispatch("live:event", { stream: m.stream, id: m.id, type: m.type, data: m.data });
    } else if (m.op === "snapshot") {
      dispatch("live:snapshot", { stream: m.stream, type: m.type, data: m.data });
    } else if (m.op === "subscribed") {
      var last = readLast(m.stream);
      if (last === null || m.last_id > last) writeLast(m.stream, m.last_id);
      updatePending(m.stream, m.pending);
    } else if (m.op === "resync") {
      seen.delete(m.stream);
      try {
        window.sessionStorage.removeItem(STORE + m.stream);
        window.sessionStorage.removeItem(PENDING + m.stream);
      } catch (e) {
        /* nothing stored */
      }
      dispatch("live:resync", { stream: m.stream });
    } else if (m.op === "error") {
      if (m.stream && (m.code === "forbidden" || m.code === "not_found")) wanted.delete(m.stream);
      dispatch("live:error", { stream: m.stream, code: m.code, message: m.message });
    }
  }

  function connect() {
    if (stopped) return;
    clearTimeout(retryTimer);
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + window.location.host + "/ws/");
    showState("connecting", "");
    socket.addEventListener("open", function () {
      backoff = BACKOFF_MIN;
      showState("live", "");
      wanted.forEach(subscribeOnSocket);
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        send({ op: "ping" });
      }, PING_EVERY);
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      clearInterval(pingTimer);
      socket = null;
      if (STOP_CODES[event.code]) {
        stopped = true;
        showState("stopped", STOP_CODES[event.code] + ": live updates are off.");
        return;
      }
      showState("offline", "Reconnecting…");
      var wait = event.code === 4429 ? BACKOFF_MAX * 2 : backoff;
      // Jitter spreads the reconnect storm after a server restart.
      retryTimer = setTimeout(connect, wait * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, BACKOFF_MAX);
    });
  }

  window.Live = {
    subscribe: function (stream) {
      if (wanted.has(stream)) return;
      wanted.add(stream);
      subscribeOnSocket(stream);
    },
    unsubscribe: function (stream) {
      if (stream === "me" || !wanted.delete(stream)) return;
      send({ op: "unsubscribe", stream: stream });
    },
  };

  function start() {
    var listed = (document.body.getAttribute("data-streams") || "").split(/\s+/);
    listed.forEach(function (stream) {
      if (stream) wanted.add(stream);
    });
    window.addEventListener("online", function () {
      if (!socket && !stopped) connect();
    });
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
