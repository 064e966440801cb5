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
})();
