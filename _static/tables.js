// Sort and filter the book's data tables. Without JavaScript the tables are complete and readable;
// this only makes the filter box work and the column headers sortable. No dependencies, no network.
(() => {
  const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  const cellValue = (row, index) => {
    const text = row.cells[index]?.textContent.trim() ?? "";
    const number = Number(text.replace(/,/g, ""));
    return text === "–" ? null : Number.isFinite(number) && text !== "" ? number : text;
  };
  const compare = (a, b) =>
    a === null ? 1 : b === null ? -1 :
    typeof a === "number" && typeof b === "number" ? a - b : collator.compare(String(a), String(b));

  for (const table of document.querySelectorAll("table.data-table")) {
    const body = table.tBodies[0];
    if (!body || !table.tHead) continue;
    const rows = Array.from(body.rows);

    // The filter box is in the page already, just before the table's wrapper (hidden without JavaScript).
    // Its label and text field are added here, once the table is within a screen of the viewport: the page
    // leaves far-off sections unlaid-out (book.css), and a text field or label in one makes Chromium lay the
    // section out at once (see book_data.py).
    const wrapper = table.closest(".table-wrapper") ?? table;
    const box = wrapper.previousElementSibling?.matches(".data-table-filter") ? wrapper.previousElementSibling : null;
    const addField = () => {
      const status = box.querySelector(".data-table-count");
      const input = document.createElement("input");
      input.type = "search";
      if (wrapper.id) input.setAttribute("aria-controls", wrapper.id);
      const label = document.createElement("label");
      label.append(box.firstChild, input); // the words "Filter rows", then the field
      box.prepend(label);
      input.addEventListener("input", () => {
        const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        let shown = 0;
        for (const row of rows) {
          const text = row.textContent.toLowerCase();
          const match = words.every((w) => text.includes(w));
          row.hidden = !match;
          shown += match;
        }
        status.textContent = words.length ? ` ${shown} of ${rows.length} rows` : "";
      });
    };
    if (box && "IntersectionObserver" in window) {
      const near = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          near.disconnect();
          addField();
        }
      }, { rootMargin: "100% 0px" });
      near.observe(box);
    } else if (box) {
      addField();
    }

    for (const [index, th] of Array.from(table.tHead.rows[0].cells).entries()) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "data-table-sort";
      button.append(...th.childNodes);
      th.append(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        for (const other of table.tHead.rows[0].cells) other.setAttribute("aria-sort", "none");
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const sorted = rows.slice().sort((a, b) => {
          const order = compare(cellValue(a, index), cellValue(b, index));
          return ascending ? order : -order;
        });
        body.append(...sorted);
      });
    }
  }
})();
