// Pagefind's search box on the home page (a file of its own: the site's CSP runs no inline script).
window.addEventListener("DOMContentLoaded", function () {
  new PagefindUI({ element: "#search", showSubResults: false, showImages: false,
                   translations: { placeholder: "搜索 Search", zero_results: "没有找到 [SEARCH_TERM] · No results" } });
});
