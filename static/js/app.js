/* Tracklane's only hand-written script: progressive enhancement, nothing a page needs to be read. */
(function () {
  "use strict";

  // <button data-copy-target="#some-id"> copies the text (or value) of that element to the clipboard.
  function targetOf(button) {
    var selector = button.getAttribute("data-copy-target");
    if (!selector) return null;
    try {
      return document.querySelector(selector) || document.getElementById(selector);
    } catch (e) {
      return document.getElementById(selector);
    }
  }

  function textOf(element) {
    if ("value" in element && typeof element.value === "string") return element.value;
    return (element.textContent || "").trim();
  }

  function copyWithSelection(element, text) {
    // Fallback for plain-http hosts where navigator.clipboard is not available.
    var scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    scratch.style.position = "fixed";
    scratch.style.opacity = "0";
    document.body.appendChild(scratch);
    scratch.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(scratch);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function announce(button, message, state) {
    if (!button.hasAttribute("data-copy-label")) button.setAttribute("data-copy-label", button.textContent);
    button.textContent = message;
    button.setAttribute("data-copy-state", state);
    clearTimeout(button._copyTimer);
    button._copyTimer = setTimeout(function () {
      button.textContent = button.getAttribute("data-copy-label");
      button.removeAttribute("data-copy-state");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) return;
    var target = targetOf(button);
    if (!target) return;
    event.preventDefault();
    var text = textOf(target);
    var copying = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text).catch(function () { return copyWithSelection(target, text); })
      : copyWithSelection(target, text);
    copying.then(
      function () { announce(button, "Copied", "copied"); },
      function () { announce(button, "Select and copy", "failed"); }
    );
  });

  // The page policy allows no inline handlers and no eval (hx-on), so the few behaviours pages need are
  // declared with data attributes and handled here.

  function closest(event, selector) {
    return event.target.closest ? event.target.closest(selector) : null;
  }

  // <input type="checkbox" data-check-all="selector">: ticks or clears every checkbox the selector finds.
  document.addEventListener("change", function (event) {
    var box = closest(event, "[data-check-all]");
    if (!box) return;
    document.querySelectorAll(box.getAttribute("data-check-all")).forEach(function (other) {
      other.checked = box.checked;
    });
  });

  // <input data-sets-field="name=value">: changing it sets its form's field `name` to `value`. Captured, so the
  // field is set before htmx (listening on the form) reads the form for the request this change triggers.
  document.addEventListener("change", function (event) {
    var input = closest(event, "[data-sets-field]");
    if (!input || !input.form) return;
    var pair = input.getAttribute("data-sets-field").split("=");
    var field = input.form.elements.namedItem(pair[0]);
    if (field) field.value = pair.slice(1).join("=");
  }, true);

  // <a href="..." data-dismiss="selector">: empties that element instead of following the link.
  document.addEventListener("click", function (event) {
    var link = closest(event, "[data-dismiss]");
    if (!link) return;
    var target = document.querySelector(link.getAttribute("data-dismiss"));
    if (!target) return;
    event.preventDefault();
    target.replaceChildren();
  });
})();
