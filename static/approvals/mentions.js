// @mention autocomplete in the review comment form: typing "@" and the start of a name asks the
// server for people who may see the post, shown as a list to pick from with the arrow keys and
// Enter (or a click). The server decides who is mentioned when the comment is saved.
(function () {
  "use strict";
  const box = document.querySelector("textarea[data-mention-url]");
  const list = document.getElementById("mention-list");
  if (!box || !list) {
    return;
  }
  let people = [];
  let active = -1;
  let asked = 0;

  function currentWord() {
    const upto = box.value.slice(0, box.selectionStart);
    const match = /(^|[^\w@/])@([\w.+-]*)$/.exec(upto);
    return match ? { query: match[2], start: upto.length - match[2].length - 1 } : null;
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    box.removeAttribute("aria-activedescendant");
    people = [];
    active = -1;
  }

  function show() {
    list.replaceChildren();
    people.forEach((person, index) => {
      const option = document.createElement("li");
      option.id = "mention-option-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", index === active ? "true" : "false");
      option.textContent = person.name + " (@" + person.handle + ")";
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(index);
      });
      list.appendChild(option);
    });
    list.hidden = people.length === 0;
    if (active >= 0) {
      box.setAttribute("aria-activedescendant", "mention-option-" + active);
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    const word = currentWord();
    const person = people[index];
    if (!word || !person) {
      close();
      return;
    }
    const before = box.value.slice(0, word.start);
    const after = box.value.slice(box.selectionStart);
    const inserted = "@" + person.handle + " ";
    box.value = before + inserted + after;
    const caret = before.length + inserted.length;
    box.setSelectionRange(caret, caret);
    close();
    box.focus();
  }

  box.addEventListener("input", () => {
    const word = currentWord();
    if (!word) {
      close();
      return;
    }
    const ticket = ++asked;
    const url = box.dataset.mentionUrl + "?q=" + encodeURIComponent(word.query);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((answer) => (answer.ok ? answer.json() : []))
      .then((found) => {
        if (ticket !== asked) {
          return;
        }
        people = Array.isArray(found) ? found : [];
        active = people.length ? 0 : -1;
        show();
      })
      .catch(close);
  });

  box.addEventListener("keydown", (event) => {
    if (list.hidden || people.length === 0) {
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + people.length) % people.length;
      show();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
  box.addEventListener("blur", () => window.setTimeout(close, 150));
})();
