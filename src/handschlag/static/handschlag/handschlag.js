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
