// Pagefind's search box on the home page (a file of its own: the site's CSP runs no inline script).
// The index is built in shards (etl/publish/shards.py): `pagefind/shards.json` names the primary bundle and
// the bundles merged into it here. PagefindUI loads its search module from `static/search/`, which loads the
// primary bundle's and drops the shard results that the delta bundle replaces.
window.addEventListener("DOMContentLoaded", function () {
  var manifest = new URL("pagefind/shards.json", document.baseURI);
  fetch(manifest).then(function (response) {
    if (!response.ok) throw new Error(manifest + ": HTTP " + response.status);
    return response.json();
  }).then(function (shards) {
    new PagefindUI({
      element: "#search", showSubResults: false, showImages: false,
      bundlePath: new URL("static/search/", document.baseURI).pathname,
      mergeIndex: shards.bundles.map(function (path) {
        return { bundlePath: new URL(path, document.baseURI).pathname };
      }),
      translations: { placeholder: "搜索 Search", zero_results: "没有找到 [SEARCH_TERM] · No results" }
    });
    // Pagefind UI names its input by a title only; screen readers want a label (axe: label-title-only).
    var input = document.querySelector("#search input");
    if (input) input.setAttribute("aria-label", "搜索企业 Search companies");
  }).catch(function (error) {
    document.getElementById("search").textContent = "搜索不可用 Search unavailable: " + error.message;
  });
});
