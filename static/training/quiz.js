// The quiz form (templates/training/attempt.html): before the answers are sent, name the
// questions still unanswered (the server refuses them anyway, scoring nothing), then ask for
// confirmation, since a submitted attempt is final. Without JavaScript the server's check stands.
(function () {
  "use strict";
  var form = document.querySelector("form[data-quiz]");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    var missing = [];
    form.querySelectorAll("fieldset.question").forEach(function (fieldset, index) {
      if (!fieldset.querySelector("input:checked")) missing.push(index + 1);
    });
    var box = document.getElementById("quiz-check");
    if (missing.length) {
      event.preventDefault();
      box.textContent = "Answer every question before submitting: " +
        (missing.length === 1 ? "question " : "questions ") + missing.join(", ") +
        (missing.length === 1 ? " has" : " have") + " no answer yet.";
      box.hidden = false;
      box.focus();
      return;
    }
    box.hidden = true;
    if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });
})();
