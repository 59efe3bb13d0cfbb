// Sort and filter the book's data tables. Without JavaScript the tables are complete and readable;
// this only adds a filter box and sortable column headers. No dependencies, no network.
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

  for (const [n, table] of document.querySelectorAll("table.data-table").entries()) {
    const body = table.tBodies[0];
    if (!body || !table.tHead) continue;
    const rows = Array.from(body.rows);

    const label = document.createElement("label");
    label.className = "data-table-filter";
    label.textContent = "Filter rows ";
    const input = document.createElement("input");
    input.type = "search";
    input.id = `data-table-filter-${n}`;
    input.setAttribute("aria-controls", table.id || "");
    label.append(input);
    const status = document.createElement("span");
    status.className = "data-table-count";
    status.setAttribute("aria-live", "polite");
    label.append(status);
    (table.closest(".table-wrapper") ?? table).before(label);

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
