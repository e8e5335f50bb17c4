/* Comments anchored to selected text: whatever passage of the post text ([data-quote-source])
   the reviewer selects is captured into the comment form's hidden quote field, with which
   occurrence of that text it is, so the server anchors the comment on exactly that passage. */
(function () {
  "use strict";

  function occurrenceBefore(text, quote, offset) {
    var count = 0;
    var index = text.indexOf(quote);
    while (index !== -1 && index < offset) {
      count += 1;
      index = text.indexOf(quote, index + 1);
    }
    return count;
  }

  function init() {
    var source = document.querySelector("[data-quote-source]");
    var form = document.querySelector("[data-quote-form]");
    if (!source || !form) {
      return;
    }
    var field = form.querySelector("[data-quote-field]");
    var occurrence = form.querySelector("[data-quote-occurrence]");
    var box = form.querySelector("[data-quote-box]");
    var preview = form.querySelector("[data-quote-preview]");
    var hint = form.querySelector("[data-quote-hint]");
    var suggestionBox = form.querySelector("[data-suggestion-box]");
    var clear = form.querySelector("[data-quote-clear]");

    function show(quote, nth) {
      field.value = quote;
      occurrence.value = String(nth);
      preview.textContent = quote;
      box.hidden = !quote;
      if (suggestionBox) {
        suggestionBox.hidden = !quote;
      }
      if (hint) {
        hint.hidden = !!quote;
      }
    }

    function capture() {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
        return; // clicking elsewhere (into the comment box) keeps the passage chosen
      }
      var range = selection.getRangeAt(0);
      if (!source.contains(range.startContainer) || !source.contains(range.endContainer)) {
        return;
      }
      var quote = range.toString();
      if (!quote.trim()) {
        return;
      }
      var before = document.createRange();
      before.selectNodeContents(source);
      before.setEnd(range.startContainer, range.startOffset);
      show(quote, occurrenceBefore(source.textContent, quote, before.toString().length));
    }

    document.addEventListener("selectionchange", capture);
    source.addEventListener("mouseup", capture);
    source.addEventListener("keyup", capture);
    if (clear) {
      clear.addEventListener("click", function () {
        show("", 0);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
