// The people page: a refused role change (400 bad input, 409 last org admin or deactivated
// account) comes back as the row with its message, to be shown in place. htmx leaves error
// answers unswapped by default, so those two are let through for the people rows only.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    var source = event.detail.elt;
    if ((status === 400 || status === 409) && source && source.closest && source.closest("[data-people-row]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
