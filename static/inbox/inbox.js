// Keyboard shortcuts of the inbox (a file, not inline script: the Content-Security-Policy
// allows only SocialHub's own files). List: j/k move, Enter opens, / searches. Conversation:
// n, c, p choose the outcome, t submits the triage form, m claims, x closes.
(function () {
  "use strict";

  function typing(event) {
    var target = event.target;
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-inbox-row]"));
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var index = all.indexOf(document.activeElement);
    var next = all[Math.min(all.length - 1, Math.max(0, index + step))];
    next.focus();
  }

  function chooseOutcome(value) {
    var radio = document.querySelector('[data-triage-form] input[name="outcome"][value="' + value + '"]');
    if (radio) { radio.checked = true; radio.focus(); }
  }

  var OUTCOMES = { n: "no_response", c: "customer_service", p: "public_response" };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) { return; }
    var key = event.key;
    if (key === "j") { move(1); event.preventDefault(); return; }
    if (key === "k") { move(-1); event.preventDefault(); return; }
    if (key === "Enter" && document.activeElement && document.activeElement.hasAttribute("data-inbox-row")) {
      var link = document.activeElement.querySelector("[data-inbox-open]");
      if (link) { link.click(); }
      return;
    }
    if (key === "/") {
      var search = document.querySelector("[data-inbox-search]");
      if (search) { search.focus(); event.preventDefault(); }
      return;
    }
    if (OUTCOMES[key]) { chooseOutcome(OUTCOMES[key]); event.preventDefault(); return; }
    if (key === "t") {
      var form = document.querySelector("[data-triage-form]");
      if (form) { form.requestSubmit(); event.preventDefault(); }
      return;
    }
    var button = document.querySelector('button[data-key="' + key + '"]');
    if (button) { button.click(); event.preventDefault(); }
  });
})();
