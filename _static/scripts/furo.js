// The book's own version of the furo theme's script. It has the same file name, so the theme's pages load it
// in place of furo's (files in html_static_path overwrite the theme's), and it does what furo's does: the
// colour-mode button, the header's shadow, the back-to-top button and the "On this page" highlight of the
// section being read. Furo's version measured every heading as soon as the page loaded, to set up that
// highlight: on a long chapter, a 0.4 s task on a mid-range phone. This one measures nothing until the reader
// scrolls, and then once per frame at most. Written for this book; no dependencies.
(() => {
  "use strict";
  const root = document.documentElement;
  let header = null;
  let tocScroll = null;
  let sections = []; // [link in "On this page", the element it points to], in page order
  let current = null;
  let lastY = window.scrollY;
  let pending = false;

  // Auto -> the opposite of the system's mode -> the system's mode -> auto, as furo cycles.
  const cycleTheme = () => {
    const order = window.matchMedia("(prefers-color-scheme: dark)").matches
      ? ["auto", "light", "dark"]
      : ["auto", "dark", "light"];
    const next = order[(order.indexOf(localStorage.getItem("theme") || "auto") + 1) % order.length];
    document.body.dataset.theme = next;
    localStorage.setItem("theme", next);
  };

  const highlight = (link) => {
    if (link === current) return;
    current?.closest("li")?.classList.remove("scroll-current");
    link?.closest("li")?.classList.add("scroll-current");
    current = link;
  };

  const update = () => {
    pending = false;
    const y = window.scrollY;
    header?.classList.toggle("scrolled", y > 0);
    if (y < 64) root.classList.remove("show-back-to-top");
    else if (y < lastY) root.classList.add("show-back-to-top");
    else if (y > lastY) root.classList.remove("show-back-to-top");
    lastY = y;
    const atBottom = Math.ceil(y) >= Math.floor(root.scrollHeight - window.innerHeight);
    if (tocScroll) {
      if (y === 0) tocScroll.scrollTo(0, 0);
      else if (atBottom) tocScroll.scrollTo(0, tocScroll.scrollHeight);
    }
    if (!sections.length) return;
    if (atBottom) return highlight(sections[sections.length - 1][0]);
    // the section being read is the last one whose top has passed just below the header
    const line = (header?.getBoundingClientRect().bottom ?? 0) + 2.5 * parseFloat(getComputedStyle(root).fontSize) + 1;
    let reading = null;
    for (const [link, target] of sections) {
      if (target.getBoundingClientRect().top > line) break;
      reading = link;
    }
    highlight(reading);
  };

  const schedule = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(update);
    }
  };

  // Sections far from the screen are not laid out until they come near it (content-visibility in book.css), so
  // the browser's jump to an anchor is made with estimated heights for the sections before it, and those
  // change as the sections around the target appear. Keep the target at the top until it stops moving, for
  // at most a second, and give up as soon as the reader scrolls on their own.
  let settling = 0;
  const settle = (hash) => {
    const target = hash.length > 1 ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
    if (!target) return;
    const run = ++settling;
    let frames = 0;
    let still = 0;
    let last = NaN;
    const step = () => {
      if (run !== settling) return;
      const top = target.getBoundingClientRect().top;
      still = Math.abs(top - last) < 1 ? still + 1 : 0;
      last = top;
      if (still >= 3 || ++frames > 60) return;
      target.scrollIntoView({ block: "start", behavior: "instant" });
      last = target.getBoundingClientRect().top;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  };
  const stopSettling = () => settling++;
  for (const type of ["wheel", "touchstart", "keydown"]) window.addEventListener(type, stopSettling, { passive: true });
  window.addEventListener("hashchange", () => settle(location.hash));
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[href^='#']");
    if (link && !event.defaultPrevented && link.hash === location.hash) settle(link.hash); // no hashchange then
  });

  document.addEventListener("DOMContentLoaded", () => {
    root.classList.remove("no-js");
    header = document.querySelector("header");
    tocScroll = document.querySelector(".toc-scroll");
    for (const button of document.getElementsByClassName("theme-toggle")) button.addEventListener("click", cycleTheme);
    if (tocScroll) {
      sections = Array.from(document.querySelectorAll(".toc-tree a"), (link) => [
        link,
        link.hash.length > 1 ? document.getElementById(decodeURIComponent(link.hash.slice(1))) : null,
      ]).filter(([, target]) => target);
    }
    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("resize", schedule, { passive: true });
    if (window.scrollY > 0) schedule(); // opened part-way down, from a link to a section
    if (location.hash) settle(location.hash);
  });
})();
