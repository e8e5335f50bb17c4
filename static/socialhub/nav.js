/* The site header on every page: the Menu button folds the navigation away on narrow screens,
   and the More button opens the less used entries as a list below it. Both are disclosure
   buttons (aria-expanded; the stylesheet reads it); Escape closes what is open and gives focus
   back to its button. Without this script both buttons stay hidden and every entry is shown. */
(function () {
  "use strict";

  var header = document.querySelector("[data-site-header]");
  if (!header) {
    return;
  }
  var menuButton = header.querySelector("[data-menu-toggle]");
  var more = header.querySelector("[data-nav-more]");
  var moreButton = more ? more.querySelector("button") : null;
  var moreList = more ? more.querySelector("ul") : null;

  function setMenu(open) {
    menuButton.setAttribute("aria-expanded", String(open));
    header.setAttribute("data-menu", open ? "open" : "closed");
  }

  // The stylesheet folds the list while its button says aria-expanded="false" (on wide screens
  // only: on narrow ones the list is part of the Menu).
  function setMore(open) {
    moreButton.setAttribute("aria-expanded", String(open));
  }

  if (menuButton) {
    menuButton.hidden = false;
    setMenu(false);
    menuButton.addEventListener("click", function () {
      setMenu(menuButton.getAttribute("aria-expanded") !== "true");
    });
  }

  if (moreButton && moreList) {
    more.classList.add("collapsible");
    moreButton.hidden = false;
    setMore(false);
    moreButton.addEventListener("click", function () {
      setMore(moreButton.getAttribute("aria-expanded") !== "true");
    });
    // Closed again when focus or a click goes elsewhere.
    more.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !more.contains(event.relatedTarget)) {
        setMore(false);
      }
    });
    document.addEventListener("click", function (event) {
      if (!more.contains(event.target)) {
        setMore(false);
      }
    });
  }

  header.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    if (moreButton && moreButton.getAttribute("aria-expanded") === "true") {
      setMore(false);
      moreButton.focus();
    } else if (menuButton && menuButton.getAttribute("aria-expanded") === "true" &&
               header.contains(document.activeElement)) {
      setMenu(false);
      menuButton.focus();
    }
  });
})();
