// What would otherwise be inline script, which the Content-Security-Policy refuses (core/middleware.py).
// <form data-confirm="Delete?">: asks before submitting. <input data-enter-trigger="search">: Enter fires that
// htmx event instead of submitting the form.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key === "Enter" && target.dataset && target.dataset.enterTrigger && window.htmx) {
    event.preventDefault();
    window.htmx.trigger(target, target.dataset.enterTrigger);
  }
});

// <input type="checkbox" data-select-all="account">: ticks or clears every checkbox named "account" in its form.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.dataset && target.dataset.selectAll && target.form) {
    for (const box of target.form.querySelectorAll(`input[type=checkbox][name="${target.dataset.selectAll}"]`)) {
      box.checked = target.checked;
    }
  }
});
