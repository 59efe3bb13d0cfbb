// Show a citation's full reference without leaving the sentence. Browsers already show the link's title on
// hover; this shows the same text on keyboard focus, and on a first tap on a touch screen (a second tap
// follows the link to the bibliography entry, which links back). No dependencies, no network.
(() => {
  const selector = 'a.reference.internal[href^="#id"][title]';
  let tip = null;
  let shownFor = null;
  let touch = false;

  const hide = () => {
    if (tip) tip.hidden = true;
    shownFor?.removeAttribute("aria-describedby");
    shownFor = null;
  };

  const show = (link) => {
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "citation-tip";
      tip.className = "citation-tip";
      tip.setAttribute("role", "tooltip");
      document.body.append(tip);
    }
    tip.textContent = link.title;
    tip.hidden = false;
    link.setAttribute("aria-describedby", tip.id);
    shownFor = link;
    const box = link.getBoundingClientRect();
    const viewport = document.documentElement.clientWidth;
    const width = Math.min(384, viewport - 16);
    tip.style.width = `${width}px`;
    tip.style.left = `${window.scrollX + Math.max(8, Math.min(box.left, viewport - width - 8))}px`;
    tip.style.top = `${window.scrollY + box.bottom + 6}px`;
  };

  document.addEventListener("pointerdown", (event) => {
    touch = event.pointerType === "touch";
    if (tip && !tip.hidden && !event.target.closest?.(selector)) hide();
  }, true);
  document.addEventListener("keydown", (event) => {
    touch = false;
    if (event.key === "Escape") hide();
  });
  document.addEventListener("focusin", (event) => {
    const link = event.target.closest?.(selector);
    if (link && !touch) show(link);
  });
  document.addEventListener("focusout", (event) => {
    if (!touch && event.target === shownFor) hide();
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.(selector);
    if (!link) return;
    if (touch && shownFor !== link) {
      event.preventDefault();
      show(link);
    } else {
      hide();
    }
  });
})();
