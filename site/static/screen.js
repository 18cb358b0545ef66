// Supplier screening in the browser: the list is read here and never sent anywhere.
// Matching follows `qingtian screen` (etl/screen.py, etl/match.py) from the data the site ships:
// screen/rules.json (etl/normalise.yml, its division-name index, etl/match.yml) and screen/index.json.
"use strict";

(function () {
  const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const USCC_WEIGHTS = Array.from({ length: 17 }, (_, i) => { let w = 1; for (let k = 0; k < i; k++) w = (w * 3) % 31; return w; });
  const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
  const USCC_SHAPE = /^[1-9ANY][1-59]\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;
  const ORG_SHAPE = /^[0-9A-Z]{8}[0-9X]$/;
  const AUTO = "auto", REVIEW = "review", NEW = "new";

  const chars = (s) => Array.from(s);
  const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const level = (code) => (code.slice(2) === "0000" ? 1 : code.slice(4) === "00" ? 2 : 3);
  const scope = (code) => code.slice(0, 2 * level(code));
  const round4 = (x) => Number(x.toFixed(4));

  // ------------------------------------------------------------------------------------------ codes

  function compact(value) {
    return value.normalize("NFKC").toUpperCase().replace(/[\s-]/g, "");
  }
  function orgCheckChar(body) {
    let total = 0;
    for (let i = 0; i < 8; i++) {
      const ch = body[i];
      total += (/\d/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55) * ORG_WEIGHTS[i];
    }
    const check = 11 - (total % 11);
    return check === 10 ? "X" : check === 11 ? "0" : String(check);
  }
  function usccCheckChar(body) {
    let total = 0;
    for (let i = 0; i < 17; i++) total += ALPHABET.indexOf(body[i]) * USCC_WEIGHTS[i];
    return ALPHABET[(31 - (total % 31)) % 31];
  }
  function isValidOrgCode(code) {
    code = compact(code);
    return ORG_SHAPE.test(code) && orgCheckChar(code.slice(0, 8)) === code[8];
  }
  function isValidUscc(code) {
    code = compact(code);
    if (!USCC_SHAPE.test(code)) return false;
    if (usccCheckChar(code.slice(0, 17)) !== code[17]) return false;
    return isValidOrgCode(code.slice(8, 17));
  }
  const isMasked = (value) => value.includes("*") || /[Xx×]{3,}/.test(value.slice(0, -1));

  function makeCodes(rules) {
    const suffix = new RegExp(rules.suffix, "u");
    const permit = new RegExp(rules.permit_number, "u");
    const lookalikes = rules.lookalikes;

    function lookalikeReadings(code) {
      const slots = chars(code).map((ch) => lookalikes[ch] || [ch]);
      if (slots.every((s, i) => s.length === 1 && s[0] === code[i])) return [];
      let readings = [""];
      for (const slot of slots) readings = readings.flatMap((r) => slot.map((ch) => r + ch));
      return [...new Set(readings.filter(isValidUscc))];
    }

    // etl.normalise.repair_code: status valid | repaired | org_code | invalid | masked | empty; `uscc` set
    // for valid and repaired codes, `used` for an organisation code.
    return function repairCode(printed) {
      if (printed == null || !String(printed).trim()) return { status: "empty", uscc: null, used: null };
      const code = compact(String(printed));
      if (isMasked(code)) return { status: "masked", uscc: null, used: null };
      if (isValidUscc(code)) return { status: "valid", uscc: code, used: code };
      const repaired = (c) => ({ status: "repaired", uscc: c, used: c });
      if (isValidOrgCode(code)) return { status: "org_code", uscc: null, used: code };
      const sfx = code.match(suffix);
      if (sfx && isValidUscc(code.slice(0, sfx.index))) return repaired(code.slice(0, sfx.index));
      if (permit.test(code) && isValidUscc(code.slice(0, 18))) return repaired(code.slice(0, 18));
      const readings = lookalikeReadings(code);
      if (readings.length === 1) return repaired(readings[0]);
      if (readings.length > 1) return { status: "invalid", uscc: null, used: null };
      if (code.length === 19) {
        const deletions = new Set();
        for (let i = 0; i < 19; i++) {
          const c = code.slice(0, i) + code.slice(i + 1);
          if (isValidUscc(c)) deletions.add(c);
        }
        if (deletions.size === 1) return repaired([...deletions][0]);
        if (deletions.size) return { status: "invalid", uscc: null, used: null };
      }
      if (code.length > 19 && isValidUscc(code.slice(0, 18))) return repaired(code.slice(0, 18));
      return { status: "invalid", uscc: null, used: null };
    };
  }

  // ---------------------------------------------------------------------------------------- regions

  function makeRegions(data, names) {
    const full = data.full, short = data.short, longest = data.longest;
    const known = (text) => Object.prototype.hasOwnProperty.call(full, text) ||
      Object.prototype.hasOwnProperty.call(short, text);
    const drop = new RegExp(names.drop, "gu");

    function lookup(text, parents, shortCounties) {
      const found = new Set(Object.prototype.hasOwnProperty.call(full, text) ? full[text] : []);
      for (const code of (Object.prototype.hasOwnProperty.call(short, text) ? short[text] : [])) {
        if (shortCounties || level(code) < 3) found.add(code);
      }
      let out = [...found];
      if (parents && parents.length) {
        out = out.filter((c) => parents.some((p) => c !== p && c.startsWith(scope(p))));
      }
      return out;
    }
    function prefix(text, parents, keep, shortCounties) {
      const cs = chars(text);
      for (let n = Math.min(longest, cs.length - keep); n > 1; n--) {
        const head = cs.slice(0, n).join("");
        if (known(head)) {
          const codes = lookup(head, parents, shortCounties);
          if (codes.length) return [n, codes];
        }
      }
      return [0, []];
    }
    function commonCode(codes) {
      if (!codes || !codes.length) return null;
      for (const width of [6, 4, 2]) {
        const heads = new Set(codes.map((c) => c.slice(0, width)));
        if (heads.size === 1) return [...heads][0].padEnd(6, "0");
      }
      return null;
    }
    function resolveRegion(text) {
      if (!text) return null;
      let rest = String(text).normalize("NFKC").replace(drop, "").replace(/-/g, "");
      let chosen = [];
      while (rest) {
        const [n, codes] = prefix(rest, chosen, 0, chosen.length > 0);
        if (!n) break;
        chosen = codes;
        rest = chars(rest).slice(n).join("");
      }
      return commonCode(chosen);
    }
    return { known, lookup, prefix, commonCode, resolveRegion };
  }

  function compatible(a, b) {
    if (a.slice(0, 2) !== b.slice(0, 2)) return false;
    if (a.slice(2, 4) === "00" || b.slice(2, 4) === "00") return true;
    if (a.slice(2, 4) !== b.slice(2, 4)) return false;
    return a.slice(4) === "00" || b.slice(4) === "00" || a === b;
  }
  function anyCompatible(a, b) {
    if (!a.length || !b.length) return true;
    return a.some((x) => b.some((y) => compatible(x, y)));
  }

  // ------------------------------------------------------------------------------------------ names

  function makeNames(names, regions) {
    const brackets = names.brackets;
    const drop = new RegExp(names.drop, "gu");
    const legalForms = names.legal_forms;
    const legal = new RegExp(Object.keys(legalForms).sort((a, b) => b.length - a.length).map(escapeRe).join("|"), "gu");
    const branchRe = new RegExp("(" + names.branch_suffixes.map(escapeRe).join("|") + ")$", "u");
    const bracketed = /\(([^()]*)\)/gu;

    function clean(name) {
      const text = chars(name.normalize("NFKC")).map((ch) => (Object.prototype.hasOwnProperty.call(brackets, ch) ? brackets[ch] : ch)).join("");
      return text.replace(drop, "");
    }
    function lastLegalForm(text) {
      let found = null;
      for (const m of text.matchAll(legal)) found = m;
      return found;
    }
    const stripParens = (s) => s.replace(/^[()]+|[()]+$/g, "");
    function stripRegions(text) {
      const hints = new Set();
      text = text.replace(bracketed, (whole, content) => {
        if (regions.known(content)) {
          const codes = regions.lookup(content, [], true);
          if (codes.length) { codes.forEach((c) => hints.add(c)); return ""; }
        }
        return content;
      });
      let parents = [];
      for (;;) {
        const [n, codes] = regions.prefix(text, parents, 2, false);
        if (!n) break;
        codes.forEach((c) => hints.add(c));
        parents = codes;
        text = chars(text).slice(n).join("");
      }
      return [text.replace(/[()]/g, ""), [...hints].sort()];
    }
    // etl.normalise.normalise_name
    return function normaliseName(name) {
      let text = clean(name || "");
      let branch = null;
      const suffix = text.match(branchRe);
      if (suffix) {
        const body = text.slice(0, suffix.index);
        const last = lastLegalForm(body);
        if (last) {
          branch = stripParens(body.slice(last.index + last[0].length));
          text = body.slice(0, last.index + last[0].length);
        } else {
          branch = "";
          text = body;
        }
      }
      let legalForm = null, site = null;
      const last = lastLegalForm(text);
      if (last) {
        legalForm = legalForms[last[0]];
        site = stripParens(text.slice(last.index + last[0].length)) || null;
        text = text.slice(0, last.index);
      }
      let [core, hints] = stripRegions(text);
      if (chars(core).length < 2) core = text.replace(/[()]/g, "");
      const key = branch === null ? core : `${core}#${branch}分`;
      const choice = branch === null ? core : `${core}#${branch}`;
      return { core, key, choice, legalForm, branch, site, regions: hints };
    };
  }

  // --------------------------------------------------------------------------------------- matching

  // rapidfuzz Levenshtein.normalized_similarity over code points: 1 − distance / longer length.
  function similarity(a, b) {
    const m = a.length, n = b.length;
    const longer = Math.max(m, n);
    if (!longer) return 1;
    let prev = new Array(n + 1), cur = new Array(n + 1);
    for (let j = 0; j <= n; j++) prev[j] = j;
    for (let i = 1; i <= m; i++) {
      cur[0] = i;
      for (let j = 1; j <= n; j++) {
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      [prev, cur] = [cur, prev];
    }
    return 1 - prev[n] / longer;
  }

  const blockOf = (region) => (region == null ? "" : level(region) >= 2 ? region.slice(0, 4) : region.slice(0, 2));

  function makeIndex(index, t) {
    const ids = [], places = [], choices = [];  // choices: {owner, key, text, chars, legal, branch, regions, blocks}
    const byKey = new Map(), blocks = new Map(), byUscc = new Map(), byOrg = new Map(), byId = new Map();
    index.enterprises.forEach((e, i) => {
      ids.push(e.id);
      places.push(e.places);
      byId.set(e.id, e);
      if (e.uscc) {
        byUscc.set(e.uscc, e.id);
        const org = e.uscc.slice(8, 17);
        if (!byOrg.has(org)) byOrg.set(org, new Set());
        byOrg.get(org).add(e.id);
      }
      for (const [key, text, legal, branch, regions] of e.names) {
        const c = choices.length;
        const bs = new Set([...e.places, ...regions].map(blockOf));
        if (!bs.size) bs.add("");
        choices.push({ owner: i, key, text, chars: chars(text), legal, branch, regions, blocks: bs });
        for (const b of bs) { if (!blocks.has(b)) blocks.set(b, []); blocks.get(b).push(c); }
        if (!byKey.has(key)) byKey.set(key, []);
        byKey.get(key).push(c);
      }
    });

    function inBlock(c, block) {
      const bs = choices[c].blocks;
      return block.length === 4 ? bs.has(block) || bs.has(block.slice(0, 2)) : [...bs].some((b) => b.startsWith(block));
    }
    function candidateChoices(block) {
      const found = new Set();
      if (block.length === 4) {
        for (const b of [block, block.slice(0, 2)]) (blocks.get(b) || []).forEach((c) => found.add(c));
      } else {
        for (const [b, cs] of blocks) if (b && b.slice(0, 2) === block) cs.forEach((c) => found.add(c));
      }
      return [...found].sort((a, b) => a - b);
    }
    // etl.match.NameIndex._decide
    function decide(q, scored) {
      const best = new Map();
      const qPlaces = q.places;
      const qCounties = qPlaces.filter((p) => level(p) === 3);
      for (const [c, raw] of scored) {
        const n = choices[c];
        const entity = ids[n.owner];
        if ((n.branch) !== (q.name.branch !== null)) continue;
        const entityPlaces = [...new Set([...places[n.owner], ...n.regions])];
        if (!anyCompatible(q.name.regions, entityPlaces)) continue;
        if (!anyCompatible(n.regions, qPlaces)) continue;
        const exact = n.key === q.name.key;
        let score = exact ? 1.0 : raw;
        if (!exact && n.legal && q.name.legalForm && n.legal !== q.name.legalForm) score -= t.legal_form_penalty;
        const entityCounties = entityPlaces.filter((p) => level(p) === 3);
        if (entityCounties.length && qCounties.length && !entityCounties.some((p) => qCounties.includes(p))) {
          score -= t.county_penalty;
        }
        const prior = best.has(entity) ? best.get(entity)[0] : -1.0;
        if (score > prior) best.set(entity, [round4(score), exact]);
      }
      const ranked = [...best.entries()].sort((a, b) => (b[1][0] - a[1][0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const candidates = ranked.filter(([, [s]]) => s >= t.review).map(([e, [s]]) => [e, s]);
      if (!candidates.length) return { id: null, method: null, score: null, band: NEW, candidates: [] };
      const [top, [score, exact]] = ranked[0];
      const runnerUp = ranked.length > 1 ? ranked[1][1][0] : 0.0;
      if (q.region !== null && score >= t.auto && score - runnerUp >= t.margin) {
        return { id: top, method: exact ? "name_exact" : "name_fuzzy", score, band: AUTO, candidates };
      }
      return { id: null, method: null, score, band: REVIEW, candidates };
    }
    // etl.match.NameIndex.match, for one query
    function match(q) {
      const block = blockOf(q.region);
      const exact = (byKey.get(q.name.key) || []).filter((c) => !block || inBlock(c, block));
      if (exact.length || !block) {
        const d = decide(q, exact.map((c) => [c, 1.0]));
        if (d.band === AUTO || !block) return d;
      }
      const text = chars(q.name.choice);
      const scored = [];
      for (const c of candidateChoices(block)) {
        const raw = similarity(text, choices[c].chars);
        // rapidfuzz.process.cdist(dtype=float32, score_cutoff=review)
        if (raw >= t.review) scored.push([c, Math.fround(raw)]);
      }
      scored.sort((a, b) => (b[1] - a[1]) || (a[0] - b[0]));
      return decide(q, scored.slice(0, t.top_k));
    }
    return { match, byUscc, byOrg, byId };
  }

  function makeScreener(rules, index) {
    const repairCode = makeCodes(rules.rules.codes);
    const regions = makeRegions(rules.regions, rules.rules.names);
    const normaliseName = makeNames(rules.rules.names, regions);
    const names = makeIndex(index, rules.thresholds);

    // etl.match.record_region
    function recordRegion(placeTexts, name) {
      const resolved = placeTexts.map((p) => regions.resolveRegion(p));
      if (name && name.regions.length) resolved.push(regions.commonCode(name.regions));
      let found = null;
      for (const code of resolved) {
        if (code === null) continue;
        if (found === null || (compatible(found, code) && level(code) > level(found))) found = code;
      }
      return found;
    }
    // etl.screen.screen, for one row
    function screenRow(row) {
      const code = repairCode(row.uscc);
      let id = null, method = null;
      if (code.uscc && names.byUscc.has(code.uscc)) {
        id = names.byUscc.get(code.uscc);
        method = code.status === "valid" ? "uscc_exact" : "uscc_repaired";
      } else if (code.status === "org_code") {
        const owners = names.byOrg.get(code.used) || new Set();
        if (owners.size === 1) { id = [...owners][0]; method = "org_code"; }
      }
      let result;
      if (id !== null) {
        result = { id, method, score: 1.0, band: AUTO };
      } else {
        const name = normaliseName(row.name);
        let region = recordRegion([row.region, row.address], name);
        if (code.uscc && region === null) region = code.uscc.slice(2, 8);
        const places = [...new Set([...name.regions, ...(region ? [region] : [])])];
        const d = names.match({ name, region, places });
        if (d.band === AUTO) result = { id: d.id, method: d.method, score: d.score, band: AUTO };
        else if (d.band === REVIEW) result = { id: d.candidates[0][0], method: "name_candidate", score: d.candidates[0][1], band: REVIEW };
        else result = { id: null, method: null, score: null, band: NEW };
      }
      result.codeStatus = code.status;
      result.enterprise = result.id === null ? null : names.byId.get(result.id);
      return result;
    }
    return { screenRow, normaliseName, recordRegion, repairCode };
  }

  // ---------------------------------------------------------------------------------------- reading

  function parseDelimited(text) {
    text = text.replace(/^\ufeff/, "");
    const first = text.split(/\r?\n/, 1)[0];
    const delimiter = first.includes("\t") ? "\t" : first.includes(",") ? "," : first.includes(";") ? ";" : ",";
    const rows = [];
    let row = [], field = "", quoted = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
        } else field += ch;
      } else if (ch === '"' && field === "") quoted = true;
      else if (ch === delimiter) { row.push(field); field = ""; }
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        row.push(field); rows.push(row); row = []; field = "";
      } else field += ch;
    }
    if (field !== "" || row.length) { row.push(field); rows.push(row); }
    return rows.filter((r) => r.some((c) => c.trim() !== ""));
  }

  // XLSX: a zip of XML parts. Read the central directory, inflate with DecompressionStream("deflate-raw").
  async function unzip(buffer) {
    const view = new DataView(buffer);
    let eocd = -1;
    for (let i = buffer.byteLength - 22; i >= Math.max(0, buffer.byteLength - 65557); i--) {
      if (view.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
    }
    if (eocd < 0) throw new Error("not a zip file (XLSX)");
    const count = view.getUint16(eocd + 10, true);
    let p = view.getUint32(eocd + 16, true);
    const entries = new Map();
    const decoder = new TextDecoder();
    for (let k = 0; k < count; k++) {
      if (view.getUint32(p, true) !== 0x02014b50) throw new Error("damaged zip directory");
      const method = view.getUint16(p + 10, true);
      const size = view.getUint32(p + 20, true);
      const nameLength = view.getUint16(p + 28, true);
      const extra = view.getUint16(p + 30, true);
      const comment = view.getUint16(p + 32, true);
      const local = view.getUint32(p + 42, true);
      const name = decoder.decode(new Uint8Array(buffer, p + 46, nameLength));
      entries.set(name, { method, size, local });
      p += 46 + nameLength + extra + comment;
    }
    return async function read(name) {
      const e = entries.get(name);
      if (!e) return null;
      const start = e.local + 30 + view.getUint16(e.local + 26, true) + view.getUint16(e.local + 28, true);
      const data = new Uint8Array(buffer, start, e.size);
      if (e.method === 0) return decoder.decode(data);
      if (e.method !== 8) throw new Error(`zip compression method ${e.method} is not supported`);
      const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
      return decoder.decode(await new Response(stream).arrayBuffer());
    };
  }

  function columnIndex(ref) {
    let n = 0;
    for (const ch of ref.replace(/\d+$/, "")) n = n * 26 + (ch.charCodeAt(0) - 64);
    return n - 1;
  }

  async function parseXlsx(buffer) {
    const read = await unzip(buffer);
    const xml = (text) => new DOMParser().parseFromString(text, "application/xml");
    const workbook = xml(await read("xl/workbook.xml"));
    const sheet = workbook.getElementsByTagName("sheet")[0];
    const rid = sheet.getAttribute("r:id") || sheet.getAttributeNS("http://schemas.openxmlformats.org/officeDocument/2006/relationships", "id");
    let target = "worksheets/sheet1.xml";
    const rels = await read("xl/_rels/workbook.xml.rels");
    if (rels) {
      for (const rel of xml(rels).getElementsByTagName("Relationship")) {
        if (rel.getAttribute("Id") === rid) target = rel.getAttribute("Target");
      }
    }
    const path = target.startsWith("/") ? target.slice(1) : "xl/" + target;
    const shared = [];
    const sst = await read("xl/sharedStrings.xml");
    if (sst) {
      for (const si of xml(sst).getElementsByTagName("si")) {
        shared.push([...si.getElementsByTagName("t")].map((t) => t.textContent).join(""));
      }
    }
    const rows = [];
    for (const r of xml(await read(path)).getElementsByTagName("row")) {
      const row = [];
      let next = 0;
      for (const c of r.getElementsByTagName("c")) {
        const ref = c.getAttribute("r");
        const col = ref ? columnIndex(ref) : next;
        next = col + 1;
        const type = c.getAttribute("t");
        const v = c.getElementsByTagName("v")[0];
        let value = "";
        if (type === "s") value = v ? shared[Number(v.textContent)] : "";
        else if (type === "inlineStr") value = [...c.getElementsByTagName("t")].map((t) => t.textContent).join("");
        else value = v ? v.textContent : "";
        row[col] = value;
      }
      rows.push(Array.from(row, (x) => x ?? ""));
    }
    return rows.filter((r) => r.some((c) => String(c).trim() !== ""));
  }

  function toRecords(rows) {
    if (!rows.length) throw new Error("the list is empty");
    const header = rows[0].map((h) => String(h).trim().toLowerCase());
    if (!header.includes("name")) throw new Error("the list needs a `name` column 需要 name 列");
    return rows.slice(1).map((r) => {
      const record = {};
      header.forEach((h, i) => {
        const v = r[i] === undefined ? "" : String(r[i]);
        record[h] = v.trim() === "" ? null : v;
      });
      return record;
    });
  }

  // ---------------------------------------------------------------------------------------------- page

  const GRADES = { green: "绿牌 green", blue: "蓝牌 blue", yellow: "黄牌 yellow", red: "红牌 red", black: "黑牌 black" };
  const METHODS = {
    uscc_exact: "统一社会信用代码一致 USCC exact",
    uscc_repaired: "统一社会信用代码（已修正）USCC repaired",
    org_code: "组织机构代码一致 organisation code",
    name_exact: "名称一致 name exact",
  };

  function reason(r) {
    if (r.band === NEW) return "未匹配 no match";
    if (r.method === "name_fuzzy") return `名称相似 name ${r.score.toFixed(2)}`;
    if (r.method === "name_candidate") return `待核对 to check: name ${r.score.toFixed(2)}`;
    return METHODS[r.method] || r.method;
  }

  const CSV_COLUMNS = ["name", "uscc", "address", "region", "enterprise_id", "matched_uscc", "matched_name", "method",
    "score", "band", "reason", "open_records", "serious_records", "credit_grade", "url"];

  function csvCell(v) {
    const s = v == null ? "" : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  function init() {
    const form = document.getElementById("screen-form");
    if (!form) return;
    const status = document.getElementById("screen-status");
    const table = document.getElementById("screen-results");
    const body = table.querySelector("tbody");
    const download = document.getElementById("screen-download");
    const base = document.body.dataset.root || "";
    let screener = null, results = [];

    const ready = Promise.all(["screen/rules.json", "screen/index.json"].map((p) =>
      fetch(base + p).then((r) => { if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`); return r.json(); })))
      .then(([rules, index]) => {
        screener = makeScreener(rules, index);
        window.qingtianScreen = screener;  // for the parity test
        status.textContent = `索引已载入：${index.enterprises.length} 家企业 Index loaded: ${index.enterprises.length} enterprises`;
        form.dataset.ready = "true";
      })
      .catch((err) => { status.textContent = `索引载入失败 Index failed to load: ${err.message}`; });

    function render() {
      body.replaceChildren();
      for (const { row, result } of results) {
        const tr = document.createElement("tr");
        tr.className = `band-${result.band}`;
        const input = document.createElement("td");
        input.textContent = [row.name, row.uscc, row.region || row.address].filter(Boolean).join(" · ");
        const company = document.createElement("td");
        if (result.enterprise) {
          const a = document.createElement("a");
          a.href = base + result.enterprise.url;
          a.textContent = result.enterprise.name;
          company.append(a);
        } else company.textContent = "—";
        const why = document.createElement("td");
        why.className = "reason";
        why.textContent = reason(result);
        const open = document.createElement("td");
        const serious = document.createElement("td");
        const grade = document.createElement("td");
        open.className = serious.className = "num";
        open.textContent = result.enterprise ? result.enterprise.open : "—";
        serious.textContent = result.enterprise ? result.enterprise.serious : "—";
        grade.textContent = result.enterprise && result.enterprise.grade ? GRADES[result.enterprise.grade] || result.enterprise.grade : "—";
        tr.append(input, company, why, open, serious, grade);
        body.append(tr);
      }
      table.hidden = !results.length;
      download.disabled = !results.length;
      const matched = results.filter((r) => r.result.band === AUTO).length;
      const review = results.filter((r) => r.result.band === REVIEW).length;
      status.textContent = `${results.length} 行 rows: ${matched} 匹配 matched, ${review} 待核对 to check, ` +
        `${results.length - matched - review} 未匹配 no match`;
    }

    async function run(rows) {
      await ready;
      if (!screener) return;
      try {
        const records = toRecords(rows);
        results = records.map((row) => ({ row, result: screener.screenRow(row) }));
        render();
      } catch (err) {
        results = [];
        render();
        status.textContent = err.message;
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(parseDelimited(document.getElementById("screen-paste").value));
    });
    document.getElementById("screen-file").addEventListener("change", (event) => {
      const file = event.target.files[0];
      if (!file) return;
      const reader = new FileReader();
      const isXlsx = /\.xlsx$|\.xlsm$/i.test(file.name);
      reader.onload = async () => {
        try {
          run(isXlsx ? await parseXlsx(reader.result) : parseDelimited(reader.result));
        } catch (err) {
          status.textContent = `无法读取 Cannot read ${file.name}: ${err.message}`;
        }
      };
      if (isXlsx) reader.readAsArrayBuffer(file); else reader.readAsText(file, "utf-8");
    });
    download.addEventListener("click", () => {
      const lines = [CSV_COLUMNS.join(",")];
      for (const { row, result } of results) {
        const e = result.enterprise;
        lines.push([row.name, row.uscc, row.address, row.region, result.id, e && e.uscc, e && e.name, result.method,
          result.score, result.band, reason(result), e && e.open, e && e.serious, e && e.grade, e && e.url].map(csvCell).join(","));
      }
      const blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "screened.csv";
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
