// The page audit (tests/browser/test_page_audit.py): run in a loaded page by Playwright's
// page.evaluate (the DevTools protocol, so the page's Content-Security-Policy does not apply), it
// returns what a person would read wrongly: one {kind, path, text} per problem.
//
//   latin-letters    Latin letters in Persian text outside an element marked as a code
//   latin-digits     Latin digits in Persian text (or in a pre-filled date field)
//   latin-separator  a Latin point or comma between Persian digits (۴۸۰.۰۰), even in a quantity
//   internal-code    a snake_case token or a raw value of the project's choices (a stage slug)
//   middle-dot       a middle dot (·) in Persian text outside a code: beside a code it reads as a zero (۰)
//   persian-on-en    Persian punctuation or digits in English text
//   not-isolated     a code or a number with a Latin unit outside <bdi>/[dir=ltr]
//   too-wide         the page scrolls sideways at its width (with the elements that stick out)
//
// args: {enums: [raw values of the choices enums and stage slugs], width: the viewport's width}.
(args) => {
  const problems = [];
  const lang = (document.documentElement.lang || "fa").slice(0, 2);
  const persian = lang === "fa";
  const enums = new Set(args.enums || []);
  const D = "[0-9\u06F0-\u06F9]";
  const CODE_PATTERNS = [
    new RegExp(`${D}{2}[NS]-${D}{4}-${D}{5}-${D}{3}-[0-9\u06F0-\u06F9X]`), // file code
    /BJ-[A-Z0-9\u06F0-\u06F9]{5}-[A-Z0-9\u06F0-\u06F9]{5}-[A-Z0-9\u06F0-\u06F9]{2}/, // tracking code
    new RegExp(`(?<![-/0-9\u06F0-\u06F9])${D}{1,4}(-${D}{1,5}){6}(?![-0-9\u06F0-\u06F9])`), // renovation code
    new RegExp(`(?<![/0-9\u06F0-\u06F9])${D}{1,6}/${D}{1,6}(?![/0-9\u06F0-\u06F9])`), // registry plate
    new RegExp(`${D}+([.,\u066B\u066C]${D}+)*\\s?(m²|m2|km|cm|mm|m|KB|kB|MB|GB|bytes|°)(?![A-Za-z0-9])`), // unit
    new RegExp(`°\\s?${D}`),
  ];
  const SKIP = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"]);
  // codes and what people typed themselves (shown with dir=auto, its direction from its own text)
  const CODE_SELECTOR = "bdi, [dir=ltr], [dir=auto], code, .code, kbd, samp";
  const width = args.width || window.innerWidth;
  const PERSIAN_LETTER = /[\u0621-\u064A\u067E\u0686\u0698\u06A9\u06AF\u06CC\u0622]/;

  function path(el) {
    const parts = [];
    for (let e = el; e && e !== document.body && e.nodeType === 1 && parts.length < 7; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) part += `#${e.id}`;
      else if (e.dataset && e.dataset.testid) part += `[data-testid=${e.dataset.testid}]`;
      else if (e.classList.length) part += `.${e.classList[0]}`;
      const same = e.parentElement ? [...e.parentElement.children].filter((c) => c.tagName === e.tagName) : [];
      if (same.length > 1 && !e.id) part += `:nth-of-type(${same.indexOf(e) + 1})`;
      parts.unshift(part);
    }
    return parts.join(" > ");
  }

  function add(kind, el, text) {
    problems.push({ kind, path: path(el), text: text.replace(/\s+/g, " ").trim().slice(0, 160) });
  }

  function inCode(el) {
    const marked = el.closest(CODE_SELECTOR);  // the page's own <html dir> marks nothing
    return !!marked && marked !== document.documentElement;
  }

  function inOtherLanguage(el) {
    const marked = el.closest("[lang]");
    return marked && marked !== document.documentElement && !marked.lang.startsWith(lang);
  }

  function checkText(el, text) {
    if (!text.trim()) return;
    const asCode = inCode(el);
    const other = inOtherLanguage(el);
    const found = new Set();
    // internal codes: snake_case tokens (but in an element marked as a code a person types, such as a
    // file attribute's name), raw enum values anywhere in Persian text, alone in English text
    const typed = !!el.closest("code, .code");
    for (const token of text.match(/[A-Za-z][A-Za-z0-9_]*/g) || []) {
      if (!typed && /^[a-z0-9]+(_[a-z0-9]+)+$/.test(token)) found.add("internal-code");
      else if (!typed && enums.has(token) && (persian || text.trim().replace(/^\(|\)$/g, "") === token)) {
        found.add("internal-code");
      }
    }
    if (persian && !other && !asCode) {
      if (/[A-Za-z]/.test(text)) found.add("latin-letters");
      if (/[0-9]/.test(text)) found.add("latin-digits");
    }
    // Persian figures take ٫ and ٬ wherever they stand: «۴۸۰.۰۰» beside «۴۸۰٫۰» was seen on one page
    if (persian && !other && /[\u06F0-\u06F9][.,][\u06F0-\u06F9]/.test(text)) found.add("latin-separator");
    // Persian lines separate their items with «، » ({% sep %}): a middle dot after a code reads as a zero
    if (persian && !other && !asCode && /\u00B7/.test(text)) found.add("middle-dot");
    if (!persian && !other && /[\u060C\u066A\u061B\u066B\u066C\u06F0-\u06F9]/.test(text) && !PERSIAN_LETTER.test(text)) {
      found.add("persian-on-en");
    }
    // isolation matters where the line reads right to left: on Persian pages
    if (persian && !asCode && CODE_PATTERNS.some((re) => re.test(text))) found.add("not-isolated");
    for (const kind of found) add(kind, el, text);
  }

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      for (let e = node.parentElement; e; e = e.parentElement) if (SKIP.has(e.tagName)) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  for (let node = walker.nextNode(); node; node = walker.nextNode()) checkText(node.parentElement, node.nodeValue);

  // what a person reads that is no text node: button values, placeholders, titles, image texts
  for (const el of document.body.querySelectorAll("[placeholder], [title], img[alt], input[type=submit][value], input[type=button][value]")) {
    for (const attr of ["placeholder", "title", "alt", "value"]) {
      if (attr === "value" && !["submit", "button"].includes(el.type)) continue;
      const text = el.getAttribute(attr);
      if (text && !(attr === "placeholder" && inCode(el))) checkText(el, text);
    }
  }
  // a pre-filled date in a form field is read as written: Persian digits on a Persian page
  if (persian) {
    for (const el of document.body.querySelectorAll("input:not([type=hidden])")) {
      if (new RegExp(`[0-9]{2,4}[/-][0-9]{1,2}[/-][0-9]{1,4}`).test(el.value || "")) add("latin-digits", el, `value=${el.value}`);
    }
  }

  // a phone widens its layout viewport to the content: compare with the width the page was opened at
  if (document.documentElement.scrollWidth > width || window.innerWidth > width) {
    const wide = [...document.body.querySelectorAll("*")]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.right > width + 1 || r.left < -1);
      })
      .filter((e, _i, all) => !all.some((o) => o !== e && e.contains(o)))
      .slice(0, 3)
      .map((e) => path(e));
    problems.push({
      kind: "too-wide",
      path: wide.join(" | ") || "html",
      text: `scrollWidth ${document.documentElement.scrollWidth} > ${width}`,
    });
  }
  return problems;
}
