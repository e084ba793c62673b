// The top bar's drop-downs are <details> elements and work without this file. It only adds what a menu is expected
// to do: a click elsewhere or Escape closes an open drop-down, and opening one closes the others (browsers without
// <details name>). The phone's menu button is a checkbox (handschlag.css); Escape closes that menu too.
(() => {
  const openMenus = () => document.querySelectorAll(".topbar details[open]");

  document.addEventListener("click", (event) => {
    for (const menu of openMenus()) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = openMenus();
    for (const menu of open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
    const toggle = document.getElementById("menu-toggle");
    if (toggle && toggle.checked && !open.length) toggle.checked = false;
  });

  document.addEventListener("toggle", (event) => {
    const opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.closest(".topbar")) return;
    for (const menu of openMenus()) {
      if (menu !== opened) menu.open = false;
    }
  }, true);
})();
