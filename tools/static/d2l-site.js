// The workbook's additions to sphinx-book-theme (loaded by tools/sphinx_site.py).
(function () {
  "use strict";

  function ready(callback) {
    if (document.readyState !== "loading") callback();
    else document.addEventListener("DOMContentLoaded", callback);
  }

  // The theme shows the sidebars in the page layout from these widths on
  // (pydata-sphinx-theme's lg and xl breakpoints); below them it opens them as dialogs.
  const WIDE = { primary: "(min-width: 960px)", secondary: "(min-width: 1200px)" };

  // pydata-sphinx-theme 0.17 binds its click handler only to the FIRST .primary-toggle /
  // .secondary-toggle, which sits in the hidden top bar. Every other toggle forwards to
  // it on narrow screens (the theme's dialog opens) and collapses the panel on wide ones.
  function wireToggles() {
    ["primary", "secondary"].forEach(function (side) {
      const sidebar = document.getElementById("pst-" + side + "-sidebar");
      const dialog = document.getElementById("pst-" + side + "-sidebar-modal");
      const buttons = Array.from(document.querySelectorAll("." + side + "-toggle"));
      if (!sidebar || buttons.length < 2) return;
      const themed = buttons[0];
      buttons.slice(1).forEach(function (button) {
        button.addEventListener("click", function (event) {
          event.preventDefault();
          event.stopPropagation();
          if (window.matchMedia(WIDE[side]).matches) {
            sidebar.classList.toggle("d2l-collapsed");
            button.setAttribute("aria-expanded", String(!sidebar.classList.contains("d2l-collapsed")));
          } else if (dialog && !dialog.open) {
            sidebar.classList.remove("d2l-collapsed"); // the theme moves classes into the dialog
            themed.click();
          }
        });
      });
    });
  }

  // A display formula wider than the text column is shrunk (down to 70 %) to fit;
  // beyond that it scrolls inside its own box (see d2l-site.css).
  function fitDisplayMath() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (math) {
      const box = math.closest("div.math") || math.parentElement;
      math.style.fontSize = "";
      const needed = math.scrollWidth;
      const room = box.clientWidth;
      if (needed > room && room > 0) {
        const scale = Math.max(0.7, (room - 4) / needed);
        math.style.fontSize = (100 * scale).toFixed(1) + "%";
      }
    });
  }

  ready(function () {
    wireToggles();
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      window.MathJax.startup.promise.then(fitDisplayMath);
    } else {
      window.addEventListener("load", function () {
        if (window.MathJax && window.MathJax.startup) window.MathJax.startup.promise.then(fitDisplayMath);
      });
    }
    let timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(fitDisplayMath, 150);
    });
  });
})();
