/* feeds.js: the home feed's "N new items" banner and the notifications
 * page kept in step with your other tabs. Listens to live.js's events. */
(function () {
  "use strict";

  var FEED_VERBS = ["created", "answered", "published", "status_changed", "announced"];

  function feedWorthy(detail) {
    var verb = detail.type.split(".").pop();
    return FEED_VERBS.indexOf(verb) !== -1 && detail.data && detail.data.title;
  }

  function homeBanner() {
    var banner = document.querySelector("[data-feed-banner]");
    if (!banner) return;
    var streams = (document.body.getAttribute("data-streams") || "").split(/\s+/);
    var fresh = new Set();
    document.addEventListener("live:event", function (e) {
      var d = e.detail;
      if (streams.indexOf(d.stream) === -1 || !feedWorthy(d)) return;
      if (document.querySelector('[data-event-id="' + d.id + '"]')) return;
      fresh.add(d.id);
      banner.textContent = "";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "primary";
      button.textContent =
        fresh.size + (fresh.size === 1 ? " new item" : " new items") + " · Show";
      button.addEventListener("click", function () {
        window.location.assign("/");
      });
      banner.appendChild(button);
    });
  }

  function markRead(ids) {
    ids.forEach(function (id) {
      var item = document.querySelector('[data-notification-id="' + id + '"]');
      if (!item) return;
      item.classList.remove("is-unread");
      var form = item.querySelector("[data-mark-one]");
      if (form) form.remove();
      var label = item.querySelector("[data-unread-label]");
      if (label) label.remove();
    });
  }

  function notificationsPage() {
    var list = document.querySelector("[data-notes]");
    if (!list) return;
    document.addEventListener("live:event", function (e) {
      var d = e.detail;
      if (d.stream !== "me") return;
      if (d.type === "notification.read") {
        if (d.data.all) {
          var all = list.querySelectorAll("[data-notification-id]");
          markRead(Array.prototype.map.call(all, function (el) {
            return el.getAttribute("data-notification-id");
          }));
        } else {
          markRead(d.data.ids || []);
        }
      } else if (d.type === "notification.created") {
        if (document.querySelector('[data-notification-id="' + d.data.id + '"]')) return;
        var empty = list.querySelector("[data-notes-empty]");
        if (empty) empty.remove();
        var item = document.createElement("li");
        item.className = "notification is-unread";
        item.setAttribute("data-notification-id", String(d.data.id));
        var title = document.createElement("p");
        title.className = "feed-title";
        var link = document.createElement(d.data.url ? "a" : "span");
        if (d.data.url) link.href = d.data.url;
        link.textContent = d.data.title;
        title.appendChild(link);
        item.appendChild(title);
        if (d.data.body) {
          var body = document.createElement("p");
          body.className = "feed-summary";
          body.textContent = d.data.body;
          item.appendChild(body);
        }
        list.insertBefore(item, list.firstChild);
      }
    });
  }

  homeBanner();
  notificationsPage();
})();
