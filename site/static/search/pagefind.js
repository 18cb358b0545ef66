// The Pagefind module PagefindUI loads (its bundlePath points here). The index is built in shards
// (etl/publish/shards.py); `pagefind/shards.json` names the primary bundle (the delta of the incremental
// builds since the last full one, or else the first shard), whose module is loaded here, and the bundles
// search.js merges into it. Results the delta replaces (a company changed or removed since its shard was
// indexed: `stale`) are dropped, and a page found in two bundles is shown once.
const manifest = await fetch(new URL("../../pagefind/shards.json", import.meta.url)).then(function (response) {
  if (!response.ok) throw new Error("pagefind/shards.json: HTTP " + response.status);
  return response.json();
});
const pagefind = await import(new URL("../../" + manifest.primary + "pagefind.js", import.meta.url).href);
const stale = new Set(manifest.stale);

export const options = pagefind.options;
export const init = pagefind.init;
export const destroy = pagefind.destroy;
export const mergeIndex = pagefind.mergeIndex;
export const preload = pagefind.preload;
export const filters = pagefind.filters;
export const createInstance = pagefind.createInstance;

function current(response) {
  if (!response || !response.results) return response;
  const seen = new Set();
  const results = response.results.filter(function (result) {
    if (stale.has(result.id) || seen.has(result.id)) return false;
    seen.add(result.id);
    return true;
  });
  const dropped = response.results.length - results.length;
  return { ...response, results: results, unfilteredResultCount: response.unfilteredResultCount - dropped };
}

export async function search(term, options) {
  return current(await pagefind.search(term, options));
}

export async function debouncedSearch(term, options, debounceTimeoutMs) {
  return current(await pagefind.debouncedSearch(term, options, debounceTimeoutMs));
}
