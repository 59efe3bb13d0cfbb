// Loads giscus comments only after the reader asks for them: no third-party request on page load.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.comments-load");
  if (!button) return;
  const script = document.createElement("script");
  script.src = "https://giscus.app/client.js";
  script.async = true;
  script.crossOrigin = "anonymous";
  const settings = {
    repo: button.dataset.repo, "repo-id": button.dataset.repoId,
    category: button.dataset.category, "category-id": button.dataset.categoryId,
    mapping: "specific", term: button.dataset.term, strict: "1", "reactions-enabled": "0",
    "input-position": "top", theme: "preferred_color_scheme", lang: "en", loading: "lazy",
  };
  for (const [name, value] of Object.entries(settings)) script.setAttribute(`data-${name}`, value);
  button.replaceWith(script);
});
